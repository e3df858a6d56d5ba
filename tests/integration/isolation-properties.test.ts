/**
 * Tenant isolation as a property (SPEC §4, issues 13 and 16): Bob, with generated requests (every
 * A2A method of both versions over JSON-RPC, every HTTP+JSON route of both versions with ids in
 * its path, query and body, the OpenAI chat and Responses bridges and their stored-result routes;
 * every task- and context-bearing field alone, doubled, conflicting, misspelt, nested, of odd
 * types, in any order), against Alice's finished, input-required, live and pushed tasks.
 * Whatever Bob sends: no byte of Alice's data comes back, the agent never hears Bob name her
 * ids, her tasks stay as they were, and every answer is the one he gets with unknown ids instead.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import fc from "fast-check";
import type { LocalStack } from "../../infra/local/stack.ts";
import { jobId } from "../../shared/core/async/job-id.ts";
import { restBindings, type RestBinding } from "../../shared/protocol/rest.ts";
import { startSdkAgent, startWebhookReceiver, type SdkAgentHandle, type WebhookReceiverHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";

let stack: LocalStack;
let agent: SdkAgentHandle;
let receiver: WebhookReceiverHandle;
let alice: string;
let bob: string;

/** Alice's secrets: her ids, what she said, her push receiver and token. */
const SECRET_TEXT = "alice-secret-text";
const PUSH_TOKEN = "alice-secret-push-token";
let aliceIds: string[] = [];
let aliceTasks: string[] = [];
let aliceJobs: string[] = [];
let bobTask: string;
let bobContext: string;
/** Each of Alice's ids stands for an unknown one of the same shape and length. */
const unknownFor = new Map<string, string>();
const BOB_TRACE = "bob-property-run";

beforeAll(async () => {
  [stack, agent, receiver] = await Promise.all([startTestStack(), startSdkAgent({ legacyCompat: true, chunkDelayMs: 1 }), startWebhookReceiver()]);
  await registerAgent(stack, "shared", agent.url);
  [alice, bob] = (await Promise.all([createKey(stack), createKey(stack)])).map((k) => k.key) as [string, string];
  const a2a = (key: string, body: unknown) => call(stack, key, "POST", "/a2a/shared", body);

  const finished = (await a2a(alice, sendV03(`${SECRET_TEXT} finished`))).body.result;
  const asked = (await a2a(alice, sendV03("ask"))).body.result;
  const live = sendV03("slow:600000");
  (live.params as Record<string, unknown>).configuration = { blocking: false };
  const liveTask = (await a2a(alice, live)).body.result;
  const pushed = sendV03(`${SECRET_TEXT} pushed`);
  (pushed.params as Record<string, unknown>).configuration = { blocking: false, pushNotificationConfig: { id: "alice-config", url: `${receiver.url}/alice`, token: PUSH_TOKEN } };
  const pushedTask = (await a2a(alice, pushed)).body.result;
  const chatJob = (await call(stack, alice, "POST", "/v1/chat/completions", { model: "a2a/shared", messages: [{ role: "user", content: "slow:600000" }] }, { prefer: "respond-async" })).body.id;
  const responseJob = (await call(stack, alice, "POST", "/v1/responses", { model: "a2a/shared", input: "slow:600000", background: true })).body.id;

  aliceTasks = [finished.id, asked.id, liveTask.id, pushedTask.id];
  aliceJobs = [chatJob, responseJob];
  aliceIds = [...aliceTasks, finished.contextId, asked.contextId, liveTask.contextId, pushedTask.contextId, ...aliceJobs];
  for (const id of aliceTasks.concat([finished.contextId, asked.contextId, liveTask.contextId, pushedTask.contextId])) unknownFor.set(id, randomUUID());
  unknownFor.set(chatJob, jobId("chat.completion", "shared", randomUUID()));
  unknownFor.set(responseJob, jobId("response", "shared", randomUUID()));

  const own = (await a2a(bob, sendV03("bob's own"))).body.result;
  [bobTask, bobContext] = [own.id, own.contextId];
}, 60_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close(), receiver?.close()]);
});

