/**
 * The A2A proxy (SPEC §4): one JSON-RPC call from a caller, forwarded to the agent in the version
 * the agent speaks, answered in the version the caller speaks, with tasks kept to their owner.
 */
import type { AppDeps } from "../deps.ts";
import type { Agent, TaskStore } from "../ports.ts";
import { RpcCode, taskNotFound, type JsonRpcErrorObject } from "../protocol/jsonrpc.ts";
import type { A2AVersion, Operation } from "../protocol/methods.ts";
import { cardVersion, translateError, translateParams, translateResult } from "../protocol/translate.ts";
import { handOffA2A, pushConfigCall, sendConfig, storedTask } from "./a2a-jobs.ts";
import { callAgent, type Trace } from "./agent-rpc.ts";
import { ownerOf, type Principal } from "./keys.ts";
import { taskIdOfEvent } from "./normalize.ts";

export interface A2ACall {
  agent: Agent;
  principal: Principal;
  op: Operation;
  callerVersion: A2AVersion;
  /** Already validated against the caller's version of the method's params schema. */
  params: Record<string, unknown>;
  trace: Trace;
  signal?: AbortSignal;
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

/** The agent's card says it streams. */
export const agentStreams = (agent: Agent) => (agent.card.capabilities as { streaming?: boolean } | undefined)?.streaming === true;

export async function proxyCall(call: A2ACall, deps: AppDeps): Promise<A2AOutcome> {
  const { agent, op, callerVersion } = call;
  await assertOwnsReferencedTask(call, deps.tasks);
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
      const continued = referencedTaskId(op, call.params) !== undefined;
      await handOffA2A(agent, translateResult("send", response.result, version, "0.3") as Record<string, unknown>, call.principal, { push: send.push, continued }, deps);
    }
    else call.waitUntil(recordOwnership(agent.name, taskIdOfEvent(result, callerVersion), call.principal, deps.tasks));
  }
  if (op === "listTasks") return { result: await ownTasksOnly(result, call, deps.tasks) };
  return { result };
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
  if ((await ownerAllowingForClaimInFlight(call.agent.name, taskId, tasks)) !== ownerOf(call.principal)) throw taskNotFound();
}

/** How long a claim may still be on its way: it is written while the creating response goes out. */
const CLAIM_GRACE_MS = 100;

/**
 * The owner of a task. A task the gateway has no record of may be one whose claim is still being
 * written (a caller fast enough to follow up within milliseconds): look once more before saying
 * it does not exist. Only unknown task ids pay for this.
 */
async function ownerAllowingForClaimInFlight(agent: string, taskId: string, tasks: TaskStore): Promise<string | undefined> {
  const owner = await tasks.owner(agent, taskId);
  if (owner !== undefined) return owner;
  await new Promise((resolve) => setTimeout(resolve, CLAIM_GRACE_MS));
  return tasks.owner(agent, taskId);
}

/**
 * Records who owns a task, after the response has gone out: the claim starts on the next turn of
 * the event loop, so even the CPU the AWS SDK spends on it comes after the caller's bytes.
 */
export function recordOwnership(agent: string, taskId: string | undefined, principal: Principal, tasks: TaskStore): Promise<unknown> {
  if (!taskId) return Promise.resolve();
  return new Promise((resolve) => setImmediate(resolve)).then(() => tasks.claim({ agent, taskId, owner: ownerOf(principal) }));
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
