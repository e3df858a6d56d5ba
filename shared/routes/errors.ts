/**
 * One mapper per surface from errors to the wire (CONVENTIONS §7). Gateway errors carry a safe
 * message; anything else becomes a generic internal error, logged by the dispatcher, never echoed.
 */
import { BudgetExceededError, isGatewayError, RateLimitError, UpstreamError, type GatewayError } from "../errors.ts";
import { json, type JsonResponse } from "../http.ts";
import { RpcCode, RpcError, rpcError, type JsonRpcErrorObject, type JsonRpcId } from "../protocol/jsonrpc.ts";
import { A2A_JSON_TYPE, restError, restErrorV03 } from "../protocol/rest.ts";
import { gatewayError } from "../protocol/translate.ts";

const retryAfter = (e: unknown): Record<string, string> | undefined =>
  e instanceof RateLimitError || e instanceof BudgetExceededError ? { "retry-after": String(e.retryAfterSeconds) } : undefined;

/** Admin API: `{ error: { code, message, param?, details? } }`. */
export function adminErrorResponse(e: unknown): JsonResponse {
  if (!isGatewayError(e)) return json(500, { error: { code: "internal_error", message: "Internal error" } });
  const param = "param" in e && e.param ? { param: e.param } : {};
  const details = e.details !== undefined ? { details: e.details } : {};
  return json(e.status, { error: { code: e.code, message: e.message, ...param, ...details } }, retryAfter(e));
}

/** OpenAI surface: `{ error: { message, type, param, code } }`, as the OpenAI SDK expects. */
export function openaiErrorResponse(e: unknown): JsonResponse {
  if (!isGatewayError(e)) {
    return json(500, { error: { message: "Internal error", type: "server_error", param: null, code: "internal_error" } });
  }
  // OpenAI's own word for a spent quota, so clients do not retry it as a rate limit.
  const type =
    e instanceof BudgetExceededError ? "insufficient_quota" : e.status === 401 ? "authentication_error" : e.status === 429 ? "rate_limit_error" : e.status >= 500 ? "server_error" : "invalid_request_error";
  const param = "param" in e && typeof e.param === "string" ? e.param : null;
  return json(e.status, { error: { message: e.message, type, param, code: e.code } }, retryAfter(e));
}

/**
 * A2A surface: a JSON-RPC error envelope. Protocol errors travel with HTTP 200 as JSON-RPC
 * requires; errors of the gateway itself keep their HTTP status (401, 403, 404, 413, 429, 502,
 * 504, SPEC §4) so plain HTTP clients and load balancers see them too.
 */
export function rpcErrorResponse(e: unknown, id: JsonRpcId | undefined): JsonResponse {
  if (e instanceof RpcError) return json(e.httpStatus, rpcError(id, e.toObject()));
  if (!isGatewayError(e)) return json(500, rpcError(id, { code: RpcCode.InternalError, message: "Internal error" }));
  const data = e instanceof UpstreamError ? e.details : e.details !== undefined ? e.details : undefined;
  const code = e instanceof UpstreamError || e.status >= 500 ? RpcCode.InternalError : RpcCode.InvalidRequest;
  return json(e.status, rpcError(id, { code, message: e.message, ...(data !== undefined ? { data } : {}) }), retryAfter(e));
}

/**
 * A2A's HTTP+JSON surface: an HTTP status and a google.rpc.Status (A2A 1.0 §11.6). A2A errors carry
 * their ErrorInfo (domain `a2a-protocol.org`); the gateway's own (401, 403, 404, 413, 429, 502,
 * 504) keep their status and say what they are in an ErrorInfo of the gateway's domain.
 */
export function restErrorResponse(e: unknown): JsonResponse {
  const { status, body } =
    e instanceof RpcError
      ? // An error that names its own HTTP status (415 for a body that is not JSON) keeps it.
        restError(gatewayError(e.toObject(), "1.0"), e.httpStatus === 200 ? undefined : e.httpStatus)
      : isGatewayError(e)
        ? restError({ code: e.status >= 500 ? RpcCode.InternalError : RpcCode.InvalidRequest, message: e.message, data: [gatewayErrorInfo(e)] }, e.status)
        : restError({ code: RpcCode.InternalError, message: "Internal error" });
  return json(status, body, { "content-type": A2A_JSON_TYPE, ...retryAfter(e) });
}

/**
 * A2A 0.3's HTTP+JSON surface: the JSON-RPC error object alone, as the SDK's 0.3 REST server
 * answers, under the status of its A2A code or, for the gateway's own errors, their status.
 */
export function restErrorResponseV03(e: unknown): JsonResponse {
  const rpc = rpcErrorResponse(e, null);
  const { error } = rpc.body as { error: JsonRpcErrorObject };
  const { status, body } = isGatewayError(e) ? restErrorV03(error, e.status) : restErrorV03(error);
  return json(status, body, rpc.headers);
}

/** ErrorInfo's metadata is a map of strings: the error's flat details, written as such. */
function gatewayErrorInfo(e: GatewayError) {
  const flat = e.details && typeof e.details === "object" && !Array.isArray(e.details) ? Object.entries(e.details) : [];
  const metadata = Object.fromEntries(flat.filter(([, v]) => typeof v === "string" || typeof v === "number").map(([k, v]) => [k, String(v)]));
  return { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: e.code.toUpperCase(), domain: "a2a-gateway", ...(flat.length ? { metadata } : {}) };
}
