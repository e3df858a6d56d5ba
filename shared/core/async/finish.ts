/** How a settled agent task becomes the end of a job: the stored object and its status. */
import type { Job } from "../../ports.ts";
import { chatCompletionObject, failureMessage, isFailure, responseObject, turnState, type TurnMeta } from "../bridge/objects.ts";

type Obj = Record<string, unknown>;
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

/** The end of a job that could not be driven to one (agent gone, task forgotten, time up). */
export function failedEnd(job: Job, message: string): JobEnd {
  const error = { code: "task_failed", message };
  return job.kind === "response" ? { status: "failed", result: responseObject(metaOf(job), "failed", undefined, error), error } : { status: "failed", error };
}
