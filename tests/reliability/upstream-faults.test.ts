/**
 * Upstream faults (SPEC §4, §6), through the local stack with a short sync budget: each way an
 * agent can fail maps to its HTTP status and `data.upstream`, within the budget; streams that break
 * end with a JSON-RPC error event, never a hang; a caller that leaves closes the agent's connection;
 * several `urls` fail over; and after every fault the gateway keeps serving.
 */
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { installAwsLambdaGlobal } from "../../infra/local/awslambda.ts";
import { startFastA2AAgent, startFaultAgent, type FaultMode, type PeerHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";
import { readSse } from "../helpers/sse.ts";
import { UpstreamError } from "../../shared/errors.ts";
import { apiEvent, memoryDeps, ScriptedUpstream, v03Agent } from "../helpers/memory-deps.ts";
import { eventually, startWatchedStreamAgent, within, type WatchedStreamAgent } from "./support.ts";

/** How long a synchronous call may wait for an agent, in this file. */
const BUDGET_MS = 1_500;
/** What the gateway may add on top of the budget before answering a timed-out call. */
const BUDGET_SLACK_MS = 1_000;
/** Delay of the slow-but-in-time agent. */
const SLOW_MS = 400;
/** Calls made through an agent whose first URL refuses connections. */
const FAILOVER_CALLS = 12;

let stack: LocalStack;
let key: string;
let healthy: PeerHandle;
const faults = new Map<FaultMode, PeerHandle>();
let endless: WatchedStreamAgent;
let silent: WatchedStreamAgent;
/** Faults injected by this file, for the report. */
let injected = 0;

beforeAll(async () => {
  const modes: FaultMode[] = ["refuse", "hang", "slow", "garbage", "html500", "wrong-id", "stream-drop"];
  let peers: PeerHandle[];
  [stack, healthy, endless, silent, ...peers] = await Promise.all([
    // In process, where a caller that leaves is seen at once (Lambda never tells a function: there
    // a stream ends at GATEWAY_MAX_STREAM_S, tests/integration/runtime.test.ts).
    startTestStack({ runtime: "in-process", env: { GATEWAY_SYNC_BUDGET_MS: String(BUDGET_MS) } }),
    startFastA2AAgent({ completeAfterMs: 0 }),
    startWatchedStreamAgent("endless"),
    startWatchedStreamAgent("silent"),
    ...modes.map((mode) => startFaultAgent(mode, { delayMs: SLOW_MS })),
  ]);
  modes.forEach((mode, i) => faults.set(mode, peers[i]!));
  await Promise.all([
    registerAgent(stack, "healthy", healthy.url),
    registerAgent(stack, "endless", endless.url),
    registerAgent(stack, "silent", silent.url),
    // Nothing listens at a refusing agent's URL, so its card is given rather than fetched.
    registerAgent(stack, "refuse", faults.get("refuse")!.url, { card: { name: "refuse", protocolVersion: "0.3.0", capabilities: {} } }),
    ...modes.filter((m) => m !== "refuse").map((mode) => registerAgent(stack, mode, faults.get(mode)!.url)),
  ]);
  key = (await createKey(stack)).key;
}, 60_000);

afterAll(async () => {
  process.stdout.write(`[reliability] upstream faults injected: ${injected}\n`);
  await Promise.all([stack?.stop(), healthy?.close(), endless?.close(), silent?.close(), ...[...faults.values()].map((p) => p.close())]);
});

// After every fault, the gateway keeps serving: health, and a normal proxied call.
afterEach(async () => {
  expect((await call(stack, undefined, "GET", "/health")).status).toBe(200);
  const normal = await call(stack, key, "POST", "/a2a/healthy", sendV03("still serving?"));
  expect(normal.status).toBe(200);
  expect(normal.body.result).toMatchObject({ kind: "task" });
});

const streamV03 = (text: string) => ({ ...sendV03(text), method: "message/stream" });

function postStream(agent: string, signal?: AbortSignal) {
  return fetch(`${stack.url}/a2a/${agent}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify(streamV03("stream please")),
    ...(signal ? { signal } : {}),
  });
}

describe("an agent failing a synchronous call", () => {
  const cases: { mode: FaultMode; method?: string; status: number; upstream: string; upstreamStatus?: number }[] = [
    { mode: "refuse", status: 502, upstream: "unreachable" },
    { mode: "hang", status: 504, upstream: "timeout" },
    { mode: "hang", method: "message/stream", status: 504, upstream: "timeout" },
    { mode: "garbage", status: 502, upstream: "invalid_response" },
    { mode: "html500", status: 502, upstream: "bad_status", upstreamStatus: 500 },
    { mode: "wrong-id", status: 502, upstream: "invalid_response" },
  ];
  for (const c of cases) {
    it(`${c.mode}${c.method ? ` (${c.method})` : ""}: HTTP ${c.status}, JSON-RPC error with data.upstream "${c.upstream}", within the budget`, async () => {
      // Prepare
      const request = { ...sendV03("x"), ...(c.method ? { method: c.method } : {}) };
      const started = Date.now();
      // Act
      const res = await call(stack, key, "POST", `/a2a/${c.mode}`, request);
      injected++;
      // Assess
      const elapsed = Date.now() - started;
      expect(res.status).toBe(c.status);
      expect(res.body).toMatchObject({ jsonrpc: "2.0", id: request.id, error: { code: -32603, data: { upstream: c.upstream } } });
      if (c.upstreamStatus) expect(res.body.error.data.status).toBe(c.upstreamStatus);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|<html/i);
      expect(elapsed).toBeLessThan(BUDGET_MS + BUDGET_SLACK_MS);
      if (c.upstream === "timeout") expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS - 50);
    });
  }

  it("slow but within the budget: the agent's answer, untouched", async () => {
    const started = Date.now();
    const res = await call(stack, key, "POST", "/a2a/slow", sendV03("take your time"));
    injected++;
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ kind: "message", parts: [{ kind: "text", text: "finally" }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS - 20);
  });

  it("garbage through the OpenAI bridge: HTTP 502 with an OpenAI error object", async () => {
    const res = await call(stack, key, "POST", "/v1/chat/completions", { model: "a2a/garbage", messages: [{ role: "user", content: "hi" }] });
    injected++;
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ type: "server_error", code: "upstream_error" });
  });
});

describe("an agent's stream that breaks", () => {
  it("dropped half-way: the caller gets the valid events, then a JSON-RPC error event, and the stream ends", async () => {
    // Act
    const res = await postStream("stream-drop");
    const events = await within(5_000, "the dropped stream", readSse(res));
    injected++;
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const texts = events.slice(0, -1).map((e) => e.data.result?.parts?.[0]?.text);
    expect(texts).toEqual(["first", "second"]);
    expect(events.at(-1)!.data).toMatchObject({ jsonrpc: "2.0", error: { code: -32603, data: { upstream: "unreachable" } } });
  });

  for (const agent of ["endless", "silent"] as const) {
    it(`${agent === "endless" ? "endless (an event every 10 ms)" : "silent after one event"}: the caller leaving closes the agent's connection`, async () => {
      // Prepare
      const watched = agent === "endless" ? endless : silent;
      const before = { opened: watched.opened, closed: watched.closed };
      const aborter = new AbortController();
      const res = await postStream(agent, aborter.signal);
      const reader = res.body!.getReader();
      await reader.read(); // the first event is through: the agent's stream is open
      expect(watched.opened).toBe(before.opened + 1);
      // Act
      aborter.abort();
      injected++;
      // Assess: the agent sees its connection closed, promptly.
      await eventually(() => (watched.closed === before.closed + 1 ? true : undefined), 3_000);
      const written = watched.written;
      await new Promise((r) => setTimeout(r, 100));
      expect(watched.written).toBe(written);
    });
  }
});

