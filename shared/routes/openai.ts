/** The OpenAI-compatible surface (SPEC §5): models and chat completions against A2A agents. */
import type { AppDeps } from "../deps.ts";
import { AgentFailedError, BadRequestError, GatewayError } from "../errors.ts";
import { json } from "../http.ts";
import { RpcError } from "../protocol/jsonrpc.ts";
import { ChatCompletionRequest } from "../protocol/openai.ts";
import { chatCompletion } from "../core/bridge/chat.ts";
import { assertMayUseAgent, mayUseAgent, type Principal } from "../core/keys.ts";
import { parseBody } from "./body.ts";
import { handlerFor, type OpenRouteHandler } from "./dispatch.ts";

const MODEL_PREFIX = "a2a/";

class ModelNotFoundError extends GatewayError {
  readonly status = 404;
  readonly code = "model_not_found";
}

/** Features an agent cannot honour: refused by name rather than silently ignored. */
function assertSupported(req: ChatCompletionRequest): void {
  if (req.tools?.length) throw new BadRequestError("tools are not supported: A2A agents use their own tools", "tools");
  if (req.functions?.length) throw new BadRequestError("functions are not supported: A2A agents use their own tools", "functions");
  if (req.n != null && req.n !== 1) throw new BadRequestError("n must be 1: an agent gives one answer", "n");
  if (req.logprobs) throw new BadRequestError("logprobs are not available from A2A agents", "logprobs");
  if (req.audio != null) throw new BadRequestError("audio output is not supported", "audio");
}

async function agentForModel(model: string, principal: Principal, deps: AppDeps) {
  const name = model.startsWith(MODEL_PREFIX) ? model.slice(MODEL_PREFIX.length) : model;
  if (name && !mayUseAgent(principal, name)) assertMayUseAgent(principal, name);
  const agent = name ? await deps.agents.get(name) : undefined;
  if (!agent) throw new ModelNotFoundError(`The model "${model}" does not exist: use "${MODEL_PREFIX}<agent>" with a registered agent`);
  return agent;
}

export const openaiHandlers: Record<string, OpenRouteHandler> = {
  "GET /v1/models": handlerFor(async (_req, principal, deps) => {
    const agents = (await deps.agents.list()).filter((a) => mayUseAgent(principal, a.name));
    return json(200, {
      object: "list",
      data: agents.map((a) => ({ id: MODEL_PREFIX + a.name, object: "model", created: Math.floor(Date.parse(a.createdAt) / 1000), owned_by: "a2a-gateway" })),
    });
  }),

  "POST /v1/chat/completions": handlerFor(async (req, principal, deps) => {
    const body = parseBody(req, ChatCompletionRequest);
    assertSupported(body);
    const agent = await agentForModel(body.model, principal, deps);
    try {
      return await chatCompletion({ req: body, agent, principal, trace: req.trace, ...(req.signal ? { signal: req.signal } : {}) }, deps);
    } catch (e) {
      // A JSON-RPC error from the agent (it rejected the message, say) is the agent's failure.
      if (e instanceof RpcError) throw new AgentFailedError(`Agent error ${e.code}: ${e.message}`);
      throw e;
    }
  }),
};
