/**
 * The core's view of the outside world: records it keeps and the ports it keeps them through.
 * Each port has a DynamoDB/SQS/fetch implementation (shared/adapters) and an in-memory one for
 * unit tests (shared/adapters/memory.ts).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Pricing } from "./core/money.ts";

/** A registered agent. `headers` are upstream credentials: sent to the agent, never shown. */
export interface Agent {
  name: string;
  /** Invocation URLs, first one primary; calls are spread over them and fail over. */
  urls: string[];
  headers: Record<string, string>;
  /** The agent's own card, as fetched or given at registration (its native version). */
  card: Record<string, unknown>;
  description?: string;
  /** Its gateway card is served without a key (to clients that resolve cards but send no headers). */
  publicCard?: boolean;
  /** What a call to it costs (shared/core/money.ts); none means free. */
  pricing?: Pricing;
  createdAt: string;
  updatedAt: string;
}

export type BudgetPeriod = "1d" | "7d" | "30d" | "month";

/** A virtual key. Only `hash` identifies the secret; the key itself is shown once at creation. */
export interface VirtualKey {
  id: string;
  name?: string;
  hash: string;
  /** Agents this key may call; undefined means all. */
  agents?: string[];
  rpm?: number;
  expiresAt?: string;
  webhookUrl?: string;
  /** Signs webhooks (Standard Webhooks). Kept to sign; never returned after creation. */
  webhookSecret?: string;
  /** Spend allowed per budget period (a decimal string); past it calls are refused. */
  maxBudget?: string;
  /** Crossing it sends the key's webhook a `key.budget_exceeded` event, once per period. */
  softBudget?: string;
  budgetPeriod?: BudgetPeriod;
  /** When the budget was set: fixed-length periods count from here. */
  budgetSince?: string;
  createdAt: string;
}

export interface AgentStore {
  get(name: string): Promise<Agent | undefined>;
  list(): Promise<Agent[]>;
  /** Fails with ConflictError when the name is taken. */
  create(agent: Agent): Promise<void>;
  /** Replaces an existing agent; NotFoundError if it is gone. */
  update(agent: Agent): Promise<void>;
  delete(name: string): Promise<boolean>;
}

export interface KeyStore {
  get(id: string): Promise<VirtualKey | undefined>;
  list(): Promise<VirtualKey[]>;
  create(key: VirtualKey): Promise<void>;
  /** Replaces an existing key; NotFoundError if it is gone. */
  update(key: VirtualKey): Promise<void>;
  delete(id: string): Promise<boolean>;
}

/**
 * A task or a context of an agent, which the key that created it owns (SPEC §4). Agents choose
 * the ids, so the same id may exist at two agents: the agent is part of the name.
 */
export interface OwnedRef {
  agent: string;
  kind: "task" | "context";
  id: string;
}

/** Who owns the tasks and contexts the gateway has seen, so other keys cannot reach them. */
export interface TaskStore {
  /** Records the owner (key id, or "master") unless one is recorded already; returns the owner that holds. */
  claim(ref: OwnedRef, owner: string): Promise<string>;
  owner(ref: OwnedRef): Promise<string | undefined>;
}

export type JobKind = "chat.completion" | "response" | "a2a";
export type JobStatus = "queued" | "in_progress" | "completed" | "failed" | "cancelled";
export const isFinished = (s: JobStatus) => s === "completed" || s === "failed" || s === "cancelled";

/** An A2A push-notification config a caller gave the gateway (A2A spec §"PushNotificationConfig"). */
export interface PushTarget {
  id: string;
  url: string;
  token?: string;
  /** Credentials for the caller's receiver, e.g. `Bearer <token>`. */
  authorization?: string;
  /** The caller's A2A version: the notification body is shaped for it. */
  version: "0.3" | "1.0";
}

/**
 * Long-running work the gateway drives to its end: an agent task polled from the queue, its result
 * stored once, callbacks announced once it is.
 */
export interface Job {
  id: string;
  kind: JobKind;
  agent: string;
  /** The agent's task id. */
  taskId: string;
  contextId?: string;
  /** Key id, or "master". */
  owner: string;
  status: JobStatus;
  model?: string;
  wantsJson?: boolean;
  /** Estimated prompt tokens of the original request, for `usage`. */
  promptTokens?: number;
  /** The finished object: a chat completion, a response, or the A2A task (0.3 form). */
  result?: unknown;
  error?: { code: string; message: string };
  /** `tasks/get` calls made, recorded when the job finishes. */
  polls: number;
  push: PushTarget[];
  callbacks: { attempts: number; delivered: number; lastStatus?: number };
  createdAt: string;
  updatedAt: string;
}

/** One page of a job listing; `next` continues it, absent on the last page. */
export interface JobPage {
  jobs: Job[];
  next?: string;
}

