/**
 * Metering in process (issue 17): exact prices, who a call is counted under, what a caller that
 * leaves is, budgets refused before the agent, the soft budget's one webhook, and the log line's
 * metrics. DynamoDB's side (atomic budgets, exactly once, a month of counters) is in
 * tests/integration/metering.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AgentReply } from "../../shared/ports.ts";
import { callCost, canonicalDecimal, formatAmount, toPicos } from "../../shared/core/money.ts";
import { budgetPeriodAt, histogramPercentile, LATENCY_BOUNDS_MS, latencyBucket } from "../../shared/core/metering.ts";
import { MemoryMeter } from "../../shared/adapters/memory.ts";
import { MASTER, memoryDeps, rpcReply, ScriptedUpstream, sseReply, taskReply, v03Agent } from "../helpers/memory-deps.ts";
import { processPoll } from "../../shared/core/async/poller.ts";
import { gatewayOf } from "../helpers/gateway.ts";

const send = (text = "hi") => ({ jsonrpc: "2.0", id: 1, method: "message/send", params: { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text }] } } });
const agentMessage = (id: unknown): AgentReply => rpcReply(id, { result: { kind: "message", messageId: "m2", role: "agent", parts: [{ kind: "text", text: "hello there" }] } });

async function setup(pricing = { perRequest: "0.001" }, keyBody: Record<string, unknown> = {}, answer: (body: any) => AgentReply = (b) => agentMessage(b.id)) {
  const upstream = new ScriptedUpstream((_call, body) => answer(body));
  const deps = memoryDeps(upstream);
  await deps.agents.create({ ...v03Agent("echo", { capabilities: { streaming: true } }), pricing });
  await deps.agents.create(v03Agent("other"));
  const gw = gatewayOf(deps);
  const created = await gw.admin("POST", "/v1/keys", MASTER, { agents: ["echo"], ...keyBody });
  const meter = deps.meter as MemoryMeter;
  return { deps, gw, upstream, meter, key: created.body.key as string, keyId: created.body.id as string };
}

describe("prices and spend, exactly", () => {
  it("reads decimal strings and numbers exactly and refuses what is not a price", () => {
    expect(canonicalDecimal("0.0010")).toBe("0.001");
    expect(canonicalDecimal(0.1)).toBe("0.1");
    expect(canonicalDecimal("12")).toBe("12");
    expect(canonicalDecimal("1e-7")).toBeUndefined();
    expect(canonicalDecimal("-1")).toBeUndefined();
    expect(canonicalDecimal("0.0000000001")).toBeUndefined(); // 10 decimals
  });

  it("adds a million calls' prices with no drift, tokens and agent seconds included", () => {
    const pricing = { perRequest: "0.000001", perInputTokens1K: "0.0003", perOutputTokens1K: "0.0006", perAgentSecond: "0.00001" };
    let total = 0n;
    let float = 0;
    for (let i = 0; i < 1_000_000; i++) total += callCost(pricing, { inputTokens: 7, outputTokens: 3, agentMs: 1 });
    for (let i = 0; i < 1_000_000; i++) float += 0.000001 + (0.0003 * 7) / 1000 + (0.0006 * 3) / 1000 + 0.00001 / 1000;
    // 0.000001 + 0.0000021 + 0.0000018 + 0.00000001 = 0.00000491 a call
    expect(formatAmount(total)).toBe("4.91");
    expect(float).not.toBe(4.91); // what floats would have said
    expect(toPicos("4.91")).toBe(total);
  });

  it("charges an agent's price per call, shows it in /v1/usage and on the key, and only for calls that reached the agent", async () => {
    const { gw, key, keyId } = await setup({ perRequest: "0.001" });
    for (let i = 0; i < 3; i++) expect((await gw.call("/a2a/echo", key, send())).status).toBe(200);
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data).toEqual([expect.objectContaining({ keyId, agent: "echo", requests: 3, errors: 0, spend: "0.003" })]);
    expect(usage.body.series.map((p: { spend: string }) => p.spend)).toEqual(["0.003"]);
    const shown = await gw.admin("GET", `/v1/keys/${keyId}`, MASTER);
    expect(shown.body.spend).toMatchObject({ period: "month", spend: "0.003", resetsAt: expect.stringMatching(/-01T00:00:00.000Z$/) });
  });

  it("charges tokens on the OpenAI surface from the usage it answers with", async () => {
    const { gw, key, keyId } = await setup({ perRequest: "0", perInputTokens1K: "1", perOutputTokens1K: "2" } as never);
    const res = await gw.call("/v1/chat/completions", key, { model: "a2a/echo", messages: [{ role: "user", content: "12345678" }] });
    expect(res.status).toBe(200);
    const { prompt_tokens, completion_tokens } = res.body.usage;
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data[0].spend).toBe(formatAmount(toPicos("0.001") * BigInt(prompt_tokens) + toPicos("0.002") * BigInt(completion_tokens)));
  });

  it("charges tokens of a streamed answer from the usage the stream reports (a Responses stream's response.completed)", async () => {
    const { gw, key, keyId } = await setup({ perInputTokens1K: "1", perOutputTokens1K: "2" } as never);
    const res = await gw.call("/v1/responses", key, { model: "a2a/echo", input: "12345678", stream: true });
    expect(res.status).toBe(200);
    const completed = res.text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6))).find((e) => e.type === "response.completed");
    const { input_tokens, output_tokens } = completed.response.usage;
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data[0].spend).toBe(formatAmount(toPicos("0.001") * BigInt(input_tokens) + toPicos("0.002") * BigInt(output_tokens)));
    expect(usage.body.data[0].spend).not.toBe("0");
  });
});

describe("async tasks", () => {
  it("charges the agent's seconds from hand-off to end once, when the task ends, with no second request", async () => {
    // Prepare: an agent that works 90 s on a clock the test moves.
    let now = Date.now();
    const { deps, gw, key, keyId } = await setup({ perRequest: "0.01", perAgentSecond: "0.001" } as never, {}, (b) => taskReply(b.id, "t1", b.method === "tasks/get" && now >= started + 90_000));
    const started = now;
    deps.clock = { now: () => now };
    // Act: the caller hands the task off, and the poller follows it to its end (a delivery repeated too).
    const res = await gw.call("/v1/chat/completions", key, { model: "a2a/echo", messages: [{ role: "user", content: "hi" }] }, { headers: { prefer: "respond-async" } });
    expect(res.status).toBe(202);
    now += 90_000;
    const poll = deps.pollQueue.sent.shift()!.body;
    expect(await processPoll(poll, deps)).toBe("finished");
    await processPoll(poll, deps);
    // Assess: 0.01 for the call, 90 s x 0.001 for the task, one request.
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data).toEqual([expect.objectContaining({ agent: "echo", requests: 1, spend: expect.stringMatching(/^0\.1\d*$/) })]);
    expect(toPicos(usage.body.data[0].spend) - toPicos("0.01")).toBeGreaterThanOrEqual(toPicos("0.09"));
  });
});

describe("who a call is counted under (red team)", () => {
  it("counts a 100 KB agent name, another key's agent and an unknown model under the key alone, never under the name typed", async () => {
    const { gw, key, keyId } = await setup();
    const huge = "x".repeat(100 * 1024);
    for (let i = 0; i < 3; i++) expect((await gw.call(`/a2a/${huge}`, key, send())).status).toBe(403);
    expect((await gw.call("/a2a/other", key, send())).status).toBe(403);
    expect((await gw.call("/v1/chat/completions", key, { model: `a2a/${huge}`, messages: [{ role: "user", content: "hi" }] })).status).toBe(400);
    expect((await gw.call("/v1/chat/completions", key, { model: "a2a/nope", messages: [{ role: "user", content: "hi" }] })).status).toBe(403);
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data).toEqual([expect.objectContaining({ keyId, agent: null, requests: 6, errors: 6, spend: "0" })]);
    expect(usage.text.length).toBeLessThan(2_000);
  });

  it("counts a call refused by the key's rate limit under the key alone", async () => {
    const { gw, key, keyId, upstream } = await setup({ perRequest: "1" }, { rpm: 1 });
    expect((await gw.call("/a2a/echo", key, send())).status).toBe(200);
    expect((await gw.call("/a2a/echo", key, send())).status).toBe(429);
    expect(upstream.calls).toHaveLength(1);
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data).toEqual([
      expect.objectContaining({ agent: "echo", requests: 1, errors: 0, spend: "1" }),
      expect.objectContaining({ agent: null, requests: 1, errors: 1, spend: "0" }),
    ]);
  });

  it("counts an agent that cannot be reached as that agent's error, and charges nothing", async () => {
    const { gw, key, keyId } = await setup({ perRequest: "0.5" }, {}, () => {
      throw new (class extends Error {})("connect ECONNREFUSED");
    });
    expect((await gw.call("/a2a/echo", key, send())).status).toBeGreaterThanOrEqual(500);
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data).toEqual([expect.objectContaining({ agent: "echo", requests: 1, errors: 1, spend: "0" })]);
  });

  it("counts a caller that leaves mid-stream as client_closed, not as the agent's error", async () => {
    const { gw, key, keyId, meter } = await setup({ perRequest: "0.001" }, {}, (b) =>
      sseReply(b.id, [{ result: { kind: "status-update", taskId: "t1", contextId: "c1", status: { state: "working" }, final: false } }], { open: true }),
    );
    const streaming = { ...send(), method: "message/stream" };
    const res = await gw.call("/a2a/echo", key, streaming, { leaveAfter: 1 });
    expect(res.status).toBe(200);
    await expect.poll(() => meter.counted.size).toBe(1);
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data).toEqual([expect.objectContaining({ agent: "echo", requests: 1, errors: 0, clientClosed: 1, spend: "0.001" })]);
  });
});

describe("budgets", () => {
  it("refuses a call past the hard budget before it reaches the agent, in each surface's shape, saying budget, spend and reset", async () => {
    const { gw, key, upstream } = await setup({ perRequest: "0.01" }, { maxBudget: "0.02", budgetPeriod: "1d" });
    expect((await gw.call("/a2a/echo", key, send())).status).toBe(200);
    expect((await gw.call("/a2a/echo", key, send())).status).toBe(200);
    const a2a = await gw.call("/a2a/echo", key, send());
    const openai = await gw.call("/v1/chat/completions", key, { model: "a2a/echo", messages: [{ role: "user", content: "hi" }] });
    expect(upstream.calls).toHaveLength(2);
    expect(a2a.status).toBe(429);
    expect(a2a.body.error).toMatchObject({ message: expect.stringMatching(/Budget of 0.02 per 1d reached: spent 0.02; it resets at \d{4}-/), data: { budget: "0.02", spent: "0.02", resetsAt: expect.any(String) } });
    expect(Number(a2a.headers["retry-after"])).toBeGreaterThan(0);
    expect(openai.status).toBe(429);
    expect(openai.body.error).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded", message: expect.stringContaining("spent 0.02") });
  });

  it("PATCH /v1/keys/{id} sets, shows and removes a budget; GET shows the period's spend and reset", async () => {
    const { gw, key, keyId } = await setup({ perRequest: "0.25" });
    await gw.call("/a2a/echo", key, send());
    const patched = await gw.admin("PATCH", `/v1/keys/${keyId}`, MASTER, { maxBudget: "0.5", softBudget: 0.4, budgetPeriod: "7d" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ maxBudget: "0.5", softBudget: "0.4", budgetPeriod: "7d", spend: { period: "7d", spend: "0", maxBudget: "0.5" } });
    await gw.call("/a2a/echo", key, send());
    await gw.call("/a2a/echo", key, send());
    expect((await gw.call("/a2a/echo", key, send())).status).toBe(429);
    const shown = await gw.admin("GET", `/v1/keys/${keyId}`, MASTER);
    expect(shown.body.spend).toMatchObject({ spend: "0.5", resetsAt: new Date(Date.parse(shown.body.budgetSince) + 7 * 86_400_000).toISOString() });
    expect((await gw.admin("PATCH", `/v1/keys/${keyId}`, MASTER, { softBudget: "2" })).status).toBe(400);
    const removed = await gw.admin("PATCH", `/v1/keys/${keyId}`, MASTER, { maxBudget: null, softBudget: null });
    expect(removed.body.maxBudget).toBeUndefined();
    expect((await gw.call("/a2a/echo", key, send())).status).toBe(200);
  });

  it("sends key.budget_exceeded to the key's webhook once per period when the soft budget is crossed", async () => {
    const { gw, key, deps } = await setup({ perRequest: "0.1" }, { maxBudget: "1", softBudget: "0.25", webhookUrl: "http://127.0.0.1:9/hook" });
    for (let i = 0; i < 5; i++) await gw.call("/a2a/echo", key, send());
    const events = deps.callbackQueue.sent.map((m) => m.body as { target: string; type?: string; data?: Record<string, unknown> }).filter((m) => m.target === "key");
    expect(events).toEqual([expect.objectContaining({ type: "key.budget_exceeded", data: expect.objectContaining({ softBudget: "0.25", spent: "0.3", maxBudget: "1" }) })]);
  });

  it("counts periods: calendar months, and fixed lengths from when the budget was set", () => {
    const now = Date.parse("2026-12-03T06:00:00Z");
    expect(budgetPeriodAt("month", "2026-01-15T00:00:00Z", now)).toEqual({ start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z" });
    expect(budgetPeriodAt("7d", "2026-11-20T12:00:00.000Z", now)).toEqual({ start: "2026-11-27T12:00:00.000Z", end: "2026-12-04T12:00:00.000Z" });
    expect(budgetPeriodAt("1d", "2026-12-03T07:00:00.000Z", now).start).toBe("2026-12-03T07:00:00.000Z");
  });
});

describe("latency from counters", () => {
  it("reads p50 and p95 from the histogram to within a bucket", () => {
    const histogram = LATENCY_BOUNDS_MS.map(() => 0);
    for (let ms = 1; ms <= 1000; ms++) histogram[latencyBucket(ms)]!++;
    expect(histogramPercentile(histogram, 50)).toBe(500);
    expect(histogramPercentile(histogram, 95)).toBe(1000);
    expect(histogramPercentile(LATENCY_BOUNDS_MS.map(() => 0), 50)).toBe(0);
  });
});

describe("metrics in the log line", () => {
  it("writes one EMF line per call: requests, errors, latency and cost by agent", async () => {
    const lines: Record<string, any>[] = [];
    const { deps, gw, key } = await setup({ perRequest: "0.002" });
    deps.log = { info: (msg, f) => lines.push({ msg, ...f }), warn() {}, error() {} };
    await gw.call("/a2a/echo", key, send());
    const line = lines.find((l) => l.msg === "request")!;
    expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "A2AGateway", Dimensions: [["agent"], []] });
    expect(line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(["requests", "errors", "ms", "cost"]);
    expect(line).toMatchObject({ agent: "echo", requests: 1, errors: 0, cost: 0.002, ms: expect.any(Number) });
  });
});
