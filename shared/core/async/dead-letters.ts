/**
 * Callbacks that used up their ~30 hours of attempts (messages.ts) wait in the callbacks queue's
 * dead-letter queue for two weeks. The master key sees them here, with the job each announces, and
 * sends them again: each goes back as a new message with the same event id, so the receiver gets the
 * same `webhook-id` and every attempt of the schedule again.
 */
import type { DeadLetters, JobStore } from "../../ports.ts";
import { CallbackMessageSchema } from "./messages.ts";

export interface DeadCallback {
  id: string;
  sentAt: string;
  /** The message as it was, when it is not a callback message at all. */
  unreadable?: unknown;
  jobId?: string;
  target?: "webhook" | "push";
  /** The event type of a webhook (`chat.completion.completed`, …). */
  type?: string;
  /** The `webhook-id` the receiver has seen on every attempt. */
  eventId?: string;
  /** From the job: whose it is, its agent, where a push went, and the receiver's last answer. */
  keyId?: string;
  agent?: string;
  url?: string;
  lastStatus?: number;
}

export async function listDeadCallbacks(letters: DeadLetters, jobs: JobStore, limit: number): Promise<DeadCallback[]> {
  return Promise.all(
    (await letters.list(limit)).map(async ({ id, sentAt, body }): Promise<DeadCallback> => {
      const parsed = CallbackMessageSchema.safeParse(body);
      if (!parsed.success) return { id, sentAt, unreadable: body };
      const message = parsed.data;
      const job = await jobs.get(message.jobId);
      return {
        id,
        sentAt,
        jobId: message.jobId,
        target: message.target,
        eventId: message.eventId,
        ...(message.target === "webhook" ? { type: message.type } : {}),
        ...(job ? { keyId: job.owner, agent: job.agent, ...(job.callbacks.lastStatus ? { lastStatus: job.callbacks.lastStatus } : {}) } : {}),
        ...(job && message.target === "push" ? { url: job.push.find((p) => p.id === message.pushId)?.url } : {}),
      };
    }),
  );
}
