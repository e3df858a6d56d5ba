/**
 * Callback delivery: signed webhooks and A2A push notifications. A failed attempt stays on the
 * queue, invisible for a growing while (hours, by the end: see `callbackRetrySeconds`), and keeps
 * its message and so its `webhook-id`; past the queue's receive limit it goes to the dead-letter
 * queue, where the console shows it and can send it again.
 */
import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { deliverCallback } from "../shared/core/async/deliver.ts";
import { callbackRetrySeconds, QueuedCallbackSchema } from "../shared/core/async/messages.ts";
import type { AppDeps } from "../shared/deps.ts";
import { depsOnce } from "./lib/deps.ts";
import { queueUrl, sqsClient, sqsQueues } from "./lib/queues.ts";
import { receiveCount, sqsConsumer } from "./lib/sqs.ts";

export const deliverHandler = (deps: () => AppDeps) => sqsConsumer(
  QueuedCallbackSchema,
  async (message, record, deps) => {
    const outcome = await deliverCallback(message, deps);
    if (outcome.kind === "delivered") return;
    if (outcome.kind === "dropped") {
      deps.log.info("callback dropped", { ...("jobId" in message ? { jobId: message.jobId } : { keyId: message.keyId }), target: message.target, reason: outcome.reason });
      return;
    }
    await (await sqsClient()).send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl("callbacks", process.env),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: callbackRetrySeconds(receiveCount(record)),
      }),
    );
    throw new Error(`callback not delivered: ${outcome.reason}`);
  },
  deps,
);

export const handler = deliverHandler(depsOnce(sqsQueues));
