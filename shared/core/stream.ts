/**
 * Streaming A2A calls (`message/stream`, `tasks/resubscribe` and their 1.0 names) as server-sent
 * events: the task driver's events (piped from agents that stream, built from `message/send` and
 * polling for agents that cannot: SPEC §4, seed 001 bug 4), normalised on the way through (seed 004).
 */
import type { AppDeps } from "../deps.ts";
import { UpstreamError, isGatewayError } from "../errors.ts";
import { SSE_HEADERS, sseEvent, type GatewayResponse } from "../http.ts";
import { jsonText, RpcCode, RpcError, rpcError, rpcResult, type JsonRpcErrorObject, type JsonRpcId } from "../protocol/jsonrpc.ts";
import { driveTask } from "./driver.ts";
import { normalizeStream, refsOfEvent } from "./normalize.ts";
import { admitted, agentVersionFor, type A2ACall } from "./proxy.ts";
import { recordOwnership } from "./tenancy.ts";

/**
 * How a surface writes a stream's events and errors (in the caller's version): JSON-RPC responses
 * on SSE, or the HTTP+JSON binding's bare StreamResponse objects (A2A 1.0 §11.7).
 */
export interface StreamFrames {
  event(event: unknown): string;
  /** An error after the stream began: the stream's last frame. */
  error(error: JsonRpcErrorObject): string;
  /** The answer when the agent refuses the stream before it begins. */
  refused(error: JsonRpcErrorObject): GatewayResponse;
}

/** JSON-RPC's frames: every event a response to the caller's request id. */
export const jsonRpcFrames = (id: JsonRpcId | undefined): StreamFrames => ({
  event: (event) => sseEvent(jsonText(rpcResult(id, event))),
  error: (error) => sseEvent(jsonText(rpcError(id, error))),
  refused: (error) => ({ status: 200, body: rpcError(id, error) }),
});

/**
 * A stream lasts until its task settles, or as long as any stream may (`maxStreamMs`). An error the
 * agent answers before the stream begins is the answer itself; one after it is the stream's last
 * frame. Either comes in the caller's version, translated from the agent's.
 */
export async function proxyStream(received: A2ACall, frames: StreamFrames, deps: AppDeps): Promise<GatewayResponse> {
  const call = await admitted(received, deps);
  let events: AsyncIterable<unknown>;
  try {
    events = await driveTask(
      {
        agent: call.agent,
        version: agentVersionFor(call.agent, call.callerVersion),
        as: call.callerVersion,
        start: { op: call.op === "stream" ? "stream" : "subscribe", params: call.params },
        budgetMs: deps.config.maxStreamMs,
        trace: call.trace,
        ...(call.signal ? { signal: call.signal } : {}),
        ...(call.extensions ? { extensions: call.extensions } : {}),
      },
      deps,
    );
  } catch (e) {
    if (e instanceof RpcError) return frames.refused(e.toObject());
    throw e;
  }
  return { status: 200, headers: SSE_HEADERS, stream: toSse(frames, normalizeStream(events, call.callerVersion), call, deps) };
}

/**
 * Writes events on SSE in the surface's frames. The first event that names a task or context records
 * their owner as it leaves, so a follow-up `tasks/get` by the same key always finds it. An error
 * after the stream began becomes a final error frame: the caller sees why it ended.
 */
async function* toSse(frames: StreamFrames, events: AsyncIterable<unknown>, call: A2ACall, deps: AppDeps): AsyncGenerator<string> {
  let claimed = call.op !== "stream";
  try {
    for await (const event of events) {
      if (!claimed) {
        const named = refsOfEvent(event, call.callerVersion);
        if (named.taskId || named.contextId) {
          call.waitUntil(recordOwnership(call.agent.name, named, call.principal, deps.tasks));
          claimed = true;
        }
      }
      yield frames.event(event);
    }
  } catch (e) {
    yield frames.error(streamError(e));
    if (!isGatewayError(e) && !(e instanceof RpcError)) deps.log.error("stream failed", { agent: call.agent.name, error: e instanceof Error ? e.name : typeof e });
  }
}

/** The driver's RpcErrors are the agent's, already in the caller's version. */
function streamError(e: unknown): JsonRpcErrorObject {
  if (e instanceof RpcError) return e.toObject();
  if (e instanceof UpstreamError) return { code: RpcCode.InternalError, message: e.message, data: e.details };
  return { code: RpcCode.InternalError, message: "Internal error" };
}
