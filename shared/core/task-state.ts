/**
 * Task states across versions: 0.3 says `input-required`, 1.0 says `TASK_STATE_INPUT_REQUIRED`.
 * The gateway reasons in the 0.3 spelling (A2A spec §"TaskState").
 */
import type { A2AVersion } from "../protocol/methods.ts";
import { isObj, type Obj } from "./shape.ts";

export type TaskStateName =
  | "submitted"
  | "working"
  | "input-required"
  | "auth-required"
  | "completed"
  | "canceled"
  | "failed"
  | "rejected"
  | "unknown";

export function normalizeState(state: unknown): TaskStateName {
  if (typeof state !== "string") return "unknown";
  const s = state.replace(/^TASK_STATE_/, "").toLowerCase().replace(/_/g, "-");
  return (["submitted", "working", "input-required", "auth-required", "completed", "canceled", "failed", "rejected"] as const).find(
    (x) => x === s || (x === "canceled" && s === "cancelled"),
  ) ?? "unknown";
}

/** No more work will happen on the task. */
export const isTerminal = (s: TaskStateName) => s === "completed" || s === "canceled" || s === "failed" || s === "rejected";

/** The agent waits for the caller: the exchange is over for now. */
export const isInterrupted = (s: TaskStateName) => s === "input-required" || s === "auth-required";

export const isSettled = (s: TaskStateName) => isTerminal(s) || isInterrupted(s);

const stateOf = (withStatus: Obj) => normalizeState((withStatus.status as Obj | undefined)?.state);

/**
 * The one "settled" rule: the exchange is over for now. A result (a task or a message, 0.3 form)
 * settles when it is a direct message, or a task in a terminal or interrupted state.
 */
export const isSettledResult = (result: Obj) => result.kind !== "task" || isSettled(stateOf(result));

/**
 * What one stream event (in its version) says of the exchange: settled, not yet, or nothing (an
 * artifact update). 0.3 tags events with `kind`; 1.0 wraps them in the member that names their type.
 */
export function eventSettles(event: unknown, version: A2AVersion): boolean | undefined {
  if (!isObj(event)) return undefined;
  if (version === "0.3") {
    if (event.kind === "message") return true;
    return event.kind === "task" || event.kind === "status-update" ? isSettled(stateOf(event)) : undefined;
  }
  if (isObj(event.message)) return true;
  const withStatus = [event.task, event.statusUpdate].find(isObj);
  return withStatus ? isSettled(stateOf(withStatus)) : undefined;
}
