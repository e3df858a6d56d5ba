/**
 * A2A's HTTP+JSON binding, 1.0 (§11) and 0.3, as data: which HTTP request carries each operation,
 * and how its errors travel. Read both ways: the gateway's REST surface maps requests to operations
 * with it (shared/routes/a2a-rest.ts), and its REST client maps operations to requests for agents
 * that speak HTTP+JSON (shared/core/agent-rpc.ts). 1.0's bodies and results are the 1.0 JSON of the
 * JSON-RPC binding (§11.4: "structurally equivalent to the Protocol Buffer definitions"); 0.3's are
 * the ProtoJSON of 0.3's proto, which differs from 0.3's JSON-RPC objects (./proto-v03.ts).
 */
import type { JsonRpcErrorObject, JsonRpcResponse } from "./jsonrpc.ts";
import { RpcCode } from "./jsonrpc.ts";
import type { A2AVersion, Operation } from "./methods.ts";
import { isProtoErrorBody, protoParams, protoResult } from "./proto-v03.ts";
import { errorCodeOfReason } from "./translate.ts";

/** §11.1: the binding's media type, for requests and responses. */
export const A2A_JSON_TYPE = "application/a2a+json";

/** A query parameter's type (§11.5: numbers as decimal strings, booleans as `true`/`false`). */
type QueryType = "string" | "int" | "bool";

export interface RestBinding {
  version: A2AVersion;
  op: Operation;
  method: "GET" | "POST" | "DELETE";
  /** Under the agent's base URL; `{field}` segments are the operation's own param names. */
  path: string;
  /** The params not in the path travel as the JSON body. */
  body?: true;
  /** ...or as query parameters (GET and DELETE have no body, §11.5). */
  query?: Readonly<Record<string, QueryType>>;
}

/**
 * For an operation with two bindings of a version, the first is the one the gateway uses to call
 * agents. 1.0's are §11.3's; `{tenant}`-prefixed twins are not served: the tenant is the gateway's
 * to set, never the caller's (see core/tenancy.ts). 0.3's are the paths @a2a-js/sdk's 0.3 REST
 * client and server use, path fields named as 0.3's params name them; 0.3 has no ListTasks there.
 */
export const restBindings = [
  { version: "1.0", op: "send", method: "POST", path: "/message:send", body: true },
  { version: "1.0", op: "stream", method: "POST", path: "/message:stream", body: true },
  { version: "1.0", op: "listTasks", method: "GET", path: "/tasks", query: { contextId: "string", status: "string", pageSize: "int", pageToken: "string", historyLength: "int", statusTimestampAfter: "string", includeArtifacts: "bool" } },
  { version: "1.0", op: "getTask", method: "GET", path: "/tasks/{id}", query: { historyLength: "int" } },
  { version: "1.0", op: "cancelTask", method: "POST", path: "/tasks/{id}:cancel", body: true },
  // §11.3.2 writes POST, the proto's HTTP annotation GET; a2a-js's client sends POST. Both are served.
  { version: "1.0", op: "subscribe", method: "POST", path: "/tasks/{id}:subscribe" },
  { version: "1.0", op: "subscribe", method: "GET", path: "/tasks/{id}:subscribe" },
  { version: "1.0", op: "setPushConfig", method: "POST", path: "/tasks/{taskId}/pushNotificationConfigs", body: true },
  { version: "1.0", op: "listPushConfigs", method: "GET", path: "/tasks/{taskId}/pushNotificationConfigs", query: { pageSize: "int", pageToken: "string" } },
  { version: "1.0", op: "getPushConfig", method: "GET", path: "/tasks/{taskId}/pushNotificationConfigs/{id}" },
  { version: "1.0", op: "deletePushConfig", method: "DELETE", path: "/tasks/{taskId}/pushNotificationConfigs/{id}" },
  { version: "1.0", op: "extendedCard", method: "GET", path: "/extendedAgentCard" },

  { version: "0.3", op: "send", method: "POST", path: "/v1/message:send", body: true },
  { version: "0.3", op: "stream", method: "POST", path: "/v1/message:stream", body: true },
  { version: "0.3", op: "getTask", method: "GET", path: "/v1/tasks/{id}", query: { historyLength: "int" } },
  { version: "0.3", op: "cancelTask", method: "POST", path: "/v1/tasks/{id}:cancel" },
  // The SDK's 0.3 client subscribes with GET; its server takes POST too.
  { version: "0.3", op: "subscribe", method: "GET", path: "/v1/tasks/{id}:subscribe" },
  { version: "0.3", op: "subscribe", method: "POST", path: "/v1/tasks/{id}:subscribe" },
  { version: "0.3", op: "setPushConfig", method: "POST", path: "/v1/tasks/{taskId}/pushNotificationConfigs", body: true },
  { version: "0.3", op: "listPushConfigs", method: "GET", path: "/v1/tasks/{id}/pushNotificationConfigs" },
  { version: "0.3", op: "getPushConfig", method: "GET", path: "/v1/tasks/{id}/pushNotificationConfigs/{pushNotificationConfigId}" },
  { version: "0.3", op: "deletePushConfig", method: "DELETE", path: "/v1/tasks/{id}/pushNotificationConfigs/{pushNotificationConfigId}" },
  { version: "0.3", op: "extendedCard", method: "GET", path: "/v1/card" },
] as const satisfies readonly RestBinding[];

