/**
 * One agent turn for the OpenAI bridge, reported as events: the turn taken, text as it arrives,
 * and the result as it stands at the end. The task driver does the driving (seed 001 bugs 3 and
 * 4: a `submitted`/`working` task is polled to the end, and `message/stream` is used only when the
 * card says the agent streams, falling back when it answers that it cannot); this folds its
 * events into the turn's result.
 */
import type { AppDeps } from "../../deps.ts";
import { UpstreamError } from "../../errors.ts";
import type { GatewayRequest } from "../../http.ts";
import type { Agent } from "../../ports.ts";
import { cardVersion } from "../../protocol/translate.ts";
import { driveTask } from "../driver.ts";
import type { Principal } from "../keys.ts";
import { refsOfEvent } from "../normalize.ts";
import { recordOwnership } from "../tenancy.ts";
import { isObj, itemsIn, objectsIn, type Obj } from "../shape.ts";
import { isSettledResult } from "../task-state.ts";
import type { V03Message } from "./message.ts";
import { partsText } from "./reply.ts";


export type RunEvent =
  /** The agent took the message: a failure from here on is the turn's, and a stream may begin. */
  | { type: "started" }
  | { type: "delta"; text: string }
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

export async function* runAgent(opts: RunOptions, deps: AppDeps): AsyncGenerator<RunEvent> {
  const events = await driveTask(
    {
      agent: opts.agent,
      version: cardVersion(opts.agent.card).preferred,
      as: "0.3",
      start: { op: opts.stream === false ? "send" : "stream", params: { message: opts.message } },
      budgetMs: opts.budgetMs,
      trace: opts.trace,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    deps,
  );
  yield { type: "started" };

  let result: Obj | undefined;
  const shown = new ShownText();
  for await (const value of events) {
    const event = value as Obj;
    if (event.kind === "message") {
      // A direct reply is the whole turn; an empty one (seed 004) is none.
      if (!Array.isArray(event.parts) || !event.parts.length) continue;
      result = event;
      break;
    }
    const task = result ?? { kind: "task", id: event.taskId, contextId: event.contextId };
    if (event.kind === "task") {
      result = { ...event };
      for (const artifact of objectsIn(event.artifacts)) yield* delta(shown.add(artifact, false));
    } else if (event.kind === "status-update") result = { ...task, status: event.status };
    else if (event.kind === "artifact-update" && isObj(event.artifact)) {
      const artifact = event.artifact;
      result = withArtifact(task, artifact, event.append === true);
      yield* delta(shown.add(artifact, event.append === true));
    }
  }
  if (opts.signal?.aborted) return;
  if (!result) throw new UpstreamError("Agent ended its stream without a task or message", "invalid_response");
  const settled = isSettledResult(result);
  if (settled) claim(result, opts, deps);
  yield { type: "end", result, settled };
}

function* delta(text: string): Generator<RunEvent> {
  if (text) yield { type: "delta", text };
}

/** The reply's text shown so far, per artifact: what each update adds is streamed once. */
class ShownText {
  private readonly texts = new Map<unknown, string>();

  /** The text an artifact update adds: its parts when it appends, else what the whole artifact adds. */
  add(artifact: Obj, append: boolean): string {
    const before = this.texts.get(artifact.artifactId);
    // A new artifact starts on a new line, as answerParts joins them.
    const separator = before === undefined && this.texts.size > 0 ? "\n" : "";
    const parts = partsText(artifact.parts);
    const text = append ? (before ?? "") + parts : parts;
    this.texts.set(artifact.artifactId, text);
    // A rewritten artifact can only be extended: text already shown cannot be taken back.
    const added = append ? parts : text.startsWith(before ?? "") ? text.slice(before?.length ?? 0) : "";
    return separator + added;
  }
}

function withArtifact(task: Obj, artifact: Obj, append: boolean): Obj {
  const artifacts = objectsIn(task.artifacts);
  const i = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  if (i === -1) artifacts.push(artifact);
  else if (append) artifacts[i] = { ...artifacts[i], parts: [...itemsIn(artifacts[i]!.parts), ...itemsIn(artifact.parts)] };
  else artifacts[i] = artifact;
  return { ...task, artifacts };
}

/**
 * A settled turn's task and context belong to the caller, so it can continue them. Recorded off
 * the request path (see tenancy.ts for the grace that needs); a turn handed to the queue is
 * recorded with its job instead.
 */
function claim(result: Obj, opts: RunOptions, deps: AppDeps) {
  opts.waitUntil(recordOwnership(opts.agent.name, refsOfEvent(result, "0.3"), opts.principal, deps.tasks));
}
