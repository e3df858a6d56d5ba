/**
 * Table key schemas and queue definitions: read by the SST infrastructure and by the local stack,
 * so the two cannot drift. Attribute names here are the only ones DynamoDB needs to know about;
 * everything else in an item is schemaless.
 */

export interface TableDef {
  hashKey: string;
  rangeKey?: string;
  /** Attribute holding an epoch-seconds expiry, enabled as DynamoDB TTL. */
  ttl?: string;
}

export const tables = {
  /** Registered agents, by name. */
  agents: { hashKey: "name" },
  /** Virtual keys, by id; the item holds only a hash of the key. */
  keys: { hashKey: "id" },
  /** Tasks the gateway knows: ownership, async work and stored results. */
  tasks: { hashKey: "pk", ttl: "ttl" },
  /** One item per proxied call, for `/v1/usage`. */
  usage: { hashKey: "keyId", rangeKey: "sk", ttl: "ttl" },
  /** Atomic counters (rate limits) in fixed windows. */
  counters: { hashKey: "pk", ttl: "ttl" },
} as const satisfies Record<string, TableDef>;
export type TableName = keyof typeof tables;

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
