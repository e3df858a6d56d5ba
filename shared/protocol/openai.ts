/** The OpenAI Chat Completions wire format, as far as the bridge speaks it (SPEC §5). */
import * as z from "zod/mini";
import "./zod-messages.ts";
import { MAX_ID_LENGTH } from "./a2a.ts";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ImagePart = z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string(), detail: z.optional(z.string()) }) });
const FilePart = z.object({
  type: z.literal("file"),
  file: z.object({ file_data: z.optional(z.string()), file_id: z.optional(z.string()), filename: z.optional(z.string()) }),
});
const AudioPart = z.object({ type: z.literal("input_audio"), input_audio: z.object({ data: z.string(), format: z.string() }) });
export const ContentPart = z.discriminatedUnion("type", [TextPart, ImagePart, FilePart, AudioPart]);
export type ContentPart = z.infer<typeof ContentPart>;

const Content = z.optional(z.nullable(z.union([z.string(), z.array(ContentPart)])));

export const ChatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: Content,
  name: z.optional(z.string()),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** `a2a/<agent>`: agent names have 64 characters at most; room to spare, but no 100 KB names. */
export const Model = z.string().check(z.minLength(1), z.maxLength(256));

/**
 * OpenAI's own limits on `metadata` (16 pairs, keys of 64 characters, values of 512): the values
 * carry the A2A task and context ids a turn continues.
 */
export const Metadata = z
  .record(z.string().check(z.maxLength(64)), z.string().check(z.maxLength(MAX_ID_LENGTH)))
  .check(z.refine((m) => Object.keys(m).length <= 16, "at most 16 metadata pairs"));

/**
 * Which tool the model must call, if any (chat's and the Responses API's shapes): a value is
 * checked against what an agent can honour where the request is served.
 */
export const ToolChoice = z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string() })]);
export type ToolChoice = z.infer<typeof ToolChoice>;

/**
 * Lenient about sampling parameters (temperature, seed, …): clients send them by habit and an
 * agent has no use for them. Strict where ignoring a field would silently change the answer.
 */
export const ChatCompletionRequest = z.looseObject({
  model: Model,
  messages: z.array(ChatMessage).check(z.minLength(1, "at least one message is required")),
  stream: z.optional(z.nullable(z.boolean())),
  stream_options: z.optional(z.nullable(z.looseObject({ include_usage: z.optional(z.boolean()) }))),
  response_format: z.optional(z.nullable(z.looseObject({ type: z.enum(["text", "json_object", "json_schema"]) }))),
  n: z.optional(z.nullable(z.int())),
  tools: z.optional(z.nullable(z.array(z.unknown()))),
  tool_choice: z.optional(z.nullable(ToolChoice)),
  functions: z.optional(z.nullable(z.array(z.unknown()))),
  /** The deprecated form of `tool_choice` that goes with `functions`. */
  function_call: z.optional(z.nullable(z.union([z.enum(["none", "auto"]), z.looseObject({ name: z.string() })]))),
  logprobs: z.optional(z.nullable(z.boolean())),
  audio: z.optional(z.unknown()),
  metadata: z.optional(z.nullable(Metadata)),
  user: z.optional(z.string()),
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
