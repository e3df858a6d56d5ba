/**
 * Metering on DynamoDB Local behind the real AWS SDK client (issue 17): a budget held exactly by
 * 200 calls at once; each call counted once through duplicate invocations, throttled writes and
 * writes whose answer was lost; a month of counters read in well under a second with queries
 * only; the invoicing export. The gateway runs in process (tests/helpers/gateway.ts) over the
 * DynamoDB meter; agents and keys stay in memory.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DynamoDBClient, ScanCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { tables } from "../../infra/schema.ts";
import { ensureTables, localAwsConfig } from "../../infra/local/emulators.ts";
import { DynamoMeter } from "../../shared/adapters/dynamo/meter.ts";
import { hourOf, LATENCY_BOUNDS_MS } from "../../shared/core/metering.ts";
import { formatAmount, toPicos } from "../../shared/core/money.ts";
import type { AgentReply, MeteredCall } from "../../shared/ports.ts";
import { deliverCallback } from "../../shared/core/async/deliver.ts";
import { MASTER, memoryDeps, rpcReply, ScriptedUpstream, v03Agent } from "../helpers/memory-deps.ts";
import { gatewayOf } from "../helpers/gateway.ts";

const table = `mt${randomBytes(4).toString("hex")}_meter`;
let db: DynamoDBClient;
/** Commands sent, by name; faults to inject into the next TransactWriteItems, in turn. */
const sent: string[] = [];
const faults: ("throttle" | "lose-answer" | "die")[] = [];

beforeAll(async () => {
  db = new DynamoDBClient(localAwsConfig(inject("dynamoEndpoint")));
  await ensureTables(db, { [table]: tables.meter });
  const send = db.send.bind(db) as (command: object) => Promise<unknown>;
  (db as { send: unknown }).send = async (command: object) => {
    sent.push(command.constructor.name);
    if (command instanceof ScanCommand) throw new Error("usage is read by queries, never a scan");
    const fault = command instanceof TransactWriteItemsCommand ? faults.shift() : undefined;
    if (fault === "throttle") throw Object.assign(new Error("Rate of requests exceeds the allowed throughput."), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
    // The invocation dies before its write leaves: nothing is written, nothing retried by it.
    if (fault === "die") throw new Error("process killed");
    const out = await send(command);
    // DynamoDB applied the write; its answer never arrives (the container went away, the socket was cut).
    if (fault === "lose-answer") throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
    return out;
  };
}, 60_000);

afterAll(() => db?.destroy());

const send = { jsonrpc: "2.0", id: 1, method: "message/send", params: { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "hi" }] } } };
const agentMessage = (id: unknown): AgentReply => rpcReply(id, { result: { kind: "message", messageId: "m2", role: "agent", parts: [{ kind: "text", text: "ok" }] } });

async function setup(perRequest: string, keyBody: Record<string, unknown> = {}, pricing: Record<string, string> = {}) {
  const meter = new DynamoMeter(db, table);
  const upstream = new ScriptedUpstream((_call, body) => agentMessage(body.id));
  const deps = memoryDeps(upstream, { meter });
  await deps.agents.create({ ...v03Agent("priced"), pricing: { perRequest, ...pricing } });
  const gw = gatewayOf(deps);
  const created = await gw.admin("POST", "/v1/keys", MASTER, keyBody);
  return { deps, gw, upstream, meter, key: created.body.key as string, keyId: created.body.id as string };
}