/** Alice's tasks as she sees them: what Bob must not change. */
const aliceView = async () =>
  Promise.all(aliceTasks.map(async (id) => {
    const task = (await call(stack, alice, "POST", "/a2a/shared", { jsonrpc: "2.0", id: 1, method: "tasks/get", params: { id } })).body.result;
    const push = (await call(stack, alice, "POST", "/a2a/shared", { jsonrpc: "2.0", id: 1, method: "tasks/pushNotificationConfig/list", params: { id } })).body.result;
    return { id, state: task?.status?.state, artifacts: task?.artifacts?.length ?? 0, history: task?.history?.length ?? 0, push };
  }));

// ---------------------------------------------------------------------------------------------
// Bob's requests
// ---------------------------------------------------------------------------------------------

type Request = { path: string; method: "GET" | "POST" | "DELETE"; body?: unknown; headers: Record<string, string> };

/** A value in a place that names a task or context: Alice's, Bob's own, unknown, or not an id at all. */
const idValue = () =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...aliceIds) },
    { weight: 2, arbitrary: fc.constantFrom(bobTask, bobContext) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>("", "x".repeat(600), 42, null, [aliceTasks[0]], { id: aliceTasks[1] }) },
  );
const ID_FIELDS = ["id", "taskId", "task_id", "contextId", "context_id", "referenceTaskIds", "reference_task_ids", "tenant", "name", "pushNotificationConfigId", "parent"];
/** Extra id-bearing fields, in a random order. */
const extras = () => fc.uniqueArray(fc.tuple(fc.constantFrom(...ID_FIELDS), idValue()), { selector: ([k]) => k, maxLength: 4 });
const withFields = (base: Record<string, unknown>, more: [string, unknown][], baseFirst: boolean) =>
  Object.fromEntries(baseFirst ? [...Object.entries(base), ...more] : [...more, ...Object.entries(base)]);

const message = (version: "0.3" | "1.0", ids: [string, unknown][]) => ({
  ...(version === "0.3" ? { kind: "message", role: "user", parts: [{ kind: "text", text: "bob" }] } : { role: "ROLE_USER", parts: [{ text: "bob" }] }),
  messageId: randomUUID(),
  ...Object.fromEntries(ids),
});

const METHODS: [string, "0.3" | "1.0", string[]][] = [
  ["message/send", "0.3", []],
  ["message/stream", "0.3", []],
  ["tasks/get", "0.3", ["id"]],
  ["tasks/cancel", "0.3", ["id"]],
  ["tasks/resubscribe", "0.3", ["id"]],
  ["tasks/pushNotificationConfig/set", "0.3", ["taskId"]],
  ["tasks/pushNotificationConfig/get", "0.3", ["id"]],
  ["tasks/pushNotificationConfig/list", "0.3", ["id"]],
  ["tasks/pushNotificationConfig/delete", "0.3", ["id"]],
  ["SendMessage", "1.0", []],
  ["SendStreamingMessage", "1.0", []],
  ["GetTask", "1.0", ["id"]],
  ["ListTasks", "1.0", ["contextId"]],
  ["CancelTask", "1.0", ["id"]],
  ["SubscribeToTask", "1.0", ["id"]],
  ["CreateTaskPushNotificationConfig", "1.0", ["taskId"]],
  ["GetTaskPushNotificationConfig", "1.0", ["taskId"]],
  ["ListTaskPushNotificationConfigs", "1.0", ["taskId"]],
  ["DeleteTaskPushNotificationConfig", "1.0", ["taskId"]],
];

