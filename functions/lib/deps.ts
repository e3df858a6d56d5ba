/**
 * Builds the core's dependencies from the environment, once per container, on first use (so
 * importing a function costs nothing until it is invoked). AWS SDK clients honour
 * `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SQS`, which is how the local stack points the
 * very same code at its emulators.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableName } from "../../infra/schema.ts";
import { configFromEnv } from "../../shared/config.ts";
import type { AppDeps } from "../../shared/deps.ts";
import { appendFileSync } from "node:fs";
import { jsonLogger, stdoutSink } from "../../shared/log.ts";
import { systemClock } from "../../shared/ports.ts";
import { CachedAgentStore } from "../../shared/adapters/cached-agents.ts";
import { DynamoAgentStore } from "../../shared/adapters/dynamo/agents.ts";
import { DynamoKeyStore } from "../../shared/adapters/dynamo/keys.ts";
import { DynamoTaskStore } from "../../shared/adapters/dynamo/tasks.ts";
import { DynamoUsageStore } from "../../shared/adapters/dynamo/usage.ts";
import { DynamoRateLimiter } from "../../shared/adapters/dynamo/counters.ts";
import { HttpUpstream } from "../../shared/adapters/upstream.ts";
import { Authenticator } from "../../shared/core/keys.ts";

/** Deployed names come from the environment (set by infra/); locally the definition's own name. */
export const tableName = (name: TableName, env = process.env): string => env[`GATEWAY_TABLE_${name.toUpperCase()}`] ?? name;

/** Lambda sends stdout to CloudWatch; `GATEWAY_LOG_FILE` also keeps a copy (the test suite greps it for secrets). */
function logSink(env: Record<string, string | undefined>) {
  const file = env.GATEWAY_LOG_FILE;
  if (!file) return stdoutSink;
  return (line: string) => {
    stdoutSink(line);
    appendFileSync(file, line + "\n");
  };
}

let memo: AppDeps | undefined;

export function appDeps(): AppDeps {
  return (memo ??= buildDeps(process.env));
}

export function buildDeps(env: Record<string, string | undefined>): AppDeps {
  const config = configFromEnv(env);
  const db = new DynamoDBClient({});
  const clock = systemClock;
  const keys = new DynamoKeyStore(db, tableName("keys", env));
  return {
    config,
    agents: new CachedAgentStore(new DynamoAgentStore(db, tableName("agents", env)), clock, config.cacheTtlMs),
    keys,
    tasks: new DynamoTaskStore(db, tableName("tasks", env), config.taskTtlSeconds),
    usage: new DynamoUsageStore(db, tableName("usage", env)),
    limiter: new DynamoRateLimiter(db, tableName("counters", env)),
    upstream: new HttpUpstream(config.allowPrivateUrls),
    auth: new Authenticator(config.masterKey, keys, clock, config.cacheTtlMs),
    clock,
    log: jsonLogger(logSink(env)),
  };
}