describe("a hard budget under concurrency", () => {
  it("lets exactly the 50 calls the budget allows through of 200 sent at once, refuses the rest with the budget error, and spends exactly the budget", async () => {
    // Prepare: 0.001 a call, 0.05 a day: 50 calls. With a per-request price only, the reservation is the whole price, so nothing can overspend.
    const { gw, upstream, meter, key, keyId } = await setup("0.001", { maxBudget: "0.05", budgetPeriod: "1d" });
    // Act
    const replies = await Promise.all(Array.from({ length: 200 }, () => gw.call("/a2a/priced", key, send)));
    // Assess
    const passed = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    expect(passed).toHaveLength(50);
    expect(refused).toHaveLength(150);
    expect(upstream.calls).toHaveLength(50);
    for (const r of refused) expect(r.body.error.data).toMatchObject({ budget: "0.05", spent: "0.05", resetsAt: expect.any(String) });
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    const priced = usage.body.data.find((r: { agent: string | null }) => r.agent === "priced");
    const keyOnly = usage.body.data.find((r: { agent: string | null }) => r.agent === null);
    expect(priced).toMatchObject({ requests: 50, errors: 0, spend: "0.05" });
    expect(keyOnly).toMatchObject({ requests: 150, errors: 150, spend: "0" });
    const shown = await gw.admin("GET", `/v1/keys/${keyId}`, MASTER);
    expect(shown.body.spend).toMatchObject({ spend: "0.05", maxBudget: "0.05" });
    expect(await meter.spent(keyId, shown.body.spend.periodStart)).toBe(toPicos("0.05"));
  });
});

describe("the soft budget", () => {
  it("sends key.budget_exceeded when crossed, under one event id however many calls cross it together, and nothing more that period", async () => {
    const { deps, gw, key } = await setup("0.01", { maxBudget: "1", softBudget: "0.1", budgetPeriod: "1d", webhookUrl: "http://127.0.0.1:9/hook" });
    const keyEvents = () => deps.callbackQueue.sent.map((m) => m.body as { target: string; eventId?: string; type?: string }).filter((m) => m.target === "key");
    await Promise.all(Array.from({ length: 20 }, () => gw.call("/a2a/priced", key, send)));
    const crossed = keyEvents();
    expect(crossed.length).toBeGreaterThanOrEqual(1);
    expect(new Set(crossed.map((e) => e.eventId)).size).toBe(1);
    expect(crossed[0]).toMatchObject({ type: "key.budget_exceeded" });
    for (let i = 0; i < 3; i++) await gw.call("/a2a/priced", key, send);
    expect(keyEvents()).toHaveLength(crossed.length);
  });
});

