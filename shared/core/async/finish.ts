/**
 * How a job ends: the stored object and its status (`endOf`, `failedEnd`), and the one way an end
 * is made (`endJob`), shared by the poller, cancel and the poller's last receive.
 */
import type { Job } from "../../ports.ts";
import type { AppDeps } from "../../deps.ts";
import { chatCompletionObject, failureMessage, isFailure, responseObject, turnState, type TurnMeta } from "../bridge/objects.ts";
import { announce } from "./announce.ts";
import { meterTaskEnd } from "../metering.ts";
import { describeError } from "../../log.ts";
import type { Obj } from "../shape.ts";

export type JobEnd = Pick<Job, "status" | "result" | "error">;

export const metaOf = (job: Job): TurnMeta => ({
  id: job.id,
  created: Math.floor(Date.parse(job.createdAt) / 1000),
  model: job.model ?? `a2a/${job.agent}`,
  wantsJson: job.wantsJson === true,
  promptTokens: job.promptTokens ?? 0,
});

/** The end of a job whose agent task settled (0.3 form). */
export function endOf(job: Job, task: Obj): JobEnd {
  const state = turnState(task);
  if (job.kind === "a2a") return { status: isFailure(state) ? (state === "canceled" ? "cancelled" : "failed") : "completed", result: task };
  if (isFailure(state)) {
    const error = { code: "agent_failed", message: failureMessage(task) };
    if (job.kind === "response") return { status: state === "canceled" ? "cancelled" : "failed", result: responseObject(metaOf(job), state === "canceled" ? "cancelled" : "failed", task, error), error };
    return { status: "failed", error };
  }
  const meta = metaOf(job);
  return { status: "completed", result: job.kind === "response" ? responseObject(meta, "completed", task) : chatCompletionObject(meta, task) };
}

/**
 * The end of a job the gateway gave up on (agent gone, task forgotten, polls failing, time up).
 * An A2A job's end is a `failed` task saying why, so push targets hear of it and `tasks/get`
 * answers it once the agent has forgotten the task. Built from the job alone, so a repeated
 * give-up produces the very same end.
 */
export function failedEnd(job: Job, message: string): JobEnd {
  const error = { code: "task_failed", message };
  if (job.kind === "a2a") return { status: "failed", result: givenUpTask(job, message), error };
  return job.kind === "response" ? { status: "failed", result: responseObject(metaOf(job), "failed", undefined, error), error } : { status: "failed", error };
}

function givenUpTask(job: Job, message: string): Obj {
  return {
    kind: "task",
    id: job.taskId,
    ...(job.contextId ? { contextId: job.contextId } : {}),
    status: {
      state: "failed",
      message: { kind: "message", role: "agent", messageId: `${job.id}.failed`, parts: [{ kind: "text", text: message }] },
    },
  };
}

/**
 * Ends a job: announces the end, meters the agent's time on it, then stores it; false when another
 * writer stored one first.
 *
 * In this order a crash at any point repeats an announcement and never loses one: until the end is
 * stored, whatever drives the job runs this again (the poll message's redelivery; after a cancel,
 * the poll still in flight) and announces under the same event ids, which receivers drop as
 * repeats. Deliveries wait until an end is stored and drop announcements it superseded (a cancel
 * that lost the race to a completion), so no callback tells of an end that cannot be fetched.
 * The conditional write stores one end however many writers race; the metering, keyed by the
 * job, counts it once however many run.
 */
export async function endJob(job: Job, end: JobEnd, polls: number, deps: Pick<AppDeps, "jobs" | "keys" | "agents" | "meter" | "callbackQueue" | "clock" | "log">): Promise<boolean> {
  const at = new Date(deps.clock.now()).toISOString();
  await announce({ ...job, ...end, polls, updatedAt: at }, deps);
  // Metering never holds up an end (a job may be given up because its agent cannot be read).
  await meterTaskEnd(job, end, deps).catch((e: unknown) => deps.log.error("task end not metered", { jobId: job.id, ...describeError(e) }));
  return deps.jobs.finish(job.id, { ...end, polls }, at);
}
