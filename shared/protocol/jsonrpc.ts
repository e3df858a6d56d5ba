/** JSON-RPC 2.0 envelopes and the error codes A2A uses (A2A spec §"JSON-RPC Error Codes"). */
import * as z from "zod/mini";
import "./zod-messages.ts";

/**
 * A numeric id a double cannot hold exactly (`123456789012345678901234567890`), as the caller wrote
 * it: JSON-RPC 2.0 §5 answers with the request's id, not a rounding of it. Made at the edge, from
 * the body's text; anything that serializes it without `jsonText` still writes a valid number.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
}

export const JsonRpcId = z.union([z.string(), z.number(), z.instanceof(ExactNumber), z.null()]);
export type JsonRpcId = z.infer<typeof JsonRpcId>;

export const JsonRpcRequest = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.optional(JsonRpcId),
  method: z.string().check(z.minLength(1)),
  params: z.optional(z.record(z.string(), z.unknown())),
});
export type JsonRpcRequest = z.infer<typeof JsonRpcRequest>;

export const JsonRpcErrorObject = z.object({
  code: z.int(),
  message: z.string(),
  data: z.optional(z.unknown()),
});
export type JsonRpcErrorObject = z.infer<typeof JsonRpcErrorObject>;

/** What an agent answers: exactly one of `result` or `error`. */
export const JsonRpcResponse = z.union([
  z.object({ jsonrpc: z.literal("2.0"), id: z.optional(JsonRpcId), result: z.unknown() }),
  z.object({ jsonrpc: z.literal("2.0"), id: z.optional(JsonRpcId), error: JsonRpcErrorObject }),
]);
export type JsonRpcResponse = z.infer<typeof JsonRpcResponse>;

export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  // A2A-specific codes.
  TaskNotFound: -32001,
  TaskNotCancelable: -32002,
  PushNotificationNotSupported: -32003,
  UnsupportedOperation: -32004,
  ContentTypeNotSupported: -32005,
  InvalidAgentResponse: -32006,
  ExtendedAgentCardNotConfigured: -32007,
  ExtensionSupportRequired: -32008,
  VersionNotSupported: -32009,
} as const;

/** A JSON-RPC error produced by the gateway itself (invalid input, unknown task, …). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    /** HTTP status the error travels with; JSON-RPC errors are HTTP 200 unless the spec says otherwise. */
    readonly httpStatus = 200,
  ) {
    super(message);
    this.name = "RpcError";
  }

  toObject(): JsonRpcErrorObject {
    return { code: this.code, message: this.message, ...(this.data !== undefined ? { data: this.data } : {}) };
  }
}

export const taskNotFound = (): RpcError => new RpcError(RpcCode.TaskNotFound, "Task not found");

/** A2A 1.0 §3.6.2: a version the gateway does not serve is refused, whatever the method. */
export const versionNotSupported = (asked: string, served: readonly string[]): RpcError =>
  new RpcError(RpcCode.VersionNotSupported, `A2A version ${asked} is not supported: this gateway serves ${served.join(" and ")}`, {
    requestedVersion: asked,
    supportedVersions: served.join(","),
  });

/**
 * A body the gateway will not read as JSON-RPC. HTTP 415 says so to HTTP clients (RFC 9110
 * §15.5.16); the JSON-RPC code to A2A clients (A2A 1.0 §5.4).
 */
export const contentTypeNotSupported = (contentType: string, binding: "JSON-RPC" | "HTTP+JSON" = "JSON-RPC"): RpcError =>
  new RpcError(
    RpcCode.ContentTypeNotSupported,
    `Content-Type ${contentType} is not supported: send ${binding} requests as application/json`,
    { contentType },
    415,
  );

export const rpcResult = (id: JsonRpcId | undefined, result: unknown) => ({ jsonrpc: "2.0" as const, id: id ?? null, result });
export const rpcError = (id: JsonRpcId | undefined, error: JsonRpcErrorObject) => ({
  jsonrpc: "2.0" as const,
  id: id ?? null,
  error,
});

/**
 * A response body as JSON text, with an exact numeric id written as it came. Envelopes are built
 * with `jsonrpc` first, so the first `"id":` of the text is the envelope's own.
 */
export function jsonText(body: unknown): string {
  const id = (body as { id?: unknown } | null | undefined)?.id;
  if (!(id instanceof ExactNumber)) return JSON.stringify(body);
  return JSON.stringify({ ...(body as object), id: null }).replace('"id":null', () => `"id":${id.text}`);
}

/** Zod issues as JSON-RPC `data`: path and message only, never the offending input. */
export const issuesOf = (error: z.core.$ZodError) =>
  error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message, code: i.code }));

/**
 * The id to answer with when the envelope itself is invalid: the caller's id if it is a valid one,
 * `null` otherwise (JSON-RPC 2.0 §5).
 */
export function salvageId(body: unknown): JsonRpcId {
  if (body && typeof body === "object" && "id" in body) {
    const parsed = JsonRpcId.safeParse((body as { id: unknown }).id);
    if (parsed.success) return parsed.data;
  }
  return null;
}
