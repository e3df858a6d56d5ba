/**
 * Ending a job, crash by crash (SPEC §5, §6): every end (completed, failed, canceled, given up)
 * of a job with each kind of callback (a signed webhook, A2A push notifications) is run with the
 * process killed after each of its steps, then retried as the queue (or the caller) would. Each
 * time the end is stored once, every announcement made before the crash is made again under the
 * same event id, and every callback target hears the final state.
 */
import { describe, expect, it } from "vitest";
import { pollerHandler } from "../../functions/poller.ts";
import { queues } from "../../infra/schema.ts";
import type { AgentCall, AgentReply, Job } from "../../shared/ports.ts";
import { storedTask } from "../../shared/core/a2a-jobs.ts";
import { cancelJob } from "../../shared/core/async/cancel.ts";
import { deliverCallback } from "../../shared/core/async/deliver.ts";
import { jobId, jobTrace } from "../../shared/core/async/job-id.ts";
import type { CallbackMessage, PollMessage } from "../../shared/core/async/messages.ts";
import { MAX_POLL_ERRORS, processPoll } from "../../shared/core/async/poller.ts";
import { normalizeState } from "../../shared/core/task-state.ts";
import { UpstreamError } from "../../shared/errors.ts";
import { sqsRecord } from "../reliability/support.ts";
import { memoryDeps, ScriptedUpstream, v03Agent, type MemoryDeps } from "../helpers/memory-deps.ts";

const START = Date.parse("2026-01-01T00:00:00Z");
const HOOK_URL = "http://127.0.0.1:9/hook";
const PUSH_URLS = ["http://127.0.0.1:9/push-a", "http://127.0.0.1:9/push-b"];

/** A crash: the process died right after the step that threw it. */
class Killed extends Error {}

type AgentState = "working" | "completed" | "failed" | "canceled" | "forgotten" | "down";

/** An agent whose task is in `state`, and which cancels it when asked. */
function agent(world: { state: AgentState }) {
  return new ScriptedUpstream((_call: AgentCall, body): AgentReply => {
    if (world.state === "down") throw new UpstreamError("Agent unreachable (ECONNREFUSED)", "unreachable");
    if (body.method === "tasks/cancel") world.state = "canceled";
    if (world.state === "forgotten") return { kind: "json", status: 200, body: { jsonrpc: "2.0", id: body.id, error: { code: -32001, message: "Task not found" } } };
    const done = world.state === "completed";
    const task = { kind: "task", id: "t1", contextId: "ctx", status: { state: world.state }, ...(done ? { artifacts: [{ artifactId: "a", parts: [{ kind: "text", text: "done" }] }] } : {}) };
    return { kind: "json", status: 200, body: { jsonrpc: "2.0", id: body.id, result: task } };
  });
}

/** The two kinds of callback: a key's webhook (for a response), or push targets of an A2A task in 1.0. */
const CALLBACKS = {
  webhook: (now: string): Job => ({ ...baseJob("response", now), owner: "k1", model: "a2a/agent" }),
  push: (now: string): Job => ({
    ...baseJob("a2a", now),
    push: PUSH_URLS.map((url, i) => ({ id: `p${i}`, url, token: `tok${i}`, version: "1.0" as const })),
  }),
};

function baseJob(kind: Job["kind"], now: string): Job {
  return { id: jobId(kind, "agent", "t1"), kind, agent: "agent", taskId: "t1", owner: "master", status: "in_progress", polls: 2, push: [], callbacks: { attempts: 0, delivered: 0 }, createdAt: now, updatedAt: now };
}

interface End {
  /** The agent's task when the end is made. */
  agent: AgentState;
  /** Makes the end, as the gateway does. */
  act(job: Job, deps: MemoryDeps): Promise<unknown>;
  /** What runs again after a crash: the queue's redelivery (or redrive), or the poll still in flight. */
  retry(job: Job, deps: MemoryDeps): Promise<unknown>;
  /** The stored status, and the state the callbacks tell. */
  status: Job["status"];
  state: "completed" | "failed" | "canceled";
}

const poll = (job: Job, errors = 0): PollMessage => ({ jobId: job.id, attempt: 3, errors });
const pollOnce = (errors = 0) => (job: Job, deps: MemoryDeps) => processPoll(poll(job, errors), deps);

/** Receives 1..maxReceiveCount of one poll message through the Lambda handler (a fresh message, or one redriven from the DLQ). */
async function receiveUntilDeadLettered(job: Job, deps: MemoryDeps) {
  const handler = pollerHandler(() => deps);
  for (let receive = 1; receive <= queues.tasks.maxReceiveCount; receive++) await handler({ Records: [sqsRecord(poll(job), receive)] });
}

