/**
 * The A2A proxy (SPEC §4): one JSON-RPC call from a caller, forwarded to the agent in the version
 * the agent speaks, answered in the version the caller speaks, with tasks kept to their owner.
 */
import { UpstreamError } from "../errors.ts";
import type { Agent, TaskStore } from "../ports.ts";
import type { GatewayRequest } from "../http.ts";

type Trace = GatewayRequest["trace"];
import type { AppDeps } from "../deps.ts";
import { isNotJson } from "../adapters/upstream.ts";
import { handOffA2A, pushConfigCall, sendConfig, storedTask } from "./a2a-jobs.ts";
import { JsonRpcResponse, RpcCode, RpcError, taskNotFound, type JsonRpcErrorObject, type JsonRpcId } from "../protocol/jsonrpc.ts";
import { methodNames, type A2AVersion, type Operation } from "../protocol/methods.ts";
import { cardVersion, translateError, translateParams, translateResult } from "../protocol/translate.ts";
import { ownerOf, type Principal } from "./keys.ts";
import { agentEndpoints } from "./endpoints.ts";


export interface A2ACall {
  agent: Agent;
  principal: Principal;
  op: Operation;
  callerVersion: A2AVersion;
  /** Already validated against the caller's version of the method's params schema. */
  params: Record<string, unknown>;
  trace: Trace;
  signal?: AbortSignal;
}

export type A2AOutcome = { result: unknown } | { error: JsonRpcErrorObject };

/** The version to speak to an agent: the caller's own when the agent speaks it, else the agent's preferred. */
export function agentVersionFor(agent: Agent, callerVersion: A2AVersion): A2AVersion {
  const { versions, preferred } = cardVersion(agent.card);
  return versions.includes(callerVersion) ? callerVersion : preferred;
}

/** Headers for a call to an agent: its credentials, the trace, and the version header of A2A 1.0 (§3.6.2). */
export function upstreamHeaders(agent: Agent, version: A2AVersion, trace: Trace): Record<string, string> {
  return {
    ...agent.headers,
    traceparent: trace.traceparent,
    "x-trace-id": trace.traceId,
    ...(version === "1.0" ? { "a2a-version": "1.0" } : {}),
  };
}

const PUSH_CONFIG_OPS = new Set<Operation>(["setPushConfig", "getPushConfig", "listPushConfigs", "deletePushConfig"]);

export async function proxyCall(call: A2ACall, deps: AppDeps): Promise<A2AOutcome> {
  const { agent, op, callerVersion } = call;
  await assertOwnsReferencedTask(call, deps.tasks);
  if (PUSH_CONFIG_OPS.has(op)) return { result: await pushConfigCall(op, call.params, callerVersion, agent.name, call.principal, deps) };

  // A push config or a non-blocking send: the gateway takes the task on (SPEC §5).
  const send = op === "send" ? sendConfig(call.params, callerVersion, deps.config.allowPrivateUrls) : undefined;
  const version = agentVersionFor(agent, callerVersion);
  const method = methodNames[op][version];
  if (!method) {
    throw new RpcError(RpcCode.UnsupportedOperation, `The agent speaks A2A ${version}, which has no equivalent of this method`);
  }
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method,
    params: translateParams(op, send?.forward ?? call.params, callerVersion, version),
  });
  const reply = await deps.upstream.post({
    urls: agentEndpoints(agent, version),
    headers: upstreamHeaders(agent, version, call.trace),
    body,
    timeoutMs: deps.config.syncBudgetMs,
    ...(call.signal ? { signal: call.signal } : {}),
  });
  if (reply.kind !== "json") {
    reply.close();
    throw new UpstreamError("Agent answered a non-streaming call with an event stream", "invalid_response");
  }
  const response = parseAgentResponse(reply.status, reply.body);
  if ("error" in response) {
    // The agent forgot a task whose end the gateway stored: the stored task answers.
    const stored = op === "getTask" && response.error.code === RpcCode.TaskNotFound ? await storedTask(agent.name, String(call.params.id), callerVersion, deps) : undefined;
    return stored ? { result: stored } : { error: translateError(response.error, version, callerVersion) };
  }

  const result = translateResult(op, response.result, version, callerVersion);
  if (op === "send") {
    await recordOwnership(agent.name, taskIdOfResult(result, callerVersion), call.principal, deps.tasks);
    if (send?.handOff) await handOffA2A(agent, translateResult("send", response.result, version, "0.3") as Record<string, unknown>, call.principal, send.push, deps);
  }
  if (op === "listTasks") return { result: await ownTasksOnly(result, call, deps.tasks) };
  return { result };
}

