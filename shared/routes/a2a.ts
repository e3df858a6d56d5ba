/** The A2A surface (SPEC §4): JSON-RPC calls to `/a2a/{agent}` and the agent card the gateway serves. */
import type { AppDeps } from "../deps.ts";
import { ifNoneMatchMatches, json, type GatewayRequest, type GatewayResponse } from "../http.ts";
import {
  contentTypeNotSupported,
  issuesOf,
  JsonRpcRequest,
  RpcCode,
  RpcError,
  rpcError,
  rpcResult,
  salvageId,
  versionNotSupported,
} from "../protocol/jsonrpc.ts";
import { paramsSchemas, resolveMethod, streamingOps } from "../protocol/methods.ts";
import { gatewayError, SERVED_VERSIONS, versionAsked } from "../protocol/translate.ts";
import { requireAgent } from "../core/agents.ts";
import { cardEtag, gatewayBaseUrl, gatewayCard } from "../core/cards.ts";
import { assertMayUseAgent, type Principal } from "../core/keys.ts";
import { EXTENSIONS_HEADER, extensionsIn, type Extensions } from "../core/agent-rpc.ts";
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
  const card = gatewayCard(agent, url);
  // A2A 1.0 §8.6.1: caching headers, and a 304 without a body for a client whose copy is current.
  // Private: the card is served behind a key. It changes when the agent's record does.
  const headers = { "cache-control": "private, max-age=60", etag: cardEtag(card), "last-modified": new Date(agent.updatedAt).toUTCString() };
  return ifNoneMatchMatches(req.headers["if-none-match"], headers.etag) ? json(304, undefined, headers) : json(200, card, headers);
});

/**
 * JSON-RPC requests are `application/json` (A2A 1.0 §9.1), and a `+json` type (RFC 6839), A2A's
 * own `application/a2a+json` among them, is JSON too. A request without a Content-Type is read as
 * JSON, as the A2A SDKs' servers read it. Anything else, curl's default form encoding included, is
 * refused with a message that says what to send, rather than guessed at.
 */
function isJsonContent(contentType: string | undefined): boolean {
  const essence = contentType?.split(";", 1)[0]!.trim().toLowerCase();
  return !essence || essence === "application/json" || /^application\/[^/\s]+\+json$/.test(essence);
}

const call = handlerFor(async (req, principal, deps): Promise<GatewayResponse> => {
  const agent = await agentFor(req, principal, deps);
  const asked = versionAsked(req.headers, req.query);
  // Errors found before the method is known speak the version asked for; no version is 0.3
  // (§3.6.2), and a version the gateway does not serve is a newer one, closest to 1.0.
  const askedDialect = "served" in asked ? (asked.served ?? "0.3") : "1.0";

  if (!isJsonContent(req.headers["content-type"])) {
    const refused = contentTypeNotSupported(req.headers["content-type"]!);
    return json(refused.httpStatus, rpcError(null, gatewayError(refused.toObject(), askedDialect)));
  }
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
  // §3.6.2: a version the gateway does not serve is refused, whatever the method.
  if ("unsupported" in asked) return json(200, rpcError(id, gatewayError(versionNotSupported(asked.unsupported, SERVED_VERSIONS).toObject(), askedDialect)));

  const resolved = resolveMethod(method);
  if (!resolved) return json(200, rpcError(id, { code: RpcCode.MethodNotFound, message: `Method not found: ${method}` }));
  // The two versions share no method name, so the name says which one the caller speaks, even
  // when the A2A-Version it sent names the other (or none, as 0.3 clients and hand-written
  // 1.0 calls do).
  const version = resolved.version;
  const schema = paramsSchemas[resolved.op][version];
  const checked = schema ? schema.safeParse(params) : { success: true as const, data: params };
  if (!checked.success) {
    return json(200, rpcError(id, { code: RpcCode.InvalidParams, message: `Invalid params for ${method}`, data: issuesOf(checked.error) }));
  }
  const requested = extensionsIn(req.headers);
  const extensions: Extensions = requested ? { requested } : {};
  const a2aCall = {
    agent,
    principal,
    op: resolved.op,
    callerVersion: version,
    params: checked.data as Record<string, unknown>,
    trace: req.trace,
    waitUntil: req.waitUntil,
    ...(req.signal ? { signal: req.signal } : {}),
    extensions,
  };
  // The agent's answer to the extensions asked for goes back under the caller's version's name.
  const withExtensions = (res: GatewayResponse): GatewayResponse =>
    extensions.activated ? { ...res, headers: { ...res.headers, [EXTENSIONS_HEADER[version]]: extensions.activated } } : res;
  try {
    if (streamingOps.has(resolved.op)) return withExtensions(await proxyStream(a2aCall, id, deps));
    const outcome = await proxyCall(a2aCall, deps);
    return withExtensions(json(200, "error" in outcome ? rpcError(id, outcome.error) : rpcResult(id, outcome.result)));
  } catch (e) {
    // Keep the caller's id on errors raised past this point (TaskNotFound, upstream failures).
    if (e instanceof RpcError) return json(e.httpStatus, rpcError(id, gatewayError(e.toObject(), version)));
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
