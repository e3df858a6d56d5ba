/**
 * The poller: drives queued agent tasks to their end, one `tasks/get` per message. A message that
 * keeps failing ends its job as failed on its last delivery and then goes to the dead-letter queue.
 */
import { queues } from "../infra/schema.ts";
import { PollMessageSchema } from "../shared/core/async/messages.ts";
import { giveUp, processPoll } from "../shared/core/async/poller.ts";
import type { AppDeps } from "../shared/deps.ts";
import { describeError } from "../shared/log.ts";
import { depsOnce } from "./lib/deps.ts";
import { sqsQueues } from "./lib/queues.ts";
import { receiveCount, sqsConsumer } from "./lib/sqs.ts";

export const pollerHandler = (deps: () => AppDeps) => sqsConsumer(
  PollMessageSchema,
  async (message, record, deps) => {
    try {
      await processPoll(message, deps);
    } catch (e) {
      if (receiveCount(record) >= queues.tasks.maxReceiveCount) {
        await giveUp(message, deps).catch((failure: unknown) => deps.log.error("giving up a job failed", { jobId: message.jobId, ...describeError(failure) }));
      }
      throw e;
    }
  },
  deps,
);

export const handler = pollerHandler(depsOnce(sqsQueues));