/** Built once the stack is up: the ids exist only then. */
const a2aRequest = () => fc
  .tuple(fc.constantFrom(...METHODS), idValue(), extras(), fc.array(fc.tuple(fc.constantFrom("taskId", "contextId", "referenceTaskIds", "task_id", "context_id"), idValue()), { maxLength: 3 }), fc.boolean(), fc.boolean())
  .map(([[method, version, slots], slotValue, more, messageIds, baseFirst, viaAlias]): Request => {
    const base: Record<string, unknown> = Object.fromEntries(slots.map((s) => [s, slotValue]));
    if (method.includes("essage")) base.message = message(version, messageIds.map(([k, v]) => [k, k === "referenceTaskIds" && typeof v === "string" ? [v] : v]));
    if (method === "tasks/pushNotificationConfig/set") base.pushNotificationConfig = { url: `${receiver.url}/bob`, token: "bob" };
    if (method === "CreateTaskPushNotificationConfig") base.url = `${receiver.url}/bob`;
    if (/\/(get|delete)$/.test(method)) base.pushNotificationConfigId = "alice-config";
    if (/^(Get|Delete)TaskPush/.test(method)) base.id = "alice-config";
    return {
      path: viaAlias ? "/a2a/shared/message/send" : "/a2a/shared",
      method: "POST",
      body: { jsonrpc: "2.0", id: 1, method, params: withFields(base, more, baseFirst) },
      headers: version === "1.0" ? { "a2a-version": "1.0" } : {},
    };
  });

/** An id as a path segment or query value: whatever it is, written out. */
const asText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * Bob over HTTP+JSON, 1.0 and 0.3 (ProtoJSON bodies): the route's task in its path (a config id
 * stays Alice's), ids doubled and misspelt in the query and the body, ids in a sent message, and a
 * 0.3 push config's task in its resource `name` too.
 */
const restRequest = () => fc
  .tuple(
    fc.constantFrom(...(restBindings as readonly RestBinding[])),
    idValue(),
    extras(),
    fc.array(fc.tuple(fc.constantFrom("taskId", "contextId", "referenceTaskIds", "task_id", "context_id"), idValue()), { maxLength: 3 }),
    fc.uniqueArray(fc.tuple(fc.constantFrom("id", "taskId", "task_id", "contextId", "historyLength"), idValue()), { selector: ([k]) => k, maxLength: 2 }),
    fc.boolean(),
  )
  .map(([binding, slotValue, more, messageIds, query, baseFirst]): Request => {
    const slot = encodeURIComponent(asText(slotValue));
    const path = binding.path.replace(/pushNotificationConfigs\/\{\w+\}/, "pushNotificationConfigs/alice-config").replace(/\{\w+\}/g, slot);
    const ids = messageIds.map(([k, v]): [string, unknown] => [k, k === "referenceTaskIds" && typeof v === "string" ? [v] : v]);
    const v03 = binding.version === "0.3";
    const base: Record<string, unknown> = {};
    if (binding.op === "send" || binding.op === "stream") base.message = v03 ? { messageId: randomUUID(), role: "ROLE_USER", content: [{ text: "bob" }], ...Object.fromEntries(ids) } : message("1.0", ids);
    if (binding.op === "setPushConfig" && v03) Object.assign(base, { name: `tasks/${asText(slotValue)}/pushNotificationConfigs/bob`, pushNotificationConfig: { url: `${receiver.url}/bob`, token: "bob" } });
    if (binding.op === "setPushConfig" && !v03) Object.assign(base, { url: `${receiver.url}/bob`, token: "bob" });
    const search = new URLSearchParams(query.map(([k, v]) => [k, asText(v)]));
    return {
      path: `/a2a/shared${path}${search.size ? `?${search}` : ""}`,
      method: binding.method,
      ...(binding.method === "POST" ? { body: withFields(base, more, baseFirst) } : {}),
      headers: {},
    };
  });

const metadataIds = () => fc.dictionary(fc.constantFrom("a2a_task_id", "a2a_context_id"), fc.constantFrom(...aliceIds, bobTask, bobContext, ""), { maxKeys: 2 });

