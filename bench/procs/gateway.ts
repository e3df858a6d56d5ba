/**
 * Child process: the gateway in front of the agent at argv[2], with a virtual key for it.
 * - `emulators`: the local stack, in memory (DynamoDB Local or dynalite, fauxqs), set up through
 *   its own HTTP API as a user would. Caches on, as deployed (the local stack turns them off).
 * - `memory`: the same front and Lambda handler with in-memory stores: the gateway without
 *   storage round trips, to tell the two apart.
 * - `runtime`: the local stack as `npm start` runs it: the shipped bundles under AWS's runtime
 *   client, one process per container, behind the front that decodes their answers as a Function
 *   URL does. What the runtime's hops add to the `emulators` figures.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { serveParent } from "../lib/procs.ts";
import { memoryDeps, seed, WARM_CACHE_TTL_MS } from "../lib/memory-deps.ts";
import { summarize } from "../lib/stats.ts";

export interface GatewayReady {
  url: string;
  key: string;
  agent: string;
}

/** Asked of the `emulators` gateway: `n` sequential PutItems like the task claim, timed from here. */
export interface PutLatencyRequest {
  op: "put-latency";
  n: number;
}
export type PutLatency = ReturnType<typeof summarize>;

interface Gateway {
  ready: GatewayReady;
  stop(): Promise<void>;
  handle(body: unknown): Promise<unknown>;
}

const [agentUrl, stores = "emulators"] = process.argv.slice(2);
if (!agentUrl) throw new Error("usage: gateway.ts <agent url> [emulators|memory|runtime]");
const AGENT = "bench";

async function startWithEmulators(runtime: "in-process" | "lambda"): Promise<Gateway> {
  const { startLocalStack } = await import("../../infra/local/stack.ts");
  const masterKey = `sk-master-bench-${randomBytes(8).toString("hex")}`;
  // In process, this process's CPU per request is the gateway's; under the runtime client the
  // functions run in their own processes (their CPU is not this process's).
  const stack = await startLocalStack({ port: 0, masterKey, runtime, env: { GATEWAY_CACHE_TTL_MS: String(WARM_CACHE_TTL_MS) } });
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(stack.url + path, {
      method: "POST",
      headers: { authorization: `Bearer ${masterKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  await admin("/v1/agents", { name: AGENT, url: agentUrl });
  const { key } = (await admin("/v1/keys", { name: "bench", agents: [AGENT] })) as { key: string };
  // The storage round trip the gateway waits for before it answers, on its own.
  const putLatency = async ({ n }: PutLatencyRequest): Promise<PutLatency> => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await stack.dynamo.send(
        new PutItemCommand({
          TableName: stack.tableNames.tasks,
          Item: { pk: { S: `task#bench#probe-${i}` }, owner: { S: "bench" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      samples.push(performance.now() - t0);
    }
    return summarize(samples);
  };
  return {
    ready: { url: stack.url, key, agent: AGENT },
    stop: () => stack.stop(),
    handle: async (body) => ((body as PutLatencyRequest | undefined)?.op === "put-latency" ? putLatency(body as PutLatencyRequest) : undefined),
  };
}

async function startWithMemory(): Promise<Gateway> {
  const { installAwsLambdaGlobal, inProcessInvoker } = await import("../../infra/local/awslambda.ts");
  installAwsLambdaGlobal();
  // Loaded after the global exists: the handler module wraps itself with `awslambda` on import.
  const [{ createFront }, { streamingHandler }, { a2aHandlers }, { HttpUpstream }, { jsonLogger }] = await Promise.all([
    import("../../infra/local/front.ts"),
    import("../../functions/lib/http.ts"),
    import("../../shared/routes/a2a.ts"),
    import("../../shared/adapters/upstream.ts"),
    import("../../shared/log.ts"),
  ]);
  const deps = memoryDeps(new HttpUpstream(true), jsonLogger());
  const key = await seed(deps, { name: AGENT, url: agentUrl! });
  const a2a = streamingHandler(a2aHandlers, () => deps);
  // Only the A2A function is measured; the other routes are not served here.
  const server = createFront({ invoke: inProcessInvoker({ a2a, api: a2a, openai: a2a }) });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    ready: { url: `http://127.0.0.1:${port}`, key, agent: AGENT },
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
    handle: async () => undefined,
  };
}

const gateway = stores === "memory" ? await startWithMemory() : await startWithEmulators(stores === "runtime" ? "lambda" : "in-process");
serveParent(gateway.ready, gateway.handle, gateway.stop);
