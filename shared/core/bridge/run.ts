/**
 * Drives one agent turn for the OpenAI bridge and reports it as events: text as it streams, keep-
 * alives while waiting, and the settled result. Seed 001 bugs 3 and 4: a `submitted`/`working`
 * task is polled to the end, and `message/stream` is used only when the card says the agent
 * streams (falling back when it answers that it cannot).
 */
import type { AppDeps } from "../../deps.ts";
import { UpstreamError } from "../../errors.ts";
import type { GatewayRequest } from "../../http.ts";
import type { Agent } from "../../ports.ts";
import { RpcCode, RpcError } from "../../protocol/jsonrpc.ts";
import type { A2AVersion } from "../../protocol/methods.ts";
import { cardVersion, translateParams, translateResult, translateStreamEvent } from "../../protocol/translate.ts";
import { callAgent, openAgentCall, resultOf, type AgentRpc } from "../agent-rpc.ts";
import type { Principal } from "../keys.ts";
import { getTask, nextDelay, POLL_START_MS, sleep } from "../poll.ts";
import { agentStreams } from "../proxy.ts";
import { refsOfEvent } from "../normalize.ts";
import { recordOwnership } from "../tenancy.ts";
import { isSettled, normalizeState } from "../task-state.ts";
import type { V03Message } from "./message.ts";
import { partsText } from "./reply.ts";

type Obj = Record<string, unknown>;

export type RunEvent =
  | { type: "delta"; text: string }
  | { type: "keepalive" }
  /** The task or message as it stands when the run ends (0.3 form); `settled` false when the budget ran out. */
  | { type: "end"; result: Obj; settled: boolean };

export interface RunOptions {
  agent: Agent;
  message: V03Message;
  principal: Principal;
  trace: GatewayRequest["trace"];
  /** How long to wait for the agent to settle; 0 hands off at once (async). */
  budgetMs: number;
  /** Use `message/stream` when the agent can; defaults to yes. */
  stream?: boolean;
  signal?: AbortSignal;
  waitUntil: (work: Promise<unknown>) => void;
}

/** Even a hand-off waits this long for the agent to accept the message. */
const ACCEPT_TIMEOUT_MS = 10_000;

const KEEPALIVE_MS = 5_000;
const CANNOT_STREAM = new Set<number>([RpcCode.MethodNotFound, RpcCode.UnsupportedOperation]);


export async function* runAgent(opts: RunOptions, deps: AppDeps): AsyncGenerator<RunEvent> {
  const version = cardVersion(opts.agent.card).preferred;
  const deadline = deps.clock.now() + opts.budgetMs;
  let result: Obj | undefined;

  if (opts.stream !== false && agentStreams(opts.agent)) {
    const streamed = yield* streamTurn(opts, version, deadline, deps);
    if (streamed !== "cannot-stream") result = streamed;
  }
  result ??= await sendTurn(opts, version, deps);
  yield* pollUntilSettled(result, opts, version, deadline, deps);
}

/** `message/send`, asking not to block: the gateway does its own waiting, within its budget. */
async function sendTurn(opts: RunOptions, version: A2AVersion, deps: AppDeps): Promise<Obj> {
  const params = { message: opts.message, configuration: { blocking: false } };
  const response = await callAgent(rpcOf(opts, version, "send", translateParams("send", params, "0.3", version)), deps.upstream);
  const result = translateResult("send", resultOf(response), version, "0.3") as Obj;
  return result;
}

/**
 * `message/stream`: text deltas as artifacts arrive, and the task assembled from the events.
 * Returns "cannot-stream" when the agent says it does not stream after all.
 */
