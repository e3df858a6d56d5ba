// Plumbing shared by every test peer: start/stop a loopback HTTP server and
// record what it received, so tests can assert on the gateway's outgoing calls.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedRequest = {
  method: string;
  /** Request target as received (path plus query string). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, the raw string otherwise (undefined when empty). */
  body: unknown;
};

export type PeerHandle = {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
};

/** A card URL override: fixed, or derived from the port known only after listen. */
export type CardUrlOption = string | ((port: number) => string);

export function resolveCardUrl(option: CardUrlOption | undefined, port: number, fallback: string): string {
  if (option === undefined) return fallback;
  return typeof option === "function" ? option(port) : option;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** JSON when it parses, else the raw text; undefined for an empty body. */
export function parseBody(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function describeRequest(req: IncomingMessage, body: unknown): RecordedRequest {
  return { method: req.method ?? "GET", path: req.url ?? "/", headers: { ...req.headers }, body };
}

export function recordRequest(requests: RecordedRequest[], req: IncomingMessage, body: unknown): void {
  requests.push(describeRequest(req, body));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes the server and destroys every socket, including open SSE streams and idle keep-alives. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

export type RecordingHandler = (req: IncomingMessage, res: ServerResponse, body: unknown) => void | Promise<void>;

/**
 * Starts a node:http server that buffers and records each request before
 * handing it to `handler`. Handler errors become a 500 so a bug in a peer
 * shows up as a failing assertion rather than a hung test.
 */
export async function startRecordingServer(handler: RecordingHandler): Promise<{ server: Server; port: number; url: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (raw) => {
        const body = parseBody(raw);
        recordRequest(requests, req, body);
        await handler(req, res, body);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(error) });
        else res.destroy();
      });
  });
  const port = await listen(server);
  return { server, port, url: `http://127.0.0.1:${port}`, requests };
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts; never leaves a timer behind. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Aborts when the client goes away or the server destroys the socket. */
export function abortOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on("close", () => controller.abort());
  return controller.signal;
}
