/** Request bodies of the admin API (SPEC §3). The same schemas generate `/openapi.json`. */
import * as z from "zod/mini";
import "./zod-messages.ts";
import { canonicalDecimal, type Pricing as PricingValue } from "../core/money.ts";

/** ASCII only: names travel in URLs and model ids, and look-alike unicode must not pass for another agent. */
export const AgentName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit"));

/** Header names and values that cannot smuggle a second header or a new line. */
const HeaderName = z.string().check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be an HTTP header name"));
const HeaderValue = z.string().check(z.maxLength(4096), z.regex(/^[^\r\n\0]*$/, "must not contain line breaks"));
const Headers = z.record(HeaderName, HeaderValue).check(z.refine((h) => Object.keys(h).length <= 32, "at most 32 headers"));

const Url = z.string().check(z.minLength(1), z.maxLength(2048));
const Card = z.record(z.string(), z.unknown());
/**
 * Serve the agent's gateway card without a key, so clients that resolve a card but cannot send
 * headers can find the agent; calls still need a key. Off unless asked for.
 */
const PublicCard = z.boolean();

/**
 * An amount: a decimal string (`"0.002"`) or a number, at most 9 decimals, kept as its exact
 * decimal string (shared/core/money.ts), never as a float.
 */
export const Amount = z.pipe(
  z.union([z.string().check(z.maxLength(40)), z.number().check(z.gte(0))]),
  z.transform((v, ctx) => {
    const amount = canonicalDecimal(v);
    if (amount === undefined) {
      ctx.issues.push({ code: "custom", message: "must be a non-negative decimal with at most 9 decimals, e.g. \"0.002\"", input: v });
      return z.NEVER;
    }
    return amount;
  }),
);

/** What a call to an agent costs, currency-free; each part optional (README "Metering, spend and budgets"). */
export const Pricing = z.pipe(
  z.strictObject({
    perRequest: z.optional(Amount),
    perInputTokens1K: z.optional(Amount),
    perOutputTokens1K: z.optional(Amount),
    perAgentSecond: z.optional(Amount),
  }),
  z.transform((p): PricingValue => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined))),
);

export const NativeAgentBody = z.strictObject({
  name: AgentName,
  url: Url,
  urls: z.optional(z.array(Url).check(z.minLength(1), z.maxLength(16))),
  headers: z.optional(Headers),
  card: z.optional(Card),
  description: z.optional(z.string().check(z.maxLength(2000))),
  publicCard: z.optional(PublicCard),
  pricing: z.optional(Pricing),
});

/** LiteLLM's registration body, accepted as is so existing scripts keep working. */
export const LiteLlmAgentBody = z.object({
  agent_name: AgentName,
  agent_card_params: z.optional(Card),
  litellm_params: z.optional(z.looseObject({ url: z.optional(Url), headers: z.optional(Headers) })),
  /** `publicCard`, in the body's own spelling. */
  public_card: z.optional(PublicCard),
  pricing: z.optional(Pricing),
});

export interface AgentRegistration {
  name: string;
  urls: string[];
  headers: Record<string, string>;
  card?: Record<string, unknown>;
  description?: string;
  publicCard?: boolean;
  pricing?: PricingValue;
}

/** LiteLLM's body, normalised. */
export const CreateLiteLlmAgentBody = z.pipe(
  LiteLlmAgentBody,
  z.transform((b, ctx): AgentRegistration => {
    const url = b.litellm_params?.url ?? (typeof b.agent_card_params?.url === "string" ? b.agent_card_params.url : undefined);
    if (!url) {
      ctx.issues.push({ code: "custom", path: ["litellm_params", "url"], message: "an agent URL is required", input: b });
      return z.NEVER;
    }
    return {
      name: b.agent_name,
      urls: [url],
      headers: b.litellm_params?.headers ?? {},
      ...(b.agent_card_params ? { card: b.agent_card_params } : {}),
      ...(b.public_card !== undefined ? { publicCard: b.public_card } : {}),
      ...(b.pricing ? { pricing: b.pricing } : {}),
    };
  }),
);

