/** The OpenAI Responses API request, as far as an agent can honour it (SPEC §5). */
import * as z from "zod/mini";
import "./zod-messages.ts";
import { Metadata, Model, ToolChoice, type ChatCompletionRequest, type ChatMessage, type ContentPart } from "./openai.ts";

const InputContent = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("input_text"), text: z.string() }),
  z.looseObject({ type: z.literal("output_text"), text: z.string() }),
  z.looseObject({ type: z.literal("input_image"), image_url: z.string() }),
  z.looseObject({ type: z.literal("input_file"), file_data: z.optional(z.string()), filename: z.optional(z.string()) }),
]);

const InputMessage = z.looseObject({
  type: z.optional(z.literal("message")),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(InputContent)]),
});

export const CreateResponseRequest = z.looseObject({
  model: Model,
  input: z.union([z.string().check(z.minLength(1)), z.array(InputMessage).check(z.minLength(1))]),
  instructions: z.optional(z.nullable(z.string())),
  background: z.optional(z.nullable(z.boolean())),
  stream: z.optional(z.nullable(z.boolean())),
  text: z.optional(z.nullable(z.looseObject({ format: z.optional(z.looseObject({ type: z.enum(["text", "json_object", "json_schema"]) })) }))),
  tools: z.optional(z.nullable(z.array(z.unknown()))),
  tool_choice: z.optional(z.nullable(ToolChoice)),
  metadata: z.optional(z.nullable(Metadata)),
});
export type CreateResponseRequest = z.infer<typeof CreateResponseRequest>;

/**
 * `GET /v1/responses/{id}`'s query: `stream=true` replays the response as its stream events,
 * those after the `starting_after` sequence number only (to resume a stream that was cut).
 */
export const RetrieveResponseQuery = z.object({
  stream: z.optional(z.enum(["true", "false"])),
  starting_after: z.optional(z.string().check(z.regex(/^(0|[1-9]\d{0,8})$/, "must be a sequence number (a whole number from 0)"))),
});
export type RetrieveResponseQuery = z.infer<typeof RetrieveResponseQuery>;

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
    ...(r.stream ? { stream: true } : {}),
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
