/**
 * A2A results → the assistant's reply (seed 001 bug 2: `data` parts become their JSON text, never
 * dropped; file parts are described). Works on the 0.3 form; artifacts win over echoed history.
 */
import { isInterrupted, normalizeState } from "../task-state.ts";

type Part = Record<string, unknown> & { kind?: string };
type Obj = Record<string, unknown>;

export function partText(part: Part): string {
  switch (part.kind) {
    case "text":
      return typeof part.text === "string" ? part.text : "";
    case "data":
      return JSON.stringify(part.data ?? null);
    case "file": {
      const file = (part.file ?? {}) as Obj;
      const name = typeof file.name === "string" ? file.name : "unnamed";
      const type = typeof file.mimeType === "string" ? file.mimeType : "unknown type";
      const where = typeof file.uri === "string" ? ` at ${file.uri}` : typeof file.bytes === "string" ? `, ${Math.floor((file.bytes.length * 3) / 4)} bytes inline` : "";
      return `[file: ${name} (${type})${where}]`;
    }
    default:
      return "";
  }
}

/** Chunks of one artifact or message are one text: joined as they are. */
export const partsText = (parts: unknown): string => (Array.isArray(parts) ? (parts as Part[]).map(partText).join("") : "");

/** The parts that make up the answer of a task or message (0.3 form). */
export function answerParts(result: Obj): Part[] {
  if (result.kind === "message") return (result.parts ?? []) as Part[];
  const status = (result.status ?? {}) as Obj;
  const statusMessage = status.message as Obj | undefined;
  const asked = statusMessage && Array.isArray(statusMessage.parts) && statusMessage.parts.length ? (statusMessage.parts as Part[]) : undefined;
  // A task waiting for the caller answers with its question.
  if (asked && isInterrupted(normalizeState(status.state))) return asked;
  const artifacts = (result.artifacts ?? []) as Obj[];
  if (artifacts.length) return artifacts.flatMap((a, i) => [...(i > 0 ? [{ kind: "text", text: "\n" }] : []), ...((a.parts ?? []) as Part[])]);
  if (asked) return asked;
  const history = (result.history ?? []) as Obj[];
  const lastAgent = history.findLast((m) => m.role === "agent");
  return ((lastAgent?.parts ?? []) as Part[]);
}

/** The reply text; with `json`, a JSON text always (a `response_format` of JSON was asked for). */
export function answerText(result: Obj, json: boolean): string {
  const parts = answerParts(result);
  if (!json) return partsText(parts);
  const data = parts.filter((p) => p.kind === "data").map((p) => p.data);
  if (data.length === 1) return JSON.stringify(data[0]);
  if (data.length > 1) return JSON.stringify(data);
  const text = partsText(parts);
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify({ text });
  }
}

/** What the agent said about a failure, for the error the caller sees. */
export function statusText(result: Obj): string | undefined {
  const message = (result.status as Obj | undefined)?.message as Obj | undefined;
  const text = partsText(message?.parts);
  return text || undefined;
}
