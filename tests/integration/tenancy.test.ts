/**
 * Keys, permissions and tenant isolation (SPEC §3, §4, §6): two tenants through the local stack.
 * Every cross-tenant attempt fails exactly as an unknown resource would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";
import { readSse } from "../helpers/sse.ts";

let stack: LocalStack;
let agent: PeerHandle;
let alice: { id: string; key: string };
let bob: { id: string; key: string };
let aliceTask: string;

beforeAll(async () => {
  [stack, agent] = await Promise.all([startTestStack(), startSdkAgent({ legacyCompat: true })]);
  await registerAgent(stack, "shared", agent.url, { headers: { "x-upstream-token": "SENTINEL-upstream-token" } });
  await registerAgent(stack, "secret", agent.url);
  [alice, bob] = await Promise.all([createKey(stack, { name: "alice", agents: ["shared", "secret"] }), createKey(stack, { name: "bob", agents: ["shared"] })]);
  const sent = await call(stack, alice.key, "POST", "/a2a/shared", sendV03("alice's task"));
  aliceTask = sent.body.result.id;
});
afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close()]);
});

const rpc = (key: string, method: string, params: unknown, headers: Record<string, string> = {}) =>
  call(stack, key, "POST", "/a2a/shared", { jsonrpc: "2.0", id: 1, method, params }, headers);

/** The answer for a task nobody has, to compare cross-tenant answers with. */
const unknownTaskAnswer = async (method: string, params: (id: string) => unknown, headers?: Record<string, string>) => {
  const res = await rpc(bob.key, method, params("no-such-task"), headers);
  return { status: res.status, body: res.body };
};

