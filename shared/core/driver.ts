/**
 * The task driver: one agent turn, or one task the agent already has, followed until the task
 * settles or a budget ends. The A2A stream, the OpenAI bridge and the poller all drive tasks
 * through it, so they share one stream-or-poll choice, one fallback for agents that cannot stream
 * (seed 001 bug 4), one polling cadence (SPEC §5) and one "settled" rule (task-state.ts).
 *
 * No keep-alives here: the edge sends one on any stream silent for `config.keepAliveMs`
 * (functions/lib/http.ts), which also covers the silences the core cannot see (the wait for an
 * agent's first byte, a slow `tasks/get`).
 */
import type { AppDeps } from "../deps.ts";
import type { Agent } from "../ports.ts";
import { UpstreamError } from "../errors.ts";
import { RpcCode, RpcError } from "../protocol/jsonrpc.ts";
import type { A2AVersion } from "../protocol/methods.ts";
import { translateError, translateParams, translateResult, translateStreamEvent } from "../protocol/translate.ts";
import { callAgent, openAgentCall, resultOf, type AgentRpc, type Extensions, type Trace } from "./agent-rpc.ts";
import { refsOfEvent } from "./normalize.ts";
import { objectsIn, type Obj } from "./shape.ts";
import { eventSettles, isSettledResult } from "./task-state.ts";

type DriverDeps = Pick<AppDeps, "upstream" | "clock" | "config">;

/** Polls of a task come 200 ms apart at first, doubling to 2 s (SPEC §5). */
const POLL_START_MS = 200;
const POLL_MAX_MS = 2_000;
const nextDelay = (ms: number) => Math.min(ms * 2, POLL_MAX_MS);

/** Every call waits at least this long for the agent: even a hand-off waits for it to take the message. */
const CALL_TIMEOUT_MS = 10_000;

/** Agent error codes that mean "I do not stream": the driver then sends and polls. */
const CANNOT_STREAM = new Set<number>([RpcCode.MethodNotFound, RpcCode.UnsupportedOperation]);

/** The agent's card says it streams. */
const agentStreams = (agent: Agent) => (agent.card.capabilities as { streaming?: boolean } | undefined)?.streaming === true;

/** Who is polled, in which version, under which trace: all one `tasks/get` needs. */
interface PollTarget {
  agent: Agent;
  /** The version the agent is spoken to in. */
  version: A2AVersion;
  trace: Trace;
  signal?: AbortSignal;
}

export interface Drive extends PollTarget {
  /** The version `start.params`, the events and the agent's errors are in on the caller's side. */
  as: A2AVersion;
  /**
   * `send`: a new message, sent and polled. `stream`: a new message on the agent's stream when its
   * card says it streams, else as `send`. `subscribe`: a task the agent has, followed on its stream
   * (`tasks/resubscribe`) when it streams, else polled.
   */
  start: { op: "send" | "stream" | "subscribe"; params: Obj };
  /** How long to follow the task; past it the events end with the task unsettled. */
  budgetMs: number;
  extensions?: Extensions;
}

/**
 * Starts a drive: the first call to the agent, which throws if the agent refuses it (an error it
 * answers is an RpcError in `as`'s version), then the task's events in `as`'s version as they
 * come: the agent's own stream events, or, when polled, the first answer and then one event per
 * change (new or changed artifacts, a new status; the last status update `final` once settled).
 * They end when the task settles, the budget ends or the signal aborts; an agent stream that ends
 * with its task unsettled is followed by polling. An error mid-way is thrown the same way.
 */
export async function driveTask(drive: Drive, deps: DriverDeps): Promise<AsyncGenerator<unknown>> {
  try {
    return inCallerVersion(await open(drive, deps), drive);
  } catch (e) {
    throw errorInCallerVersion(e, drive);
  }
}

async function open(drive: Drive, deps: DriverDeps): Promise<AsyncGenerator<unknown>> {
  const deadline = deps.clock.now() + drive.budgetMs;
  const { op, params } = drive.start;
  if (op !== "send" && agentStreams(drive.agent)) {
    const opened = await openAgentCall(rpcOf(drive, op, translateParams(op, params, drive.as, drive.version), deadline, deps), deps.upstream);
    if ("events" in opened) return piped(opened, drive, deadline, deps);
    const { response } = opened;
    // An agent may answer a streaming call with one plain result: the task as it stands.
    if ("result" in response) return polled(translateStreamEvent(response.result, drive.version, "0.3") as Obj, drive, deadline, deps);
    if (!CANNOT_STREAM.has(response.error.code)) throw new RpcError(response.error.code, response.error.message, response.error.data);
  }
  return polled(await firstLook(drive, deadline, deps), drive, deadline, deps);
}

/** `message/send` of a new message, or `tasks/get` of an existing task: the answer in 0.3 form. */
async function firstLook(drive: Drive, deadline: number, deps: DriverDeps): Promise<Obj> {
  if (drive.start.op === "subscribe") return pollTask(drive, String(drive.start.params.id), deps.upstream, callTimeout(deadline, deps));
  const params = notBlocking(translateParams("send", drive.start.params, drive.as, drive.version), drive.version);
  const response = await callAgent(rpcOf(drive, "send", params, deadline, deps), deps.upstream);
  return translateResult("send", resultOf(response), drive.version, "0.3") as Obj;
}

/**
 * One `tasks/get`: the task in 0.3 form. An error the agent answers is thrown as it came (an
 * RpcError in the agent's version). The poller's one step per message.
 */
