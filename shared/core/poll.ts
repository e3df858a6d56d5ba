/**
 * Polling an agent's task with `tasks/get` until it settles, for agents that cannot stream and
 * for the OpenAI bridge (SPEC §5: 200 ms doubling to 2 s, within the sync budget).
 */
import type { Agent } from "../ports.ts";
import type { GatewayRequest } from "../http.ts";
import type { Upstream } from "../adapters/upstream.ts";
import { UpstreamError } from "../errors.ts";
import { RpcError } from "../protocol/jsonrpc.ts";
import { methodNames, type A2AVersion } from "../protocol/methods.ts";
import { agentEndpoints } from "./endpoints.ts";
import { parseAgentResponse, upstreamHeaders } from "./proxy.ts";

export const POLL_START_MS = 200;
export const POLL_MAX_MS = 2_000;

export const nextDelay = (ms: number) => Math.min(ms * 2, POLL_MAX_MS);

/** One `tasks/get` to the agent, in the agent's version; returns the task in that version. */
export async function getTask(
  agent: Agent,
  taskId: string,
  version: A2AVersion,
  deps: { upstream: Upstream; timeoutMs: number; trace: GatewayRequest["trace"]; signal?: AbortSignal },
): Promise<Record<string, unknown>> {
  const reply = await deps.upstream.post({
    urls: agentEndpoints(agent, version),
    headers: upstreamHeaders(agent, version, deps.trace),
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: methodNames.getTask[version], params: { id: taskId } }),
    timeoutMs: deps.timeoutMs,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  if (reply.kind !== "json") {
    reply.close();
    throw new UpstreamError("Agent answered tasks/get with an event stream", "invalid_response");
  }
  const response = parseAgentResponse(reply.status, reply.body);
  if ("error" in response) throw new RpcError(response.error.code, response.error.message, response.error.data);
  const task = response.result;
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