const ENDS: Record<string, End> = {
  completed: { agent: "completed", act: pollOnce(), retry: pollOnce(), status: "completed", state: "completed" },
  failed: { agent: "failed", act: pollOnce(), retry: pollOnce(), status: "failed", state: "failed" },
  canceled: {
    agent: "working",
    act: (job, deps) => cancelJob(job, jobTrace(job.id), deps),
    retry: pollOnce(),
    status: "cancelled",
    state: "canceled",
  },
  "given up: the agent forgot the task": { agent: "forgotten", act: pollOnce(), retry: pollOnce(), status: "failed", state: "failed" },
  [`given up: ${MAX_POLL_ERRORS} failed polls`]: {
    agent: "down",
    act: pollOnce(MAX_POLL_ERRORS - 1),
    retry: pollOnce(MAX_POLL_ERRORS - 1),
    status: "failed",
    state: "failed",
  },
  "given up: the poll message's last receive": {
    // Every poll throws (the agent's record cannot be read), so only the last receive ends the job.
    agent: "working",
    act: async (job, deps) => {
      deps.agents.get = () => Promise.reject(new Error("corrupt agent record"));
      const handler = pollerHandler(() => deps);
      await handler({ Records: [sqsRecord(poll(job), queues.tasks.maxReceiveCount)] });
    },
    retry: receiveUntilDeadLettered,
    status: "failed",
    state: "failed",
  },
};

/** A world with one job about to end; `crashAfter` kills the process after that many steps (sends and writes). */
async function world(callback: keyof typeof CALLBACKS, end: End, crashAfter = Infinity) {
  const clock = { t: START, now: () => clock.t };
  const agentWorld = { state: end.agent };
  const deps = memoryDeps(agent(agentWorld), { clock });
  await deps.agents.create(v03Agent("agent"));
  await deps.keys.create({ id: "k1", hash: "x", webhookUrl: HOOK_URL, webhookSecret: "whsec_c2VjcmV0", createdAt: "" });
  const job = CALLBACKS[callback](new Date(START).toISOString());
  await deps.jobs.create(job);

  const steps: string[] = [];
  let storedEnds = 0;
  let crashed: string | undefined;
  const step = async <T>(name: string, effect: () => Promise<T>): Promise<T> => {
    const result = await effect();
    steps.push(name);
    if (steps.length === crashAfter) {
      crashed = name;
      throw new Killed(`killed after ${name}`);
    }
    return result;
  };
  const { callbackQueue, jobs } = deps;
  const send = callbackQueue.send.bind(callbackQueue);
  const finish = jobs.finish.bind(jobs);
  callbackQueue.send = (body: CallbackMessage, delay?: number) => step(`announce ${body.target}`, () => send(body, delay));
  jobs.finish = (...args) =>
    step("store the end", async () => {
      const stored = await finish(...args);
      if (stored) storedEnds++;
      return stored;
    });
  return { deps, job, steps, agentWorld, storedEnds: () => storedEnds, crashed: () => crashed, sent: () => callbackQueue.sent.map((m) => m.body) };
}

/** Delivers every queued callback to a receiver that records what it is sent. */
async function deliverAll(deps: MemoryDeps, messages: CallbackMessage[]) {
  const posts: { url: string; headers: Record<string, string>; body: any }[] = [];
  const receiver = new ScriptedUpstream((call, body) => {
    posts.push({ url: call.urls[0]!, headers: call.headers, body });
    return { kind: "json", status: 204, body: undefined };
  });
  const outcomes = await Promise.all(messages.map((m) => deliverCallback(m, { ...deps, upstream: receiver })));
  return { posts, outcomes };
}

const targetOf = (m: CallbackMessage) => (m.target === "webhook" ? "webhook" : m.pushId);

