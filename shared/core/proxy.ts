/**
 * The A2A proxy (SPEC §4): one JSON-RPC call from a caller, forwarded to the agent in the version
 * the agent speaks, answered in the version the caller speaks, with tasks kept to their owner.
 */
import type { AppDeps } from "../deps.ts";
import type { Agent } from "../ports.ts";
import { RpcCode, taskNotFound, type JsonRpcErrorObject } from "../protocol/jsonrpc.ts";
import { contextSeal } from "./contexts.ts";
import type { A2AVersion, Operation } from "../protocol/methods.ts";
import { cardVersion, translateError, translateParams, translateResult } from "../protocol/translate.ts";
import { handOffA2A, pushConfigCall, sendConfig, storedTask } from "./a2a-jobs.ts";
import { callAgent, type Extensions, type Trace } from "./agent-rpc.ts";
import type { Principal } from "./keys.ts";
import { refsOfEvent } from "./normalize.ts";
import { admit, recordOwnership } from "./tenancy.ts";
import { listOwnTasks } from "./task-list.ts";

export interface A2ACall {
  agent: Agent;
  principal: Principal;
  op: Operation;
  callerVersion: A2AVersion;
  /** Already validated against the caller's version of the method's params schema. */
  params: Record<string, unknown>;
  trace: Trace;
  signal?: AbortSignal;
  /** The caller's A2A-Extensions, and where the agent's answer to them is written. */
  extensions?: Extensions;
  /** Bookkeeping (ownership records) finishes after the response: see GatewayRequest.waitUntil. */
  waitUntil: (work: Promise<unknown>) => void;
}

export type A2AOutcome = { result: unknown } | { error: JsonRpcErrorObject };

/** The version to speak to an agent: the caller's own when the agent speaks it, else the agent's preferred. */
export function agentVersionFor(agent: Agent, callerVersion: A2AVersion): A2AVersion {
  const { versions, preferred } = cardVersion(agent.card);
  return versions.includes(callerVersion) ? callerVersion : preferred;
}

const PUSH_CONFIG_OPS = new Set<Operation>(["setPushConfig", "getPushConfig", "listPushConfigs", "deletePushConfig"]);

export async function proxyCall(received: A2ACall, deps: AppDeps): Promise<A2AOutcome> {
  if (received.op === "listTasks") return { result: await listOwnTasks(received, agentVersionFor(received.agent, received.callerVersion), deps) };
  const call = await admitted(received, deps);
  const { agent, op, callerVersion } = call;
  if (PUSH_CONFIG_OPS.has(op)) return { result: await pushConfigCall(op, call.params, callerVersion, agent.name, call.principal, deps) };

  // A push config or a non-blocking send: the gateway takes the task on (SPEC §5).
  const send = op === "send" ? sendConfig(call.params, callerVersion, deps.config.allowPrivateUrls) : undefined;
  const version = agentVersionFor(agent, callerVersion);
  const response = await callAgent(
    {
      agent,
      version,
      op,
      params: translateParams(op, send?.forward ?? call.params, callerVersion, version),
      trace: call.trace,
      timeoutMs: deps.config.syncBudgetMs,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.extensions ? { extensions: call.extensions } : {}),
    },
    deps.upstream,
  );
  if ("error" in response) {
    // The agent forgot a task whose end the gateway stored: the stored task answers.
    const stored = op === "getTask" && response.error.code === RpcCode.TaskNotFound ? await storedTask(agent.name, String(call.params.id), callerVersion, deps) : undefined;
    return stored ? { result: stored } : { error: translateError(response.error, version, callerVersion) };
  }

  const result = translateResult(op, response.result, version, callerVersion);
  if (op === "send") {
    // A task handed to the queue is owned through its job record; any other through a claim.
    if (send?.handOff) {
      const continued = typeof (call.params.message as { taskId?: unknown }).taskId === "string";
      await handOffA2A(agent, translateResult("send", response.result, version, "0.3") as Record<string, unknown>, call.principal, { push: send.push, continued }, deps);
    } else call.waitUntil(recordOwnership(agent.name, refsOfEvent(result, callerVersion), call.principal, deps.tasks));
  }
  return { result };
}

/**
 * The call as the agent may receive it (see tenancy.ts). Another key's task answers TaskNotFound,
 * byte for byte what an unknown task gets; a context the caller names is always its own (./contexts.ts).
 */
export async function admitted(call: A2ACall, deps: AppDeps): Promise<A2ACall> {
  const { params, refused } = await admit({ agent: call.agent.name, principal: call.principal, op: call.op, version: call.callerVersion, params: call.params }, deps.tasks, contextSeal(deps.config.masterKey));
  if (refused) throw taskNotFound();
  return { ...call, params };
}