const pathFields = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/**
 * A request's params, as the operation's JSON-RPC params of the binding's version would hold them:
 * the body, then the query parameters the binding reads (typed), then the path's. The path names
 * the resource, so it wins over a body that names another (as a2a-js's 1.0 server does).
 */
export function restParams(binding: RestBinding, path: Readonly<Record<string, string>>, query: Readonly<Record<string, string>>, body: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = binding.body ? { ...(binding.version === "0.3" ? (protoParams(binding.op, body, "rpc") as object) : body) } : {};
  for (const [name, type] of Object.entries(binding.query ?? {})) {
    const value = query[name];
    if (value !== undefined) params[name] = queryValue(value, type);
  }
  for (const field of pathFields(binding.path)) params[field] = path[field];
  return params;
}

/** A typed query value; one that is not of its type stays a string, for the params schema to refuse by name. */
function queryValue(value: string, type: QueryType): unknown {
  if (type === "int") return /^-?\d+$/.test(value) ? Number(value) : value;
  if (type === "bool") return value === "true" ? true : value === "false" ? false : value;
  return value;
}

/** The HTTP request for an operation with these params of the version: the reverse of `restParams`. */
export function restRequest(op: Operation, version: A2AVersion, params: Record<string, unknown>): { method: RestBinding["method"]; path: string; body?: string } {
  const binding: RestBinding = restBindings.find((b) => b.op === op && b.version === version)!;
  const inPath = new Set(pathFields(binding.path));
  let path = binding.path.replace(/\{(\w+)\}/g, (_, field: string) => encodeURIComponent(String(params[field] ?? "")));
  const wire = version === "0.3" && binding.body ? (protoParams(op, params, "proto") as Record<string, unknown>) : params;
  const rest = Object.fromEntries(Object.entries(wire).filter(([field]) => !inPath.has(field)));
  if (binding.body) return { method: binding.method, path, body: JSON.stringify(rest) };
  const query = new URLSearchParams();
  for (const name of Object.keys(binding.query ?? {})) if (rest[name] !== undefined) query.set(name, String(rest[name]));
  if (query.size) path += `?${query}`;
  return { method: binding.method, path };
}

// ---------------------------------------------------------------------------------------------
// Errors (§11.6): HTTP status + google.rpc.Status, with A2A's ErrorInfo in `details`
// ---------------------------------------------------------------------------------------------

/** google.rpc.Code names of the HTTP statuses the gateway answers with (the canonical HTTP mapping). */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "UNIMPLEMENTED",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  415: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** §5.4's HTTP column for A2A's codes; JSON-RPC's own codes by meaning. */
const HTTP_STATUS_OF_CODE: Readonly<Record<number, number>> = {
  [RpcCode.ParseError]: 400,
  [RpcCode.InvalidRequest]: 400,
  [RpcCode.MethodNotFound]: 404,
  [RpcCode.InvalidParams]: 400,
  [RpcCode.InternalError]: 500,
  [RpcCode.TaskNotFound]: 404,
  [RpcCode.TaskNotCancelable]: 400,
  [RpcCode.PushNotificationNotSupported]: 400,
  [RpcCode.UnsupportedOperation]: 400,
  [RpcCode.ContentTypeNotSupported]: 400,
  [RpcCode.InvalidAgentResponse]: 500,
  [RpcCode.ExtendedAgentCardNotConfigured]: 400,
  [RpcCode.ExtensionSupportRequired]: 400,
  [RpcCode.VersionNotSupported]: 400,
};

