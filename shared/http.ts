/**
 * The gateway's own view of an HTTP exchange. Lambda events are turned into a `GatewayRequest`
 * once, at the edge (functions/lib), with the body already decoded and JSON-parsed; the core
 * answers with a `GatewayResponse` that the edge writes back, buffered or streamed.
 */
import type { Route } from "./routes/table.ts";

/** The body as the edge parsed it: once, and only once. */
export type ParsedBody =
  | { kind: "empty" }
  | { kind: "json"; value: unknown }
  | { kind: "invalid-json"; reason?: string }
  | { kind: "too-large"; bytes: number };

export interface GatewayRequest {
  method: string;
  path: string;
  route: Route;
  /** Path parameters, URL-decoded. */
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string>>;
  body: ParsedBody;
  requestId: string;
  /** W3C trace context: the caller's `traceparent` continued, or a new one. */
  trace: { traceId: string; traceparent: string };
  /** Aborted when the caller goes away (streaming responses). */
  signal?: AbortSignal;
  /**
   * Work that must finish before the invocation ends but that the caller need not wait for
   * (bookkeeping writes): the edge awaits it after the response is out.
   */
  waitUntil: (work: Promise<unknown>) => void;
  receivedAt: number;
}

interface ResponseBase {
  status: number;
  headers?: Record<string, string>;
  /** Work for after the response has been sent (usage records): the caller does not wait for it. */
  after?: () => Promise<void>;
}

export interface JsonResponse extends ResponseBase {
  /** Serialized as JSON; `undefined` means no body. */
  body?: unknown;
}

export interface StreamResponse extends ResponseBase {
  /** Chunks written as they come (server-sent events). */
  stream: AsyncIterable<string>;
}

export type GatewayResponse = JsonResponse | StreamResponse;

export const isStream = (r: GatewayResponse): r is StreamResponse => "stream" in r;

/**
 * A stream whose chunks pass through `f` as they come. Transparent otherwise: `return()` (the
 * caller leaving) reaches the source unchanged.
 */
export function mapStream(source: AsyncIterable<string>, f: (chunk: string) => string): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      return {
        next: async () => {
          const r = await it.next();
          return r.done ? r : { done: false, value: f(r.value) };
        },
        return: async (value?: unknown) => (it.return ? it.return(value) : { done: true, value: undefined }),
      };
    },
  };
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): JsonResponse => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

export const MAX_BODY_BYTES = 1024 * 1024;

export const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };

/**
 * One server-sent event; `data` is one line (JSON text, or OpenAI's `[DONE]`), `event` its type
 * where the surface names one (HTTP+JSON's `error`). Every SSE frame the gateway writes is made here.
 */
export const sseEvent = (data: string, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${data}\n\n`;

/** An SSE comment: ignored by every event-stream parser, it keeps proxies from cutting the stream. */
export const SSE_KEEPALIVE = ": keep-alive\n\n";

/**
 * Whether a conditional GET's `If-None-Match` matches the current entity tag, so the answer is 304
 * (RFC 9110 §13.1.2: weak comparison, a list of tags or `*`).
 */
export function ifNoneMatchMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((tag) => opaque(tag) === opaque(etag));
}
