/** The OpenAI Chat Completions wire format, as far as the bridge speaks it (SPEC §5). */
import * as z from "zod";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ImagePart = z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string(), detail: z.string().optional() }) });
const FilePart = z.object({
  type: z.literal("file"),
  file: z.object({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});
const AudioPart = z.object({ type: z.literal("input_audio"), input_audio: z.object({ data: z.string(), format: z.string() }) });
export const ContentPart = z.discriminatedUnion("type", [TextPart, ImagePart, FilePart, AudioPart]);
export type ContentPart = z.infer<typeof ContentPart>;

const Content = z.union([z.string(), z.array(ContentPart)]).nullable().optional();

export const ChatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: Content,
  name: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * Lenient about sampling parameters (temperature, seed, …): clients send them by habit and an
 * agent has no use for them. Strict where ignoring a field would silently change the answer.
 */
export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1, "at least one message is required"),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  response_format: z
    .looseObject({ type: z.enum(["text", "json_object", "json_schema"]) })
    .nullable()
    .optional(),
  n: z.number().int().nullable().optional(),
  tools: z.array(z.unknown()).nullable().optional(),
  functions: z.array(z.unknown()).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  audio: z.unknown().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** Where a chat continues an A2A conversation or task: request `metadata` keys. */
export const CONTEXT_KEY = "a2a_context_id";
export const TASK_KEY = "a2a_task_id";

/** A2A facts about a reply, added to chat completion objects (unknown fields pass through OpenAI SDKs). */
export interface A2AInfo {
  task_id?: string;
  context_id?: string;
  state?: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
