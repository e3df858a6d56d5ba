/**
 * Table key schemas and queue definitions: read by the SST infrastructure and by the local stack,
 * so the two cannot drift. Attribute names here are the only ones DynamoDB needs to know about;
 * everything else in an item is schemaless.
 */

export interface IndexDef {
  hashKey: string;
  rangeKey: string;
  /** `keys-only` when the listing reads the items themselves: updates of other attributes then cost no index write. */
  projection: "all" | "keys-only";
}

export interface TableDef {
  hashKey: string;
  rangeKey?: string;
  /** Attribute holding an epoch-seconds expiry, enabled as DynamoDB TTL. */
  ttl?: string;
  /** Global secondary indexes, by name: every listing is a query on one of them, never a scan. */
  indexes?: Record<string, IndexDef>;
}

export const tables = {
  /** Registered agents, by name. */
  agents: { hashKey: "name" },
  /** Virtual keys, by id; the item holds only a hash of the key. */
  keys: { hashKey: "id" },
  /**
   * Tasks the gateway knows: ownership, async work and stored results. Jobs are listed newest
   * first, a key's own (`byOwner`) or all of them (`recent`: every job carries the same `listed`
   * value, so one partition takes them all; jobs are created at the rate work is handed off, far
   * below a partition's 1,000 writes a second). Ownership records have no `createdAt`, so neither
   * index holds them.
   */
  tasks: {
    hashKey: "pk",
    ttl: "ttl",
    indexes: {
      byOwner: { hashKey: "owner", rangeKey: "createdAt", projection: "keys-only" },
      recent: { hashKey: "listed", rangeKey: "createdAt", projection: "keys-only" },
    },
  },
  /**
   * Metering (shared/adapters/dynamo/meter.ts): counters per key, agent and hour, written as calls
   * end, never one item per call; per-request markers that count each call once; each key's spend
   * per budget period. Counters are read by key (the table's own key), by agent, or by day for all
   * keys; `sk` sorts by hour in each. Markers and budgets carry neither `agent` nor `day`, so no
   * index holds them.
   */
  meter: {
    hashKey: "pk",
    rangeKey: "sk",
    ttl: "ttl",
    indexes: {
      byAgent: { hashKey: "agent", rangeKey: "sk", projection: "all" },
      byDay: { hashKey: "day", rangeKey: "sk", projection: "all" },
    },
  },
  /** Atomic counters (rate limits) in fixed windows. */
  counters: { hashKey: "pk", ttl: "ttl" },
} as const satisfies Record<string, TableDef>;
export type TableName = keyof typeof tables;

/** Every attribute a key of the table or of one of its indexes names: DynamoDB must be told their types (all strings here). */
export function keyAttributes(def: TableDef): string[] {
  const keys = [def.hashKey, def.rangeKey, ...Object.values(def.indexes ?? {}).flatMap((index) => [index.hashKey, index.rangeKey])];
  return [...new Set(keys.filter((key): key is string => key !== undefined))];
}

export interface QueueDef {
  /** Seconds a received message stays invisible; longer than one handler invocation. */
  visibilityTimeout: number;
  /** Deliveries before a message moves to the queue's dead-letter queue. */
  maxReceiveCount: number;
  /** Messages per handler invocation. */
  batchSize: number;
  /** Seconds SQS keeps a message (at most 14 days); counted from its first send, in its dead-letter queue too. */
  retentionSeconds: number;
}

const DAY_S = 24 * 3600;

/** SQS's maximum, so a dead-lettered message stays inspectable, and can be sent again, for two weeks. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * DAY_S;

export const queues = {
  /** Poll messages: one per in-flight async task, re-sent with a growing delay until terminal. */
  tasks: { visibilityTimeout: 60, maxReceiveCount: 5, batchSize: 10, retentionSeconds: 4 * DAY_S },
  /**
   * Callback deliveries (webhooks and A2A push notifications). A failed attempt sets its own
   * visibility (shared/core/async/messages.ts `CALLBACK_RETRY_SECONDS`: one step per receive but
   * the last), so the attempts span about 30 hours; the message lives long enough for all of them
   * and its last wait (12 hours) before it moves to the dead-letter queue.
   */
  callbacks: { visibilityTimeout: 30, maxReceiveCount: 9, batchSize: 10, retentionSeconds: 4 * DAY_S },
} as const satisfies Record<string, QueueDef>;
export type QueueName = keyof typeof queues;
