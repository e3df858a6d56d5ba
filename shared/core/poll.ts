/**
 * Polling an agent's task with `tasks/get` until it settles, for agents that cannot stream and
 * for the OpenAI bridge (SPEC §5: 200 ms doubling to 2 s, within the sync budget).
 */
import type { Agent } from "../ports.ts";
import type { Upstream } from "../adapters/upstream.ts";
import { UpstreamError } from "../errors.ts";
import type { A2AVersion } from "../protocol/methods.ts";
import { callAgent, resultOf, type Trace } from "./agent-rpc.ts";

export const POLL_START_MS = 200;
export const POLL_MAX_MS = 2_000;

export const nextDelay = (ms: number) => Math.min(ms * 2, POLL_MAX_MS);

/** One `tasks/get` to the agent, in the agent's version; returns the task in that version. */
export async function getTask(
  agent: Agent,
  taskId: string,
  version: A2AVersion,
  deps: { upstream: Upstream; timeoutMs: number; trace: Trace; signal?: AbortSignal },
): Promise<Record<string, unknown>> {
  const response = await callAgent(
    { agent, version, op: "getTask", params: { id: taskId }, trace: deps.trace, timeoutMs: deps.timeoutMs, ...(deps.signal ? { signal: deps.signal } : {}) },
    deps.upstream,
  );
  const task = resultOf(response);
  if (!task || typeof task !== "object") throw new UpstreamError("Agent answered tasks/get without a task", "invalid_response");
  return task as Record<string, unknown>;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
