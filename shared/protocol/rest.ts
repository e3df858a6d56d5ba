/**
 * A2A 1.0's HTTP+JSON binding (§11), as data: which HTTP request carries each operation, and how
 * its errors travel. Read both ways: the gateway's REST surface maps requests to operations with
 * it (shared/routes/a2a-rest.ts), and its REST client maps operations to requests for agents that
 * speak only HTTP+JSON (shared/core/agent-rpc.ts). Bodies and results are the 1.0 JSON of the
 * JSON-RPC binding (§11.4: "structurally equivalent to the Protocol Buffer definitions").
 */
import type { JsonRpcErrorObject, JsonRpcResponse } from "./jsonrpc.ts";
import { RpcCode } from "./jsonrpc.ts";
import type { Operation } from "./methods.ts";
import { errorCodeOfReason } from "./translate.ts";

/** §11.1: the binding's media type, for requests and responses. */
export const A2A_JSON_TYPE = "application/a2a+json";

/** A query parameter's type (§11.5: numbers as decimal strings, booleans as `true`/`false`). */
type QueryType = "string" | "int" | "bool";

export interface RestBinding {
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
 * §11.3, in the order a path is matched and, for an operation with two bindings, the first is the
 * one the gateway uses to call agents. `{tenant}`-prefixed twins are not served: the tenant is the
 * gateway's to set, never the caller's (see core/tenancy.ts).
 */
export const restBindings = [
  { op: "send", method: "POST", path: "/message:send", body: true },
  { op: "stream", method: "POST", path: "/message:stream", body: true },
  { op: "listTasks", method: "GET", path: "/tasks", query: { contextId: "string", status: "string", pageSize: "int", pageToken: "string", historyLength: "int", statusTimestampAfter: "string", includeArtifacts: "bool" } },
  { op: "getTask", method: "GET", path: "/tasks/{id}", query: { historyLength: "int" } },
  { op: "cancelTask", method: "POST", path: "/tasks/{id}:cancel", body: true },
  // §11.3.2 writes POST, the proto's HTTP annotation GET; a2a-js's client sends POST. Both are served.
  { op: "subscribe", method: "POST", path: "/tasks/{id}:subscribe" },
  { op: "subscribe", method: "GET", path: "/tasks/{id}:subscribe" },
  { op: "setPushConfig", method: "POST", path: "/tasks/{taskId}/pushNotificationConfigs", body: true },
  { op: "listPushConfigs", method: "GET", path: "/tasks/{taskId}/pushNotificationConfigs", query: { pageSize: "int", pageToken: "string" } },
  { op: "getPushConfig", method: "GET", path: "/tasks/{taskId}/pushNotificationConfigs/{id}" },
  { op: "deletePushConfig", method: "DELETE", path: "/tasks/{taskId}/pushNotificationConfigs/{id}" },
  { op: "extendedCard", method: "GET", path: "/extendedAgentCard" },
] as const satisfies readonly RestBinding[];

const pathFields = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/**
 * A request's params, as the operation's JSON-RPC params would hold them: the body, then the query
 * parameters the binding reads (typed), then the path's. The path names the resource, so it wins
 * over a body that names another (as a2a-js's server does).
 */
export function restParams(binding: RestBinding, path: Readonly<Record<string, string>>, query: Readonly<Record<string, string>>, body: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = binding.body ? { ...body } : {};
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

/** The HTTP request for an operation with these (1.0) params: the reverse of `restParams`. */
export function restRequest(op: Operation, params: Record<string, unknown>): { method: RestBinding["method"]; path: string; body?: string } {
  const binding: RestBinding = restBindings.find((b) => b.op === op)!;
  const inPath = new Set(pathFields(binding.path));
  let path = binding.path.replace(/\{(\w+)\}/g, (_, field: string) => encodeURIComponent(String(params[field] ?? "")));
  const rest = Object.fromEntries(Object.entries(params).filter(([field]) => !inPath.has(field)));
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

/** An HTTP+JSON error body (the `error` of a response or of an SSE `error` event). */
export const isRestErrorBody = (body: unknown): body is { error: Record<string, unknown> } =>
  isRecord(body) && isRecord(body.error) && Object.keys(body).length === 1;

/**
 * An agent's HTTP+JSON answer as the JSON-RPC response the rest of the gateway reads: a success is
 * the result, an error the A2A code its ErrorInfo names (or its HTTP status means), with the
 * details kept as 1.0 `data`. `undefined`: a failure that is not an answer of the binding.
 */
export function restReply(status: number, body: unknown): JsonRpcResponse | undefined {
  if (status >= 200 && status < 300) return { jsonrpc: "2.0", id: 1, result: body ?? {} };
  if (!isRestErrorBody(body)) return undefined;
  const { message, details } = body.error;
  const typed = Array.isArray(details) ? details : [];
  const info = typed.find((d): d is { reason: string } => isRecord(d) && d.domain === "a2a-protocol.org" && typeof d.reason === "string");
  const code = (info && errorCodeOfReason(info.reason)) ?? (status === 404 ? RpcCode.TaskNotFound : status < 500 ? RpcCode.InvalidParams : RpcCode.InternalError);
  return { jsonrpc: "2.0", id: 1, error: { code, message: typeof message === "string" ? message : `Agent answered HTTP ${status}`, ...(typed.length ? { data: typed } : {}) } };
}
