/**
 * Chat completions and responses against an A2A agent (SPEC §5), in OpenAI's wire format: one
 * object, `chat.completion.chunk` events to `data: [DONE]`, or a response's stream events
 * (responses-stream.ts). A turn that outlives the sync budget, or was asked to run in the
 * background, goes to the queue and its id comes back at once.
 */
import { randomId } from "../../random.ts";
import type { AppDeps } from "../../deps.ts";
import { AgentFailedError, NotFoundError, UpstreamError } from "../../errors.ts";
import { json, SSE_HEADERS, sseEvent, type GatewayRequest, type GatewayResponse } from "../../http.ts";
import { refsOfEvent, taskIdOfEvent } from "../normalize.ts";
import type { Agent, Job, JobKind } from "../../ports.ts";
import { TASK_KEY, type ChatCompletionRequest } from "../../protocol/openai.ts";
import { ownerOf, type Principal } from "../keys.ts";
import { openaiErrorResponse } from "../../routes/errors.ts";
import { isInterrupted, isSettledResult, normalizeState } from "../task-state.ts";
import { handOff } from "../async/handoff.ts";
import { endOf } from "../async/finish.ts";
import { jobId } from "../async/job-id.ts";
import { contextSeal } from "../contexts.ts";
import { admit, recordOwnership } from "../tenancy.ts";
import { toA2AMessage, type V03Message } from "./message.ts";
import { a2aInfo, agentFailure, chatCompletionObject, estimateTokens, failureMessage, finishedResponse, isFailure, responseObject, turnState, usageOf, type TurnMeta } from "./objects.ts";
import { answerText } from "./reply.ts";
import { eventStream, jobEvents, streamBudgetMs, turnEvents } from "./responses-stream.ts";
import { runAgent, type RunEvent } from "./run.ts";
import type { Obj } from "../shape.ts";


export interface TurnCall {
  kind: Exclude<JobKind, "a2a">;
  /** A response's input arrives here converted to chat form. */
  req: ChatCompletionRequest;
  agent: Agent;
  principal: Principal;
  trace: GatewayRequest["trace"];
  /** Hand off at once (`Prefer: respond-async`, `background: true`). */
  background: boolean;
  signal?: AbortSignal;
  waitUntil: (work: Promise<unknown>) => void;
}

export async function runTurn(call: TurnCall, deps: AppDeps): Promise<GatewayResponse> {
  const run = runAgent(
    {
      agent: call.agent,
      message: await checkedMessage(call, deps),
      principal: call.principal,
      trace: call.trace,
      budgetMs: call.background ? 0 : call.kind === "response" && call.req.stream ? streamBudgetMs(deps.config) : deps.config.syncBudgetMs,
      stream: !call.background,
      waitUntil: call.waitUntil,
      ...(call.signal ? { signal: call.signal } : {}),
    },
    deps,
  );
  const meta: TurnMeta = {
    id: call.kind === "response" ? `resp_${randomId(16)}` : `chatcmpl-${randomId(12, "base64url")}`,
    created: Math.floor(deps.clock.now() / 1000),
    model: call.req.model,
    wantsJson: call.req.response_format?.type === "json_object" || call.req.response_format?.type === "json_schema",
    promptTokens: estimateTokens(call.req.messages.reduce((n, m) => n + (typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length), 0)),
  };
  if (!call.req.stream || call.background) return respondOnce(run, meta, call, deps);
  // Wait for the first event before committing to a 200: a failure up front gets its real status.
  const first = await run.next();
  if (call.kind === "response") return eventStream(turnEvents(first, run, meta, (result) => handOffTurn(call, result, meta, deps)));
  return { status: 200, headers: SSE_HEADERS, stream: streamChunks(first, run, meta, call, deps) };
}

/**
 * The turn's A2A message, with the task and context it continues (request metadata) checked
 * against the caller's key like any A2A call's (tenancy.ts): another key's and an unknown id get
 * the same 404, after the same work.
 */
async function checkedMessage(call: TurnCall, deps: AppDeps): Promise<V03Message> {
  const message = toA2AMessage(call.req);
  const { params, refused } = await admit({ agent: call.agent.name, principal: call.principal, op: "send", version: "0.3", params: { message } }, deps.tasks, contextSeal(deps.config.masterKey));
  if (refused) throw new NotFoundError(`Task not found: metadata.${TASK_KEY} names no task this key started`);
  return params.message as V03Message;
}

async function respondOnce(run: AsyncGenerator<RunEvent>, meta: TurnMeta, call: TurnCall, deps: AppDeps): Promise<GatewayResponse> {
  for await (const event of run) {
    if (event.type !== "end") continue;
    if (!event.settled || call.background) {
      const job = await handOffTurn(call, event.result, meta, deps);
      // A background response asked to stream tells its job's story, as a resumed stream would.
      return call.req.stream ? eventStream(jobEvents(job, -1, deps, call.signal)) : pendingResponse(job, meta);
    }
    return json(200, finishedObject(call.kind, meta, event.result));
  }
  throw new UpstreamError("Agent run ended without a result", "invalid_response");
}