const openaiRequest = () => fc.oneof(
  fc.tuple(metadataIds(), fc.boolean(), fc.boolean()).map(([metadata, async, stream]): Request => ({
    path: "/v1/chat/completions",
    method: "POST",
    body: { model: "a2a/shared", messages: [{ role: "user", content: "bob" }], stream, metadata },
    headers: async ? { prefer: "respond-async" } : {},
  })),
  fc.tuple(metadataIds(), fc.boolean()).map(([metadata, background]): Request => ({
    path: "/v1/responses",
    method: "POST",
    body: { model: "a2a/shared", input: "bob", background, metadata },
    headers: {},
  })),
  fc.tuple(fc.constantFrom("chat", "response", "cancel"), fc.nat(1)).map(([route, which]): Request => {
    const id = aliceJobs[route === "chat" ? 0 : which]!;
    return route === "cancel"
      ? { path: `/v1/responses/${aliceJobs[1]}/cancel`, method: "POST", headers: {} }
      : { path: route === "chat" ? `/v1/chat/completions/${id}` : `/v1/responses/${id}`, method: "GET", headers: {} };
  }),
);

/** Bob's answer as text: a JSON body or a whole event stream. */
async function send(req: Request): Promise<{ status: number; text: string }> {
  const res = await fetch(stack.url + req.path, {
    method: req.method,
    headers: { authorization: `Bearer ${bob}`, "x-trace-id": BOB_TRACE, ...(req.body ? { "content-type": "application/json" } : {}), ...req.headers },
    ...(req.body ? { body: JSON.stringify(req.body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

/** The same request with each of Alice's ids swapped for an unknown one of the same shape. */
function withUnknownIds(req: Request): Request {
  let text = JSON.stringify(req);
  for (const [id, unknown] of unknownFor) text = text.split(id).join(unknown);
  return JSON.parse(text) as Request;
}

/** What differs between two runs of one request for reasons other than whose ids it names. */
const normalized = (text: string) =>
  text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
    .replace(/(chatcmpl-|resp_|msg_|a2atask_)[A-Za-z0-9_.-]+/g, "$1<id>")
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>")
    .replace(/"(created|created_at)":\d+/g, '"$1":0')
    .replace(/"nextPageToken":"[^"]*"/g, '"nextPageToken":"<token>"')
    .replace(/\b[0-9a-f]{16}\b/g, "<hex>");

it("another key's tasks and contexts are out of reach: same answers as unknown ids, no byte of them, no change to them", async () => {
  // Prepare
  const before = await aliceView();
  const requestsBefore = agent.requests.length;
  const secretsOf = (req: Request) => [SECRET_TEXT, PUSH_TOKEN, `${receiver.url}/alice`, ...aliceIds.filter((id) => !JSON.stringify(req).includes(id))];

  // Act and assess, request by request
  await fc.assert(
    // One budget of runs split across the surfaces: JSON-RPC, HTTP+JSON, the OpenAI bridges.
    fc.asyncProperty(fc.oneof({ weight: 2, arbitrary: a2aRequest() }, { weight: 1, arbitrary: restRequest() }, { weight: 1, arbitrary: openaiRequest() }), async (req) => {
      const names = aliceIds.some((id) => JSON.stringify(req).includes(id));
      const [answer, baseline] = await Promise.all([send(req), names ? send(withUnknownIds(req)) : undefined]);
      expect(answer.status).toBeLessThan(500);
      for (const secret of secretsOf(req)) expect(answer.text).not.toContain(secret);
      if (baseline) expect({ status: answer.status, text: normalized(answer.text) }).toEqual({ status: baseline.status, text: normalized(baseline.text) });
    }),
    { numRuns: 150, seed: 13, endOnFailure: true },
  );

  // The agent never heard Bob name Alice's tasks or contexts.
  const fromBob = agent.requests.slice(requestsBefore).filter((r) => r.headers["x-trace-id"] === BOB_TRACE);
  expect(fromBob.length).toBeGreaterThan(0);
  for (const r of fromBob) for (const id of aliceIds) expect(r.path + JSON.stringify(r.body)).not.toContain(id);
  // Alice's tasks and push configs are as they were, and no push of hers went to Bob's receiver.
  expect(await aliceView()).toEqual(before);
  for (const pushed of receiver.requests.filter((r) => r.path.startsWith("/bob"))) {
    for (const secret of [SECRET_TEXT, PUSH_TOKEN, ...aliceIds]) expect(pushed.rawBody).not.toContain(secret);
  }
}, 240_000);