async function* streamTurn(opts: RunOptions, version: A2AVersion, deadline: number, deps: AppDeps): AsyncGenerator<RunEvent, Obj | "cannot-stream"> {
  const reply = await openAgentCall(rpcOf(opts, version, "stream", translateParams("stream", { message: opts.message }, "0.3", version)), deps.upstream);
  if ("response" in reply) {
    const response = reply.response;
    if ("error" in response) {
      if (CANNOT_STREAM.has(response.error.code)) return "cannot-stream";
      throw new RpcError(response.error.code, response.error.message, response.error.data);
    }
    return translateStreamEvent(response.result, version, "0.3") as Obj;
  }

  let task: Obj | undefined;
  let lastArtifact: string | undefined;
  // Past the budget the stream is closed and the task, as far as it got, goes to the queue.
  let outOfTime = false;
  const timer = setTimeout(() => {
    outOfTime = true;
    reply.close();
  }, Math.max(0, deadline - deps.clock.now()));
  try {
    for await (const result of reply.events) {
      const event = translateStreamEvent(result, version, "0.3") as Obj;
      switch (event.kind) {
        case "message":
          if (Array.isArray(event.parts) && event.parts.length) {
            reply.close();
            return event;
          }
          break;
        case "task":
          task = { ...event };
          break;
        case "status-update":
          task = { ...(task ?? { kind: "task", id: event.taskId, contextId: event.contextId }), status: event.status };
          break;
        case "artifact-update": {
          const artifact = event.artifact as Obj;
          task = withArtifact(task ?? { kind: "task", id: event.taskId, contextId: event.contextId }, artifact, event.append === true);
          const text = partsText(artifact.parts);
          // A new artifact starts on a new line, as answerParts joins them.
          const separator = lastArtifact !== undefined && lastArtifact !== artifact.artifactId ? "\n" : "";
          lastArtifact = artifact.artifactId as string;
          if (text || separator) yield { type: "delta", text: separator + text };
          break;
        }
      }
    }
  } catch (e) {
    if (!(outOfTime && task)) throw e;
  } finally {
    clearTimeout(timer);
  }
  if (!task) throw new UpstreamError("Agent ended its stream without a task or message", "invalid_response");
  return task;
}

function withArtifact(task: Obj, artifact: Obj, append: boolean): Obj {
  const artifacts = [...((task.artifacts ?? []) as Obj[])];
  const i = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (i === -1) artifacts.push(artifact);
  else if (append) artifacts[i] = { ...artifacts[i], parts: [...((artifacts[i]!.parts ?? []) as unknown[]), ...((artifact.parts ?? []) as unknown[])] };
  else artifacts[i] = artifact;
  return { ...task, artifacts };
}

/** Polls `tasks/get` (200 ms doubling to 2 s, SPEC §5) until the task settles or the budget is spent. */
async function* pollUntilSettled(first: Obj, opts: RunOptions, version: A2AVersion, deadline: number, deps: AppDeps): AsyncGenerator<RunEvent> {
  let result = first;
  let delay = POLL_START_MS;
  let quietSince = deps.clock.now();
  const state = (r: Obj) => normalizeState((r.status as Obj | undefined)?.state);
  while (result.kind === "task" && !isSettled(state(result))) {
    if (opts.signal?.aborted) return;
    if (deps.clock.now() + delay > deadline) {
      yield { type: "end", result, settled: false };
      return;
    }
    await sleep(delay, opts.signal);
    delay = nextDelay(delay);
    if (deps.clock.now() - quietSince >= KEEPALIVE_MS) {
      quietSince = deps.clock.now();
      yield { type: "keepalive" };
    }
    const pollDeps = { upstream: deps.upstream, timeoutMs: Math.max(1, deadline - deps.clock.now()), trace: opts.trace, ...(opts.signal ? { signal: opts.signal } : {}) };
    result = translateResult("getTask", await getTask(opts.agent, String(result.id), version, pollDeps), version, "0.3") as Obj;
  }
  claim(result, opts, deps);
  yield { type: "end", result, settled: true };
}

const rpcOf = (opts: RunOptions, version: A2AVersion, op: "send" | "stream", params: unknown): AgentRpc => ({
  agent: opts.agent,
  version,
  op,
  params,
  trace: opts.trace,
  timeoutMs: Math.max(opts.budgetMs, ACCEPT_TIMEOUT_MS),
  ...(opts.signal ? { signal: opts.signal } : {}),
});

/**
 * A settled turn's task and context belong to the caller, so it can continue them. Recorded off
 * the request path (see tenancy.ts for the grace that needs); a turn handed to the queue is
 * recorded with its job instead.
 */
function claim(result: Obj, opts: RunOptions, deps: AppDeps) {
  opts.waitUntil(recordOwnership(opts.agent.name, refsOfEvent(result, "0.3"), opts.principal, deps.tasks));
}