export async function pollTask(target: PollTarget, taskId: string, upstream: DriverDeps["upstream"], timeoutMs = CALL_TIMEOUT_MS): Promise<Obj> {
  const rpc: AgentRpc = { agent: target.agent, version: target.version, op: "getTask", params: { id: taskId }, trace: target.trace, timeoutMs, ...(target.signal ? { signal: target.signal } : {}) };
  const task = resultOf(await callAgent(rpc, upstream));
  if (!task || typeof task !== "object") throw new UpstreamError("Agent answered tasks/get without a task", "invalid_response");
  return translateResult("getTask", task, target.version, "0.3") as Obj;
}

/** The agent's own stream, translated as it flows; polled on if it ends before its task settles. */
async function* piped(reply: { events: AsyncIterable<unknown>; close(): void }, drive: Drive, deadline: number, deps: DriverDeps): AsyncGenerator<unknown> {
  let outOfTime = false;
  const timer = setTimeout(() => ((outOfTime = true), reply.close()), Math.max(0, deadline - deps.clock.now()));
  let settled: boolean | undefined;
  let taskId: string | undefined;
  try {
    for await (const event of reply.events) {
      settled = eventSettles(event, drive.version) ?? settled;
      taskId ??= refsOfEvent(event, drive.version).taskId;
      yield translateStreamEvent(event, drive.version, drive.as);
    }
  } catch (e) {
    if (outOfTime || drive.signal?.aborted) return;
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (settled === false && taskId !== undefined) yield* followUp(taskId, drive, deadline, deps);
}

/** After a stream that ended early: every artifact and the status as they now stand, then polling. */
async function* followUp(taskId: string, drive: Drive, deadline: number, deps: DriverDeps): AsyncGenerator<unknown> {
  const task = await pollTask(drive, taskId, deps.upstream, callTimeout(deadline, deps));
  for (const change of changes({}, task)) yield translateStreamEvent(change, "0.3", drive.as);
  yield* polled(task, drive, deadline, deps, false);
}

/** A first answer (0.3 form), then `tasks/get` at the SPEC §5 cadence until the task settles. */
async function* polled(first: Obj, drive: Drive, deadline: number, deps: DriverDeps, announceFirst = true): AsyncGenerator<unknown> {
  const out = (event: unknown) => translateStreamEvent(event, "0.3", drive.as);
  if (announceFirst) yield out(first);
  let task = first;
  let delay = POLL_START_MS;
  while (!isSettledResult(task)) {
    if (drive.signal?.aborted || deps.clock.now() + delay > deadline) return;
    await sleep(delay, drive.signal);
    if (drive.signal?.aborted) return;
    delay = nextDelay(delay);
    const next = await pollTask(drive, String(task.id), deps.upstream, callTimeout(deadline, deps));
    for (const change of changes(task, next)) yield out(change);
    task = next;
  }
}

/** The events that take a caller from one snapshot of a task (0.3 form) to the next. */
function* changes(prev: Obj, next: Obj): Generator<Obj> {
  const before = new Map(objectsIn(prev.artifacts).map((a) => [a.artifactId, JSON.stringify(a)]));
  for (const artifact of objectsIn(next.artifacts)) {
    if (before.get(artifact.artifactId) !== JSON.stringify(artifact)) {
      yield { kind: "artifact-update", taskId: next.id, contextId: next.contextId, artifact, lastChunk: true };
    }
  }
  if (JSON.stringify(next.status) !== JSON.stringify(prev.status)) {
    yield { kind: "status-update", taskId: next.id, contextId: next.contextId, status: next.status, final: isSettledResult(next) };
  }
}

/**
 * Errors the agent answers (RpcErrors: the driver raises none of its own) in the caller's version,
 * whose `data` differs from the agent's; events already are.
 */
function inCallerVersion(events: AsyncGenerator<unknown>, drive: Drive): AsyncGenerator<unknown> {
  if (drive.version === drive.as) return events;
  return (async function* () {
    try {
      return yield* events;
    } catch (e) {
      throw errorInCallerVersion(e, drive);
    }
  })();
}

function errorInCallerVersion(e: unknown, drive: Drive): unknown {
  if (!(e instanceof RpcError) || drive.version === drive.as) return e;
  const { data } = translateError(e.toObject(), drive.version, drive.as);
  return new RpcError(e.code, e.message, data, e.httpStatus);
}

/**
 * A message sent to be polled asks the agent not to block (0.3 `blocking`, 1.0 `returnImmediately`,
 * §3.2.2): the driver does its own waiting, within its budget.
 */
function notBlocking(params: unknown, version: A2AVersion): Obj {
  const sent = params as Obj;
  const flag = version === "0.3" ? { blocking: false } : { returnImmediately: true };
  return { ...sent, configuration: { ...(sent.configuration as Obj | undefined), ...flag } };
}

/** A call may wait as long as the budget lasts, within [CALL_TIMEOUT_MS, the sync budget]. */
/**
 * How long one call waits for the agent: the sync budget (the operator's "an agent answers within"),
 * cut to what is left of the drive but never below the floor a hand-off needs for the agent to take
 * the message. A sync budget of 0 (hand off at once) still gives each call that floor.
 */
const callTimeout = (deadline: number, deps: DriverDeps) =>
  Math.min(deps.config.syncBudgetMs || CALL_TIMEOUT_MS, Math.max(CALL_TIMEOUT_MS, deadline - deps.clock.now()));

const rpcOf = (drive: Drive, op: "send" | "stream" | "subscribe", params: unknown, deadline: number, deps: DriverDeps): AgentRpc => ({
  agent: drive.agent,
  version: drive.version,
  op,
  params,
  trace: drive.trace,
  timeoutMs: callTimeout(deadline, deps),
  ...(drive.signal ? { signal: drive.signal } : {}),
  ...(drive.extensions ? { extensions: drive.extensions } : {}),
});

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