describe("the overspend bound", () => {
  it("with token prices, 200 calls at once overspend by at most the token charges of the calls in flight, and spend is their exact sum", async () => {
    // Prepare: 0.001 a call plus 1 per 1K output tokens; a budget of 0.05 a day. The per-request part is reserved before each call,
    // the token part is known only at its end.
    const { gw, upstream, key, keyId } = await setup("0.001", { maxBudget: "0.05", budgetPeriod: "1d" }, { perOutputTokens1K: "1" });
    const chat = { model: "a2a/priced", messages: [{ role: "user", content: "hi" }] };
    // Act
    const replies = await Promise.all(Array.from({ length: 200 }, () => gw.call("/v1/chat/completions", key, chat)));
    // Assess
    const passed = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    expect(passed.length + refused.length).toBe(200);
    expect(upstream.calls).toHaveLength(passed.length);
    for (const r of refused) expect(r.body.error).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded" });
    const tokenPart = toPicos("0.001") * BigInt(passed[0]!.body.usage.completion_tokens);
    const spent = BigInt(passed.length) * (toPicos("0.001") + tokenPart);
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}&agent=priced`, MASTER);
    expect(usage.body.data[0].spend).toBe(formatAmount(spent));
    // Never past the budget by more than the token part of the calls that were in flight together (at most all that passed).
    expect(passed.length).toBeLessThanOrEqual(50);
    expect(spent).toBeLessThanOrEqual(toPicos("0.05") + BigInt(passed.length) * tokenPart);
    const shown = await gw.admin("GET", `/v1/keys/${keyId}`, MASTER);
    expect(shown.body.spend.spend).toBe(formatAmount(spent));
  });
});

describe("each call counted exactly once", () => {
  const call = (requestId: string, keyId: string): MeteredCall => ({ requestId, keyId, agent: "priced", at: Date.now(), outcome: "ok", latencyMs: 42, cost: toPicos("0.001") });

  it("counts the calls that reached the agent, once each, through duplicate invocations, throttled writes, writes whose answer was lost and a crash after answering", async () => {
    const { deps, gw, upstream, key, keyId } = await setup("0.001");
    // A duplicate invocation: the same event (the same request id) run twice.
    const duplicated = randomUUID();
    await gw.call("/a2a/priced", key, send, { requestId: duplicated });
    await gw.call("/a2a/priced", key, send, { requestId: duplicated });
    // A throttled write, retried until it goes through.
    faults.push("throttle", "throttle");
    await gw.call("/a2a/priced", key, send);
    // A write DynamoDB applied but whose answer was lost: retried, and the retry finds it done.
    faults.push("lose-answer");
    await gw.call("/a2a/priced", key, send);
    // The same call recorded again by a later invocation after a crash, and twice at the same moment.
    const crashed = randomUUID();
    await Promise.all([gw.call("/a2a/priced", key, send, { requestId: crashed }), gw.call("/a2a/priced", key, send, { requestId: crashed })]);
    // A container that dies after answering, before its write: the call's late check counts it.
    faults.push("die");
    expect((await gw.call("/a2a/priced", key, send)).status).toBe(200);
    expect(faults).toEqual([]);
    // The late checks, delivered after the longest an invocation lives, as the callbacks queue does.
    const checks = deps.callbackQueue.sent.filter((m) => m.body.target === ("meter" as never));
    expect(checks.every((m) => m.delaySeconds === 900)).toBe(true);
    for (const { body } of checks) expect(await deliverCallback(body, deps)).toEqual({ kind: "delivered" });
    // Assess: 5 distinct calls, each once; the agent was asked 7 times, 2 of them by a repeated invocation.
    expect(upstream.calls).toHaveLength(7);
    const usage = await gw.admin("GET", `/v1/usage?keyId=${keyId}`, MASTER);
    expect(usage.body.data).toEqual([expect.objectContaining({ agent: "priced", requests: 5, errors: 0, spend: "0.005" })]);
  });

  it("records one call once however often and however concurrently its write is retried", async () => {
    const meter = new DynamoMeter(db, table);
    const keyId = `k${randomBytes(4).toString("hex")}`;
    const one = call(randomUUID(), keyId);
    const results = await Promise.all(Array.from({ length: 5 }, () => meter.record(one)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await meter.record(one)).toBe(false);
    const [counter] = await meter.counters({ keyId, fromHour: hourOf(one.at), toHour: hourOf(one.at) });
    expect(counter).toMatchObject({ requests: 1, spend: toPicos("0.001") });
  });
});

async function timed<T>(f: () => Promise<T>): Promise<{ reply: T; ms: number }> {
  const started = performance.now();
  const reply = await f();
  return { reply, ms: performance.now() - started };
}

/** Reads are timed best of two: the first warms the JIT and DynamoDB Local, on a shared 2-core machine. */
describe("/v1/usage over a month of counters", () => {
  const KEYS = 2;
  const AGENTS = 3;
  const HOURS = 30 * 24;
  let total = 0;
  let spend = 0n;
  let from: string;
  let to: string;
  const keyIds = Array.from({ length: KEYS }, () => `m${randomBytes(6).toString("hex")}`);

  beforeAll(async () => {
    // Prepare: the last 30 days, every hour, per key and agent, hundreds of calls each: millions
    // of calls, written as the counters they add up to (the aggregate path), never one item each.
    const meter = new DynamoMeter(db, table);
    const end = Math.floor(Date.now() / 3600_000) * 3600_000;
    from = new Date(end - (HOURS - 1) * 3600_000).toISOString();
    to = new Date(end + 3599_999).toISOString();
    const writes: (() => Promise<void>)[] = [];
    for (const keyId of keyIds)
      for (let a = 0; a < AGENTS; a++)
        for (let h = 0; h < HOURS; h++) {
          const requests = 600 + ((h * 7 + a * 13) % 400);
          const latency = LATENCY_BOUNDS_MS.map(() => 0);
          latency[3] = requests - 10;
          latency[6] = 10;
          const cost = BigInt(requests) * toPicos("0.0001");
          total += requests;
          spend += cost;
          const at = end - h * 3600_000;
          writes.push(() => meter.addCounts({ keyId, agent: `agent-${a}`, hour: hourOf(at), requests, errors: 1, clientClosed: 0, spend: cost, latency }, at));
        }
    for (let i = 0; i < writes.length; i += 32) await Promise.all(writes.slice(i, i + 32).map((w) => w()));
  }, 180_000);

  it("answers for all keys in under a second, reading only counters (one item per key, agent and hour), by queries", async () => {
    const { gw } = await setup("0");
    const byName: Record<string, number> = {};
    const read = () => gw.admin("GET", `/v1/usage?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, MASTER);
    const { ms } = await timed(read);
    sent.length = 0;
    const { reply: usage, ms: again } = await timed(read);
    for (const name of sent) byName[name] = (byName[name] ?? 0) + 1;
    // Assess
    expect(usage.status).toBe(200);
    const ours = usage.body.data.filter((r: { keyId: string }) => keyIds.includes(r.keyId));
    expect(ours).toHaveLength(KEYS * AGENTS);
    expect(ours.reduce((n: number, r: { requests: number }) => n + r.requests, 0)).toBe(total);
    expect(total).toBeGreaterThan(3_000_000);
    expect(ours.reduce((n: bigint, r: { spend: string }) => n + toPicos(r.spend), 0n)).toBe(spend);
    expect(ours[0]).toMatchObject({ p50Ms: 100, p95Ms: 100 });
    expect(usage.body.interval).toBe("day");
    expect(Object.keys(byName)).toEqual(["QueryCommand"]);
    console.log(`GET /v1/usage, all keys, 30 days: ${ms.toFixed(0)} ms, then ${again.toFixed(0)} ms; ${byName.QueryCommand} queries, ${total} calls in ${KEYS * AGENTS * HOURS} counters`);
    expect(Math.min(ms, again)).toBeLessThan(1_000);
  });

  it("answers for one key in under a second", async () => {
    const { gw } = await setup("0");
    const { reply: usage, ms } = await timed(() => gw.admin("GET", `/v1/usage?keyId=${keyIds[0]}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, MASTER));
    expect(usage.body.data).toHaveLength(AGENTS);
    console.log(`GET /v1/usage?keyId=, 30 days: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1_000);
  });

  it("exports per key, agent and day as CSV and JSON lines, for invoicing", async () => {
    const { gw } = await setup("0");
    const range = `keyId=${keyIds[1]}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const csv = await gw.admin("GET", `/v1/usage/export?${range}`, MASTER);
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split("\r\n");
    expect(lines[0]).toBe("day,keyId,agent,requests,errors,clientClosed,spend");
    const days = new Set(lines.slice(1).map((l) => l.split(",")[0]));
    expect(lines.length - 1).toBe(days.size * AGENTS);
    const jsonl = await gw.admin("GET", `/v1/usage/export?${range}&format=jsonl`, MASTER);
    const rows = jsonl.text.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows).toHaveLength(lines.length - 1);
    expect(rows[0]).toEqual({ day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), keyId: keyIds[1], agent: "agent-0", requests: expect.any(Number), errors: expect.any(Number), clientClosed: 0, spend: expect.any(String) });
    const perKey = rows.reduce((n: bigint, r: { spend: string }) => n + toPicos(r.spend), 0n);
    expect(formatAmount(perKey * 2n)).toBe(formatAmount(spend));
  });
});