describe("an agent with several URLs, the first refusing connections", () => {
  it("answers every call from the URL that works, sequential or concurrent", async () => {
    // Prepare
    const refused = faults.get("refuse")!.url;
    const working = await startFastA2AAgent({ completeAfterMs: 0 });
    try {
      await registerAgent(stack, "failover", refused, { urls: [refused, working.url], card: { name: "failover", protocolVersion: "0.3.0", capabilities: {} } });
      // Act
      const sequential = [];
      for (let i = 0; i < FAILOVER_CALLS / 2; i++) sequential.push(await call(stack, key, "POST", "/a2a/failover", sendV03(`seq ${i}`)));
      const concurrent = await Promise.all(Array.from({ length: FAILOVER_CALLS / 2 }, (_, i) => call(stack, key, "POST", "/a2a/failover", sendV03(`par ${i}`))));
      injected += FAILOVER_CALLS;
      // Assess
      for (const res of [...sequential, ...concurrent]) {
        expect(res.status).toBe(200);
        expect(res.body.result).toMatchObject({ kind: "task" });
      }
      expect(working.requests.filter((r) => r.method === "POST")).toHaveLength(FAILOVER_CALLS);
    } finally {
      await working.close();
    }
  });
});

describe("the streaming function, in process, when the caller goes away", () => {
  // Regression, found by this suite and fixed: functions/lib/http.ts pipeStream writes the stream's closing error event
  // to the destroyed response and then waits for "drain" or "close", which already happened: the
  // invocation never settles (in Lambda: billed to the function timeout, and no usage record).
  it("settles its invocation and closes the agent's stream, even while the agent is silent", async () => {
    // Prepare: an agent stream that yields one event and then waits forever (until closed).
    installAwsLambdaGlobal();
    const { streamingHandler } = await import("../../functions/lib/http.ts");
    const { a2aHandlers } = await import("../../shared/routes/a2a.ts");
    // Like HttpUpstream: the caller's abort signal destroys the agent connection, and a stream
    // whose connection is destroyed ends with an "unreachable" error.
    let closed = false;
    const upstream = new ScriptedUpstream((call, body) => {
      let cut: (e: Error) => void = () => {};
      const waiting = new Promise<never>((_, reject) => (cut = reject));
      waiting.catch(() => {});
      const close = () => {
        closed = true;
        cut(new UpstreamError("Agent stream was cut off", "unreachable"));
      };
      call.signal?.addEventListener("abort", close, { once: true });
      return {
        kind: "sse",
        status: 200,
        close,
        events: (async function* () {
          yield { jsonrpc: "2.0", id: body.id, result: { kind: "message", role: "agent", messageId: "m1", parts: [{ kind: "text", text: "one" }] } };
          await waiting;
        })(),
      };
    });
    const deps = memoryDeps(upstream);
    await deps.agents.create(v03Agent("silent", { capabilities: { streaming: true } }));
    const out = new (class extends Writable {
      chunks = 0;
      setMeta() {}
      override _write(_chunk: Buffer, _e: BufferEncoding, cb: () => void) {
        // The caller goes away as soon as the first event reaches it.
        if (++this.chunks === 1) setImmediate(() => this.destroy());
        cb();
      }
    })();
    // Act
    const invocation = streamingHandler(a2aHandlers, () => deps)(apiEvent("POST", "/a2a/silent", JSON.stringify(streamV03("hi"))) as never, out, {} as never);
    injected++;
    // Assess
    await within(3_000, "the streaming invocation", invocation);
    expect(closed).toBe(true);
  });
});
