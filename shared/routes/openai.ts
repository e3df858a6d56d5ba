/** The OpenAI-compatible surface (SPEC §5): models, chat completions and responses against A2A agents. */
import type { AppDeps } from "../deps.ts";
import { AgentFailedError, BadRequestError, GatewayError, NotFoundError } from "../errors.ts";
import { json, type GatewayRequest } from "../http.ts";
import { isFinished, type Job, type JobKind } from "../ports.ts";
import { RpcError } from "../protocol/jsonrpc.ts";
import { MAX_ID_LENGTH } from "../protocol/a2a.ts";
import { ChatCompletionRequest } from "../protocol/openai.ts";
import { CreateResponseRequest, toChatRequest } from "../protocol/responses.ts";
import { pendingResponse, runTurn } from "../core/bridge/chat.ts";
import { cancelJob } from "../core/async/cancel.ts";
import { metaOf } from "../core/async/finish.ts";
import { parseJobId } from "../core/async/job-id.ts";
import { findAgent } from "../core/agents.ts";
import { assertMayUseAgent, mayUseAgent, ownerOf, type Principal } from "../core/keys.ts";
import { parseBody } from "./body.ts";
import { handlerFor, type Handlers } from "./dispatch.ts";

const MODEL_PREFIX = "a2a/";

class ModelNotFoundError extends GatewayError {
  readonly status = 404;
  readonly code = "model_not_found";
}

/** Features an agent cannot honour: refused by name rather than silently ignored. */
function assertSupported(req: { tools?: unknown[] | null; functions?: unknown[] | null; n?: number | null; logprobs?: boolean | null; audio?: unknown }): void {
  if (req.tools?.length) throw new BadRequestError("tools are not supported: A2A agents use their own tools", "tools");
  if (req.functions?.length) throw new BadRequestError("functions are not supported: A2A agents use their own tools", "functions");
  if (req.n != null && req.n !== 1) throw new BadRequestError("n must be 1: an agent gives one answer", "n");
  if (req.logprobs) throw new BadRequestError("logprobs are not available from A2A agents", "logprobs");
  if (req.audio != null) throw new BadRequestError("audio output is not supported", "audio");
}

async function agentForModel(model: string, principal: Principal, deps: AppDeps) {
  const name = model.startsWith(MODEL_PREFIX) ? model.slice(MODEL_PREFIX.length) : model;
  if (name) assertMayUseAgent(principal, name);
  const agent = await findAgent(name, deps.agents);
  if (!agent) throw new ModelNotFoundError(`The model "${model}" does not exist: use "${MODEL_PREFIX}<agent>" with a registered agent`);
  return agent;
}

/** `Prefer: respond-async` (RFC 7240) asks for the id now and the result later. */
const prefersAsync = (req: GatewayRequest) => /(^|[,;\s])respond-async($|[,;\s])/i.test(req.headers.prefer ?? "");

/** A JSON-RPC error from the agent (it rejected the message, say) is the agent's failure. */
async function agentCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof RpcError) throw new AgentFailedError(`Agent error ${e.code}: ${e.message}`);
    throw e;
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

/** `GET /v1/models`, served by the buffered API function. */
export const modelsHandler = handlerFor(async (_req, principal, deps) => {
  const agents = (await deps.agents.list()).filter((a) => mayUseAgent(principal, a.name));
  return json(200, {
    object: "list",
    data: agents.map((a) => ({ id: MODEL_PREFIX + a.name, object: "model", created: Math.floor(Date.parse(a.createdAt) / 1000), owned_by: "a2a-gateway" })),
  });
});

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
    if (body.stream) throw new BadRequestError("stream is not supported on /v1/responses: use /v1/chat/completions with stream: true", "stream");
    assertSupported(body);
    const agent = await agentForModel(body.model, principal, deps);
    const chat = toChatRequest(body);
    return agentCall(() =>
      runTurn({ kind: "response", req: chat, agent, principal, trace: req.trace, background: body.background === true, waitUntil: req.waitUntil, ...(req.signal ? { signal: req.signal } : {}) }, deps),
    );
  }),

  "GET /v1/responses/{id}": handlerFor(async (req, principal, deps) => {
    const job = await ownJob("response", req, principal, deps);
    return isFinished(job.status) && job.result ? json(200, job.result) : pendingResponse(job, metaOf(job));
  }),

  "POST /v1/responses/{id}/cancel": handlerFor(async (req, principal, deps) => {
    const job = await ownJob("response", req, principal, deps);
    const cancelled = await agentCall(() => cancelJob(job, req.trace, deps));
    return json(200, cancelled.result ?? pendingResponse(cancelled, metaOf(cancelled)));
  }),
};
