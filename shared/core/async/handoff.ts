/**
 * Handing work to the queue (SPEC §5): the job is recorded, then its first poll is queued. A job
 * that is already finished is recorded finished and announced at once. An agent that can push is
 * asked to push to the gateway, and is then polled only as a slow fallback.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AppDeps } from "../../deps.ts";
import { isFinished, type Agent, type Job } from "../../ports.ts";
import { cardVersion, translateParams } from "../../protocol/translate.ts";
import { callAgent } from "../agent-rpc.ts";
import { announce } from "./announce.ts";
import { pollDelaySeconds } from "./messages.ts";
import { jobTrace } from "./job-id.ts";

/** The attempt whose delay is the 60 s cap: where polling starts when the agent pushes. */
const FALLBACK_ATTEMPT = 6;
const REGISTER_TIMEOUT_MS = 5_000;

export async function handOff(job: Job, deps: AppDeps, agent?: Agent): Promise<void> {
  // Stored, then announced: deliveries need the stored job. Nothing is lost to a crash in
  // between, since this runs on the request path: the caller, answered only after both, sees an
  // error instead of the job's id, and no one holds a job whose end went unannounced.
  await deps.jobs.create(job);
  if (isFinished(job.status)) return announce(job, deps);
  const pushes = agent ? await registerForPush(job, agent, deps) : false;
  const attempt = pushes ? FALLBACK_ATTEMPT : 0;
  await deps.pollQueue.send({ jobId: job.id, attempt, errors: 0 }, pollDelaySeconds(attempt));
}

/** The token an agent presents when it pushes news of a job: an HMAC only the gateway can make. */
export const pushToken = (masterKey: string, jobId: string) => createHmac("sha256", masterKey).update(`push:${jobId}`).digest("base64url");

export function isPushToken(masterKey: string, jobId: string, token: string | undefined): boolean {
  const expected = Buffer.from(pushToken(masterKey, jobId));
  const given = Buffer.from(token ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const pushReceiverUrl = (publicUrl: string, jobId: string) => `${publicUrl}/hooks/a2a/${encodeURIComponent(jobId)}`;

/** Registers the gateway's receiver with an agent whose card says it pushes; false when it cannot. */
async function registerForPush(job: Job, agent: Agent, deps: AppDeps): Promise<boolean> {
  const publicUrl = deps.config.publicUrl;
  if (!publicUrl || (agent.card.capabilities as { pushNotifications?: boolean } | undefined)?.pushNotifications !== true) return false;
  const version = cardVersion(agent.card).preferred;
  const params = { taskId: job.taskId, pushNotificationConfig: { url: pushReceiverUrl(publicUrl, job.id), token: pushToken(deps.config.masterKey, job.id) } };
  try {
    const response = await callAgent(
      { agent, version, op: "setPushConfig", params: translateParams("setPushConfig", params, "0.3", version), trace: jobTrace(job.id), timeoutMs: REGISTER_TIMEOUT_MS },
      deps.upstream,
    );
    return "result" in response;
  } catch (e) {
    // Polling works for every agent: a refused registration costs only speed.
    deps.log.warn("push registration failed", { agent: agent.name, error: e instanceof Error ? e.message : "unknown" });
    return false;
  }
}
