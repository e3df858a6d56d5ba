// Misbehaving A2A 0.3 agents, one failure mode each, for the gateway's error
// handling. All serve a valid card; the fault is in the JSON-RPC endpoint.
import { createServer, type ServerResponse } from "node:http";
import { abortOnClose, closeServer, listen, pause, sendJson, startRecordingServer, type PeerHandle } from "./http-peer.ts";
import { CARD_PATHS, agentText, isRecord, rpcIdOf, sendRpcResult, sseEvent, startSse, v03Card, writeSseResult, type JsonRpcId } from "./v03.ts";

export type FaultMode =
  | "refuse" // nothing listens on the port: connection refused
  | "hang" // accepts the request and never answers
  | "slow" // answers a valid Message after `delayMs`
  | "garbage" // 200 with a body that is not JSON
  | "html500" // 500 with an HTML error page, like a crashed reverse proxy
  | "wrong-id" // valid JSON-RPC result, but for another request id
  | "stream-drop" // message/stream: two events, then the socket is destroyed
  | "endless-stream"; // message/stream: an event every 10 ms until the client leaves

export type FaultAgentOptions = {
  /** Delay of the "slow" mode. Default 200 ms. */
  delayMs?: number;
};

const ENDLESS_INTERVAL_MS = 10;

export async function startFaultAgent(mode: FaultMode, opts: FaultAgentOptions = {}): Promise<PeerHandle> {
  if (mode === "refuse") return refusingPeer();
  const delayMs = opts.delayMs ?? 200;
  let cardUrl = "";

  const { server, port, url, requests } = await startRecordingServer(async (req, res, body) => {
    const path = new URL(req.url ?? "/", "http://peer").pathname;
    if (req.method === "GET" && CARD_PATHS.includes(path)) {
      return sendJson(res, 200, v03Card({ name: `fault-agent-${mode}`, description: `Fails with: ${mode}`, url: cardUrl, streaming: true }));
    }
    if (req.method !== "POST") return sendJson(res, 404, { error: "Not Found" });

    const id = rpcIdOf(body);
    const isStream = isRecord(body) && body.method === "message/stream";
    switch (mode) {
      case "hang":
        return; // keep the socket open; close() destroys it
      case "slow":
        return slowAnswer(res, id, isStream, delayMs);
      case "garbage":
        // Claims JSON so the client has to cope with the parse failure itself.
        res.writeHead(200, { "Content-Type": "application/json" });
        return void res.end("not json at all");
      case "html500":
        res.writeHead(500, { "Content-Type": "text/html; charset=utf-8" });
        return void res.end("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>");
      case "wrong-id":
        return sendRpcResult(res, otherId(id), agentText("answer for someone else"));
      case "stream-drop":
        if (!isStream) return sendRpcResult(res, id, agentText("pong"));
        return dropStream(res, id);
      case "endless-stream":
        if (!isStream) return sendRpcResult(res, id, agentText("pong"));
        return endlessStream(res, id);
    }
  });
  cardUrl = `${url}/`;
  return { url, port, requests, close: () => closeServer(server) };
}

/** A port that was bound then released, so connecting to it is refused. */
async function refusingPeer(): Promise<PeerHandle> {
  const server = createServer();
  const port = await listen(server);
  await closeServer(server);
  return { url: `http://127.0.0.1:${port}`, port, requests: [], close: async () => {} };
}

async function slowAnswer(res: ServerResponse, id: JsonRpcId, isStream: boolean, delayMs: number): Promise<void> {
  const signal = abortOnClose(res);
  await pause(delayMs, signal);
  if (signal.aborted) return;
  const message = agentText("finally");
  if (!isStream) return sendRpcResult(res, id, message);
  startSse(res);
  writeSseResult(res, id, message);
  res.end();
}

function dropStream(res: ServerResponse, id: JsonRpcId): void {
  startSse(res);
  writeSseResult(res, id, agentText("first"));
  // Destroy once the second event is flushed: the client gets both, then a stream cut mid-response.
  res.write(sseEvent(id, agentText("second")), () => res.socket?.destroy());
}

function endlessStream(res: ServerResponse, id: JsonRpcId): void {
  startSse(res);
  let n = 0;
  const timer = setInterval(() => writeSseResult(res, id, agentText(`tick ${n++}`)), ENDLESS_INTERVAL_MS);
  res.on("close", () => clearInterval(timer));
}

function otherId(id: JsonRpcId): JsonRpcId {
  return typeof id === "number" ? id + 1000 : `not-${String(id)}`;
}
