/** The OpenAI Responses API request, as far as an agent can honour it (SPEC §5). */
import * as z from "zod";
import type { ChatCompletionRequest, ChatMessage, ContentPart } from "./openai.ts";

const InputContent = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("input_text"), text: z.string() }),
  z.looseObject({ type: z.literal("output_text"), text: z.string() }),
  z.looseObject({ type: z.literal("input_image"), image_url: z.string() }),
  z.looseObject({ type: z.literal("input_file"), file_data: z.string().optional(), filename: z.string().optional() }),
]);

const InputMessage = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(InputContent)]),
});

export const CreateResponseRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string().min(1), z.array(InputMessage).min(1)]),
  instructions: z.string().nullable().optional(),
  background: z.boolean().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  text: z.looseObject({ format: z.looseObject({ type: z.enum(["text", "json_object", "json_schema"]) }).optional() }).nullable().optional(),
  tools: z.array(z.unknown()).nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
});
export type CreateResponseRequest = z.infer<typeof CreateResponseRequest>;

/** A response's input in chat form, so one bridge serves both APIs. */
export function toChatRequest(r: CreateResponseRequest): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  if (r.instructions) messages.push({ role: "system", content: r.instructions });
  if (typeof r.input === "string") messages.push({ role: "user", content: r.input });
  else for (const m of r.input) messages.push({ role: m.role, content: typeof m.content === "string" ? m.content : m.content.map(toChatPart) });
  const format = r.text?.format?.type;
  return {
    model: r.model,
    messages,
    ...(format ? { response_format: { type: format } } : {}),
    ...(r.metadata ? { metadata: r.metadata } : {}),
  };
}

function toChatPart(p: z.infer<typeof InputContent>): ContentPart {
  switch (p.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: p.text };
    case "input_image":
      return { type: "image_url", image_url: { url: p.image_url } };
    case "input_file":
      return { type: "file", file: { ...(p.file_data ? { file_data: p.file_data } : {}), ...(p.filename ? { filename: p.filename } : {}) } };
  }
}
