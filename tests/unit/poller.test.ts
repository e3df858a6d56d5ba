/**
 * The poller against a simulated clock: a task polled with growing delays (nothing sleeps between
 * polls), stored once however often its message arrives, announced once.
 */
import { describe, expect, it } from "vitest";
import { processPoll } from "../../shared/core/async/poller.ts";
import { handOff } from "../../shared/core/async/handoff.ts";
import { jobId } from "../../shared/core/async/job-id.ts";
import type { Job } from "../../shared/ports.ts";
import { UpstreamError } from "../../shared/errors.ts";
import { memoryDeps, ScriptedUpstream, taskReply, v03Agent, type MemoryDeps } from "../helpers/memory-deps.ts";

/** A fake clock the test moves by hand. */
class SimClock {
  t = Date.parse("2026-01-01T00:00:00Z");
  now = () => this.t;
}

/** An agent whose task completes `durationMs` after it started, on the simulated clock. */
function slowAgent(clock: SimClock, durationMs: number) {
  const started = clock.t;
  return new ScriptedUpstream((_call, body) => taskReply(body.id, "t1", clock.t - started >= durationMs));
}

/** The one turn of task t1 the tests drive. */
const T1_JOB = jobId("chat.completion", "slow", "t1");

function job(overrides: Partial<Job> = {}): Job {
  const now = new Date(Date.parse("2026-01-01T00:00:00Z")).toISOString();
  return {
    id: T1_JOB,
    kind: "chat.completion",
    agent: "slow",
    taskId: "t1",
    owner: "master",
    status: "in_progress",
    model: "a2a/slow",
    polls: 0,
    push: [],
    callbacks: { attempts: 0, delivered: 0 },
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

async function setup(durationMs: number): Promise<{ deps: MemoryDeps; clock: SimClock; upstream: ScriptedUpstream }> {
  const clock = new SimClock();
  const upstream = slowAgent(clock, durationMs);
  const deps = memoryDeps(upstream, { clock });
  await deps.agents.create(v03Agent("slow"));
  await handOff(job(), deps);
  return { deps, clock, upstream };
}

/** Delivers queued poll messages in delay order, moving the clock, until none is left. */
async function drain(deps: MemoryDeps, clock: SimClock) {
  const invocations: number[] = [];
  while (deps.pollQueue.sent.length) {
    const { body, delaySeconds } = deps.pollQueue.sent.shift()!;
    clock.t += delaySeconds * 1000;
    const started = performance.now();
    await processPoll(body, deps);
    invocations.push(performance.now() - started);
  }
  return invocations;
}

describe("the poller", () => {
  it("drives a 60 s task with at most 10 tasks/get and no invocation that sleeps", async () => {
    // Prepare
    const { deps, clock, upstream } = await setup(60_000);
    // Act
    const invocations = await drain(deps, clock);
    // Assess
    const polls = upstream.calls.length;
    expect(polls).toBeLessThanOrEqual(10);
    expect(invocations.length).toBe(polls);
    expect(Math.max(...invocations)).toBeLessThan(1_000);
    const stored = await deps.jobs.get(job().id);
    expect(stored).toMatchObject({ status: "completed", polls });
    expect((stored!.result as any).choices[0].message.content).toBe("finished");
  });

  it("backs off exponentially from 1 s to a 60 s cap", async () => {
    const { deps, clock } = await setup(10 * 60_000);
    const delays: number[] = [];
    while (deps.pollQueue.sent.length) {
      const { body, delaySeconds } = deps.pollQueue.sent.shift()!;
      delays.push(delaySeconds);
      clock.t += delaySeconds * 1000;
      await processPoll(body, deps);
    }
    expect(delays.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 32, 60]);
    expect(Math.max(...delays)).toBe(60);
    expect(delays.length).toBeLessThanOrEqual(16);
  });

  it("stores one result when the same message is delivered twice at once", async () => {
    const { deps, clock } = await setup(0);
    const { body, delaySeconds } = deps.pollQueue.sent.shift()!;
    clock.t += delaySeconds * 1000;
    const outcomes = await Promise.all([processPoll(body, deps), processPoll(body, deps)]);
    expect(outcomes.sort()).toEqual(["already-finished", "finished"]);
    expect(deps.pollQueue.sent).toHaveLength(0);
  });

  it("stores one result and announces once when it died after tasks/get, before the message was deleted", async () => {
    // Prepare: a key with a webhook, so the end is announced.
    const { deps, clock } = await setup(0);
    await deps.keys.create({ id: "k1", hash: "x", webhookUrl: "http://127.0.0.1:9/hook", webhookSecret: "whsec_c2VjcmV0", createdAt: "" });
    const id = jobId("chat.completion", "slow", "t2");
    await deps.jobs.create({ ...job({ id, taskId: "t2", owner: "k1" }) });
    const message = { jobId: id, attempt: 0, errors: 0 };
    clock.t += 1000;
    // Act: the first delivery stores and announces; the redelivery of the same message finds it done.
    const first = await processPoll(message, deps);
    const again = await processPoll(message, deps);
    // Assess
    expect([first, again]).toEqual(["finished", "already-finished"]);
    expect(deps.callbackQueue.sent.filter((m) => m.body.jobId === message.jobId)).toHaveLength(1);
  });

  it("announces again with the same event id when it died between announcing and storing", async () => {
    // Prepare: the first delivery announced, then died before its write.
    const { deps, clock } = await setup(0);
    await deps.keys.create({ id: "k1", hash: "x", webhookUrl: "http://127.0.0.1:9/hook", webhookSecret: "whsec_c2VjcmV0", createdAt: "" });
    const id = jobId("chat.completion", "slow", "t3");
    await deps.jobs.create(job({ id, taskId: "t3", owner: "k1" }));
    const finish = deps.jobs.finish.bind(deps.jobs);
    deps.jobs.finish = async () => {
      throw new Error("killed before the write");
    };
    clock.t += 1000;
    await expect(processPoll({ jobId: id, attempt: 0, errors: 0 }, deps)).rejects.toThrow("killed");
    deps.jobs.finish = finish;
    // Act: the queue delivers the message again.
    const outcome = await processPoll({ jobId: id, attempt: 0, errors: 0 }, deps);
    // Assess: stored once, announced twice under one event id (at least once, deduplicable).
    expect(outcome).toBe("finished");
    const announced = deps.callbackQueue.sent.map((m) => m.body).filter((m) => m.jobId === id);
    expect(announced).toHaveLength(2);
    expect(new Set(announced.map((m) => m.eventId)).size).toBe(1);
    expect(await deps.jobs.get(id)).toMatchObject({ status: "completed" });
  });

  it("gives a task up as failed when the agent cannot be polled ten times in a row", async () => {
    const clock = new SimClock();
    const down = new ScriptedUpstream(() => {
      throw new UpstreamError("Agent unreachable (ECONNREFUSED)", "unreachable");
    });
    const deps = memoryDeps(down, { clock });
    await deps.agents.create(v03Agent("slow"));
    await handOff(job(), deps);
    await drain(deps, clock);
    expect(await deps.jobs.get(job().id)).toMatchObject({ status: "failed", error: { message: expect.stringContaining("could not be polled") } });
  });
});