/** The object of a finished turn, or the agent's failure as an error. */
function finishedObject(kind: TurnCall["kind"], meta: TurnMeta, result: Obj) {
  if (kind === "response") return finishedResponse(meta, result);
  if (isFailure(turnState(result))) throw new AgentFailedError(failureMessage(result), a2aInfo(result));
  return chatCompletionObject(meta, result);
}

/** What a caller gets for work handed to the queue: 202 with the id for chat, a queued response. */
export function pendingResponse(job: Job, meta: TurnMeta): GatewayResponse {
  const status = job.status === "queued" || job.status === "in_progress" ? job.status : "in_progress";
  if (job.kind === "response") return json(200, job.result ?? responseObject({ ...meta, id: job.id }, status));
  return json(202, { id: job.id, object: "chat.completion", created: meta.created, model: meta.model, status, choices: [] });
}

/** Records the turn as a job and queues its first poll (or, settled already, announces it). */
async function handOffTurn(call: TurnCall, result: Obj, meta: TurnMeta, deps: AppDeps): Promise<Job> {
  // A direct message has nothing to poll: it is the answer, kept under an id of its own.
  const job = baseJob(call, meta, taskIdOfEvent(result, "0.3") ?? `message-${randomId(12)}`, deps);
  const now = new Date(deps.clock.now()).toISOString();
  const settled = isSettledResult(result);
  const finished: Job = settled ? { ...job, ...endOf(job, result), updatedAt: now } : job;
  await handOff(finished, deps, call.agent);
  // The job makes the task the caller's; its context is claimed beside it.
  call.waitUntil(recordOwnership(call.agent.name, { contextId: refsOfEvent(result, "0.3").contextId }, call.principal, deps.tasks));
  return finished;
}

function baseJob(call: TurnCall, meta: TurnMeta, taskId: string, deps: AppDeps): Job {
  const now = new Date(deps.clock.now()).toISOString();
  return {
    id: jobId(call.kind, call.agent.name, taskId),
    kind: call.kind,
    agent: call.agent.name,
    taskId,
    owner: ownerOf(call.principal),
    status: "in_progress",
    model: meta.model,
    wantsJson: meta.wantsJson,
    promptTokens: meta.promptTokens,
    polls: 0,
    push: [],
    callbacks: { attempts: 0, delivered: 0 },
    createdAt: now,
    updatedAt: now,
  };
}

async function* streamChunks(first: IteratorResult<RunEvent>, run: AsyncGenerator<RunEvent>, meta: TurnMeta, call: TurnCall, deps: AppDeps): AsyncGenerator<string> {
  const chunk = (delta: Obj, finish: string | null, extra: Obj = {}) =>
    sseEvent(JSON.stringify({ id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, system_fingerprint: null, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra }));
  let streamed = "";
  yield chunk({ role: "assistant", content: "" }, null);
  try {
    let next = first;
    while (!next.done) {
      const event = next.value;
      if (event.type === "delta" && !meta.wantsJson) {
        streamed += event.text;
        yield chunk({ content: event.text }, null);
      } else if (event.type === "end") {
        if (!event.settled) {
          // Out of budget: the rest is fetched with the id, as for any async completion.
          const job = await handOffTurn(call, event.result, meta, deps);
          yield chunk({}, null, { a2a: { ...a2aInfo(event.result), state: "queued", async_id: job.id } });
        } else {
          const result = event.result;
          if (isFailure(turnState(result))) throw new AgentFailedError(failureMessage(result));
          // Text that did not stream (a polled task, an interrupted one, JSON asked for) comes in one piece.
          const interrupted = isInterrupted(normalizeState((result.status as Obj | undefined)?.state));
          const content = streamed && !meta.wantsJson && !interrupted ? "" : answerText(result, meta.wantsJson);
          if (content) yield chunk({ content }, null);
          yield chunk({}, "stop", { a2a: a2aInfo(result) });
          if (call.req.stream_options?.include_usage) {
            yield sseEvent(JSON.stringify({ id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, system_fingerprint: null, choices: [], usage: usageOf(meta, streamed + content) }));
          }
        }
      }
      next = await run.next();
    }
  } catch (e) {
    // Headers are gone: the error travels as an event, as OpenAI's own streams report them.
    const error = openaiErrorResponse(agentFailure(e)).body as Obj;
    yield sseEvent(JSON.stringify(error));
  } finally {
    await run.return(undefined);
  }
  yield sseEvent("[DONE]");
}
