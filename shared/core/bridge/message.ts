/**
 * OpenAI chat messages → one spec-valid A2A message (seed 001 bug 1: `kind: "message"` and `kind`
 * on every part). Built in the 0.3 form and translated for 1.0 agents like any other call.
 * The whole conversation reaches the agent: earlier turns as a transcript, the last user turn's
 * own parts (text, images, files) as they are.
 */
import { randomUUID } from "node:crypto";
import { BadRequestError } from "../../errors.ts";
import { CONTEXT_KEY, TASK_KEY, type ChatCompletionRequest, type ChatMessage, type ContentPart } from "../../protocol/openai.ts";

export type V03Part = { kind: "text"; text: string } | { kind: "file"; file: Record<string, string> } | { kind: "data"; data: unknown };

export interface V03Message {
  kind: "message";
  messageId: string;
  role: "user";
  parts: V03Part[];
  contextId?: string;
  taskId?: string;
}

export function toA2AMessage(req: ChatCompletionRequest): V03Message {
  const metadata = req.metadata ?? {};
  const lastUser = req.messages.findLastIndex((m) => m.role === "user");
  if (lastUser === -1) throw new BadRequestError("messages must contain a user message", "messages");
  const earlier = req.messages.slice(0, lastUser);
  // A continued context or task already has the earlier turns: send only what is new.
  const continuing = Boolean(metadata[CONTEXT_KEY] || metadata[TASK_KEY]);
  const transcript = continuing ? earlier.filter((m) => m.role === "system" || m.role === "developer") : earlier;

  const parts: V03Part[] = [];
  if (transcript.length) parts.push({ kind: "text", text: renderTranscript(transcript) });
  parts.push(...toParts(req.messages[lastUser]!, `messages[${lastUser}]`));
  if (parts.length === 0) throw new BadRequestError("the last user message is empty", `messages[${lastUser}].content`);
  return {
    kind: "message",
    messageId: randomUUID(),
    role: "user",
    parts,
    ...(metadata[CONTEXT_KEY] ? { contextId: metadata[CONTEXT_KEY] } : {}),
    ...(metadata[TASK_KEY] ? { taskId: metadata[TASK_KEY] } : {}),
  };
}

function renderTranscript(messages: ChatMessage[]): string {
  const lines = messages.map((m) => `${m.role}: ${contentText(m.content)}`);
  return `Conversation so far:\n${lines.join("\n")}\n\nNow, the user says:`;
}

function contentText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((p) => (p.type === "text" ? p.text : `[${p.type}]`)).join(" ");
}

function toParts(message: ChatMessage, path: string): V03Part[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ kind: "text", text: message.content }];
  return (message.content ?? []).map((p, i) => toPart(p, `${path}.content[${i}]`));
}

function toPart(part: ContentPart, path: string): V03Part {
  switch (part.type) {
    case "text":
      return { kind: "text", text: part.text };
    case "image_url":
      return { kind: "file", file: fileFromUrl(part.image_url.url, "image", `${path}.image_url.url`) };
    case "file": {
      if (part.file.file_data) return { kind: "file", file: { ...fileFromUrl(part.file.file_data, "file", `${path}.file.file_data`), ...(part.file.filename ? { name: part.file.filename } : {}) } };
      throw new BadRequestError("file parts need file_data: uploaded file ids cannot be sent to an agent", `${path}.file`);
    }
    case "input_audio":
      return { kind: "file", file: { bytes: part.input_audio.data, mimeType: `audio/${part.input_audio.format}` } };
  }
}

/** A `data:` URL travels as bytes, anything else by reference (A2A FilePart: bytes or uri). */
function fileFromUrl(url: string, kind: string, param: string): Record<string, string> {
  const m = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(url);
  if (m) {
    let bytes: string;
    try {
      bytes = m[2] ? m[3]! : Buffer.from(decodeURIComponent(m[3]!)).toString("base64");
    } catch {
      throw new BadRequestError("a data: URL has a broken percent-encoding", param);
    }
    return { bytes, mimeType: m[1] ?? "application/octet-stream" };
  }
  return { uri: url, ...(kind === "image" ? { mimeType: "image/*" } : {}) };
}