/** The gateway's own body, normalised: `url` first among `urls`. */
export const CreateNativeAgentBody = z.pipe(
  NativeAgentBody,
  z.transform(
    (b): AgentRegistration => ({
      name: b.name,
      urls: [b.url, ...(b.urls ?? []).filter((u) => u !== b.url)],
      headers: b.headers ?? {},
      ...(b.card ? { card: b.card } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.publicCard !== undefined ? { publicCard: b.publicCard } : {}),
      ...(b.pricing ? { pricing: b.pricing } : {}),
    }),
  ),
);

/** Either body (the API description shows both). */
export const CreateAgentBody = z.union([CreateNativeAgentBody, CreateLiteLlmAgentBody]);
export type CreateAgentBody = z.input<typeof CreateAgentBody>;

export const PatchAgentBody = z.strictObject({
  url: z.optional(Url),
  urls: z.optional(z.array(Url).check(z.minLength(1), z.maxLength(16))),
  headers: z.optional(Headers),
  card: z.optional(Card),
  description: z.optional(z.string().check(z.maxLength(2000))),
  publicCard: z.optional(PublicCard),
  /** New prices replace the old ones whole; `null` makes the agent free. */
  pricing: z.optional(z.nullable(Pricing)),
});
export type PatchAgentBody = z.infer<typeof PatchAgentBody>;

const BudgetPeriod = z.enum(["1d", "7d", "30d", "month"]);

const KeyFields = {
  name: z.optional(z.string().check(z.maxLength(200))),
  agents: z.optional(z.array(AgentName).check(z.maxLength(1000))),
  rpm: z.optional(z.int().check(z.positive(), z.lte(1_000_000))),
  expiresAt: z.optional(z.iso.datetime({ offset: true })),
  /** Spend allowed per period; past it calls are refused (HTTP 429, `budget_exceeded`). */
  maxBudget: z.optional(Amount),
  /** Crossing it sends the key's webhook `key.budget_exceeded`, once per period. */
  softBudget: z.optional(Amount),
  /** `month` (UTC calendar month) unless said; `1d`, `7d` and `30d` count from when the budget was set. */
  budgetPeriod: z.optional(BudgetPeriod),
};

export const CreateKeyBody = z.strictObject({ ...KeyFields, webhookUrl: z.optional(Url) });
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

/** Fields given replace the key's; `null` removes a budget, a limit or an expiry. */
export const PatchKeyBody = z.strictObject({
  name: KeyFields.name,
  agents: z.optional(z.nullable(z.array(AgentName).check(z.maxLength(1000)))),
  rpm: z.optional(z.nullable(z.int().check(z.positive(), z.lte(1_000_000)))),
  expiresAt: z.optional(z.nullable(z.iso.datetime({ offset: true }))),
  maxBudget: z.optional(z.nullable(Amount)),
  softBudget: z.optional(z.nullable(Amount)),
  budgetPeriod: KeyFields.budgetPeriod,
});
export type PatchKeyBody = z.infer<typeof PatchKeyBody>;

export const UsageQuery = z.object({
  keyId: z.optional(z.string().check(z.maxLength(64))),
  agent: z.optional(z.string().check(z.maxLength(64))),
  from: z.optional(z.iso.datetime({ offset: true })),
  to: z.optional(z.iso.datetime({ offset: true })),
});

export const UsageExportQuery = z.object({
  ...UsageQuery.shape,
  format: z.optional(z.enum(["csv", "jsonl"])),
});

/** `GET /v1/callbacks/dead-letters`: how many to show (SQS is read 10 at a time). */
export const DeadLettersQuery = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(100))),
});

/** `POST /v1/callbacks/dead-letters/redrive`: the letters to send again, or all of them. */
export const RedriveBody = z.strictObject({
  ids: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.minLength(1), z.maxLength(100))),
});