export interface JobStore {
  /**
   * Records the job as its task's latest turn, replacing the owner's claim or previous turn (whose
   * late updates then find nothing); a task another owner holds is left as it is.
   */
  create(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** The job of an agent's task, if the gateway drives one. */
  byTask(agent: string, taskId: string): Promise<Job | undefined>;
  /** Stores the end of a job unless it has one already: false when another writer got there first. */
  finish(id: string, end: Pick<Job, "status" | "result" | "error" | "polls">, at: string): Promise<boolean>;
  setPush(id: string, push: PushTarget[]): Promise<void>;
  recordCallback(id: string, delivered: boolean, status: number | undefined): Promise<void>;
  /** Jobs newest first, a key's own or (owner undefined) everyone's; `after` is the `next` of the previous page. */
  list(owner: string | undefined, limit: number, after?: string): Promise<JobPage>;
}

/** A message queue with per-message delays (SQS `DelaySeconds`, at most 900). */
export interface Queue<T> {
  send(body: T, delaySeconds?: number): Promise<void>;
}

/** A message that used up its attempts, as its queue's dead-letter queue holds it. */
export interface DeadLetter {
  /** The dead-letter queue's id of the message: what `redrive` is given. */
  id: string;
  /** The message as it was sent (JSON when it was ours; anything else is shown as text). */
  body: unknown;
  /** When it was first sent: SQS keeps that time when it moves a message to the dead-letter queue. */
  sentAt: string;
}

/**
 * A queue's dead-letter queue (SQS): read without moving anything, and sent back to the queue, each
 * letter as a new message that gets every attempt again.
 */
export interface DeadLetters {
  list(limit: number): Promise<DeadLetter[]>;
  /** Moves the letters with these ids (all of them when omitted) back; the ids moved. */
  redrive(ids?: readonly string[]): Promise<string[]>;
}

/**
 * One call through the gateway, as the meter counts it. `agent` is set only when the call reached
 * an agent the key may use (a name the registry holds, never one a caller typed); calls refused or
 * answered before any agent are counted under the key alone.
 */
export interface MeteredCall {
  requestId: string;
  keyId: string;
  agent?: string;
  /** Epoch ms the call came in: its hour bucket. */
  at: number;
  /** `client_closed`: the caller left before the answer was complete, not the agent's fault. */
  outcome: "ok" | "error" | "client_closed";
  latencyMs: number;
  /** Picos (shared/core/money.ts). */
  cost: bigint;
  /** What to add to the key's budget period: the cost less what was reserved before the call. */
  budget?: { period: string; delta: bigint };
  /**
   * The end of an async task, charged for the agent's time (and tokens) after the call that handed
   * it off: adds spend to the counter, and neither a request nor a latency.
   */
  taskEnd?: true;
}

/** The counters of one key, agent (none: calls that reached no agent) and hour. */
export interface UsageCounter {
  keyId: string;
  agent?: string;
  /** `2026-12-03T06`: the UTC hour. */
  hour: string;
  requests: number;
  errors: number;
  clientClosed: number;
  spend: bigint;
  /** Calls per latency bucket (shared/core/metering.ts LATENCY_BOUNDS_MS). */
  latency: number[];
}

export interface Meter {
  /** Adds a call to its counters (and budget) once per request id: false when it was counted already. */
  record(call: MeteredCall): Promise<boolean>;
  /** Whether a request has been counted (a read: what a late check of a call costs). */
  isCounted(requestId: string): Promise<boolean>;
  /** Counters of hours in [fromHour, toHour], for one key, one agent, or all. */
  counters(q: { keyId?: string; agent?: string; fromHour: string; toHour: string }): Promise<UsageCounter[]>;
  /**
   * Adds `amount` to a key's spend in a budget period unless the spend would then pass `limit`
   * (with `amount` 0: unless it has reached `limit`). Atomic: one conditional write.
   */
  reserve(keyId: string, period: string, amount: bigint, limit: bigint): Promise<{ ok: boolean; spent: bigint }>;
  /** Adds `delta` (may be negative: a refund) to a key's spend in a period. */
  adjust(keyId: string, period: string, delta: bigint): Promise<void>;
  spent(keyId: string, period: string): Promise<bigint>;
  /** Whether the soft budget's webhook has gone out this period (read with the spend: one read). */
  softBudgetAnnounced(keyId: string, period: string): Promise<{ spent: bigint; announced: boolean }>;
  /** Records that it has: later calls of the period send nothing more. */
  markSoftBudgetAnnounced(keyId: string, period: string): Promise<void>;
}

export interface RateLimiter {
  /** Counts one request of `keyId` in the current minute; returns the count so far. */
  hit(keyId: string, now: number): Promise<number>;
}

/** One HTTP call to an agent. */
export interface AgentCall {
  /** POST unless said otherwise (A2A's HTTP+JSON binding also GETs and DELETEs). */
  method?: "GET" | "POST" | "DELETE";
  /** Tried in turn; the next one only when the previous could not be connected to. */
  urls: readonly string[];
  headers: Record<string, string>;
  /** Serialized once by the caller; none on a GET or DELETE. */
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** An agent's answer: one body, or its event stream (each event's `data` parsed as JSON). */
export type AgentReply =
  | { kind: "json"; status: number; body: unknown; headers?: IncomingHttpHeaders }
  | { kind: "sse"; status: number; events: AsyncIterable<unknown>; close(): void; headers?: IncomingHttpHeaders };

/** How the core reaches agents: over node:http in shared/adapters/upstream.ts, scripted in tests. */
export interface Upstream {
  post(call: AgentCall): Promise<AgentReply>;
  get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: unknown }>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
