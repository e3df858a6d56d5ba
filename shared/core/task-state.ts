/**
 * Task states across versions: 0.3 says `input-required`, 1.0 says `TASK_STATE_INPUT_REQUIRED`.
 * The gateway reasons in the 0.3 spelling (A2A spec §"TaskState").
 */
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
