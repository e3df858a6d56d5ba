/**
 * Keys, permissions and tenant isolation (SPEC §3, §4, §6): two tenants through the local stack.
 * Every cross-tenant attempt fails exactly as an unknown resource would.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startSdkAgent, startWebhookReceiver, type PeerHandle } from "../peers/index.ts";
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

  it("tasks/resubscribe: -32001 TaskNotFound (a 0.3 stream of one error event), as for an unknown task", async () => {
    const resubscribe = async (id: string) => {
      const res = await fetch(`${stack.url}/a2a/shared`, {
        method: "POST",
        headers: { authorization: `Bearer ${bob.key}`, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tasks/resubscribe", params: { id } }),
      });
      return (await readSse(res)).map((e) => e.data);
    };
    const [foreign, unknown] = await Promise.all([resubscribe(aliceTask), resubscribe("no-such-task")]);
    expect(foreign[0].error.code).toBe(-32001);
    expect(foreign).toEqual(unknown);
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

/** Issue 13: every side door into another key's tasks, each one its own regression test. */
describe("issue 13: no side door into another key's tasks", () => {
  const unknownId = "00000000-0000-4000-8000-000000000000";
  const v10 = { "a2a-version": "1.0" };
  let bobTask: string;
  let aliceAsked: { task: string; context: string };
  let alicePushed: string;

  beforeAll(async () => {
    bobTask = (await call(stack, bob.key, "POST", "/a2a/shared", sendV03("bob's own"))).body.result.id;
    const asked = (await call(stack, alice.key, "POST", "/a2a/shared", sendV03("ask"))).body.result;
    aliceAsked = { task: asked.id, context: asked.contextId };
    const pushed = sendV03("alice pushes");
    (pushed.params as Record<string, unknown>).configuration = { blocking: false, pushNotificationConfig: { id: "alice-config", url: "http://127.0.0.1:9/alice-hook", token: "alice-push-token" } };
    alicePushed = (await call(stack, alice.key, "POST", "/a2a/shared", pushed)).body.result.id;
  });

  /** Bob's answer naming Alice's task, and the answer naming a task nobody has, side by side. */
  const both = async (method: string, params: (id: string) => unknown, headers?: Record<string, string>) => {
    const [foreign, unknown] = await Promise.all([rpc(bob.key, method, params(aliceTask), headers), rpc(bob.key, method, params(unknownId), headers)]);
    return { foreign: { status: foreign.status, body: foreign.body }, unknown: { status: unknown.status, body: unknown.body } };
  };

  it("1. a second id field is not a way around the check: the agent acts only on the field that was checked", async () => {
    const cases: [string, (id: string) => unknown, Record<string, string>?][] = [
      ["tasks/get", (id) => ({ id, taskId: bobTask })],
      ["tasks/get", (id) => ({ taskId: bobTask, id, task_id: bobTask })],
      ["GetTask", (id) => ({ id, taskId: bobTask, tenant: "bob" }), v10],
      ["tasks/cancel", (id) => ({ id, taskId: bobTask })],
      ["CancelTask", (id) => ({ id, taskId: bobTask }), v10],
      ["tasks/pushNotificationConfig/get", (id) => ({ id, taskId: bobTask })],
      ["tasks/pushNotificationConfig/list", (id) => ({ id, taskId: bobTask })],
      ["tasks/pushNotificationConfig/delete", (id) => ({ id, taskId: bobTask, pushNotificationConfigId: "alice-config" })],
      ["GetTaskPushNotificationConfig", (id) => ({ taskId: id, id: "alice-config", task_id: bobTask }), v10],
      ["DeleteTaskPushNotificationConfig", (id) => ({ taskId: id, id: "alice-config", task_id: bobTask }), v10],
    ];
    const requestsBefore = agent.requests.length;
    for (const [method, params, headers] of cases) {
      const { foreign, unknown } = await both(method, params, headers);
      expect(foreign.body.error?.code, method).toBe(-32001);
      expect(foreign, method).toEqual(unknown);
    }
    // None of it reached the agent, and Alice's task and push config are as they were.
    expect(agent.requests.slice(requestsBefore).filter((r) => JSON.stringify(r.body).includes(aliceTask))).toEqual([]);
    expect((await rpc(alice.key, "tasks/get", { id: aliceTask })).body.result.status.state).toBe("completed");
  });

  it("1. push configs: another key can neither read nor delete them, however the task is named", async () => {
    const get = await rpc(bob.key, "tasks/pushNotificationConfig/get", { id: alicePushed, taskId: bobTask, pushNotificationConfigId: "alice-config" });
    const del = await rpc(bob.key, "tasks/pushNotificationConfig/delete", { id: alicePushed, taskId: bobTask, pushNotificationConfigId: "alice-config" });
    for (const res of [get, del]) expect(res.body.error.code).toBe(-32001);
    expect(JSON.stringify(get.body)).not.toContain("alice-push-token");
    const kept = await rpc(alice.key, "tasks/pushNotificationConfig/list", { id: alicePushed });
    expect(kept.body.result).toEqual([expect.objectContaining({ pushNotificationConfig: expect.objectContaining({ id: "alice-config", token: "alice-push-token" }) })]);
  });

  it("2. ListTasks page tokens reveal nothing and open for no other key", async () => {
    const first = await rpc(bob.key, "ListTasks", { pageSize: 1 }, v10);
    const token: string = first.body.result.nextPageToken;
    expect(first.body.result.tasks.every((t: { id: string }) => t.id !== aliceTask && t.id !== alicePushed)).toBe(true);
    if (token) {
      // Sealed, so its bytes are noise: no id of Alice's in them, and no readable text at all (a plain cursor such
      // as "2026-…|<id>" would be). Short fragments are not checked: random bytes hold them by chance.
      const bytes = Buffer.from(token, "base64url");
      for (const secret of [aliceTask, alicePushed, aliceAsked.task]) expect(bytes.toString("latin1")).not.toContain(secret);
      const printable = [...bytes].filter((b) => b >= 0x20 && b < 0x7f).length;
      expect(printable / bytes.length).toBeLessThan(0.8);
      const stolen = await rpc(alice.key, "ListTasks", { pageSize: 1, pageToken: token }, v10);
      expect(stolen.body.error.code).toBe(-32602);
    }
    // The agent's own cursor format, forged to point anywhere, is no token of the gateway's.
    const forged = Buffer.from(`${new Date().toISOString()}|${aliceTask}`).toString("base64");
    expect((await rpc(bob.key, "ListTasks", { pageToken: forged }, v10)).body.error.code).toBe(-32602);
  });

  it("3. the OpenAI bridge continues only the key's own tasks: another key's input-required task is a 404, as an unknown one", async () => {
    const chat = (taskId: string, headers: Record<string, string> = {}) =>
      call(stack, bob.key, "POST", "/v1/chat/completions", { model: "a2a/shared", messages: [{ role: "user", content: "Mallory" }], metadata: { a2a_task_id: taskId } }, headers);
    for (const headers of [{}, { prefer: "respond-async" }] as Record<string, string>[]) {
      const [foreign, unknown, finished] = await Promise.all([chat(aliceAsked.task, headers), chat(unknownId, headers), chat(aliceTask, headers)]);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(unknown.body);
      expect(finished.body).toEqual(unknown.body);
    }
    const responses = await call(stack, bob.key, "POST", "/v1/responses", { model: "a2a/shared", input: "Mallory", metadata: { a2a_task_id: aliceAsked.task } });
    expect(responses.status).toBe(404);
    // Alice's task still waits for her answer, and then takes it.
    expect((await rpc(alice.key, "tasks/get", { id: aliceAsked.task })).body.result.status.state).toBe("input-required");
    const answered = await call(stack, alice.key, "POST", "/a2a/shared", sendV03("Alice", { taskId: aliceAsked.task, contextId: aliceAsked.context }));
    expect(JSON.stringify(answered.body.result)).toContain("Hello, Alice");
  });

  it("5. a context belongs to its key: naming another key's context, or an unknown one, starts the caller's own conversation under that name", async () => {
    const into = (key: string, contextId: string) => call(stack, key, "POST", "/a2a/shared", { ...sendV03("join", { contextId }), id: 7 });
    const heardBefore = agent.requests.length;
    const [foreign, unknown] = await Promise.all([into(bob.key, aliceAsked.context), into(bob.key, unknownId)]);
    // Both are Bob's own, answered alike under the ids he named (A2A lets a client choose a context).
    expect(foreign.body.result.contextId).toBe(aliceAsked.context);
    expect(unknown.body.result.contextId).toBe(unknownId);
    expect(foreign.status).toBe(unknown.status);
    // The agent heard neither id from Bob: it was given contexts of his own, never Alice's.
    const heard = agent.requests.slice(heardBefore).map((r) => JSON.stringify(r.body)).join("\n");
    expect(heard).not.toContain(aliceAsked.context);
    expect(heard).not.toContain(unknownId);
    // Bob goes on in his: the agent gets the same context of his each time; so does the OpenAI bridge, for him.
    const bobsTask = foreign.body.result.id;
    const again = await call(stack, bob.key, "POST", "/a2a/shared", sendV03("again", { contextId: aliceAsked.context }));
    expect(again.body.result.contextId).toBe(aliceAsked.context);
    const bobsContexts = agent.requests.slice(heardBefore).map((r) => (r.body as any)?.params?.message?.contextId).filter((c) => typeof c === "string");
    expect(new Set(bobsContexts).size).toBe(2); // the unknown id's, and the one he named twice
    const bridged = await call(stack, bob.key, "POST", "/v1/chat/completions", { model: "a2a/shared", messages: [{ role: "user", content: "x" }], metadata: { a2a_context_id: aliceAsked.context } });
    expect(bridged.status).toBe(200);
    expect(bridged.body.a2a.context_id).toBe(aliceAsked.context);
    // Alice's context holds none of Bob's tasks: she lists only hers in it.
    const listed = await rpc(alice.key, "ListTasks", { contextId: aliceAsked.context }, v10);
    expect(listed.body.result.tasks.map((t: { id: string }) => t.id)).not.toContain(bobsTask);
    expect(listed.body.result.tasks.map((t: { id: string }) => t.id)).toContain(aliceAsked.task);
    // Alice goes on in her own context as before.
    expect((await call(stack, alice.key, "POST", "/a2a/shared", sendV03("again", { contextId: aliceAsked.context }))).body.result.contextId).toBe(aliceAsked.context);
  });

  it("5b. a context a key chose reads as its own id on every surface: stream events, tasks/get, ListTasks, REST, the OpenAI bridge and pushes", async () => {
    const mine = `bob-chat-${randomUUID()}`;
    const heardBefore = agent.requests.length;
    const receiver = await startWebhookReceiver();
    try {
      const stream = await fetch(`${stack.url}/a2a/shared`, {
        method: "POST",
        headers: { authorization: `Bearer ${bob.key}`, "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ ...sendV03("stream me", { contextId: mine }), method: "message/stream" }),
      });
      const events = await readSse(stream);
      const taskId = events.find((e) => e.data.result?.kind === "task")?.data.result.id ?? events[0]!.data.result.taskId;
      const pushed = sendV03("push me", { contextId: mine });
      (pushed.params as Record<string, unknown>).configuration = { blocking: false, pushNotificationConfig: { url: `${receiver.url}/bob`, token: "bob-token" } };
      const handedOff = await call(stack, bob.key, "POST", "/a2a/shared", pushed);
      const [got, listed, rest, bridged] = await Promise.all([
        rpc(bob.key, "tasks/get", { id: taskId }),
        rpc(bob.key, "ListTasks", { contextId: mine }, v10),
        call(stack, bob.key, "GET", `/a2a/shared/tasks/${taskId}`, undefined, v10),
        call(stack, bob.key, "POST", "/v1/chat/completions", { model: "a2a/shared", messages: [{ role: "user", content: "x" }], metadata: { a2a_context_id: mine } }),
      ]);
      const push = await receiver.waitFor((r) => r.path === "/bob" && (r.body as any)?.status?.state === "completed", 30_000);

      // Every context id Bob reads is the one he chose; no agent-side id leaks through.
      const everything = [events.map((e) => e.data), handedOff.body, got.body, listed.body, rest.body, bridged.body, push.body];
      expect(JSON.stringify(everything)).not.toContain("a2agw-ctx-");
      expect(events.map((e) => e.data.result?.contextId).filter(Boolean)).toEqual(expect.arrayContaining([mine]));
      expect(new Set(events.map((e) => e.data.result?.contextId).filter(Boolean))).toEqual(new Set([mine]));
      expect([handedOff.body.result.contextId, got.body.result.contextId, rest.body.contextId, bridged.body.a2a.context_id, (push.body as any).contextId]).toEqual([mine, mine, mine, mine, mine]);
      expect(listed.body.result.tasks.map((t: { contextId: string }) => t.contextId)).toEqual(listed.body.result.tasks.map(() => mine));
      expect(listed.body.result.tasks.map((t: { id: string }) => t.id)).toContain(taskId);
      // While the agent only ever heard Bob's own agent-side id for it.
      const heard = agent.requests.slice(heardBefore).map((r) => JSON.stringify(r.body)).join("\n");
      expect(heard).toContain("a2agw-ctx-");
      expect(heard).not.toContain(mine);
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it("6. a virtual key sees the gateway's view of an agent: no upstream URL, headers or raw card", async () => {
    for (const res of [await call(stack, bob.key, "GET", "/v1/agents/shared"), { body: (await call(stack, bob.key, "GET", "/v1/agents")).body.data[0] }]) {
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(agent.url);
      expect(text).not.toContain("x-upstream-token");
      expect(res.body.url).toBe(`${stack.url}/a2a/shared`);
      expect(res.body.card.supportedInterfaces.every((i: { url: string }) => i.url === `${stack.url}/a2a/shared`)).toBe(true);
      expect(res.body).toMatchObject({ name: "shared", capabilities: { streaming: true } });
    }
    // The master key keeps the full view.
    expect((await call(stack, stack.masterKey, "GET", "/v1/agents/shared")).body.url).toBe(`${agent.url}/`);
  });
});

describe("issue 13: found in the same review", () => {
  const long = "x".repeat(3000);

  it("over-long ids answer a clear 4xx or TaskNotFound, never 500", async () => {
    for (const [method, params] of [
      ["tasks/get", { id: long }],
      ["tasks/pushNotificationConfig/get", { id: long }],
      ["tasks/pushNotificationConfig/set", { taskId: long, pushNotificationConfig: { url: "http://127.0.0.1:9/h" } }],
    ] as const) {
      const res = await rpc(bob.key, method, params);
      expect(res.status, method).toBe(200);
      expect(res.body.error.code, method).toBe(-32602);
      expect(res.body.error.data[0].path, method).toMatch(/id|taskId/i);
    }
    const continued = await call(stack, bob.key, "POST", "/a2a/shared", sendV03("x", { taskId: long }));
    expect(continued.body.error).toMatchObject({ code: -32602, data: [{ path: "message.taskId" }] });
    const bridged = await call(stack, bob.key, "POST", "/v1/chat/completions", { model: "a2a/shared", messages: [{ role: "user", content: "x" }], metadata: { a2a_task_id: long } });
    expect(bridged.status).toBe(400);
    expect(bridged.body.error.param).toBe("metadata.a2a_task_id");
    for (const path of [`/v1/chat/completions/chatcmpl-${long}`, `/v1/chat/completions/chatcmpl-${Buffer.from(`shared/${long}`).toString("base64url")}.abc`, `/v1/responses/resp_${Buffer.from(`shared/${long}`).toString("base64url")}`]) {
      expect((await call(stack, bob.key, "GET", path)).status, path.slice(0, 40)).toBe(404);
    }
    expect((await call(stack, stack.masterKey, "POST", `/a2a/${long}`, sendV03("x"))).status).toBe(404);
  });

  it("a 100 KB model answers 400 naming the parameter", async () => {
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "a2a/" + "m".repeat(100_000), messages: [{ role: "user", content: "x" }] }],
      ["/v1/responses", { model: "m".repeat(100_000), input: "x" }],
    ] as const) {
      for (const key of [bob.key, stack.masterKey]) {
        const res = await call(stack, key, "POST", path, body);
        expect(res.status).toBe(400);
        expect(res.body.error.param).toBe("model");
      }
    }
  });

  it("a JSON-RPC id too large for a double comes back exactly as sent", async () => {
    for (const id of ["123456789012345678901234567890", "-9007199254740993", "1.5e400"]) {
      const body = `{"jsonrpc":"2.0","id":${id},"method":"tasks/get","params":{"id":"${"no-such-task"}"}}`;
      const text = await (await fetch(`${stack.url}/a2a/shared`, { method: "POST", headers: { authorization: `Bearer ${bob.key}`, "content-type": "application/json" }, body })).text();
      expect(text).toContain(`"id":${id},`);
    }
  });

  it("a data part nested 60 deep is accepted; the cap counts from the data", async () => {
    let data: unknown = { leaf: true };
    for (let i = 0; i < 59; i++) data = { d: data };
    const body = { jsonrpc: "2.0", id: 1, method: "message/send", params: { message: { kind: "message", messageId: "deep", role: "user", parts: [{ kind: "data", data }] } } };
    const res = await call(stack, bob.key, "POST", "/a2a/shared", body);
    expect(res.body.result?.kind).toBe("task");
    let deeper: unknown = 1;
    for (let i = 0; i < 100; i++) deeper = { d: deeper };
    const refused = await call(stack, bob.key, "POST", "/a2a/shared", { ...body, params: { message: { ...body.params.message, parts: [{ kind: "data", data: deeper }] } } });
    expect(refused.body.error.code).toBe(-32600);
  });
});
