/**
 * `npm run bench`: starts what it measures (a fast A2A agent, a bare proxy, the gateway), runs
 * every case in rounds, prints a Markdown report to stdout and writes bench/results/latest.json.
 * Progress goes to stderr. Everything stays on 127.0.0.1 and stops by itself.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { asyncScenarios, costRows, syncSendScenario } from "./cases/async-cost.ts";
import { coldStarts } from "./cases/cold-start.ts";
import { measureTargets, SEND_BODY, STREAM_BODY, type Profile, type Target } from "./cases/http.ts";
import { checks } from "./lib/budget.ts";
import { DEFAULT_HANDLER_CPU, SDK_HANDLER_CPU, type HandlerCpuOptions, type HandlerCpuResult } from "./lib/handler-cpu.ts";
import type { LoadJob, LoadResult } from "./lib/load.ts";
import { PRICE_REGION, prices, PRICES_AS_OF } from "./lib/pricing.ts";
import { CPU_REQUEST, startProc, type Proc } from "./lib/procs.ts";
import { render } from "./lib/render.ts";
import { failed, TARGETS, type BenchResults, type Outcome } from "./lib/results.ts";
import type { GatewayReady, PutLatency, PutLatencyRequest } from "./procs/gateway.ts";

const ROUNDS = 5;
const PROFILES = {
  c1: { connections: 1, warmupMs: 300, durationMs: 1_000, maxRequests: 50_000 },
  c32: { connections: 32, warmupMs: 300, durationMs: 1_200, maxRequests: 200_000 },
  stream: { connections: 1, warmupMs: 300, durationMs: 800, maxRequests: 50_000 },
} satisfies Record<string, Profile>;
const COLD_SPAWNS = 5;
/** A hung emulator or peer must not hold the run: it ends here whatever happens. */
const TIME_LIMIT_MS = 6 * 60_000;

