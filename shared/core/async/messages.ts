/** What travels on the two queues. */
import * as z from "zod/mini";
import "../../protocol/zod-messages.ts";

/** One poll of a job's agent task. `attempt` sets the next delay; `errors` counts failed polls in a row. */
export interface PollMessage {
  jobId: string;
  attempt: number;
  errors: number;
}

/** One callback of a finished job: a signed webhook to the key's URL, or an A2A push notification. */
export type CallbackMessage =
  | { jobId: string; target: "webhook"; type: string; eventId: string }
  | { jobId: string; target: "push"; pushId: string; eventId: string };

/** An event of a key itself (`key.budget_exceeded`), to its webhook, signed the same way; its data carried along. */
export interface KeyEventMessage {
  keyId: string;
  target: "key";
  type: string;
  eventId: string;
  createdAt: number;
  data: Record<string, unknown>;
}

/**
 * A call that reached an agent, sent the moment the agent answered and delivered after the longest
 * an invocation can live: if the invocation died before counting the call (after answering its
 * caller), it is counted from here, at its per-request price; otherwise it is dropped.
 */
export interface MeterCheckMessage {
  target: "meter";
  requestId: string;
  keyId: string;
  agent: string;
  at: number;
  /** Until the agent answered. */
  latencyMs: number;
  /** Picos, as a decimal string (JSON has no bigint). */
  cost: string;
}

/** SQS's longest delay, and the longest a function invocation lives (infra/functions.ts): a check never comes before its invocation ended. */
export const METER_CHECK_DELAY_SECONDS = 900;

/** What the callbacks queue carries. */
export type QueuedCallback = CallbackMessage | KeyEventMessage | MeterCheckMessage;

/** Exponential backoff between polls, 1 s doubling to a 60 s cap (SPEC §1): between polls nothing runs. */
export const pollDelaySeconds = (attempt: number) => Math.min(2 ** attempt, 60);

/**
 * The wait after each failed callback attempt, as the message's SQS visibility timeout: from
 * seconds to hours, like Standard Webhooks' reference schedule, so a receiver down for a deploy or
 * a day's outage still hears every event. The callbacks queue's `maxReceiveCount` is one more than
 * these steps, so the last attempt comes 29.6 hours after the first (26.6 at the least jitter),
 * and then the message goes to the dead-letter queue.
 */
export const CALLBACK_RETRY_SECONDS = [10, 60, 300, 1_800, 7_200, 18_000, 36_000, 43_200] as const;
/** SQS refuses a visibility timeout over 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** Seconds until the next attempt after attempt `receiveCount` failed, give or take 10% so retries of many callbacks spread out. */
export function callbackRetrySeconds(receiveCount: number, random: () => number = Math.random): number {
  const step = CALLBACK_RETRY_SECONDS[Math.min(Math.max(receiveCount, 1), CALLBACK_RETRY_SECONDS.length) - 1]!;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(step * (0.9 + 0.2 * random())));
}

export const PollMessageSchema = z.object({ jobId: z.string().check(z.minLength(1)), attempt: z.int().check(z.gte(0)), errors: z.int().check(z.gte(0)) });
export const CallbackMessageSchema = z.discriminatedUnion("target", [
  z.object({ jobId: z.string().check(z.minLength(1)), target: z.literal("webhook"), type: z.string(), eventId: z.string() }),
  z.object({ jobId: z.string().check(z.minLength(1)), target: z.literal("push"), pushId: z.string(), eventId: z.string() }),
]);
export const KeyEventMessageSchema = z.object({
  keyId: z.string().check(z.minLength(1)),
  target: z.literal("key"),
  type: z.string(),
  eventId: z.string(),
  createdAt: z.number(),
  data: z.record(z.string(), z.unknown()),
});
export const MeterCheckMessageSchema = z.object({
  target: z.literal("meter"),
  requestId: z.string().check(z.minLength(1)),
  keyId: z.string().check(z.minLength(1)),
  agent: z.string().check(z.minLength(1)),
  at: z.number(),
  latencyMs: z.number(),
  cost: z.string().check(z.regex(/^\d+$/)),
});
export const QueuedCallbackSchema = z.union([CallbackMessageSchema, KeyEventMessageSchema, MeterCheckMessageSchema]);
