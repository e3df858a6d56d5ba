/**
 * The gateway's own work per proxied `message/send`, with nothing else in the way: the real A2A
 * Lambda handler (`streamingHandler(a2aHandlers, …)`) called in-process with an API Gateway v2
 * event, warm caches, in-memory stores and an upstream that answers at once. CPU per call comes
 * from `process.cpuUsage()` over thousands of calls (GC included: it is the handler's cost too).
 */
import { openSync, writeSync } from "node:fs";
import { Writable } from "node:stream";
import type { AgentReply, Upstream } from "../../shared/ports.ts";
import { jsonLogger } from "../../shared/log.ts";
import { apiEvent } from "../../tests/helpers/events.ts";
import { installAwsLambdaGlobal } from "../../infra/local/awslambda.ts";
import { memoryDeps, seed, withSdkWrites } from "./memory-deps.ts";
import { median } from "./stats.ts";

export interface HandlerCpuOptions {
  warmupCalls: number;
  calls: number;
  rounds: number;
  /** `memory`: in-memory stores; `sdk`: the task claim and metering transaction through the AWS SDK (stub transport). */
  stores?: "memory" | "sdk";
}

export interface HandlerCpuResult {
  stores: "memory" | "sdk";
  calls: number;
  rounds: number;
  /** Medians over rounds, in microseconds per call. */
  cpuUs: number;
  wallUs: number;
  perRound: { cpuUs: number; wallUs: number }[];
}

export const DEFAULT_HANDLER_CPU: HandlerCpuOptions = { warmupCalls: 3_000, calls: 4_000, rounds: 5, stores: "memory" };
/** Fewer calls: each costs over ten times as much. */
export const SDK_HANDLER_CPU: HandlerCpuOptions = { warmupCalls: 300, calls: 500, rounds: 5, stores: "sdk" };

const AGENT = "bench";
const AGENT_URL = "http://127.0.0.1:9/";
const CARD = { name: AGENT, url: AGENT_URL, protocolVersion: "0.3.0", capabilities: { streaming: true } };

/**
 * Answers every call with a fresh completed Task, parsed from text as HttpUpstream parses the
 * agent's body: that parse is the gateway's work too. A fresh task id per call keeps the
 * ownership record a first claim, as it is for real traffic.
 */
class InstantUpstream implements Upstream {
  private n = 0;
  async post(): Promise<AgentReply> {
    const text = `{"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"task-${++this.n}","contextId":"ctx-1","status":{"state":"completed","timestamp":"2026-01-01T00:00:00.000Z"},"artifacts":[{"artifactId":"a1","name":"result","parts":[{"kind":"text","text":"pong"}]}]}}`;
    return { kind: "json", status: 200, body: JSON.parse(text) };
  }
  async get() {
    return { status: 404, body: undefined };
  }
}

/** Lambda's response stream, reduced to what the handler needs; keeps the text to check it. */
class Capture extends Writable {
  text = "";
  setMeta(_meta: { statusCode: number }) {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

/** A Function URL event (payload format 2.0) for a raw JSON-RPC `message/send`, as curl sends it. */
function sendEvent(key: string) {
  const path = `/a2a/${AGENT}/message/send`;
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: "1",
    method: "message/send",
    params: { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "ping" }] } },
  });
  return apiEvent("POST", path, body, { authorization: `Bearer ${key}`, host: "gw.bench", "user-agent": "bench" });
}

export async function measureHandlerCpu(opts: HandlerCpuOptions): Promise<HandlerCpuResult> {
  installAwsLambdaGlobal();
  const [{ streamingHandler }, { a2aHandlers }] = await Promise.all([import("../../functions/lib/http.ts"), import("../../shared/routes/a2a.ts")]);
  // Lambda ships stdout to CloudWatch: the log line's serialisation and write are paid per call.
  const devNull = openSync("/dev/null", "w");
  const memory = memoryDeps(new InstantUpstream(), jsonLogger((line) => writeSync(devNull, line + "\n")));
  const key = await seed(memory, { name: AGENT, url: AGENT_URL, card: CARD });
  const stores = opts.stores ?? "memory";
  const deps = stores === "sdk" ? withSdkWrites(memory) : memory;
  const handler = streamingHandler(a2aHandlers, () => deps);
  const event = sendEvent(key);
  const context = {} as never;

  const first = new Capture();
  await handler(event as never, first, context);
  if (!first.text.includes('"completed"')) throw new Error(`unexpected answer: ${first.text.slice(0, 300)}`);

  for (let i = 0; i < opts.warmupCalls; i++) await handler(event as never, new Capture(), context);
  const perRound: HandlerCpuResult["perRound"] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < opts.calls; i++) await handler(event as never, new Capture(), context);
    const wallUs = ((performance.now() - t0) * 1000) / opts.calls;
    const cpu = process.cpuUsage(cpu0);
    perRound.push({ cpuUs: (cpu.user + cpu.system) / opts.calls, wallUs });
  }
  return {
    stores,
    calls: opts.calls,
    rounds: opts.rounds,
    cpuUs: median(perRound.map((r) => r.cpuUs)),
    wallUs: median(perRound.map((r) => r.wallUs)),
    perRound,
  };
}
