/** Request bodies of the admin API (SPEC §3). The same schemas generate `/openapi.json`. */
import * as z from "zod";

/** ASCII only: names travel in URLs and model ids, and look-alike unicode must not pass for another agent. */
export const AgentName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit");

/** Header names and values that cannot smuggle a second header or a new line. */
const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be an HTTP header name");
const HeaderValue = z.string().max(4096).regex(/^[^\r\n\0]*$/, "must not contain line breaks");
const Headers = z.record(HeaderName, HeaderValue).refine((h) => Object.keys(h).length <= 32, "at most 32 headers");

const Url = z.string().min(1).max(2048);
const Card = z.record(z.string(), z.unknown());

export const NativeAgentBody = z.strictObject({
  name: AgentName,
  url: Url,
  urls: z.array(Url).min(1).max(16).optional(),
  headers: Headers.optional(),
  card: Card.optional(),
  description: z.string().max(2000).optional(),
});

/** LiteLLM's registration body, accepted as is so existing scripts keep working. */
export const LiteLlmAgentBody = z.object({
  agent_name: AgentName,
  agent_card_params: Card.optional(),
  litellm_params: z.looseObject({ url: Url.optional(), headers: Headers.optional() }).optional(),
});

export interface AgentRegistration {
  name: string;
  urls: string[];
  headers: Record<string, string>;
  card?: Record<string, unknown>;
  description?: string;
}

/** LiteLLM's body, normalised. */
export const CreateLiteLlmAgentBody = LiteLlmAgentBody.transform((b, ctx): AgentRegistration => {
  const url = b.litellm_params?.url ?? (typeof b.agent_card_params?.url === "string" ? b.agent_card_params.url : undefined);
  if (!url) {
    ctx.addIssue({ code: "custom", path: ["litellm_params", "url"], message: "an agent URL is required" });
    return z.NEVER;
  }
  return { name: b.agent_name, urls: [url], headers: b.litellm_params?.headers ?? {}, ...(b.agent_card_params ? { card: b.agent_card_params } : {}) };
});

/** The gateway's own body, normalised: `url` first among `urls`. */
export const CreateNativeAgentBody = NativeAgentBody.transform((b): AgentRegistration => ({
  name: b.name,
  urls: [b.url, ...(b.urls ?? []).filter((u) => u !== b.url)],
  headers: b.headers ?? {},
  ...(b.card ? { card: b.card } : {}),
  ...(b.description !== undefined ? { description: b.description } : {}),
}));

/** Either body (the API description shows both). */
export const CreateAgentBody = z.union([CreateNativeAgentBody, CreateLiteLlmAgentBody]);
export type CreateAgentBody = z.input<typeof CreateAgentBody>;

export const PatchAgentBody = z.strictObject({
  url: Url.optional(),
  urls: z.array(Url).min(1).max(16).optional(),
  headers: Headers.optional(),
  card: Card.optional(),
  description: z.string().max(2000).optional(),
});
export type PatchAgentBody = z.infer<typeof PatchAgentBody>;

export const CreateKeyBody = z.strictObject({
  name: z.string().max(200).optional(),
  agents: z.array(AgentName).max(1000).optional(),
  rpm: z.number().int().positive().max(1_000_000).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  webhookUrl: Url.optional(),
});
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

export const UsageQuery = z.object({
  keyId: z.string().optional(),
  agent: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