/**
 * Checks an agent's HTTP reply is a JSON-RPC response to our call. Agents answer errors with
 * HTTP 200 (JSON-RPC over HTTP), but some use 4xx/5xx with a JSON-RPC body: that body still wins.
 */
export function parseAgentResponse(status: number, body: unknown): JsonRpcResponse {
  if (isNotJson(body) || body === undefined) {
    throw new UpstreamError(`Agent answered HTTP ${status} with a body that is not JSON`, status >= 400 ? "bad_status" : "invalid_response", status);
  }
  const parsed = JsonRpcResponse.safeParse(body);
  if (!parsed.success) {
    throw new UpstreamError(`Agent answered HTTP ${status} with something that is not a JSON-RPC response`, status >= 400 ? "bad_status" : "invalid_response", status);
  }
  if (parsed.data.id !== 1 && parsed.data.id !== null && parsed.data.id !== undefined) {
    throw new UpstreamError("Agent answered with the id of another request", "invalid_response");
  }
  return parsed.data;
}

/** The task a call's params refer to, in the caller's version (continuations, reads, cancels, push configs). */
export function referencedTaskId(op: Operation, params: Record<string, unknown>): string | undefined {
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  switch (op) {
    case "send":
    case "stream": {
      const message = params.message as Record<string, unknown> | undefined;
      return str(message?.taskId);
    }
    case "listTasks":
    case "extendedCard":
      return undefined;
    default:
      return str(params.taskId) ?? str(params.id);
  }
}

/**
 * A task belongs to the key that created it (SPEC §4). Any other key, and any task the gateway
 * never saw created, gets TaskNotFound: exactly what an unknown task gets, so nothing leaks.
 */
export async function assertOwnsReferencedTask(call: A2ACall, tasks: TaskStore): Promise<void> {
  const taskId = referencedTaskId(call.op, call.params);
  if (!taskId || call.principal.kind === "master") return;
  const owner = await tasks.owner(call.agent.name, taskId);
  if (owner !== ownerOf(call.principal)) throw taskNotFound();
}

export async function recordOwnership(agent: string, taskId: string | undefined, principal: Principal, tasks: TaskStore) {
  if (taskId) await tasks.claim({ agent, taskId, owner: ownerOf(principal) });
}

/** An agent lists every task it has: a key sees only the ones it created (SPEC §4). */
async function ownTasksOnly(result: unknown, call: A2ACall, tasks: TaskStore): Promise<unknown> {
  if (call.principal.kind === "master" || !result || typeof result !== "object") return result;
  const list = result as { tasks?: { id?: unknown }[] };
  const me = ownerOf(call.principal);
  const owners = await Promise.all((list.tasks ?? []).map((t) => (typeof t.id === "string" ? tasks.owner(call.agent.name, t.id) : undefined)));
  const own = (list.tasks ?? []).filter((_, i) => owners[i] === me);
  return { ...list, tasks: own, totalSize: own.length };
}

/** The task id in a SendMessage result: a Task's id, or the taskId a Message belongs to. */
export function taskIdOfResult(result: unknown, version: A2AVersion): string | undefined {
  if (!result || typeof result !== "object") return undefined;
  const r = result as Record<string, Record<string, unknown> | undefined> & { kind?: string; id?: unknown; taskId?: unknown };
  if (version === "0.3") {
    const id = r.kind === "task" ? r.id : r.taskId;
    return typeof id === "string" ? id : undefined;
  }
  const id = r.task?.id ?? r.message?.taskId;
  return typeof id === "string" ? id : undefined;
}
