/**
 * The local stand-in for API Gateway and the streaming Function URL: turns each HTTP request into
 * a payload-format-2.0 event, routes it by the same route table the cloud uses, invokes the
 * function, and decodes its answer as AWS does:
 * - a streamed response (Function URL, RESPONSE_STREAM) whose content type is the HTTP
 *   integration type must start with a JSON prelude (`statusCode`, `headers`, `cookies`) and 8
 *   NUL bytes, else it is a 502; the body then streams as it comes; a failure after the first
 *   byte cuts the caller's connection;
 * - a buffered response follows the payload format 2.0 rules (an object with `statusCode` is the
 *   response; any other value is a 200 `application/json` body);
 * - a function error (or a timeout) is a 502.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { matchRoute, type HttpFunctionName } from "../../shared/routes/table.ts";
import { HTTP_INTEGRATION_CONTENT_TYPE, PRELUDE_DELIMITER, type Invoke } from "./invoke.ts";

/** API Gateway rejects bodies over 10 MB before any Lambda runs; so does this front. */
const MAX_EVENT_BODY = 10 * 1024 * 1024;
/** A body still arriving after this long is refused (408) rather than held. */
const BODY_TIMEOUT_MS = 10_000;

const TEXT_TYPES = /^(application\/(json|.*\+json|x-www-form-urlencoded)|text\/)/i;

const JSON_TYPE = { "content-type": "application/json" };

export interface FrontOptions {
  invoke: Invoke;
  /** Extra routes served by the front itself (the console's static files). */
  staticHandler?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** How long a request body may take to arrive. Default 10 s. */
  bodyTimeoutMs?: number;
}

export function createFront({ invoke, staticHandler, bodyTimeoutMs = BODY_TIMEOUT_MS }: FrontOptions): Server {
  const server = createServer((req, res) => {
    if (staticHandler?.(req, res)) return;
    serve(req, res, invoke, bodyTimeoutMs).catch(() => {
      if (res.headersSent) res.destroy();
      else answer(res, 500, { message: "Internal Server Error" });
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function serve(req: IncomingMessage, res: ServerResponse, invoke: Invoke, bodyTimeoutMs: number): Promise<void> {
  // Refused before a byte of the body is read: neither buffered nor waited for.
  if (Number(req.headers["content-length"]) > MAX_EVENT_BODY) return refuse(res, 413, "Request Entity Too Large");
  const body = await readBody(req, bodyTimeoutMs);
  if (body === "too-large") return refuse(res, 413, "Request Entity Too Large");
  if (body === "timeout") return refuse(res, 408, "Request Timeout");

  const event = toEvent(req, body);
  const match = matchRoute(event.requestContext.http.method, event.rawPath);
  // Unknown paths still reach a function, as they do behind a Function URL, so 404/405 look the same.
  const fn: HttpFunctionName = match && match !== "method-not-allowed" ? match.route.fn : "api";
  const invocation = await invoke(fn, event);
  if (invocation.kind === "failed") return internalError(res);
  if (invocation.kind === "buffered") return sendPayload(res, invocation.payload);
  return relayStream(res, invocation.contentType, invocation.body);
}

/** API Gateway's and the Function URL's answer when the function fails or answers malformed. */
const internalError = (res: ServerResponse) => answer(res, 502, { message: "Internal Server Error" });

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...JSON_TYPE, ...headers });
  res.end(JSON.stringify(body));
}

/** An answer that closes the connection: what is left of the body is not read. */
function refuse(res: ServerResponse, status: number, message: string) {
  answer(res, status, { message }, { connection: "close" });
}

/** The payload format 2.0 response rules. */
function sendPayload(res: ServerResponse, payload: Buffer) {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    return internalError(res);
  }
  if (typeof value !== "object" || value === null || !("statusCode" in value)) {
    res.writeHead(200, JSON_TYPE);
    return void res.end(payload);
  }
  const head = responseHead(value);
  const { body, isBase64Encoded } = value as { body?: unknown; isBase64Encoded?: unknown };
  if (!head || (body !== undefined && typeof body !== "string")) return internalError(res);
  res.writeHead(head.statusCode, head.headers);
  res.end(body === undefined ? undefined : isBase64Encoded === true ? Buffer.from(body, "base64") : body);
}

interface ResponseHead {
  statusCode: number;
  headers: Record<string, string | string[]>;
}

/** `statusCode`, `headers` and `cookies` of a payload or a stream's prelude; undefined when malformed. */
function responseHead(value: object): ResponseHead | undefined {
  const { statusCode = 200, headers = {}, cookies = [] } = value as { statusCode?: unknown; headers?: unknown; cookies?: unknown };
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (typeof headers !== "object" || headers === null || !Array.isArray(cookies)) return undefined;
  const out: ResponseHead["headers"] = {};
  for (const [name, v] of Object.entries(headers)) if (v !== undefined && v !== null) out[name] = String(v);
  if (cookies.length) out["set-cookie"] = cookies.map(String);
  return { statusCode, headers: out };
}

/**
 * A Function URL's reading of a response stream. The caller leaving destroys `body`: in the
 * real runtime that only stops the relay (Lambda keeps the function running, unaware).
 */
async function relayStream(res: ServerResponse, contentType: string, body: Readable): Promise<void> {
  res.once("close", () => body.destroy());
  // Without the integration content type there is no prelude: the bytes are the body, as sent.
  let head: ResponseHead | undefined = contentType === HTTP_INTEGRATION_CONTENT_TYPE ? undefined : { statusCode: 200, headers: { "content-type": contentType } };
  let pending = Buffer.alloc(0);
  try {
    for await (let chunk of body as AsyncIterable<Buffer>) {
      if (!head) {
        pending = Buffer.concat([pending, chunk]);
        const end = pending.indexOf(PRELUDE_DELIMITER);
        if (end < 0) continue;
        head = parsePrelude(pending.subarray(0, end));
        if (!head) break;
        res.writeHead(head.statusCode, head.headers);
        // Headers and what arrived with them leave together.
        res.cork();
        process.nextTick(() => res.uncork());
        chunk = pending.subarray(end + PRELUDE_DELIMITER.length);
      }
      if (chunk.length && !res.write(chunk)) await drainedOrClosed(res);
    }
  } catch {
    // The function failed mid-stream (or the caller left): before the head, a 502; after, a cut.
    if (!res.headersSent) return internalError(res);
    return void res.destroy();
  }
  if (!head) {
    body.destroy();
    return internalError(res);
  }
  res.end();
}

function parsePrelude(bytes: Buffer): ResponseHead | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    return typeof value === "object" && value !== null ? responseHead(value) : undefined;
  } catch {
    return undefined;
  }
}

const drainedOrClosed = (res: ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });

/** The whole body, unless it outgrows the limit or takes longer than `timeoutMs` to arrive. */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer | "too-large" | "timeout"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | "too-large" | "timeout") => {
      clearTimeout(timer);
      req.removeAllListeners("data");
      resolve(outcome);
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_EVENT_BODY) finish("too-large");
      else chunks.push(c);
    });
    req.on("end", () => finish(Buffer.concat(chunks)));
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? "/", "http://local");
  const headers: Record<string, string> = { "x-forwarded-proto": "http" };
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const now = Date.now();
  // API Gateway passes text bodies as they are and base64-encodes the rest.
  const isText = TEXT_TYPES.test(headers["content-type"] ?? "application/json");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(body.length ? { body: isText ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}
