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

/** Exponential backoff between polls, 1 s doubling to a 60 s cap (SPEC §1): between polls nothing runs. */
export const pollDelaySeconds = (attempt: number) => Math.min(2 ** attempt, 60);

/** Backoff between callback attempts, as SQS visibility: 2 s doubling to 5 minutes. */
export const callbackRetrySeconds = (receiveCount: number) => Math.min(2 ** receiveCount, 300);


export const PollMessageSchema = z.object({ jobId: z.string().check(z.minLength(1)), attempt: z.int().check(z.gte(0)), errors: z.int().check(z.gte(0)) });
export const CallbackMessageSchema = z.discriminatedUnion("target", [
  z.object({ jobId: z.string().check(z.minLength(1)), target: z.literal("webhook"), type: z.string(), eventId: z.string() }),
  z.object({ jobId: z.string().check(z.minLength(1)), target: z.literal("push"), pushId: z.string(), eventId: z.string() }),
]);
