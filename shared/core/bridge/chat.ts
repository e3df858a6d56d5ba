/**
 * Chat completions against an A2A agent (SPEC §5), in OpenAI's exact wire format: one object, or
 * `chat.completion.chunk` events to `data: [DONE]`.
 */
import { randomBytes } from "node:crypto";
import type { AppDeps } from "../../deps.ts";
import { AgentFailedError, AgentTimeoutError, UpstreamError } from "../../errors.ts";
import { json, type GatewayRequest, type GatewayResponse } from "../../http.ts";
import type { Agent } from "../../ports.ts";
import { RpcError } from "../../protocol/jsonrpc.ts";
import type { A2AInfo, ChatCompletionRequest, Usage } from "../../protocol/openai.ts";
import type { Principal } from "../keys.ts";
import { openaiErrorResponse } from "../../routes/errors.ts";
import { isInterrupted, normalizeState } from "../task-state.ts";
import { toA2AMessage } from "./message.ts";
import { answerText, statusText } from "./reply.ts";
import { runAgent, type RunEvent } from "./run.ts";

type Obj = Record<string, unknown>;

export interface ChatCall {
  req: ChatCompletionRequest;
  agent: Agent;
  principal: Principal;
  trace: GatewayRequest["trace"];
  signal?: AbortSignal;
}

export const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };

export async function chatCompletion(call: ChatCall, deps: AppDeps): Promise<GatewayResponse> {
  const run = runAgent(
    {
      agent: call.agent,
      message: toA2AMessage(call.req),
      principal: call.principal,
      trace: call.trace,
      budgetMs: deps.config.syncBudgetMs,
      ...(call.signal ? { signal: call.signal } : {}),
    },
    deps,
  );
  const meta = { id: `chatcmpl-${randomBytes(12).toString("base64url")}`, created: Math.floor(deps.clock.now() / 1000), model: call.req.model };
  const wantsJson = call.req.response_format?.type === "json_object" || call.req.response_format?.type === "json_schema";
  if (!call.req.stream) return json(200, await completeOnce(run, meta, call, wantsJson));

  // Wait for the first event before committing to a 200: a failure up front gets its real status.
  const first = await run.next();
  return { status: 200, headers: SSE_HEADERS, stream: streamChunks(first, run, meta, call, wantsJson) };
}

type Meta = { id: string; created: number; model: string };

async function completeOnce(run: AsyncGenerator<RunEvent>, meta: Meta, call: ChatCall, wantsJson: boolean) {
  for await (const event of run) {
    if (event.type !== "end") continue;
    const result = settle(event);
    const content = answerText(result, wantsJson);
    return {
      ...meta,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: usage(call.req, content),
      system_fingerprint: null,
      a2a: a2aInfo(result),
    };
  }
  throw new UpstreamError("Agent run ended without a result", "invalid_response");
}

/** The run's final result, or the error the caller should see. */
function settle(event: Extract<RunEvent, { type: "end" }>): Obj {
  const { result } = event;
  if (!event.settled) {
    throw new AgentTimeoutError(`The agent did not finish within the synchronous budget; task ${String(result.id)} is still running`, a2aInfo(result));
  }
  const state = normalizeState((result.status as Obj | undefined)?.state);
  if (state === "failed" || state === "rejected" || state === "canceled") {
    throw new AgentFailedError(`Agent task ${state}: ${statusText(result) ?? "no reason given"}`, a2aInfo(result));
  }
  return result;
}

function a2aInfo(result: Obj): A2AInfo {
  const isTask = result.kind === "task";
  const taskId = isTask ? result.id : result.taskId;
  return {
    ...(typeof taskId === "string" ? { task_id: taskId } : {}),
    ...(typeof result.contextId === "string" ? { context_id: result.contextId } : {}),
    state: isTask ? normalizeState((result.status as Obj | undefined)?.state) : "completed",
  };
}

/** Agents report no token counts: these are estimates (about four characters a token). */
function usage(req: ChatCompletionRequest, completion: string): Usage {
  const promptChars = req.messages.reduce((n, m) => n + (typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length), 0);
  const prompt_tokens = Math.ceil(promptChars / 4);
  const completion_tokens = Math.ceil(completion.length / 4);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

async function* streamChunks(
  first: IteratorResult<RunEvent>,
  run: AsyncGenerator<RunEvent>,
  meta: Meta,
  call: ChatCall,
  wantsJson: boolean,
): AsyncGenerator<string> {
  const chunk = (delta: Obj, finish: string | null, extra: Obj = {}) =>
    `data: ${JSON.stringify({ ...meta, object: "chat.completion.chunk", system_fingerprint: null, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  let streamed = "";
  yield chunk({ role: "assistant", content: "" }, null);
  try {
    let next = first;
    while (!next.done) {
      const event = next.value;
      if (event.type === "keepalive") yield ": keep-alive\n\n";
      else if (event.type === "delta" && !wantsJson) {
        streamed += event.text;
        yield chunk({ content: event.text }, null);
      } else if (event.type === "end") {
        const result = settle(event);
        // Text that did not stream (a polled task, an interrupted one, JSON asked for) comes in one piece.
        const content = streamed && !wantsJson && !isInterrupted(normalizeState((result.status as Obj | undefined)?.state)) ? "" : answerText(result, wantsJson);
        if (content) yield chunk({ content }, null);
        yield chunk({}, "stop", { a2a: a2aInfo(result) });
        if (call.req.stream_options?.include_usage) {
          yield `data: ${JSON.stringify({ ...meta, object: "chat.completion.chunk", system_fingerprint: null, choices: [], usage: usage(call.req, streamed + content) })}\n\n`;
        }
      }
      next = await run.next();
    }
  } catch (e) {
    // Headers are gone: the error travels as an event, as OpenAI's own streams report them.
    const error = openaiErrorResponse(e instanceof RpcError ? new AgentFailedError(`Agent error ${e.code}: ${e.message}`) : e).body as Obj;
    yield `data: ${JSON.stringify(error)}\n\n`;
  } finally {
    await run.return(undefined);
  }
  yield "data: [DONE]\n\n";
}