/** §5.4's gRPC column: A2A errors answered 400 for a state of things, not a malformed request. */
const FAILED_PRECONDITIONS = new Set<number>([
  RpcCode.TaskNotCancelable,
  RpcCode.PushNotificationNotSupported,
  RpcCode.UnsupportedOperation,
  RpcCode.ExtendedAgentCardNotConfigured,
  RpcCode.ExtensionSupportRequired,
  RpcCode.VersionNotSupported,
]);

const statusName = (httpStatus: number, code: number): string =>
  FAILED_PRECONDITIONS.has(code) ? "FAILED_PRECONDITION" : (STATUS_NAMES[httpStatus] ?? (httpStatus >= 500 ? "INTERNAL" : "UNKNOWN"));

export interface RestErrorBody {
  error: { code: number; status: string; message: string; details: unknown[] };
}

/** A JSON-RPC error object of 1.0 (its `data` the typed details, §9.5) as the binding's error. */
export function restError(error: JsonRpcErrorObject, httpStatus = HTTP_STATUS_OF_CODE[error.code] ?? 500): { status: number; body: RestErrorBody } {
  const details = Array.isArray(error.data) ? error.data : [];
  return { status: httpStatus, body: { error: { code: httpStatus, status: statusName(httpStatus, error.code), message: error.message, details } } };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * 0.3's error, as the SDK's 0.3 REST server writes and its client reads it: the JSON-RPC error
 * object itself, under the status of its code (a method not found is 501 there).
 */
export function restErrorV03(error: JsonRpcErrorObject, httpStatus = error.code === RpcCode.MethodNotFound ? 501 : (HTTP_STATUS_OF_CODE[error.code] ?? 500)): { status: number; body: JsonRpcErrorObject } {
  return { status: httpStatus, body: { code: error.code, message: error.message, ...(error.data !== undefined ? { data: error.data } : {}) } };
}

/** An HTTP+JSON error body of the version (the whole response, or an SSE `error` event's data). */
const isErrorBody = (body: unknown, version: A2AVersion): boolean =>
  version === "0.3" ? isProtoErrorBody(body) : isRecord(body) && isRecord(body.error) && Object.keys(body).length === 1;

/**
 * An agent's HTTP+JSON answer to an operation as the JSON-RPC response the rest of the gateway
 * reads: a success is the result (0.3's ProtoJSON read as 0.3's objects); a 1.0 error is the A2A
 * code its ErrorInfo names (or its HTTP status means), with the details kept as 1.0 `data`; a 0.3
 * error is its own JSON-RPC error object. `undefined`: a failure that is not an answer of the binding.
 */
export function restReply(status: number, body: unknown, op: Operation, version: A2AVersion): JsonRpcResponse | undefined {
  if (status >= 200 && status < 300) return { jsonrpc: "2.0", id: 1, result: version === "0.3" ? protoResult(op, body, "rpc") : (body ?? {}) };
  if (!isErrorBody(body, version)) return undefined;
  if (version === "0.3") return { jsonrpc: "2.0", id: 1, error: restErrorV03(body as JsonRpcErrorObject).body };
  const { message, details } = (body as { error: Record<string, unknown> }).error;
  const typed = Array.isArray(details) ? details : [];
  const info = typed.find((d): d is { reason: string } => isRecord(d) && d.domain === "a2a-protocol.org" && typeof d.reason === "string");
  const code = (info && errorCodeOfReason(info.reason)) ?? (status === 404 ? RpcCode.TaskNotFound : status < 500 ? RpcCode.InvalidParams : RpcCode.InternalError);
  return { jsonrpc: "2.0", id: 1, error: { code, message: typeof message === "string" ? message : `Agent answered HTTP ${status}`, ...(typed.length ? { data: typed } : {}) } };
}

/** One event of an agent's HTTP+JSON stream: a bare StreamResponse, or the error that ends the stream (§11.7). */
export const restStreamEvent = (event: unknown, op: Operation, version: A2AVersion): JsonRpcResponse =>
  (isErrorBody(event, version) ? restReply(500, event, op, version) : undefined) ?? restReply(200, event, op, version)!;
