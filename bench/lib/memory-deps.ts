/**
 * The gateway's dependencies as `functions/lib/deps.ts` builds them for a warm container (agent
 * and key caches on), with in-memory stores in place of DynamoDB: what is left to measure is the
 * gateway's own work.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { AppDeps } from "../../shared/deps.ts";
import { DynamoTaskStore } from "../../shared/adapters/dynamo/tasks.ts";
import { DynamoMeter } from "../../shared/adapters/dynamo/meter.ts";
import type { Logger } from "../../shared/log.ts";
import { CachedAgentStore } from "../../shared/adapters/cached-agents.ts";
import { registerAgent } from "../../shared/core/agents.ts";
import { Authenticator, hashKey, newKeySecret } from "../../shared/core/keys.ts";
import { systemClock, type Upstream } from "../../shared/ports.ts";
import { memoryDeps as testMemoryDeps } from "../../tests/helpers/memory-deps.ts";

/** The deployed default (`GATEWAY_CACHE_TTL_MS`): warm calls read neither the key nor the agent. */
export const WARM_CACHE_TTL_MS = 10_000;
const MASTER = "sk-master-bench";

export function memoryDeps(upstream: Upstream, log: Logger): AppDeps {
  const config = { masterKey: MASTER, syncBudgetMs: 25_000, taskTtlSeconds: 7 * 24 * 3600, allowPrivateUrls: true, cacheTtlMs: WARM_CACHE_TTL_MS, keepAliveMs: 10_000, maxStreamMs: 600_000 };
  // The tests' in-memory stores, behind the caches a warm container has.
  const deps = testMemoryDeps(upstream, { config, clock: systemClock, log });
  return {
    ...deps,
    agents: new CachedAgentStore(deps.agents, systemClock, WARM_CACHE_TTL_MS),
    auth: new Authenticator(MASTER, deps.keys, systemClock, WARM_CACHE_TTL_MS),
  };
}

/** Registers an agent through the registry (its card fetched or given) and returns a key for it alone. */
export async function seed(deps: AppDeps, agent: { name: string; url: string; card?: Record<string, unknown> }): Promise<string> {
  await registerAgent(
    { name: agent.name, urls: [agent.url], headers: {}, ...(agent.card ? { card: agent.card } : {}) },
    { agents: deps.agents, upstream: deps.upstream, clock: deps.clock, allowPrivateUrls: true },
  );
  const { id, key } = newKeySecret();
  await deps.keys.create({ id, name: "bench", hash: hashKey(key), agents: [agent.name], createdAt: new Date().toISOString() });
  return key;
}

/**
 * The writes a warm `message/send` makes (the task claim, the metering transaction) through the real
 * DynamoDB adapters and AWS SDK client, over a transport that answers `{}` at once: the SDK's
 * own CPU (serialising, signing, parsing) without a network. Keys and agents stay in memory:
 * warm, they come from the caches anyway.
 */
export function withSdkWrites(deps: AppDeps): AppDeps {
  const db = new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    requestHandler: {
      handle: async () => ({
        response: { statusCode: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body: new TextEncoder().encode("{}") },
      }),
    },
  } as DynamoDBClientConfig);
  const tasks = new DynamoTaskStore(db, "tasks", deps.config.taskTtlSeconds);
  return { ...deps, tasks, jobs: tasks, meter: new DynamoMeter(db, "meter") };
}