describe.each(Object.keys(CALLBACKS) as (keyof typeof CALLBACKS)[])("ending a job with a %s callback", (callback) => {
  describe.each(Object.keys(ENDS))("%s", (endName) => {
    const end = ENDS[endName]!;

    it("stores the end once and delivers the final state to every target, whatever step the process dies after", async () => {
      // Prepare: a clean run counts the steps.
      const clean = await world(callback, end);
      await end.act(clean.job, clean.deps);
      const stepCount = clean.steps.length;
      expect(clean.storedEnds()).toBe(1);
      expect(stepCount).toBe(callback === "webhook" ? 2 : 3);

      for (let crashAfter = 1; crashAfter <= stepCount; crashAfter++) {
        const w = await world(callback, end, crashAfter);
        // Act: the process dies after step `crashAfter`, then the work is tried again.
        await end.act(w.job, w.deps).catch((e: unknown) => {
          if (!(e instanceof Killed)) throw e;
        });
        const crashedAfter = w.crashed();
        const announcedBefore = w.sent().map(targetOf);
        await end.retry(w.job, w.deps);
        const { posts, outcomes } = await deliverAll(w.deps, w.sent());

        // Assess: the crash happened, and the end is stored once.
        const context = `${callback}, ${endName}, killed after step ${crashAfter} (${crashedAfter})`;
        expect(crashedAfter, context).toBeDefined();
        expect(w.storedEnds(), context).toBe(1);
        const stored = await w.deps.jobs.get(w.job.id);
        expect(stored?.status, context).toBe(end.status);
        // Each target was announced under one event id; those announced before a crash that came
        // before the end was stored are announced again.
        const storedBeforeCrash = crashedAfter === "store the end";
        const byTarget = new Map<string, CallbackMessage[]>();
        for (const m of w.sent()) byTarget.set(targetOf(m), [...(byTarget.get(targetOf(m)) ?? []), m]);
        expect([...byTarget.keys()].sort(), context).toEqual(callback === "webhook" ? ["webhook"] : ["p0", "p1"]);
        for (const [target, messages] of byTarget) {
          expect(new Set(messages.map((m) => m.eventId)).size, context).toBe(1);
          const before = announcedBefore.filter((t) => t === target).length;
          expect(messages.length, `${context}: ${target}`).toBe(storedBeforeCrash ? before : before + 1);
        }
        // Every target hears the final state, and nothing is left to retry.
        expect(outcomes.filter((o) => o.kind === "retry"), context).toEqual([]);
        if (callback === "webhook") {
          expect(new Set(posts.map((p) => p.headers["webhook-id"])).size, context).toBe(1);
          for (const post of posts) expect(post.body.type, context).toBe(`response.${end.status}`);
        } else {
          expect(new Set(posts.map((p) => p.url)), context).toEqual(new Set(PUSH_URLS));
          // The caller spoke 1.0: a StreamResponse carrying the task, state in 1.0's spelling.
          for (const post of posts) expect(post.body.task.status.state, context).toBe(`TASK_STATE_${end.state.toUpperCase()}`);
        }
      }
    });
  });
});

describe("a job the gateway gave up on", () => {
  it("is pushed as a failed task saying why, and tasks/get answers it from the stored end once the agent forgot it", async () => {
    // Prepare
    const w = await world("push", ENDS["given up: the agent forgot the task"]!);
    // Act
    await processPoll(poll(w.job), w.deps);
    const { posts } = await deliverAll(w.deps, w.sent());
    const answer = (await storedTask("agent", "t1", "1.0", w.deps)) as any;
    const answer03 = (await storedTask("agent", "t1", "0.3", w.deps)) as any;
    // Assess
    expect(posts).toHaveLength(2);
    expect(posts[0]!.headers).toMatchObject({ "content-type": "application/a2a+json", "x-a2a-notification-token": "tok0" });
    expect(posts[0]!.body.task).toMatchObject({ id: "t1", status: { state: "TASK_STATE_FAILED", message: { parts: [{ text: "The agent no longer knows the task" }] } } });
    expect(answer).toMatchObject({ id: "t1", status: { state: "TASK_STATE_FAILED" } });
    expect(normalizeState(answer03.status.state)).toBe("failed");
    expect(answer03.status.message.parts[0].text).toBe("The agent no longer knows the task");
  });

  it("drops a webhook announcing an end that a racing end superseded, and delivers the stored one", async () => {
    // Prepare: the poller announced completion, then lost the race to store it to a cancel.
    const w = await world("webhook", ENDS.completed!);
    const finish = w.deps.jobs.finish;
    w.deps.jobs.finish = async () => false;
    await processPoll(poll(w.job), w.deps);
    w.deps.jobs.finish = finish;
    w.agentWorld.state = "working";
    await cancelJob(w.job, jobTrace(w.job.id), w.deps);
    // Act
    const { outcomes, posts } = await deliverAll(w.deps, w.sent());
    // Assess
    expect(outcomes).toEqual([{ kind: "dropped", reason: "superseded: the job ended cancelled" }, { kind: "delivered" }]);
    expect(posts.map((p) => p.body.type)).toEqual(["response.cancelled"]);
  });
});
