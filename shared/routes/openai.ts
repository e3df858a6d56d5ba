/** The OpenAI-compatible surface (SPEC §5): models, chat completions and responses against A2A agents. */
import type { AppDeps } from "../deps.ts";
import { AgentFailedError, BadRequestError, GatewayError, NotFoundError } from "../errors.ts";
import { json, type GatewayRequest } from "../http.ts";
import { isFinished, type Job, type JobKind } from "../ports.ts";
import { MAX_ID_LENGTH } from "../protocol/a2a.ts";
import { ChatCompletionRequest } from "../protocol/openai.ts";
import { CreateResponseRequest, RetrieveResponseQuery, toChatRequest } from "../protocol/responses.ts";
import { pendingResponse, runTurn } from "../core/bridge/chat.ts";
import { agentFailure } from "../core/bridge/objects.ts";
import { eventStream, jobEvents } from "../core/bridge/responses-stream.ts";
import { cancelJob } from "../core/async/cancel.ts";
import { metaOf } from "../core/async/finish.ts";
import { parseJobId } from "../core/async/job-id.ts";
import { findAgent } from "../core/agents.ts";
import { assertMayUseAgent, ownerOf, type Principal } from "../core/keys.ts";
import { parseBody, parseValue } from "./body.ts";
import { handlerFor, type Handlers } from "./dispatch.ts";
import { MODEL_PREFIX } from "./models.ts";

class ModelNotFoundError extends GatewayError {
  readonly status = 404;
  readonly code = "model_not_found";
}

interface Demands {
  n?: number | null;
  logprobs?: boolean | null;
  audio?: unknown;
  tool_choice?: unknown;
  function_call?: unknown;
}

/** Features an agent cannot honour: refused by name rather than silently ignored. */
function assertSupported(req: Demands): void {
  if (req.n != null && req.n !== 1) throw new BadRequestError("n must be 1: an agent gives one answer", "n");
  if (req.logprobs) throw new BadRequestError("logprobs are not available from A2A agents", "logprobs");
  if (req.audio != null) throw new BadRequestError("audio output is not supported", "audio");
  assertNoCallDemanded(req.tool_choice, "tool_choice");
  assertNoCallDemanded(req.function_call, "function_call");
}

/**
 * Tools are offered, not imposed: any model may answer in text instead, and an agent always does
 * (it has tools of its own and never calls the caller's). So `tools` are accepted, and only a
 * choice that demands a call is refused: `required`, a tool named, or allowed tools in `required` mode.
 */
function assertNoCallDemanded(choice: unknown, param: string): void {
  if (choice == null || choice === "auto" || choice === "none") return;
  if (typeof choice === "object" && (choice as { type?: unknown }).type === "allowed_tools" && (choice as { mode?: unknown }).mode === "auto") return;
  const what = typeof choice === "string" ? `"${choice}"` : "naming a tool";
  throw new BadRequestError(
    `${param} ${what} demands a tool call, which an A2A agent never makes: it answers in text. Leave ${param} unset, "auto" or "none" (tools are accepted then)`,
    param,
  );
}

/**
 * The agent a model names. Any key gets the same answer for a model that is not `a2a/<agent>`,
 * and a restricted key gets 403 for every agent it may not use, known or not: neither says which
 * agents exist.
 */
async function agentForModel(model: string, principal: Principal, deps: AppDeps) {
  const howNamed = `models are named "${MODEL_PREFIX}<agent>"; GET /v1/models lists those this key may use`;
  if (!model.startsWith(MODEL_PREFIX)) throw new ModelNotFoundError(`The model "${model}" is not served here: ${howNamed}`);
  const name = model.slice(MODEL_PREFIX.length);
  assertMayUseAgent(principal, name);
  const agent = await findAgent(name, deps.agents);
  if (!agent) throw new ModelNotFoundError(`The model "${model}" does not exist: no agent "${name}" is registered (${howNamed})`);
  return agent;
}

/** `Prefer: respond-async` (RFC 7240) asks for the id now and the result later. */
const prefersAsync = (req: GatewayRequest) => /(^|[,;\s])respond-async($|[,;\s])/i.test(req.headers.prefer ?? "");

/** Runs a call to an agent, its JSON-RPC errors reported as the agent's failure. */
async function agentCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw agentFailure(e);
  }
}

/** A job of this kind that this principal may see; anything else is not found, as an unknown id. */
async function ownJob(kind: JobKind, req: GatewayRequest, principal: Principal, deps: AppDeps): Promise<Job> {
  const id = req.params.id!;
  const task = parseJobId(kind, id)?.taskId;
  // A task id longer than any a caller may send names nothing: not found, without a read whose key would not fit.
  const job = task !== undefined && task.length <= MAX_ID_LENGTH ? await deps.jobs.get(id) : undefined;
  if (!job || (principal.kind !== "master" && job.owner !== ownerOf(principal))) {
    throw new NotFoundError(`No ${kind === "response" ? "response" : "chat completion"} with id "${id}"`);
  }
  return job;
}

export const openaiHandlers: Handlers<"openai"> = {
  "POST /v1/chat/completions": handlerFor(async (req, principal, deps) => {
    const body = parseBody(req, ChatCompletionRequest);
    assertSupported(body);
    const agent = await agentForModel(body.model, principal, deps);
    const background = prefersAsync(req);
    if (background && body.stream) throw new BadRequestError("stream cannot be combined with Prefer: respond-async", "stream");
    return agentCall(() =>
      runTurn({ kind: "chat.completion", req: body, agent, principal, trace: req.trace, background, waitUntil: req.waitUntil, ...(req.signal ? { signal: req.signal } : {}) }, deps),
    );
  }),

  "GET /v1/chat/completions/{id}": handlerFor(async (req, principal, deps) => {
    const job = await ownJob("chat.completion", req, principal, deps);
    if (!isFinished(job.status)) return pendingResponse(job, metaOf(job));
    if (job.status === "completed") return json(200, job.result);
    throw new AgentFailedError(job.error?.message ?? "The agent task failed");
  }),

  "POST /v1/responses": handlerFor(async (req, principal, deps) => {
    const body = parseBody(req, CreateResponseRequest);
    assertSupported(body);
    const agent = await agentForModel(body.model, principal, deps);
    const chat = toChatRequest(body);
    return agentCall(() =>
      runTurn({ kind: "response", req: chat, agent, principal, trace: req.trace, background: body.background === true, waitUntil: req.waitUntil, ...(req.signal ? { signal: req.signal } : {}) }, deps),
    );
  }),

  "GET /v1/responses/{id}": handlerFor(async (req, principal, deps) => {
    const query = parseValue(req.query, RetrieveResponseQuery);
    const job = await ownJob("response", req, principal, deps);
    if (query.stream === "true") return eventStream(jobEvents(job, Number(query.starting_after ?? -1), deps, req.signal));
    return isFinished(job.status) && job.result ? json(200, job.result) : pendingResponse(job, metaOf(job));
  }),

  "POST /v1/responses/{id}/cancel": handlerFor(async (req, principal, deps) => {
    const job = await ownJob("response", req, principal, deps);
    const cancelled = await agentCall(() => cancelJob(job, req.trace, deps));
    return json(200, cancelled.result ?? pendingResponse(cancelled, metaOf(cancelled)));
  }),
};
