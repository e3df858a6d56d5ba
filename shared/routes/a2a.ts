/** The A2A surface (SPEC §4): JSON-RPC calls to `/a2a/{agent}` and the agent card the gateway serves. */
import type { AppDeps } from "../deps.ts";
import { json, type GatewayRequest, type GatewayResponse } from "../http.ts";
import { issuesOf, JsonRpcRequest, RpcCode, RpcError, rpcError, rpcResult, salvageId } from "../protocol/jsonrpc.ts";
import { paramsSchemas, resolveMethod, streamingOps } from "../protocol/methods.ts";
import { callerVersion } from "../protocol/translate.ts";
import { requireAgent } from "../core/agents.ts";
import { gatewayBaseUrl, gatewayCard } from "../core/cards.ts";
import { assertMayUseAgent, type Principal } from "../core/keys.ts";
import { proxyCall } from "../core/proxy.ts";
import { proxyStream } from "../core/stream.ts";
import { handlerFor, type Handlers, type OpenRouteHandler } from "./dispatch.ts";
import { isPushToken } from "../core/async/handoff.ts";
import { onAgentPush } from "../core/async/poller.ts";
import { UnauthorizedError } from "../errors.ts";

async function agentFor(req: GatewayRequest, principal: Principal, deps: AppDeps) {
  const name = req.params.agent!;
  // Permission first, so a restricted key cannot probe which agents exist.
  assertMayUseAgent(principal, name);
  return requireAgent(name, deps.agents);
}

const serveCard = handlerFor(async (req, principal, deps) => {
  const agent = await agentFor(req, principal, deps);
  const url = `${gatewayBaseUrl(req, deps)}/a2a/${encodeURIComponent(agent.name)}`;
  return json(200, gatewayCard(agent, url), { "cache-control": "private, max-age=60" });
});

const call = handlerFor(async (req, principal, deps): Promise<GatewayResponse> => {
  const agent = await agentFor(req, principal, deps);

  if (req.body.kind === "invalid-json") {
    // Unparseable is a parse error; parseable but refused (too deeply nested) is an invalid request.
    return json(200, req.body.reason
      ? rpcError(null, { code: RpcCode.InvalidRequest, message: `Invalid Request: ${req.body.reason}` })
      : rpcError(null, { code: RpcCode.ParseError, message: "Parse error: the body is not valid JSON" }));
  }
  const envelope = JsonRpcRequest.safeParse(req.body.kind === "json" ? req.body.value : undefined);
  if (!envelope.success) {
    const id = req.body.kind === "json" ? salvageId(req.body.value) : null;
    return json(200, rpcError(id, { code: RpcCode.InvalidRequest, message: "Invalid Request: not a JSON-RPC 2.0 request", data: issuesOf(envelope.error) }));
  }
  const { id, method, params = {} } = envelope.data;

  const resolved = resolveMethod(method);
  if (!resolved) return json(200, rpcError(id, { code: RpcCode.MethodNotFound, message: `Method not found: ${method}` }));
  const version = callerVersion(method, req.headers);
  const schema = paramsSchemas[resolved.op][version];
  const checked = schema ? schema.safeParse(params) : { success: true as const, data: params };
  if (!checked.success) {
    return json(200, rpcError(id, { code: RpcCode.InvalidParams, message: `Invalid params for ${method}`, data: issuesOf(checked.error) }));
  }
  const a2aCall = {
    agent,
    principal,
    op: resolved.op,
    callerVersion: version,
    params: checked.data as Record<string, unknown>,
    trace: req.trace,
    waitUntil: req.waitUntil,
    ...(req.signal ? { signal: req.signal } : {}),
  };
  try {
    if (streamingOps.has(resolved.op)) return await proxyStream(a2aCall, id, deps);
    const outcome = await proxyCall(a2aCall, deps);
    return json(200, "error" in outcome ? rpcError(id, outcome.error) : rpcResult(id, outcome.result));
  } catch (e) {
    // Keep the caller's id on errors raised past this point (TaskNotFound, upstream failures).
    if (e instanceof RpcError) return json(e.httpStatus, rpcError(id, e.toObject()));
    throw e;
  }
});

/** An agent pushing news of a task the gateway drives: checked with one `tasks/get`. */
const agentPush: OpenRouteHandler = async (req, _principal, deps) => {
  const id = req.params.id!;
  if (!isPushToken(deps.config.masterKey, id, req.headers["x-a2a-notification-token"])) throw new UnauthorizedError("Unknown push notification token");
  return json(200, { outcome: await onAgentPush(id, deps) });
};

export const a2aHandlers: Handlers<"a2a"> = {
  "POST /hooks/a2a/{id}": agentPush,
  "GET /a2a/{agent}/.well-known/agent-card.json": serveCard,
  "GET /a2a/{agent}/.well-known/agent.json": serveCard,
  "POST /a2a/{agent}": call,
  "POST /a2a/{agent}/message/send": call,
};
