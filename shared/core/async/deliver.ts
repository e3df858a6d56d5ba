/**
 * Callback delivery (SPEC §5): OpenAI-shaped webhook events signed per Standard Webhooks with the
 * key's `whsec_` secret, and A2A push notifications in the caller's version. At least once: a
 * failed attempt is retried by the queue with backoff, the same message, so the same `webhook-id`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { contextSeal, revealInValue, type ContextSeal } from "../contexts.ts";
import { createHmac } from "node:crypto";
import type { AppDeps } from "../../deps.ts";
import { UpstreamError } from "../../errors.ts";
import { isFinished, type Job, type PushTarget } from "../../ports.ts";
import { translateResult } from "../../protocol/translate.ts";
import { webhookEventType } from "./announce.ts";
import type { CallbackMessage, KeyEventMessage, MeterCheckMessage, QueuedCallback } from "./messages.ts";

const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * What became of one attempt: `retry` leaves the message on the queue for a later attempt (same
 * message, so the same `webhook-id`); `dropped` means there is nothing to deliver any more.
 */
export type DeliveryOutcome = { kind: "delivered" } | { kind: "retry"; reason: string } | { kind: "dropped"; reason: string };

/** Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` with the base64 key after `whsec_`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export async function deliverCallback(msg: QueuedCallback, deps: AppDeps): Promise<DeliveryOutcome> {
  if (msg.target === "key") return deliverKeyEvent(msg, deps);
  if (msg.target === "meter") return checkMetered(msg, deps);
  const job = await storedEnd(msg.jobId, deps);
  if (!job) return { kind: "dropped", reason: "the job expired or a later turn replaced it" };
  // The end is announced before it is stored: until it is, wait (the queue retries with backoff),
  // so a callback never says "completed" about a result that cannot be fetched yet.
  if (!isFinished(job.status)) return { kind: "retry", reason: "the job's end is not stored yet" };
  if (msg.target === "webhook" && msg.type !== webhookEventType(job)) return { kind: "dropped", reason: `superseded: the job ended ${job.status}` };
  const request = msg.target === "webhook" ? await webhookRequest(msg, job, deps) : pushRequest(msg, job, contextSeal(deps.config.masterKey));
  if ("dropped" in request) return { kind: "dropped", reason: request.dropped };
  let status: number;
  try {
    const reply = await deps.upstream.post({ urls: [request.url], headers: request.headers, body: request.body, timeoutMs: DELIVERY_TIMEOUT_MS });
    if (reply.kind === "sse") reply.close();
    status = reply.status;
  } catch (e) {
    await deps.jobs.recordCallback(job.id, false, undefined);
    return { kind: "retry", reason: `${msg.target} to ${new URL(request.url).host}: ${e instanceof UpstreamError ? e.message : "request failed"}` };
  }
  const delivered = status >= 200 && status < 300;
  await deps.jobs.recordCallback(job.id, delivered, status);
  return delivered ? { kind: "delivered" } : { kind: "retry", reason: `receiver answered HTTP ${status}` };
}

/**
 * A call's late check: counted by its invocation (the usual case: one read), or counted now, at
 * what was known when the agent answered, because that invocation died before it could.
 */
async function checkMetered(msg: MeterCheckMessage, deps: AppDeps): Promise<DeliveryOutcome> {
  // Done either way: a call counted by its invocation is no news worth a log line.
  if (await deps.meter.isCounted(msg.requestId)) return { kind: "delivered" };
  const { requestId, keyId, agent, at, latencyMs, cost } = msg;
  await deps.meter.record({ requestId, keyId, agent, at, outcome: "ok", latencyMs, cost: BigInt(cost) });
  deps.log.warn("call counted late: its invocation ended before counting it", { requestId, keyId, agent });
  return { kind: "delivered" };
}

/**
 * The announced job, its end stored. An announcement races the write of the end it tells of, by
 * milliseconds: the job is read again a few times, within a second, rather than leaving the
 * callback to the queue's first retry, ten seconds on.
 */
