/**
 * The core's view of the outside world: records it keeps and the ports it keeps them through.
 * Each port has a DynamoDB/SQS/fetch implementation (shared/adapters) and an in-memory one for
 * unit tests (shared/adapters/memory.ts).
 */

/** A registered agent. `headers` are upstream credentials: sent to the agent, never shown. */
export interface Agent {
  name: string;
  /** Invocation URLs, first one primary; calls are spread over them and fail over. */
  urls: string[];
  headers: Record<string, string>;
  /** The agent's own card, as fetched or given at registration (its native version). */
  card: Record<string, unknown>;
  description?: string;
  createdAt: string;
  updatedAt: string;
}

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
  delete(id: string): Promise<boolean>;
}

/** Who owns a task the gateway has seen, so other keys cannot reach it. */
export interface TaskOwnership {
  agent: string;
  taskId: string;
  /** Key id, or "master". */
  owner: string;
}

export interface TaskStore {
  /** Records the owner unless one is recorded already; returns the owner that holds. */
  claim(record: TaskOwnership): Promise<string>;
  owner(agent: string, taskId: string): Promise<string | undefined>;
}

/** One proxied call, for `/v1/usage`. */
export interface UsageRecord {
  keyId: string;
  agent: string;
  method: string;
  status: number;
  latencyMs: number;
  traceId: string;
  requestId: string;
  at: string;
}

export interface UsageStore {
  record(r: UsageRecord): Promise<void>;
  /** Records in [from, to), for one key or all. */
  query(q: { keyId?: string; agent?: string; from: string; to: string }): Promise<UsageRecord[]>;
}

export interface RateLimiter {
  /** Counts one request of `keyId` in the current minute; returns the count so far. */
  hit(keyId: string, now: number): Promise<number>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
