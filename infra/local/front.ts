/**
 * The local stand-in for API Gateway and the streaming Function URL: turns each HTTP request into
 * a payload-format-2.0 event, routes it by the same route table the cloud uses, and calls the same
 * Lambda handler, streaming its response as it is written.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { matchRoute, type HttpFunctionName } from "../routes.ts";
import { isStreamingHandler, LocalResponseStream } from "./awslambda.ts";

export type HttpHandlers = Record<HttpFunctionName, unknown>;

/** API Gateway rejects bodies over 10 MB before any Lambda runs; so does this front. */
const MAX_EVENT_BODY = 10 * 1024 * 1024;

const TEXT_TYPES = /^(application\/(json|.*\+json|x-www-form-urlencoded)|text\/)/i;

export interface FrontOptions {
  handlers: HttpHandlers;
  /** Extra routes served by the front itself (the console's static files). */
  staticHandler?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export function createFront({ handlers, staticHandler }: FrontOptions): Server {
  const server = createServer((req, res) => {
    if (staticHandler?.(req, res)) return;
    serve(req, res, handlers).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal_error", message: "Internal error" } }));
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function serve(req: IncomingMessage, res: ServerResponse, handlers: HttpHandlers): Promise<void> {
  const body = await readBody(req);
  if (body === "too-large") {
    res.writeHead(413, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "Request Entity Too Large" }));
    return;
  }
  const event = toEvent(req, body);
  const match = matchRoute(event.requestContext.http.method, event.rawPath);
  // Unknown paths still reach a function, as they do behind a Function URL, so 404/405 look the same.
  const fn: HttpFunctionName = match && match !== "method-not-allowed" ? match.route.fn : "api";
  const handler = handlers[fn];
  const context = lambdaContext(event.requestContext.requestId);

  if (isStreamingHandler(handler)) {
    await handler(event, new LocalResponseStream(res), context);
    return;
  }
  const result = (await (handler as (e: unknown, c: unknown) => Promise<APIGatewayProxyStructuredResultV2>)(event, context)) ?? {};
  res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string> | undefined);
  res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, "base64") : result.body);
}

function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_EVENT_BODY) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_EVENT_BODY ? "too-large" : Buffer.concat(chunks)));
    req.on("error", reject);
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

function lambdaContext(requestId: string) {
  const deadline = Date.now() + 900_000;
  return {
    awsRequestId: requestId,
    functionName: "local",
    getRemainingTimeInMillis: () => deadline - Date.now(),
    callbackWaitsForEmptyEventLoop: false,
  };
}
