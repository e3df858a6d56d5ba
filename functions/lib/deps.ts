/**
 * Builds the core's dependencies from the environment, once per container, on first use (so
 * importing a function costs nothing until it is invoked). AWS SDK clients honour
 * `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SQS`, which is how the local stack points the
 * very same code at its emulators.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableName } from "../../infra/schema.ts";
import { tableEnvVar } from "../../infra/functions.ts";
import { configFromEnv } from "../../shared/config.ts";
import type { AppDeps } from "../../shared/deps.ts";
import { appendFileSync } from "node:fs";
import { jsonLogger, stdoutSink } from "../../shared/log.ts";
import { systemClock } from "../../shared/ports.ts";
import { CachedAgentStore } from "../../shared/adapters/cached-agents.ts";
import { DynamoAgentStore } from "../../shared/adapters/dynamo/agents.ts";
import { DynamoKeyStore } from "../../shared/adapters/dynamo/keys.ts";
import { DynamoTaskStore } from "../../shared/adapters/dynamo/tasks.ts";
import { DynamoMeter } from "../../shared/adapters/dynamo/meter.ts";
import { DynamoRateLimiter } from "../../shared/adapters/dynamo/counters.ts";
import { HttpUpstream } from "../../shared/adapters/upstream.ts";
import { Authenticator } from "../../shared/core/keys.ts";

/** Deployed names come from the environment (set by infra/); locally the definition's own name. */
export const tableName = (name: TableName, env = process.env): string => env[tableEnvVar(name)] ?? name;

/** Lambda sends stdout to CloudWatch; `GATEWAY_LOG_FILE` sends the lines to a file instead (the test suite greps it for secrets). */
function logSink(env: Record<string, string | undefined>) {
  const file = env.GATEWAY_LOG_FILE;
  return file ? (line: string) => appendFileSync(file, line + "\n") : stdoutSink;
}

/** Queues come from the functions that send to them, so the others bundle no SQS client. */
export type QueueFactory = (env: Record<string, string | undefined>) => Pick<AppDeps, "pollQueue" | "callbackQueue" | "deadCallbacks">;

/** For functions that never queue: a call would be a wiring bug, said plainly. */
const noQueues: QueueFactory = () => {
  const none = () => Promise.reject(new Error("this function has no queue"));
  return { pollQueue: { send: none }, callbackQueue: { send: none }, deadCallbacks: { list: none, redrive: none } };
};

/** Memoised deps: built on the first invocation of a container, reused after. */
export function depsOnce(queues: QueueFactory = noQueues): () => AppDeps {
  let memo: AppDeps | undefined;
  return () => (memo ??= buildDeps(process.env, queues));
}

/**
 * What one process builds once and every function in it shares: the clients, and the key and
 * agent caches. In Lambda a process serves one function; locally it serves them all, so a key
 * revoked through the admin function is forgotten at once by the others too.
 */
let shared: Omit<AppDeps, keyof ReturnType<QueueFactory>> | undefined;

export function buildDeps(env: Record<string, string | undefined>, queues: QueueFactory = noQueues): AppDeps {
  shared ??= buildShared(env);
  return { ...shared, ...queues(env) };
}

function buildShared(env: Record<string, string | undefined>): Omit<AppDeps, keyof ReturnType<QueueFactory>> {
  const config = configFromEnv(env);
  const db = new DynamoDBClient({});
  const clock = systemClock;
  const keys = new DynamoKeyStore(db, tableName("keys", env));
  const tasks = new DynamoTaskStore(db, tableName("tasks", env), config.taskTtlSeconds);
  return {
    config,
    agents: new CachedAgentStore(new DynamoAgentStore(db, tableName("agents", env)), clock, config.cacheTtlMs),
    keys,
    tasks,
    jobs: tasks,
    meter: new DynamoMeter(db, tableName("meter", env)),
    limiter: new DynamoRateLimiter(db, tableName("counters", env)),
    upstream: new HttpUpstream(config.allowPrivateUrls),
    auth: new Authenticator(config.masterKey, keys, clock, config.cacheTtlMs),
    clock,
    log: jsonLogger(logSink(env)),
  };
}
