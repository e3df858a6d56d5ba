/**
 * SQS queues: one `sst.aws.Queue` per entry of `queues` in ./schema.ts, each with its own
 * dead-letter queue that takes a message after `maxReceiveCount` deliveries.
 *
 * The consumers (tasks → poller, callbacks → deliver) are subscribed in ./api.ts, next to the
 * other functions, because every function shares one environment and that environment includes
 * the Router's URL.
 */
import { DEAD_LETTER_RETENTION_SECONDS, queues as queueDefs, type QueueName } from "./schema.ts";
import { pascal } from "./storage.ts";

export const queueNames = Object.keys(queueDefs) as QueueName[];

export const deadLetterQueues = Object.fromEntries(
  queueNames.map((name) => [
    name,
    new sst.aws.Queue(`${pascal(name)}DeadLetterQueue`, {
      transform: { queue: { messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS } },
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
        transform: { queue: { messageRetentionSeconds: def.retentionSeconds } },
      }),
    ];
  }),
) as Record<QueueName, sst.aws.Queue>;
