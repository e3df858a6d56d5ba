/** The A2A surface (SPEC §4): JSON-RPC calls to `/a2a/{agent}` and the agent card the gateway serves. */
import { ifNoneMatchMatches, json, SSE_HEADERS, sseEvent, type GatewayResponse } from "../http.ts";
import {
  contentTypeNotSupported,
  issuesOf,
  jsonText,
  JsonRpcRequest,
  RpcCode,
  RpcError,
  rpcError,
  rpcResult,
  salvageId,
  versionNotSupported,
  type JsonRpcErrorObject,
} from "../protocol/jsonrpc.ts";
import { paramsSchemas, resolveMethod, streamingOps } from "../protocol/methods.ts";
import { gatewayError, SERVED_VERSIONS, versionAsked } from "../protocol/translate.ts";
import { cardEtag, gatewayBaseUrl, gatewayCard } from "../core/cards.ts";
import { proxyCall } from "../core/proxy.ts";
import { jsonRpcFrames, proxyStream } from "../core/stream.ts";
import { handlerFor, type Handlers, type OpenRouteHandler } from "./dispatch.ts";
import { a2aCallOf, agentFor, isJsonContent } from "./a2a-call.ts";
import { restHandlers } from "./a2a-rest.ts";
import { isPushToken } from "../core/async/handoff.ts";
import { onAgentPush } from "../core/async/poller.ts";
import { UnauthorizedError } from "../errors.ts";
import { findAgent } from "../core/agents.ts";
import { missingKey } from "../core/keys.ts";

/**
 * An agent's card. A public one is anyone's, with a key or without; any other is served as every
 * A2A route is, to a key that may use the agent. Without a key, any other name, registered or
 * not, answers what every route answers without a key: which agents exist stays unsaid.
 */
const serveCard: OpenRouteHandler = async (req, principal, deps) => {
  const known = await findAgent(req.params.agent!, deps.agents);
  if (!known?.publicCard && !principal) throw missingKey();
  const agent = known?.publicCard ? known : await agentFor(req, principal!, deps);
  const url = `${gatewayBaseUrl(req, deps)}/a2a/${encodeURIComponent(agent.name)}`;
  const card = gatewayCard(agent, url);
  // A2A 1.0 §8.6.1: caching headers, and a 304 without a body for a client whose copy is current.
  // Private unless the card is public: it is served behind a key. It changes when the agent's record does.
  const headers = { "cache-control": `${agent.publicCard ? "public" : "private"}, max-age=60`, etag: cardEtag(card), "last-modified": new Date(agent.updatedAt).toUTCString() };
  return ifNoneMatchMatches(req.headers["if-none-match"], headers.etag) ? json(304, undefined, headers) : json(200, card, headers);
};

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
  const { a2aCall, withExtensions } = a2aCallOf(req, principal, agent, resolved.op, version, checked.data as Record<string, unknown>);
  // 0.3's tasks/resubscribe is read as a stream whatever the answer: its refusals go as a stream of
  // one error event, as the 0.3 SDKs' servers send them (their clients read nothing else there).
  const refusedAsStream = version === "0.3" && resolved.op === "subscribe";
  const refusal = (error: JsonRpcErrorObject, status: number): GatewayResponse =>
    refusedAsStream ? { status: 200, headers: SSE_HEADERS, stream: oneFrame(sseEvent(jsonText(rpcError(id, error)))) } : json(status, rpcError(id, error));
  try {
    if (streamingOps.has(resolved.op)) return withExtensions(await proxyStream(a2aCall, { ...jsonRpcFrames(id), refused: (error) => refusal(error, 200) }, deps));
    const outcome = await proxyCall(a2aCall, deps);
    return withExtensions(json(200, "error" in outcome ? rpcError(id, outcome.error) : rpcResult(id, outcome.result)));
  } catch (e) {
    // Keep the caller's id on errors raised past this point (TaskNotFound, upstream failures).
    if (e instanceof RpcError) return refusal(gatewayError(e.toObject(), version), e.httpStatus);
    throw e;
  }
});

async function* oneFrame(frame: string): AsyncGenerator<string> {
  yield frame;
}

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
  ...restHandlers,
};