describe("another key's task is indistinguishable from an unknown task", () => {
  const cases: [string, (id: string) => unknown, Record<string, string>?][] = [
    ["tasks/get", (id) => ({ id })],
    ["tasks/cancel", (id) => ({ id })],
    ["tasks/pushNotificationConfig/get", (id) => ({ id })],
    ["tasks/pushNotificationConfig/list", (id) => ({ id })],
    ["tasks/pushNotificationConfig/set", (id) => ({ taskId: id, pushNotificationConfig: { url: "http://127.0.0.1:9/hook" } })],
    ["GetTask", (id) => ({ id }), { "a2a-version": "1.0" }],
    ["CancelTask", (id) => ({ id }), { "a2a-version": "1.0" }],
  ];
  for (const [method, params, headers] of cases) {
    it(`${method}: -32001 TaskNotFound, as for an unknown task`, async () => {
      const res = await rpc(bob.key, method, params(aliceTask), headers);
      expect(res.body.error.code).toBe(-32001);
      expect({ status: res.status, body: res.body }).toEqual(await unknownTaskAnswer(method, params, headers));
      expect(JSON.stringify(res.body)).not.toContain("alice");
    });
  }

  it("tasks/resubscribe: -32001 TaskNotFound", async () => {
    const res = await rpc(bob.key, "tasks/resubscribe", { id: aliceTask });
    expect(res.body.error.code).toBe(-32001);
  });

  it("the owner still reads its own task", async () => {
    const res = await rpc(alice.key, "tasks/get", { id: aliceTask });
    expect(res.body.result.id).toBe(aliceTask);
  });

  it("ListTasks shows a key only its own tasks", async () => {
    await call(stack, bob.key, "POST", "/a2a/shared", sendV03("bob's task"));
    const res = await rpc(bob.key, "ListTasks", {}, { "a2a-version": "1.0" });
    const ids = res.body.result.tasks.map((t: { id: string }) => t.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain(aliceTask);
  });

  it("a stream is not a way in either: message/stream continuing another key's task", async () => {
    const res = await fetch(`${stack.url}/a2a/shared`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.key}`, "content-type": "application/json" },
      body: JSON.stringify({ ...sendV03("hijack", { taskId: aliceTask }), method: "message/stream" }),
    });
    const body = res.headers.get("content-type")?.includes("event-stream") ? (await readSse(res))[0]?.data : await res.json();
    expect(body.error.code).toBe(-32001);
  });
});

describe("allowlists", () => {
  it("refuses an agent outside the key's list with 403, on calls, cards and the bridge", async () => {
    expect((await call(stack, bob.key, "POST", "/a2a/secret", sendV03("x"))).status).toBe(403);
    expect((await call(stack, bob.key, "GET", "/a2a/secret/.well-known/agent-card.json")).status).toBe(403);
    expect((await call(stack, bob.key, "POST", "/v1/chat/completions", { model: "a2a/secret", messages: [{ role: "user", content: "x" }] })).status).toBe(403);
    expect((await call(stack, alice.key, "GET", "/a2a/secret/.well-known/agent-card.json")).status).toBe(200);
  });

  it("lists only the key's agents, and hides the others as unknown", async () => {
    const names = (await call(stack, bob.key, "GET", "/v1/agents")).body.data.map((a: { name: string }) => a.name);
    expect(names).toEqual(["shared"]);
    expect((await call(stack, bob.key, "GET", "/v1/agents/secret")).status).toBe(404);
    const models = (await call(stack, bob.key, "GET", "/v1/models")).body.data.map((m: { id: string }) => m.id);
    expect(models).toEqual(["a2a/shared"]);
  });

  it("never shows agent header values", async () => {
    const res = await call(stack, stack.masterKey, "GET", "/v1/agents/shared");
    expect(res.body.headers).toEqual({ "x-upstream-token": "[redacted]" });
    // …yet sends them to the agent.
    expect(agent.requests.some((r) => r.headers["x-upstream-token"] === "SENTINEL-upstream-token")).toBe(true);
  });
});

describe("keys", () => {
  it("shows the key and webhook secret once, and stores only a hash", async () => {
    const created = await call(stack, stack.masterKey, "POST", "/v1/keys", { name: "hooks", webhookUrl: "http://127.0.0.1:9/hook" });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sk-[0-9a-f]{16}_/);
    expect(created.body.webhookSecret).toMatch(/^whsec_/);
    const read = await call(stack, stack.masterKey, "GET", `/v1/keys/${created.body.id}`);
    expect(JSON.stringify(read.body)).not.toContain(created.body.key);
    expect(JSON.stringify(read.body)).not.toContain(created.body.webhookSecret);
    expect(read.body.hash).toBeUndefined();
  });

  it("refuses expired, revoked and malformed keys with 401", async () => {
    const expired = await createKey(stack, { expiresAt: "2020-01-01T00:00:00Z" });
    expect((await call(stack, expired.key, "POST", "/a2a/shared", sendV03("x"))).status).toBe(401);
    const revoked = await createKey(stack);
    expect((await call(stack, revoked.key, "GET", "/v1/models")).status).toBe(200);
    expect((await call(stack, stack.masterKey, "DELETE", `/v1/keys/${revoked.id}`)).status).toBe(200);
    expect((await call(stack, revoked.key, "GET", "/v1/models")).status).toBe(401);
    for (const bad of ["sk-", "Bearer", "sk-zzzzzzzzzzzzzzzz_" + "a".repeat(43), revoked.key.slice(0, -1) + "x"]) {
      expect((await call(stack, bad, "GET", "/v1/models")).status).toBe(401);
    }
  });

  it("answers 429 with retry-after past the key's rpm", async () => {
    const limited = await createKey(stack, { rpm: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(stack, limited.key, "GET", "/v1/models")).status);
    const third = await call(stack, limited.key, "GET", "/v1/models");
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("usage and the API description", () => {
  it("aggregates requests, errors and latency per key and agent", async () => {
    await call(stack, bob.key, "POST", "/a2a/shared", { jsonrpc: "2.0", id: 1, method: "tasks/get", params: { id: "nope" } });
    // Usage is written after the response: give it a moment.
    let row: any;
    for (let i = 0; i < 20 && !row; i++) {
      const res = await call(stack, stack.masterKey, "GET", `/v1/usage?keyId=${bob.id}`);
      row = res.body.data.find((r: { agent: string }) => r.agent === "shared");
      if (!row) await new Promise((r) => setTimeout(r, 50));
    }
    expect(row).toMatchObject({ keyId: bob.id, agent: "shared", requests: expect.any(Number), p50Ms: expect.any(Number), p95Ms: expect.any(Number) });
    expect(row.requests).toBeGreaterThanOrEqual(2);
  });

  it("serves an OpenAPI 3.1 document of every route without a key", async () => {
    const res = await call(stack, undefined, "GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const { routes } = await import("../../shared/routes/table.ts");
    for (const r of routes) expect(res.body.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    expect(res.body.paths["/v1/keys"].post.requestBody.content["application/json"].schema.properties.rpm).toBeDefined();
  });
});
