/**
 * Streaming A2A calls (`message/stream`, `tasks/resubscribe` and their 1.0 names) as server-sent
 * events: piped from agents that stream, built from `message/send` and polling for agents that
 * cannot (SPEC §4, seed 001 bug 4), and normalised on the way through (seed 004).
 */
import type { AppDeps } from "../deps.ts";
import { UpstreamError, isGatewayError } from "../errors.ts";
import { SSE_HEADERS, SSE_KEEPALIVE, sseEvent, type GatewayResponse } from "../http.ts";
import { jsonText, RpcCode, RpcError, rpcError, rpcResult, type JsonRpcErrorObject, type JsonRpcId } from "../protocol/jsonrpc.ts";
import type { A2AVersion } from "../protocol/methods.ts";
import { translateError, translateParams, translateResult, translateStreamEvent } from "../protocol/translate.ts";
import { callAgent, openAgentCall, resultOf } from "./agent-rpc.ts";
import { KEEPALIVE, normalizeStream, refsOfEvent } from "./normalize.ts";
import { getTask, nextDelay, POLL_START_MS, sleep } from "./poll.ts";
import { admitted, agentStreams, agentVersionFor, type A2ACall } from "./proxy.ts";
import { recordOwnership } from "./tenancy.ts";
import { isSettled, normalizeState } from "./task-state.ts";

const KEEPALIVE_MS = 10_000;

/** Agent error codes that mean "I do not stream": the gateway then builds the stream itself. */
const CANNOT_STREAM = new Set<number>([RpcCode.MethodNotFound, RpcCode.UnsupportedOperation]);

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

export async function proxyStream(received: A2ACall, frames: StreamFrames, deps: AppDeps): Promise<GatewayResponse> {
  const call = await admitted(received, deps);
  const version = agentVersionFor(call.agent, call.callerVersion);

  let events: AsyncIterable<unknown> | Iterable<unknown> | undefined;
  if (agentStreams(call.agent)) {
    const piped = await openAgentStream(call, version, deps);
    if ("error" in piped) {
      if (!CANNOT_STREAM.has(piped.error.code)) return frames.refused(translateError(piped.error, version, call.callerVersion));
    } else events = piped.events;
  }
  events ??= oneShotStream(call, version, deps);

  return { status: 200, headers: SSE_HEADERS, stream: toSse(frames, normalizeStream(events, call.callerVersion), call, deps) };
}

/** Calls the agent's own streaming method; its events come back translated to the caller's version. */
async function openAgentStream(call: A2ACall, version: A2AVersion, deps: AppDeps): Promise<{ events: AsyncIterable<unknown> | Iterable<unknown> } | { error: JsonRpcErrorObject }> {
  const opened = await openAgentCall(
    {
      agent: call.agent,
      version,
      op: call.op,
      params: translateParams(call.op, call.params, call.callerVersion, version),
      trace: call.trace,
      timeoutMs: deps.config.syncBudgetMs,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.extensions ? { extensions: call.extensions } : {}),
    },
    deps.upstream,
  );
  if ("response" in opened) {
    if ("error" in opened.response) return { error: opened.response.error };
    // An agent may answer a streaming call with one plain result: a stream of one event.
    return { events: [translateStreamEvent(opened.response.result, version, call.callerVersion)] };
  }
  return { events: translated(opened.events, version, call.callerVersion) };
}

async function* translated(events: AsyncIterable<unknown>, from: A2AVersion, to: A2AVersion): AsyncGenerator<unknown> {
  for await (const event of events) yield translateStreamEvent(event, from, to);
}

/**
 * For agents that cannot stream: `message/send` (or `tasks/get` for a resubscribe), then polling
 * until the task settles or the sync budget is spent. Events are built in 0.3 form (it carries
 * `kind` and `final`) and translated to the caller's version.
 */
async function* oneShotStream(call: A2ACall, version: A2AVersion, deps: AppDeps): AsyncGenerator<unknown> {
  const to = (event: unknown) => translateStreamEvent(event, "0.3", call.callerVersion);
  const pollDeps = { upstream: deps.upstream, timeoutMs: deps.config.syncBudgetMs, trace: call.trace, ...(call.signal ? { signal: call.signal } : {}) };
  const deadline = deps.clock.now() + deps.config.syncBudgetMs;

  let task: Record<string, unknown>;
  if (call.op === "stream") {
    const response = await callAgent(
      {
        agent: call.agent,
        version,
        op: "send",
        params: translateParams("send", call.params, call.callerVersion, version),
        trace: call.trace,
        timeoutMs: deps.config.syncBudgetMs,
        ...(call.signal ? { signal: call.signal } : {}),
        ...(call.extensions ? { extensions: call.extensions } : {}),
      },
      deps.upstream,
    );
    const first = translateResult("send", resultOf(response), version, "0.3") as Record<string, unknown>;
    yield to(first);
    if (first.kind !== "task") return;
    task = first;
  } else {
    task = translateResult("getTask", await getTask(call.agent, String(call.params.id), version, pollDeps), version, "0.3") as Record<string, unknown>;
    yield to(task);
  }

  let delay = POLL_START_MS;
  let lastEvent = deps.clock.now();
  while (!isSettled(normalizeState((task.status as { state?: unknown } | undefined)?.state))) {
    if (call.signal?.aborted || deps.clock.now() + delay > deadline) return;
    await sleep(delay, call.signal);
    delay = nextDelay(delay);
    const next = translateResult("getTask", await getTask(call.agent, String(task.id), version, pollDeps), version, "0.3") as Record<string, unknown>;
    yield* changes(task, next, to);
    if (JSON.stringify(next.status) !== JSON.stringify(task.status)) lastEvent = deps.clock.now();
    else if (deps.clock.now() - lastEvent > KEEPALIVE_MS) {
      lastEvent = deps.clock.now();
      yield KEEPALIVE;
    }
    task = next;
  }
}

/** The events that take a caller from one snapshot of a task (0.3 form) to the next. */
function* changes(prev: Record<string, unknown>, next: Record<string, unknown>, to: (e: unknown) => unknown): Generator<unknown> {
  const known = new Set(((prev.artifacts ?? []) as { artifactId?: string }[]).map((a) => a.artifactId));
  for (const artifact of (next.artifacts ?? []) as { artifactId?: string }[]) {
    if (!known.has(artifact.artifactId)) {
      yield to({ kind: "artifact-update", taskId: next.id, contextId: next.contextId, artifact, lastChunk: true });
    }
  }
  if (JSON.stringify(next.status) !== JSON.stringify(prev.status)) {
    const state = normalizeState((next.status as { state?: unknown }).state);
    yield to({ kind: "status-update", taskId: next.id, contextId: next.contextId, status: next.status, final: isSettled(state) });
  }
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
      if (event === KEEPALIVE) {
        yield SSE_KEEPALIVE;
        continue;
      }
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
    yield frames.error(streamError(e, call.callerVersion));
    if (!isGatewayError(e) && !(e instanceof RpcError)) deps.log.error("stream failed", { agent: call.agent.name, error: e instanceof Error ? e.name : typeof e });
  }
}

function streamError(e: unknown, callerVersion: A2AVersion): JsonRpcErrorObject {
  if (e instanceof RpcError) return translateError(e.toObject(), "0.3", callerVersion);
  if (e instanceof UpstreamError) return { code: RpcCode.InternalError, message: e.message, data: e.details };
  return { code: RpcCode.InternalError, message: "Internal error" };
}
