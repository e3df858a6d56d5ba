/**
 * The only place that reads an API Gateway v2 / Function URL event (both use payload format 2.0).
 * It decodes and JSON-parses the body exactly once and hands the core a typed request.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createHash, randomUUID } from "node:crypto";
import { matchRoute, surfaceOfPath, type Surface } from "../../shared/routes/table.ts";
import { MAX_BODY_BYTES, type GatewayRequest, type ParsedBody } from "../../shared/http.ts";
import { ExactNumber } from "../../shared/protocol/jsonrpc.ts";
import { randomId } from "../../shared/random.ts";

/** A request for the core, or a path no route serves: answered 404 or 405 in its surface's shape. */
export type EventOutcome = { request: GatewayRequest } | { status: 404 | 405; message: string; requestId: string; surface: Surface };

export function toGatewayRequest(event: APIGatewayProxyEventV2, waitUntil: (work: Promise<unknown>) => void, signal?: AbortSignal): EventOutcome {
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  const requestId = event.requestContext.requestId || randomUUID();
  const match = matchRoute(method, path);
  if (match === undefined) return { status: 404, message: `No route for ${method} ${path}`, requestId, surface: surfaceOfPath(path) };
  if (match === "method-not-allowed") return { status: 405, message: `${method} is not allowed on ${path}`, requestId, surface: surfaceOfPath(path) };

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;

  return {
    request: {
      method,
      path,
      route: match.route,
      params: match.params,
      query,
      headers,
      body: parseBody(event.body, event.isBase64Encoded),
      requestId,
      trace: traceOf(headers),
      receivedAt: Date.now(),
      waitUntil,
      ...(signal ? { signal } : {}),
    },
  };
}

function parseBody(body: string | undefined, isBase64Encoded: boolean): ParsedBody {
  if (body === undefined || body === "") return { kind: "empty" };
  const bytes = isBase64Encoded ? Buffer.from(body, "base64") : undefined;
  const size = bytes ? bytes.length : Buffer.byteLength(body);
  if (size > MAX_BODY_BYTES) return { kind: "too-large", bytes: size };
  const text = bytes ? bytes.toString("utf8") : body;
  if (text.trim() === "") return { kind: "empty" };
  if (nestingExceeds(text, MAX_NESTING)) return { kind: "invalid-json", reason: `nested deeper than ${MAX_NESTING} levels` };
  try {
    return { kind: "json", value: withExactId(JSON.parse(text), text) };
  } catch {
    return { kind: "invalid-json" };
  }
}

/**
 * Deeper JSON parses, but cannot be serialised again (stack overflow). The cap is for the caller's
 * data (a `data` part, metadata): the levels of the request around it (envelope, params, message,
 * parts, part) come on top.
 */
const MAX_DATA_NESTING = 64;
const ENVELOPE_NESTING = 8;
const MAX_NESTING = MAX_DATA_NESTING + ENVELOPE_NESTING;

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text.charCodeAt(i) !== 34 /* " */) i += text.charCodeAt(i) === 92 /* \ */ ? 2 : 1;
  return i;
}

/** One pass over the text, brackets outside strings only: cheap next to the parse itself. */
function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) i = stringEnd(text, i);
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/**
 * A JSON-RPC id too large for a double (`123456789012345678901234567890`) comes back exactly as
 * sent: its text is taken from the body, since JSON.parse has already rounded it.
 */
function withExactId(value: unknown, text: string): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const body = value as { id?: unknown };
  if (typeof body.id !== "number" || Number.isSafeInteger(body.id)) return value;
  const raw = topLevelNumberText(text, "id");
  if (raw !== undefined) body.id = new ExactNumber(raw);
  return value;
}

const NUMBER_AFTER_COLON = /\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;

/** The text of a number member of the top-level object: the last one of that name, as JSON.parse keeps. */
function topLevelNumberText(text: string, name: string): string | undefined {
  let depth = 0;
  let expectKey = false;
  let found: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey && JSON.parse(text.slice(i, end + 1)) === name) {
        NUMBER_AFTER_COLON.lastIndex = end + 1;
        found = NUMBER_AFTER_COLON.exec(text)?.[1] ?? found;
      }
      expectKey = false;
      i = end;
    } else if (c === "{" || c === "[") expectKey = ++depth === 1 && c === "{";
    else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 1) expectKey = true;
  }
  return found;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Continues the caller's trace with a span of our own, or starts one. A W3C `traceparent` wins;
 * else an `x-trace-id` (LiteLLM-style, often a UUID) is kept as the id callers see, and its
 * 32-hex form (or a hash of it) becomes the W3C trace id sent on.
 */
function traceOf(headers: Record<string, string>): GatewayRequest["trace"] {
  // One draw of randomness for both ids.
  const random = randomId(24);
  const span = random.slice(32);
  const fromParent = TRACEPARENT.exec(headers.traceparent?.trim().toLowerCase() ?? "")?.[1];
  if (fromParent && !/^0+$/.test(fromParent)) return { traceId: fromParent, traceparent: `00-${fromParent}-${span}-01` };
  const given = headers["x-trace-id"]?.trim();
  if (given && TRACE_ID.test(given)) {
    const hex = given.toLowerCase().replace(/-/g, "");
    const w3c = /^[0-9a-f]{32}$/.test(hex) ? hex : createHash("sha256").update(given).digest("hex").slice(0, 32);
    return { traceId: given, traceparent: `00-${w3c}-${span}-01` };
  }
  const traceId = random.slice(0, 32);
  return { traceId, traceparent: `00-${traceId}-${span}-01` };
}