const STORE_RACE_WAITS_MS = [50, 150, 300, 500];

async function storedEnd(jobId: string, deps: Pick<AppDeps, "jobs">): Promise<Job | undefined> {
  let job = await deps.jobs.get(jobId);
  for (const ms of STORE_RACE_WAITS_MS) {
    if (!job || isFinished(job.status)) return job;
    await sleep(ms);
    job = await deps.jobs.get(jobId);
  }
  return job;
}

/** An event of the key itself (its soft budget crossed): no job to record the attempt on. */
async function deliverKeyEvent(msg: KeyEventMessage, deps: AppDeps): Promise<DeliveryOutcome> {
  const key = await deps.keys.get(msg.keyId);
  if (!key?.webhookUrl || !key.webhookSecret) return { kind: "dropped", reason: "the key was revoked or its webhook removed" };
  const body = JSON.stringify({ id: msg.eventId, object: "event", created_at: msg.createdAt, type: msg.type, data: msg.data });
  const { headers } = signedWebhook(key.webhookUrl, key.webhookSecret, msg.eventId, body, deps);
  try {
    const reply = await deps.upstream.post({ urls: [key.webhookUrl], headers, body, timeoutMs: DELIVERY_TIMEOUT_MS });
    if (reply.kind === "sse") reply.close();
    return reply.status >= 200 && reply.status < 300 ? { kind: "delivered" } : { kind: "retry", reason: `receiver answered HTTP ${reply.status}` };
  } catch (e) {
    return { kind: "retry", reason: `webhook to ${new URL(key.webhookUrl).host}: ${e instanceof UpstreamError ? e.message : "request failed"}` };
  }
}

interface CallbackRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

async function webhookRequest(msg: Extract<CallbackMessage, { target: "webhook" }>, job: Job, deps: AppDeps): Promise<CallbackRequest | { dropped: string }> {
  const key = await deps.keys.get(job.owner);
  if (!key?.webhookUrl || !key.webhookSecret) return { dropped: "the key was revoked or its webhook removed" };
  const body = JSON.stringify({ id: msg.eventId, object: "event", created_at: Math.floor(Date.parse(job.updatedAt) / 1000), type: msg.type, data: { id: job.id } });
  return signedWebhook(key.webhookUrl, key.webhookSecret, msg.eventId, body, deps);
}

/** Signed now (receivers refuse old timestamps); the event itself is the same on every attempt. */
function signedWebhook(url: string, secret: string, eventId: string, body: string, deps: Pick<AppDeps, "clock">): CallbackRequest {
  const timestamp = Math.floor(deps.clock.now() / 1000);
  return {
    url,
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": eventId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook(secret, eventId, timestamp, body),
    },
  };
}

/**
 * A2A push notification: the task as the caller's version shows it (A2A spec §"Push
 * Notifications": 0.3 posts the bare Task, 1.0 a StreamResponse), with the caller's token.
 */
function pushRequest(msg: Extract<CallbackMessage, { target: "push" }>, job: Job, seal: ContextSeal): CallbackRequest | { dropped: string } {
  const target = job.push.find((p) => p.id === msg.pushId);
  if (!target) return { dropped: "the push config was deleted" };
  // Every end of an A2A job stores its task (finish.ts): one without is not an A2A job's end.
  if (!job.result) throw new Error(`job ${job.id} ended without a task to push`);
  // The caller reads its own context id, as in every answer (core/contexts.ts).
  const task = revealInValue(job.result as Record<string, unknown>, seal, job.owner);
  const body = target.version === "0.3" ? JSON.stringify(task) : JSON.stringify({ task: translateResult("getTask", task, "0.3", "1.0") });
  return { url: target.url, body, headers: pushHeaders(target) };
}

function pushHeaders(target: PushTarget): Record<string, string> {
  return {
    "content-type": target.version === "0.3" ? "application/json" : "application/a2a+json",
    ...(target.token ? { "x-a2a-notification-token": target.token } : {}),
    ...(target.authorization ? { authorization: target.authorization } : {}),
  };
}
