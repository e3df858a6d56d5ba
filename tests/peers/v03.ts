// The slice of the A2A 0.3 JSON-RPC wire format the raw peers speak. Written
// out by hand because the SDK only exposes its 1.0 types publicly.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { sendJson } from "./http-peer.ts";

export type V03TextPart = { kind: "text"; text: string; metadata?: Record<string, unknown> };
export type V03DataPart = { kind: "data"; data: unknown; metadata?: Record<string, unknown> };
export type V03FilePart = {
  kind: "file";
  file: { uri?: string; bytes?: string; name?: string; mimeType?: string };
  metadata?: Record<string, unknown>;
};
export type V03Part = V03TextPart | V03DataPart | V03FilePart;

export type V03Message = {
  kind: "message";
  messageId: string;
  role: "user" | "agent";
  parts: V03Part[];
  contextId?: string;
  taskId?: string;
  referenceTaskIds?: string[];
  metadata?: Record<string, unknown>;
};

export type V03TaskState =
  | "submitted"
  | "working"
  | "input-required"
  | "completed"
  | "canceled"
  | "failed"
  | "rejected"
  | "auth-required"
  | "unknown";

export type V03Artifact = { artifactId: string; name?: string; parts: V03Part[] };

export type V03Task = {
  kind: "task";
  id: string;
  contextId: string;
  status: { state: V03TaskState; message?: V03Message; timestamp?: string };
  history?: V03Message[];
  artifacts?: V03Artifact[];
  metadata?: Record<string, unknown>;
};

export type V03AgentCard = {
  protocolVersion: string;
  name: string;
  description: string;
  url: string;
  version: string;
  preferredTransport: "JSONRPC";
  capabilities: { streaming: boolean; pushNotifications: boolean };
  defaultInputModes: string[];
  defaultOutputModes: string[];
  skills: unknown[];
};

export type JsonRpcId = string | number | null;

/** Standard JSON-RPC codes plus the A2A ones the peers use. */
export const RpcError = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  taskNotFound: -32001,
  taskNotCancelable: -32002,
  pushNotificationNotSupported: -32003,
  unsupportedOperation: -32004,
} as const;

export const CARD_PATHS = ["/.well-known/agent-card.json", "/.well-known/agent.json"];

export function v03Card(fields: Pick<V03AgentCard, "name" | "description" | "url"> & { streaming: boolean }): V03AgentCard {
  return {
    protocolVersion: "0.3.0",
    name: fields.name,
    description: fields.description,
    url: fields.url,
    version: "0.1.0",
    preferredTransport: "JSONRPC",
    capabilities: { streaming: fields.streaming, pushNotifications: false },
    defaultInputModes: ["text"],
    defaultOutputModes: ["text", "application/json"],
    skills: [],
  };
}

export function agentText(text: string, ids: { contextId?: string; taskId?: string; messageId?: string } = {}): V03Message {
  return {
    kind: "message",
    role: "agent",
    messageId: ids.messageId ?? randomUUID(),
    parts: [{ kind: "text", text }],
    ...(ids.contextId !== undefined && { contextId: ids.contextId }),
    ...(ids.taskId !== undefined && { taskId: ids.taskId }),
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The request id when the body looks like JSON-RPC, else null (as JSON-RPC requires for unreadable requests). */
export function rpcIdOf(body: unknown): JsonRpcId {
  if (!isRecord(body)) return null;
  const id = body.id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

export function rpcResult(id: JsonRpcId, result: unknown): { jsonrpc: "2.0"; id: JsonRpcId; result: unknown } {
  return { jsonrpc: "2.0", id, result };
}

export function rpcError(id: JsonRpcId, code: number, message: string): { jsonrpc: "2.0"; id: JsonRpcId; error: { code: number; message: string } } {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

/** JSON-RPC errors travel with HTTP 200, as every A2A 0.3 server does. */
export function sendRpcResult(res: ServerResponse, id: JsonRpcId, result: unknown): void {
  sendJson(res, 200, rpcResult(id, result));
}

export function sendRpcError(res: ServerResponse, id: JsonRpcId, code: number, message: string): void {
  sendJson(res, 200, rpcError(id, code, message));
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  res.flushHeaders();
}

/** One SSE event carrying a JSON-RPC response for request `id`. */
export function sseEvent(id: JsonRpcId, result: unknown): string {
  return `data: ${JSON.stringify(rpcResult(id, result))}\n\n`;
}

export function writeSseResult(res: ServerResponse, id: JsonRpcId, result: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(sseEvent(id, result));
}

/** The text of a 0.3 message's text parts, joined. */
export function textOf(message: V03Message): string {
  return message.parts.flatMap((part) => (part.kind === "text" ? [part.text] : [])).join("");
}
