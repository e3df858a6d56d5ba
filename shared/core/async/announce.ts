/**
 * Announcing a finished job: one callback message per target. Event ids derive from the job, so a
 * repeated announcement (a poller that died before storing the end, and polled again) produces
 * the same `webhook-id` and receivers can drop the duplicate.
 */
import { createHash } from "node:crypto";
import type { Job, KeyStore, Queue } from "../../ports.ts";
import type { CallbackMessage } from "./messages.ts";

export const eventIdFor = (jobId: string, what: string) =>
  `evt_${createHash("sha256").update(`${jobId}:${what}`).digest("base64url").slice(0, 24)}`;

/** OpenAI's webhook event types (SPEC §5). */
export function webhookEventType(job: Job): string | undefined {
  if (job.kind === "response") return `response.${job.status === "completed" ? "completed" : job.status === "cancelled" ? "cancelled" : "failed"}`;
  if (job.kind === "chat.completion") return `chat.completion.${job.status === "completed" ? "completed" : "failed"}`;
  return undefined;
}

export async function announce(job: Job, deps: { keys: KeyStore; callbackQueue: Queue<CallbackMessage> }): Promise<void> {
  const messages: CallbackMessage[] = [];
  const type = webhookEventType(job);
  if (type && job.owner !== "master" && (await deps.keys.get(job.owner))?.webhookUrl) {
    messages.push({ jobId: job.id, target: "webhook", type, eventId: eventIdFor(job.id, type) });
  }
  for (const push of job.push) messages.push({ jobId: job.id, target: "push", pushId: push.id, eventId: eventIdFor(job.id, `push:${push.id}`) });
  await Promise.all(messages.map((m) => deps.callbackQueue.send(m)));
}
