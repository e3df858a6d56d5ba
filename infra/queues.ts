/**
 * SQS queues: one `sst.aws.Queue` per entry of `queues` in ./schema.ts, each with its own
 * dead-letter queue that takes a message after `maxReceiveCount` deliveries.
 *
 * The consumers (tasks → poller, callbacks → deliver) are subscribed in ./api.ts, next to the
 * other functions, because every function shares one environment and that environment includes
 * the Router's URL.
 */
import { queues as queueDefs, type QueueName } from "./schema.ts";
import { pascal } from "./storage.ts";

/** SQS's maximum, so a poisoned message stays inspectable for two weeks (the default is 4 days). */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

export const queueNames = Object.keys(queueDefs) as QueueName[];

export const deadLetterQueues = Object.fromEntries(
  queueNames.map((name) => [
    name,
    new sst.aws.Queue(`${pascal(name)}DeadLetterQueue`, {
      transform: { queue: { messageRetentionSeconds: DLQ_RETENTION_SECONDS } },
    }),
  ]),
) as Record<QueueName, sst.aws.Queue>;

export const queues = Object.fromEntries(
  queueNames.map((name) => {
    const def = queueDefs[name];
    return [
      name,
      new sst.aws.Queue(`${pascal(name)}Queue`, {
        visibilityTimeout: `${def.visibilityTimeout} seconds`,
        dlq: { queue: deadLetterQueues[name].arn, retry: def.maxReceiveCount },
      }),
    ];
  }),
) as Record<QueueName, sst.aws.Queue>;
