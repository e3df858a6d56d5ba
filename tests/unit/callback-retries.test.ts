/**
 * Callback retries that outlast an outage (SPEC §5): the callbacks queue, simulated on a clock the
 * test moves (visibility timeouts, receive counts, the dead-letter queue after `maxReceiveCount`),
 * feeding the real delivery code with the real retry schedule.
 */
import { describe, expect, it } from "vitest";
import { queues } from "../../infra/schema.ts";
import type { AgentCall, Job } from "../../shared/ports.ts";
import { handOff } from "../../shared/core/async/handoff.ts";
import { deliverCallback, signWebhook } from "../../shared/core/async/deliver.ts";
import { jobId } from "../../shared/core/async/job-id.ts";
import { CALLBACK_RETRY_SECONDS, callbackRetrySeconds, type CallbackMessage } from "../../shared/core/async/messages.ts";
import { UpstreamError } from "../../shared/errors.ts";
import { memoryDeps, ScriptedUpstream, type MemoryDeps } from "../helpers/memory-deps.ts";

const HOUR_MS = 3600_000;
const SECRET = "whsec_c2VjcmV0";

/** A deterministic stand-in for Math.random (a linear congruential generator). */
function seeded(seed: number) {
  return () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** A receiver that is down (connection refused) until `upAt` on the clock, recording every attempt. */
function receiver(clock: { now(): number }, upAt: number) {
  const attempts: { at: number; call: AgentCall; body: any }[] = [];
  const upstream = new ScriptedUpstream((call, body) => {
    attempts.push({ at: clock.now(), call, body });
    if (clock.now() < upAt) throw new UpstreamError("Agent unreachable (ECONNREFUSED)", "unreachable");
    return { kind: "json", status: 200, body: undefined };
  });
  return { upstream, attempts };
}

/** SQS and the deliver function in miniature: each failed attempt hides the message for the schedule's next wait. */
async function runCallbacksQueue(deps: MemoryDeps, clock: { t: number }, random: () => number) {
  const inFlight = deps.callbackQueue.sent.splice(0).map(({ body }) => ({ body, receives: 0, visibleAt: clock.t }));
  const deadLettered: CallbackMessage[] = [];
  const delivered: CallbackMessage[] = [];
  while (inFlight.length > 0) {
    inFlight.sort((a, b) => a.visibleAt - b.visibleAt);
    const message = inFlight.shift()!;
    clock.t = Math.max(clock.t, message.visibleAt);
    if (message.receives === queues.callbacks.maxReceiveCount) {
      deadLettered.push(message.body);
      continue;
    }
    message.receives++;
    const outcome = await deliverCallback(message.body, deps);
    if (outcome.kind === "delivered") delivered.push(message.body);
    if (outcome.kind === "retry") inFlight.push({ ...message, visibleAt: clock.t + callbackRetrySeconds(message.receives, random) * 1000 });
  }
  return { delivered, deadLettered };
}

/** Three jobs that ended at once: a response and a chat completion announced by webhook, an A2A task to two push targets. */
async function endedJobs(deps: MemoryDeps, now: string) {
  await deps.keys.create({ id: "k1", hash: "x", webhookUrl: "http://127.0.0.1:9/hook", webhookSecret: SECRET, createdAt: "" });
  const base = { agent: "agent", owner: "k1", polls: 3, push: [], callbacks: { attempts: 0, delivered: 0 }, createdAt: now, updatedAt: now };
  const task = { kind: "task", id: "t3", contextId: "c", status: { state: "completed" } };
  const jobs: Job[] = [
    { ...base, id: jobId("response", "agent", "t1"), kind: "response", taskId: "t1", status: "completed", result: { object: "response" } },
    { ...base, id: jobId("chat.completion", "agent", "t2"), kind: "chat.completion", taskId: "t2", status: "completed", result: { object: "chat.completion" } },
    {
      ...base,
      id: jobId("a2a", "agent", "t3"),
      kind: "a2a",
      taskId: "t3",
      status: "completed",
      result: task,
      push: [
        { id: "p1", url: "http://127.0.0.1:9/push-1", version: "0.3" },
        { id: "p2", url: "http://127.0.0.1:9/push-2", version: "1.0" },
      ],
    },
  ];
  for (const job of jobs) await handOff(job, deps);
  return jobs;
}

async function setup(receiverDownMs: number) {
  const clock = { t: Date.parse("2026-01-01T00:00:00Z"), now: () => clock.t };
  const { upstream, attempts } = receiver(clock, clock.t + receiverDownMs);
  const deps = memoryDeps(upstream, { clock });
  const jobs = await endedJobs(deps, new Date(clock.t).toISOString());
  return { clock, deps, attempts, jobs, startedAt: clock.t };
}

describe("callback retries", () => {
  it("a receiver down for 6 hours then up gets every event, each under one webhook-id, validly signed", async () => {
    // Prepare
    const { clock, deps, attempts, jobs, startedAt } = await setup(6 * HOUR_MS);
    // Act
    const { delivered, deadLettered } = await runCallbacksQueue(deps, clock, seeded(1));
    // Assess: four callbacks (two webhooks, two pushes), each delivered once the receiver was back.
    expect(deadLettered).toEqual([]);
    expect(delivered).toHaveLength(4);
    const succeeded = attempts.filter((a) => a.at >= startedAt + 6 * HOUR_MS);
    expect(succeeded).toHaveLength(4);
    expect(new Set(succeeded.map((a) => a.call.urls[0]))).toEqual(new Set(["http://127.0.0.1:9/hook", "http://127.0.0.1:9/push-1", "http://127.0.0.1:9/push-2"]));
    // Every attempt at one event carried the same id and body; each is signed when sent.
    const hooks = attempts.filter((a) => a.call.urls[0] === "http://127.0.0.1:9/hook");
    const byId = new Map<string, typeof hooks>();
    for (const a of hooks) byId.set(a.call.headers["webhook-id"]!, [...(byId.get(a.call.headers["webhook-id"]!) ?? []), a]);
    expect(byId.size).toBe(2);
    for (const [id, tries] of byId) {
      expect(tries.length).toBeGreaterThan(5);
      expect(new Set(tries.map((t) => JSON.stringify(t.body)))).toEqual(new Set([JSON.stringify(tries[0]!.body)]));
      expect(tries[0]!.body.id).toBe(id);
      for (const t of tries) {
        const timestamp = Number(t.call.headers["webhook-timestamp"]);
        expect(timestamp).toBe(Math.floor(t.at / 1000));
        expect(t.call.headers["webhook-signature"]).toBe(signWebhook(SECRET, id, timestamp, t.call.body!));
      }
    }
    // The jobs' records count the attempts.
    const tries = byId.get(attempts[0]!.call.headers["webhook-id"]!)!.length;
    expect((await deps.jobs.get(jobs[0]!.id))?.callbacks).toEqual({ attempts: tries, delivered: 1, lastStatus: 200 });
  });

  it("keeps trying for more than 24 hours, then leaves the callback in the dead-letter queue", async () => {
    // Prepare: a receiver that never comes back.
    const { clock, deps, attempts, startedAt } = await setup(Infinity);
    // Act
    const { delivered, deadLettered } = await runCallbacksQueue(deps, clock, () => 0);
    // Assess: every callback tried maxReceiveCount times over more than a day, then dead-lettered.
    expect(delivered).toEqual([]);
    expect(deadLettered).toHaveLength(4);
    const hookTries = attempts.filter((a) => a.call.headers["webhook-id"] === deadLettered.find((m) => m.target === "webhook")!.eventId);
    expect(hookTries).toHaveLength(queues.callbacks.maxReceiveCount);
    expect(hookTries.at(-1)!.at - startedAt).toBeGreaterThan(24 * HOUR_MS);
  });

  it("has one wait per receive but the last, none longer than SQS allows, spread by jitter", () => {
    expect(queues.callbacks.maxReceiveCount).toBe(CALLBACK_RETRY_SECONDS.length + 1);
    const waits = (random: () => number) => CALLBACK_RETRY_SECONDS.map((_, i) => callbackRetrySeconds(i + 1, random));
    expect(Math.max(...waits(() => 1))).toBeLessThanOrEqual(12 * 3600);
    expect(waits(() => 0).reduce((a, b) => a + b)).toBeGreaterThan(24 * 3600);
    expect(waits(() => 0)).not.toEqual(waits(() => 0.99));
    // The retention outlives every attempt and the last wait.
    expect(queues.callbacks.retentionSeconds).toBeGreaterThan(waits(() => 1).reduce((a, b) => a + b) + 12 * 3600);
  });
});
