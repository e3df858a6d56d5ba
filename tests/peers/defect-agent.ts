// A raw A2A 0.3 agent reproducing .NET Agent Framework bug #5868: its
// `message/stream` emits one Message per token chunk, all reusing a single
// messageId, wrapped in empty-parts "bookend" Messages. A gateway must not
// drop, dedupe or choke on these.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { abortOnClose, closeServer, pause, resolveCardUrl, sendJson, startRecordingServer, type CardUrlOption, type PeerHandle } from "./http-peer.ts";
import {
  CARD_PATHS,
  RpcError,
  agentText,
  isRecord,
  rpcIdOf,
  sendRpcError,
  sendRpcResult,
  startSse,
  v03Card,
  writeSseResult,
  type JsonRpcId,
  type V03Message,
} from "./v03.ts";

export type DefectAgentOptions = {
  /** Gap between stream events. Default 10 ms. */
  delayMs?: number;
  cardUrl?: CardUrlOption;
};

/** The messageId every streamed Message reuses, as the buggy agent does. */
export const DEFECT_MESSAGE_ID = "chatcmpl-SAME";
export const DEFECT_CHUNKS = ["Hel", "lo ", "world"];

export async function startDefectAgent(opts: DefectAgentOptions = {}): Promise<PeerHandle> {
  const delayMs = opts.delayMs ?? 10;
  let cardUrl = "";

  async function stream(res: ServerResponse, id: JsonRpcId, contextId: string): Promise<void> {
    const signal = abortOnClose(res);
    const message = (texts: string[]): V03Message => ({
      kind: "message",
      role: "agent",
      messageId: DEFECT_MESSAGE_ID,
      contextId,
      parts: texts.map((text) => ({ kind: "text", text })),
    });
    // Role-only bookend, one Message per token, then an empty finish bookend.
    const events = [message([]), ...DEFECT_CHUNKS.map((chunk) => message([chunk])), message([])];
    startSse(res);
    for (const [i, event] of events.entries()) {
      if (i > 0) await pause(delayMs, signal);
      if (signal.aborted) return;
      writeSseResult(res, id, event);
    }
    res.end();
  }

  const { server, port, url, requests } = await startRecordingServer(async (req, res, body) => {
    const path = new URL(req.url ?? "/", "http://peer").pathname;
    if (req.method === "GET" && CARD_PATHS.includes(path)) {
      return sendJson(res, 200, v03Card({ name: "defect-agent", description: "Streams chunks that all reuse one messageId", url: cardUrl, streaming: true }));
    }
    if (req.method !== "POST" || path !== "/") return sendJson(res, 404, { error: "Not Found" });

    const id = rpcIdOf(body);
    if (!isRecord(body) || typeof body.method !== "string") return sendRpcError(res, id, RpcError.invalidRequest, "Invalid Request");
    const contextId = contextIdOf(body.params) ?? randomUUID();
    switch (body.method) {
      case "message/stream":
        return stream(res, id, contextId);
      case "message/send":
        return sendRpcResult(res, id, agentText("Hello world", { contextId, messageId: DEFECT_MESSAGE_ID }));
      case "tasks/get":
      case "tasks/cancel":
        return sendRpcError(res, id, RpcError.taskNotFound, "Task not found");
      default:
        return sendRpcError(res, id, RpcError.methodNotFound, "Method not found");
    }
  });
  cardUrl = resolveCardUrl(opts.cardUrl, port, `${url}/`);

  return { url, port, requests, close: () => closeServer(server) };
}

function contextIdOf(params: unknown): string | undefined {
  if (!isRecord(params) || !isRecord(params.message)) return undefined;
  const contextId = params.message.contextId;
  return typeof contextId === "string" ? contextId : undefined;
}