const OUT_FILE = fileURLToPath(new URL("./results/latest.json", import.meta.url));
const progress = (msg: string) => process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(0).padStart(3)} s] ${msg}\n`);

async function outcome<T>(name: string, work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return await work();
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    progress(`${name} failed: ${error}`);
    return { error };
  }
}

/** Like Promise.all, but waits for every start to settle, so none is still starting (unstoppable) when one fails. */
async function allStarted<T extends readonly Promise<unknown>[]>(starts: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** Cases 1–3, over one set of servers: the agent, the bare proxy, the gateway (twice), the load generator. */
async function loadCases(): Promise<Pick<BenchResults, "send" | "stream" | "storagePut">> {
  const procs: Proc<unknown>[] = [];
  const start = async <T,>(name: string, args: string[] = [], label = name) => {
    const p = await startProc<T>(name, args, { label });
    procs.push(p);
    return p;
  };
  try {
    progress("starting the agent, the bare proxy, the gateway (local stack in process and under the runtime client, and in-memory) and the load generator");
    const agent = await start<{ url: string }>("agent");
    const [proxy, gateway, runtime, memory, loadgen] = await allStarted([
      start<{ url: string }>("proxy", [agent.ready.url]),
      start<GatewayReady>("gateway", [agent.ready.url, "emulators"], "gateway-emulators"),
      start<GatewayReady>("gateway", [agent.ready.url, "runtime"], "gateway-runtime"),
      start<GatewayReady>("gateway", [agent.ready.url, "memory"], "gateway-memory"),
      start<Record<string, never>>("loadgen"),
    ] as const);
    const run = (job: LoadJob) => loadgen.request<LoadResult>(job);
    const cpuOf = (p: Proc<unknown>) => () => p.request<number>(CPU_REQUEST);
    const via = (name: string, gw: Proc<GatewayReady>, path: string, ownCpu = true): Target => ({
      name,
      url: `${gw.ready.url}/a2a/${gw.ready.agent}${path}`,
      headers: { authorization: `Bearer ${gw.ready.key}` },
      // Under the runtime client the work is in the containers' processes, not the target's.
      ...(ownCpu ? { cpuUs: cpuOf(gw) } : {}),
    });
    const direct = { name: TARGETS.direct, url: `${agent.ready.url}/`, cpuUs: cpuOf(agent) };
    const bare = { name: TARGETS.proxy, url: `${proxy.ready.url}/`, cpuUs: cpuOf(proxy) };
    const sendTargets = [
      direct,
      bare,
      via(TARGETS.gateway, gateway, "/message/send"),
      via(TARGETS.runtime, runtime, "/message/send", false),
      via(TARGETS.memory, memory, "/message/send"),
    ];
    const streamTargets = [direct, via(TARGETS.gateway, gateway, ""), via(TARGETS.runtime, runtime, "", false), via(TARGETS.memory, memory, "")];
    const sendCall = { body: SEND_BODY, expect: '"completed"', measure: "complete" } as const;

    const send = await outcome("message/send", async () => {
      progress(`message/send at 1 connection: ${ROUNDS} rounds × ${sendTargets.length} targets`);
      const c1 = await measureTargets(run, sendTargets, sendCall, PROFILES.c1, ROUNDS);
      progress(`message/send at 32 connections: ${ROUNDS} rounds × ${sendTargets.length} targets`);
      const c32 = await measureTargets(run, sendTargets, sendCall, PROFILES.c32, ROUNDS);
      return { c1, c32 };
    });
    const stream = await outcome("message/stream", async () => {
      progress(`message/stream first byte: ${ROUNDS} rounds × ${streamTargets.length} targets`);
      const streamCall = { body: STREAM_BODY, expect: '"final":true', measure: "first-byte" } as const;
      return { c1: await measureTargets(run, streamTargets, streamCall, PROFILES.stream, ROUNDS) };
    });
    const storagePut = await outcome("PutItem latency", () => gateway.request<PutLatency>({ op: "put-latency", n: 300 } satisfies PutLatencyRequest));
    return { send, stream, storagePut };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** Case 5, in a fresh process each time. */
async function handlerCpu(opts: HandlerCpuOptions): Promise<HandlerCpuResult> {
  progress(`handler CPU in-process, ${opts.stores} stores: ${opts.rounds} rounds × ${opts.calls} calls`);
  const proc = await startProc("handler-cpu", [], { label: `handler-cpu-${opts.stores}` });
  try {
    return await proc.request<HandlerCpuResult>(opts);
  } finally {
    await proc.stop();
  }
}

async function main() {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadAvgAtStart = loadavg();
  setTimeout(() => {
    progress(`over the ${TIME_LIMIT_MS / 60_000} min limit: giving up`);
    process.exit(2);
  }, TIME_LIMIT_MS).unref();

  const load = await outcome("load cases", loadCases);
  const { send, stream, storagePut } = failed(load) ? { send: load, stream: load, storagePut: load } : load;
  // Quiet cases last, once the servers and the emulators are gone.
  const cpu = await outcome("handler CPU", () => handlerCpu(DEFAULT_HANDLER_CPU));
  const cpuSdk = await outcome("handler CPU with SDK writes", () => handlerCpu(SDK_HANDLER_CPU));
  progress(`npm run build, then ${COLD_SPAWNS} cold starts per function`);
  const coldStart = await outcome("cold start", () => coldStarts(COLD_SPAWNS));

  const results: Omit<BenchResults, "checks"> = {
    meta: {
      startedAt,
      durationS: (performance.now() - t0) / 1000,
      node: process.versions.node,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      loadAvgAtStart,
      loadAvgAtEnd: loadavg(),
      rounds: ROUNDS,
      profiles: { ...PROFILES, handlerCpu: DEFAULT_HANDLER_CPU, handlerCpuSdk: SDK_HANDLER_CPU, coldSpawns: COLD_SPAWNS },
    },
    send,
    stream,
    storagePut,
    handlerCpu: cpu,
    handlerCpuSdk: cpuSdk,
    coldStart,
    cost: {
      asOf: PRICES_AS_OF,
      region: PRICE_REGION,
      prices,
      rows: costRows([...(failed(cpu) ? [] : [syncSendScenario(cpu.wallUs / 1000)]), ...(await asyncScenarios())]),
    },
  };
  const full: BenchResults = { ...results, checks: checks(results) };
  mkdirSync(fileURLToPath(new URL("./results/", import.meta.url)), { recursive: true });
  writeFileSync(OUT_FILE, JSON.stringify(full, null, 2) + "\n");
  process.stdout.write(render(full) + "\n");
  progress(`wrote ${OUT_FILE}`);
}

await main();
