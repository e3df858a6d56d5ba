/**
 * What each Lambda function is: the tables and queues it may touch, its memory and its timeout.
 * One plain module (no SST globals), read by the SST infrastructure (./api.ts turns it into IAM
 * permissions and function settings) and by the local stack (which gives each function only the
 * environment of its grants and answers `AccessDeniedException` for anything else, as AWS does),
 * so a missing grant fails a local test before it fails a deploy.
 */
import type { QueueName, TableName } from "./schema.ts";

export type FunctionName = "api" | "a2a" | "openai" | "poller" | "deliver";

export interface FunctionDef {
  /** Item-level reads and writes (TABLE_ACTIONS) on these tables. */
  tables: readonly TableName[];
  /** `sqs:SendMessage` (which also covers SendMessageBatch) on these queues. */
  send: readonly QueueName[];
  /** The queue whose event source invokes this function: receive, delete, change visibility. */
  consume?: QueueName;
  /** Queues whose dead letters this function reads and sends back: REDRIVE_ACTIONS on the dead-letter queue, SendMessage on the queue. */
  redrive?: readonly QueueName[];
  memoryMb: number;
  timeoutSeconds: number;
}

/** Item-level reads and writes only: no table management, no streams, no PartiQL. */
export const TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:ConditionCheckItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
] as const;

/** Sending to a queue. */
export const SEND_ACTIONS = ["sqs:SendMessage"] as const;

/** What SST's queue subscriber grants the consuming function on its queue. */
export const CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"] as const;

/** Reading a dead-letter queue (SQS reads by receiving, then releases) and deleting what was sent back. */
export const REDRIVE_ACTIONS = ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"] as const;

/**
 * Memory buys CPU on Lambda. HTTP functions get 512 MB: they parse, validate and translate JSON
 * and SSE per request while a caller waits, and the extra CPU shortens cold starts. Queue
 * consumers get 256 MB: each message is one outbound HTTP call plus a DynamoDB write, time spent
 * waiting on I/O that more memory would not shorten, so half the GB-seconds.
 */
const HTTP_MEMORY_MB = 512;
const CONSUMER_MEMORY_MB = 256;

export const functionDefs: Record<FunctionName, FunctionDef> = {
  // The HTTP API's own limit is 30 s; a stream may run for Lambda's maximum.
  api: { tables: ["agents", "keys", "tasks", "meter", "counters"], send: ["tasks"], redrive: ["callbacks"], memoryMb: HTTP_MEMORY_MB, timeoutSeconds: 30 },
  a2a: { tables: ["agents", "keys", "tasks", "meter", "counters"], send: ["tasks", "callbacks"], memoryMb: HTTP_MEMORY_MB, timeoutSeconds: 900 },
  openai: { tables: ["agents", "keys", "tasks", "meter", "counters"], send: ["tasks", "callbacks"], memoryMb: HTTP_MEMORY_MB, timeoutSeconds: 900 },
  // Drives a task: reads its agent, stores the end, and announces it (the owner's webhook URL is on the key).
  poller: { tables: ["agents", "keys", "tasks", "meter"], send: ["tasks", "callbacks"], consume: "tasks", memoryMb: CONSUMER_MEMORY_MB, timeoutSeconds: 60 },
  deliver: { tables: ["keys", "tasks", "meter"], send: [], consume: "callbacks", memoryMb: CONSUMER_MEMORY_MB, timeoutSeconds: 30 },
};

/** Queue consumers: the function each queue's event source invokes. */
export const consumerOf = (queue: QueueName): FunctionName =>
  (Object.keys(functionDefs) as FunctionName[]).find((fn) => functionDefs[fn].consume === queue)!;

/** The environment variable that tells a function a table's deployed name (functions/lib/deps.ts reads it). */
export const tableEnvVar = (name: TableName): string => `GATEWAY_TABLE_${name.toUpperCase()}`;
/** The environment variable that tells a function a queue's URL (functions/lib/queues.ts reads it). */
export const queueEnvVar = (name: QueueName): string => `GATEWAY_QUEUE_${name.toUpperCase()}_URL`;
/** The environment variable that tells a function a queue's dead-letter queue URL. */
export const deadLetterEnvVar = (name: QueueName): string => `GATEWAY_QUEUE_${name.toUpperCase()}_DLQ_URL`;
