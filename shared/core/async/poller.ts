/**
 * The poller (SPEC §1, §5, §6): one step of the task driver, one `tasks/get`, per message. A
 * settled task is stored once (a conditional write, however many deliveries race) and announced;
 * an unsettled one is the same message sent again with a longer delay, so nothing runs, let alone
 * sleeps, between polls.
 */
import type { AppDeps } from "../../deps.ts";
import { UpstreamError } from "../../errors.ts";
import type { Job } from "../../ports.ts";
import { isFinished } from "../../ports.ts";
import { RpcCode, RpcError } from "../../protocol/jsonrpc.ts";
import { cardVersion } from "../../protocol/translate.ts";
import { pollTask } from "../driver.ts";
import { isSettledResult } from "../task-state.ts";
import { endJob, endOf, failedEnd, type JobEnd } from "./finish.ts";
import { pollDelaySeconds, type PollMessage } from "./messages.ts";
import { jobTrace } from "./job-id.ts";

/** Failed polls in a row (agent down, timing out) before the job is given up. */
export const MAX_POLL_ERRORS = 10;

export type PollOutcome = "finished" | "rescheduled" | "already-finished" | "stale";

export async function processPoll(msg: PollMessage, deps: AppDeps): Promise<PollOutcome> {
  const job = await deps.jobs.get(msg.jobId);
  if (!job) return "stale"; // expired or never recorded: nothing left to drive
  if (isFinished(job.status)) return "already-finished";
  const checked = await checkTask(job, msg.attempt + 1, msg.errors, deps);
  if (checked !== "pending" && checked !== "poll-failed") return checked;
  const errors = checked === "poll-failed" ? msg.errors + 1 : 0;
  await deps.pollQueue.send({ jobId: job.id, attempt: msg.attempt + 1, errors }, pollDelaySeconds(msg.attempt + 1));
  return "rescheduled";
}

/**
 * An agent pushed news of a job's task (the gateway registered itself for agents that push): one
 * `tasks/get` tells whether it settled. The push body itself is not trusted for the result.
 */
export async function onAgentPush(jobId: string, deps: AppDeps): Promise<PollOutcome | "pending"> {
  const job = await deps.jobs.get(jobId);
  if (!job) return "stale";
  if (isFinished(job.status)) return "already-finished";
  const checked = await checkTask(job, job.polls + 1, 0, deps);
  return checked === "poll-failed" ? "pending" : checked;
}

/** One look at a job's task: its end stored if it settled, else "pending" (or "poll-failed"). */
async function checkTask(job: Job, polls: number, errorsSoFar: number, deps: AppDeps): Promise<PollOutcome | "pending" | "poll-failed"> {
  if (deps.clock.now() > Date.parse(job.createdAt) + deps.config.taskTtlSeconds * 1000) {
    return finish(job, failedEnd(job, "The task did not finish within the gateway's task lifetime"), polls, deps);
  }
  const agent = await deps.agents.get(job.agent);
  if (!agent) return finish(job, failedEnd(job, `Agent "${job.agent}" was removed`), polls, deps);

  let task: Record<string, unknown>;
  try {
    task = await pollTask({ agent, version: cardVersion(agent.card).preferred, trace: jobTrace(job.id) }, job.taskId, deps.upstream);
  } catch (e) {
    if (e instanceof RpcError && e.code === RpcCode.TaskNotFound) return finish(job, failedEnd(job, "The agent no longer knows the task"), polls, deps);
    if (!(e instanceof UpstreamError || e instanceof RpcError)) throw e;
    if (errorsSoFar + 1 >= MAX_POLL_ERRORS) return finish(job, failedEnd(job, `The agent could not be polled: ${e.message}`), polls, deps);
    deps.log.warn("poll failed", { jobId: job.id, agent: job.agent, error: e.message });
    return "poll-failed";
  }
  if (!isSettledResult(task)) return "pending";
  return finish(job, endOf(job, task), polls, deps);
}

async function finish(job: Job, end: JobEnd, polls: number, deps: AppDeps): Promise<PollOutcome> {
  return (await endJob(job, end, polls, deps)) ? "finished" : "already-finished";
}

/**
 * A poll message's last allowed receive failed too: the job ends as failed, announced like any
 * other end, before the queue moves the message to its dead-letter queue.
 */
export async function giveUp(msg: PollMessage, deps: AppDeps): Promise<PollOutcome> {
  const job = await deps.jobs.get(msg.jobId);
  if (!job) return "stale";
  if (isFinished(job.status)) return "already-finished";
  return finish(job, failedEnd(job, "The gateway could not drive the task to its end"), msg.attempt, deps);
}
