/**
 * A2A results → the assistant's reply (seed 001 bug 2: `data` parts become their JSON text, never
 * dropped; file parts are described). Works on the 0.3 form; artifacts win over echoed history.
 */
import { objectsIn, type Obj } from "../shape.ts";
import { isInterrupted, normalizeState } from "../task-state.ts";

type Part = Record<string, unknown> & { kind?: string };

export function partText(part: Part): string {
  if (!part || typeof part !== "object") return "";
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
const arrayOf = <T>(v: unknown): T[] => objectsIn(v) as T[];

export function answerParts(result: Obj): Part[] {
  if (result.kind === "message") return arrayOf<Part>(result.parts);
  const status = (result.status && typeof result.status === "object" ? result.status : {}) as Obj;
  const statusMessage = status.message && typeof status.message === "object" ? (status.message as Obj) : undefined;
  const statusParts = arrayOf<Part>(statusMessage?.parts);
  const asked = statusParts.length ? statusParts : undefined;
  // A task waiting for the caller answers with its question.
  if (asked && isInterrupted(normalizeState(status.state))) return asked;
  const artifacts = arrayOf<Obj>(result.artifacts);
  if (artifacts.length) return artifacts.flatMap((a, i) => [...(i > 0 ? [{ kind: "text", text: "\n" }] : []), ...arrayOf<Part>(a.parts)]);
  if (asked) return asked;
  const lastAgent = arrayOf<Obj>(result.history).findLast((m) => m.role === "agent");
  return arrayOf<Part>(lastAgent?.parts);
}

/** The reply text; with `json`, a JSON text always (a `response_format` of JSON was asked for). */
export function answerText(result: Obj, json: boolean): string {
  const parts = answerParts(result);
  if (!json) return partsText(parts);
  const data = parts.filter((p) => p.kind === "data").map((p) => p.data ?? null);
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
  const status = result.status && typeof result.status === "object" ? (result.status as Obj) : undefined;
  const message = status?.message && typeof status.message === "object" ? (status.message as Obj) : undefined;
  const text = partsText(message?.parts);
  return text || undefined;
}
