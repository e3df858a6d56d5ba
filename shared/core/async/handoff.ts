/**
 * Handing work to the queue (SPEC §5): the job is recorded, then its first poll is queued. A job
 * that is already finished is recorded finished and announced at once.
 */
import type { Job, JobStore, KeyStore, Queue } from "../../ports.ts";
import { isFinished } from "../../ports.ts";
import { announce } from "./announce.ts";
import { pollDelaySeconds, type CallbackMessage, type PollMessage } from "./messages.ts";

export interface AsyncDeps {
  jobs: JobStore;
  keys: KeyStore;
  pollQueue: Queue<PollMessage>;
  callbackQueue: Queue<CallbackMessage>;
}

export async function handOff(job: Job, deps: AsyncDeps): Promise<void> {
  await deps.jobs.create(job);
  if (isFinished(job.status)) await announce(job, deps);
  else await deps.pollQueue.send({ jobId: job.id, attempt: 0, errors: 0 }, pollDelaySeconds(0));
}
