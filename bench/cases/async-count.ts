/**
 * Counts what one async task costs, by running the real hand-off, poller and callback code on a
 * simulated clock with in-memory stores that count their reads and writes: invocations,
 * `tasks/get` calls, DynamoDB reads and writes, SQS requests. The agent's task completes
 * `taskSeconds` after the hand-off; the owner's key has a webhook, so one callback is delivered.
 */
import type { AppDeps } from "../../shared/deps.ts";
import type { AgentCall, AgentReply, Upstream } from "../../shared/ports.ts";
import { MemoryAgentStore, MemoryKeyStore, MemoryQueue, MemoryRateLimiter, MemoryTaskStore, MemoryMeter } from "../../shared/adapters/memory.ts";
import { CachedAgentStore } from "../../shared/adapters/cached-agents.ts";
import { Authenticator } from "../../shared/core/keys.ts";
import { handOff } from "../../shared/core/async/handoff.ts";
import { processPoll } from "../../shared/core/async/poller.ts";
import { deliverCallback } from "../../shared/core/async/deliver.ts";
import { jobId } from "../../shared/core/async/job-id.ts";
import type { CallbackMessage, PollMessage } from "../../shared/core/async/messages.ts";
import { silentLogger } from "../../shared/log.ts";

export interface MeasuredTask {
  httpInvocations: number;
  pollerInvocations: number;
  deliverInvocations: number;
  tasksGetCalls: number;
  dynamoReads: number;
  dynamoWrites: number;
  sqsSends: number;
  sqsMessagesConsumed: number;
}

const WRITES = new Set(["create", "finish", "setPush", "recordCallback", "claim", "record", "update", "delete"]);
const READS = new Set(["get", "byTask", "owner", "list", "query"]);

/** Wraps a store so every read and write is counted. */
function counted<T extends object>(store: T, tally: { reads: number; writes: number }): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        if (WRITES.has(prop)) tally.writes++;
        else if (READS.has(prop)) tally.reads++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export async function measureAsyncTask(taskSeconds: number): Promise<MeasuredTask> {
  const clock = { t: Date.parse("2026-01-01T00:00:00Z"), now() { return this.t; } };
  const started = clock.t;
  let tasksGetCalls = 0;
  const upstream: Upstream = {
    async post(call: AgentCall): Promise<AgentReply> {
      const body = JSON.parse(call.body!) as { id: number; method?: string };
      if (body.method !== "tasks/get") return { kind: "json", status: 200, body: {} }; // the webhook receiver
      tasksGetCalls++;
      const done = clock.t - started >= taskSeconds * 1000;
      const task = { kind: "task", id: "t1", contextId: "c1", status: { state: done ? "completed" : "working" }, ...(done ? { artifacts: [{ artifactId: "a", parts: [{ kind: "text", text: "done" }] }] } : {}) };
      return { kind: "json", status: 200, body: { jsonrpc: "2.0", id: body.id, result: task } };
    },
    async get() {
      return { status: 404, body: undefined };
    },
  };
  const tally = { reads: 0, writes: 0 };
  const agentsInner = counted(new MemoryAgentStore(), tally);
  const keys = counted(new MemoryKeyStore(), tally);
  const tasks = counted(new MemoryTaskStore(), tally);
  const pollQueue = new MemoryQueue<PollMessage>();
  const callbackQueue = new MemoryQueue<CallbackMessage>();
  const deps: AppDeps = {
    config: { masterKey: "sk-master-bench", syncBudgetMs: 25_000, taskTtlSeconds: 7 * 24 * 3600, allowPrivateUrls: true, cacheTtlMs: 10_000, keepAliveMs: 10_000, maxStreamMs: 600_000 },
    agents: new CachedAgentStore(agentsInner, clock, 10_000),
    keys,
    tasks,
    jobs: tasks,
    pollQueue,
    callbackQueue,
    deadCallbacks: { list: async () => [], redrive: async () => [] },
    meter: counted(new MemoryMeter(), tally),
    limiter: new MemoryRateLimiter(),
    upstream,
    auth: new Authenticator("sk-master-bench", keys, clock, 10_000),
    clock,
    log: silentLogger,
  };
  // Setup, not counted: the agent and the key exist already.
  await (agentsInner as MemoryAgentStore).create({ name: "agent", urls: ["http://127.0.0.1:9/"], headers: {}, card: { name: "agent", url: "http://127.0.0.1:9/", capabilities: {} }, createdAt: "", updatedAt: "" });
  await (keys as MemoryKeyStore).create({ id: "k1", hash: "x", webhookUrl: "http://127.0.0.1:9/hook", webhookSecret: "whsec_c2VjcmV0", createdAt: "" });
  Object.assign(tally, { reads: 0, writes: 0 });

  // The HTTP invocation that hands the task off (the agent accepted it: one send, not counted as a poll),
  // and its metering write.
  const now = new Date(clock.t).toISOString();
  await handOff({ id: jobId("chat.completion", "agent", "t1"), kind: "chat.completion", agent: "agent", taskId: "t1", owner: "k1", status: "in_progress", polls: 0, push: [], callbacks: { attempts: 0, delivered: 0 }, createdAt: now, updatedAt: now }, deps);
  await deps.meter.record({ requestId: "r", keyId: "k1", agent: "agent", at: clock.t, outcome: "ok", latencyMs: 1, cost: 0n });

  let pollerInvocations = 0;
  while (pollQueue.sent.length) {
    const { body, delaySeconds } = pollQueue.sent.shift()!;
    clock.t += delaySeconds * 1000;
    pollerInvocations++;
    await processPoll(body, deps);
  }
  let deliverInvocations = 0;
  while (callbackQueue.sent.length) {
    deliverInvocations++;
    await deliverCallback(callbackQueue.sent.shift()!.body, deps);
  }
  const sqsSends = pollerInvocations + deliverInvocations; // every consumed message was sent once
  return {
    httpInvocations: 1,
    pollerInvocations,
    deliverInvocations,
    tasksGetCalls,
    dynamoReads: tally.reads,
    dynamoWrites: tally.writes,
    sqsSends,
    sqsMessagesConsumed: pollerInvocations + deliverInvocations,
  };
}
