/**
 * The OpenAI objects a finished agent turn becomes: a chat completion or a response. Used by the
 * synchronous bridge and by the poller alike, so an async result is the very object a synchronous
 * call would have returned.
 */
import { randomId } from "../../random.ts";
import { AgentFailedError } from "../../errors.ts";
import { RpcError } from "../../protocol/jsonrpc.ts";
import type { A2AInfo, Usage } from "../../protocol/openai.ts";
import { normalizeState, type TaskStateName } from "../task-state.ts";
import { taskIdOfEvent } from "../normalize.ts";
import { answerText, statusText } from "./reply.ts";
import type { Obj } from "../shape.ts";


export interface TurnMeta {
  id: string;
  /** Epoch seconds. */
  created: number;
  model: string;
  wantsJson: boolean;
  promptTokens: number;
}

/** The state an agent turn ended in: `message` for a direct reply. */
export function turnState(result: Obj): TaskStateName | "message" {
  return result.kind === "task" ? normalizeState((result.status as Obj | undefined)?.state) : "message";
}

export const isFailure = (s: TaskStateName | "message") => s === "failed" || s === "rejected" || s === "canceled";

/** Why the agent's turn failed, in its own words where it gave any. */
export const failureMessage = (result: Obj) => `Agent task ${turnState(result)}: ${statusText(result) ?? "no reason given"}`;

/** A JSON-RPC error from the agent (it rejected the message, say) is the agent's failure; any other error stays itself. */
export const agentFailure = (e: unknown) => (e instanceof RpcError ? new AgentFailedError(`Agent error ${e.code}: ${e.message}`) : e);

export function a2aInfo(result: Obj): A2AInfo {
  const taskId = taskIdOfEvent(result, "0.3");
  const state = turnState(result);
  return {
    ...(taskId ? { task_id: taskId } : {}),
    ...(typeof result.contextId === "string" ? { context_id: result.contextId } : {}),
    state: state === "message" ? "completed" : state,
  };
}

/** Agents report no token counts: these are estimates (about four characters a token). */
export const estimateTokens = (chars: number) => Math.ceil(chars / 4);

export function usageOf(meta: TurnMeta, content: string): Usage {
  const completion_tokens = estimateTokens(content.length);
  return { prompt_tokens: meta.promptTokens, completion_tokens, total_tokens: meta.promptTokens + completion_tokens };
}

export function chatCompletionObject(meta: TurnMeta, result: Obj) {
  const content = answerText(result, meta.wantsJson);
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: usageOf(meta, content),
    system_fingerprint: null,
    a2a: a2aInfo(result),
  };
}

export type ResponseStatus = "queued" | "in_progress" | "completed" | "failed" | "cancelled";

/** A Responses API object; `result` absent while the work is pending. */
export function responseObject(meta: TurnMeta, status: ResponseStatus, result?: Obj, error?: { code: string; message: string }) {
  const text = result && status === "completed" ? answerText(result, meta.wantsJson) : "";
  return {
    id: meta.id,
    object: "response",
    created_at: meta.created,
    status,
    model: meta.model,
    output:
      status === "completed"
        ? [
            {
              type: "message",
              id: `msg_${randomId(12)}`,
              status: "completed",
              role: "assistant",
              content: [{ type: "output_text", text, annotations: [] }],
            },
          ]
        : [],
    output_text: text,
    error: error ?? null,
    incomplete_details: null,
    usage: status === "completed" ? responseUsage(meta, text) : null,
    ...(result ? { a2a: a2aInfo(result) } : {}),
  };
}

export type ResponseObject = ReturnType<typeof responseObject>;

/** The response of a settled turn: completed, or the agent's failure in it. */
export function finishedResponse(meta: TurnMeta, result: Obj): ResponseObject {
  const state = turnState(result);
  if (!isFailure(state)) return responseObject(meta, "completed", result);
  return responseObject(meta, state === "canceled" ? "cancelled" : "failed", result, { code: "agent_failed", message: failureMessage(result) });
}

function responseUsage(meta: TurnMeta, text: string) {
  const output_tokens = estimateTokens(text.length);
  return {
    input_tokens: meta.promptTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: meta.promptTokens + output_tokens,
  };
}
