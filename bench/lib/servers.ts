/**
 * What the gateway is measured against: a minimal A2A 0.3 agent that answers at once (so every
 * microsecond measured above it belongs to whatever sits in front), and a bare node:http
 * pass-through proxy, the floor any proxy in Node pays.
 */
import http, { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";

export interface Listening {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = "127.0.0.1";
/** Longer than any pause between rounds, so no keep-alive socket is closed under a client's feet. */
const KEEP_ALIVE_MS = 65_000;

async function listen(server: Server): Promise<Listening> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((ok) => server.listen(0, LOOPBACK, ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const completedStatus = () => ({ state: "completed", timestamp: new Date().toISOString() });
const pong = { artifactId: "a1", name: "result", parts: [{ kind: "text", text: "pong" }] };

/**
 * `message/send` answers a completed Task at once; `message/stream` answers SSE: the submitted
 * Task at once (what time-to-first-byte measures), then the artifact and the final status.
 */
export function startFastAgent(): Promise<Listening> {
  let card: Record<string, unknown> = {};
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.startsWith("/.well-known/agent")) return sendJson(res, 200, card);
    if (req.method !== "POST") return sendJson(res, 404, { detail: "Not Found" });
    readText(req).then((text) => {
      let rpc: { id?: unknown; method?: unknown; params?: { message?: { contextId?: string } } };
      try {
        rpc = JSON.parse(text) as typeof rpc;
      } catch {
        return sendJson(res, 200, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
      }
      const id = rpc.id ?? null;
      const task = { kind: "task", id: randomUUID(), contextId: rpc.params?.message?.contextId ?? randomUUID() };
      if (rpc.method === "message/send") {
        return sendJson(res, 200, { jsonrpc: "2.0", id, result: { ...task, status: completedStatus(), artifacts: [pong] } });
      }
      if (rpc.method === "message/stream") return streamTask(res, id, task);
      sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } });
    }, () => res.destroy());
  });
  return listen(server).then((l) => {
    card = {
      protocolVersion: "0.3.0",
      name: "bench-agent",
      description: "answers at once",
      url: `${l.url}/`,
      version: "1.0.0",
      preferredTransport: "JSONRPC",
      capabilities: { streaming: true, pushNotifications: false },
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [],
    };
    return l;
  });
}

function streamTask(res: ServerResponse, id: unknown, task: { kind: string; id: string; contextId: string }): void {
  const event = (result: unknown) => `data: ${JSON.stringify({ jsonrpc: "2.0", id, result })}\n\n`;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(event({ ...task, status: { state: "submitted", timestamp: new Date().toISOString() } }));
  // The rest on a later turn, so the first event is on the wire on its own, as a working agent's would be.
  setImmediate(() => {
    const ids = { taskId: task.id, contextId: task.contextId };
    res.write(event({ kind: "artifact-update", ...ids, artifact: pong, lastChunk: true }));
    res.end(event({ kind: "status-update", ...ids, status: completedStatus(), final: true }));
  });
}

/** A pass-through on node:http with a keep-alive pool: no parsing, no auth, bodies piped both ways. */
export function startBareProxy(upstreamUrl: string): Promise<Listening> {
  const upstream = new URL(upstreamUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  return listen(server);
}
