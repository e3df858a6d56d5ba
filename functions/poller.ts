/**
 * The poller: drives queued agent tasks to their end, one `tasks/get` per message. A message that
 * keeps failing is marked failed on its last delivery and then goes to the dead-letter queue.
 */
import { queues } from "../infra/schema.ts";
import { failedEnd } from "../shared/core/async/finish.ts";
import { announce } from "../shared/core/async/announce.ts";
import { PollMessageSchema } from "../shared/core/async/messages.ts";
import { processPoll } from "../shared/core/async/poller.ts";
import type { AppDeps } from "../shared/deps.ts";
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
        const job = await deps.jobs.get(message.jobId).catch(() => undefined);
        const end = job && failedEnd(job, "The gateway could not drive the task to its end");
        if (job && end && (await deps.jobs.finish(job.id, { ...end, polls: message.attempt }, new Date().toISOString()).catch(() => false))) {
          await announce({ ...job, ...end }, deps).catch(() => undefined);
        }
      }
      throw e;
    }
  },
  deps,
);

export const handler = pollerHandler(depsOnce(sqsQueues));
