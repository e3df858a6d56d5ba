/**
 * A2A's HTTP+JSON binding (issue 16), through the local stack: the official a2a-js client with its
 * RestTransport (1.0, and 0.3's legacy one), resolving the gateway's card, against an agent of each
 * kind (JSON-RPC only, HTTP+JSON only in 1.0 or in 0.3, raw 0.3); a JSON-RPC client and the OpenAI
 * bridge against the HTTP+JSON-only agents; the binding's errors; and another key's task ids in
 * REST paths.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListTasksRequest, SendMessageRequest, TaskPushNotificationConfig, TaskState, type SendMessageResult, type StreamResponse, type Task } from "@a2a-js/sdk";
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory, RestTransportFactory, type AgentCardResolver, type Client } from "@a2a-js/sdk/client";
import { parseLegacyAgentCard } from "@a2a-js/sdk/compat/v0_3/client";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startFastA2AAgent, startSdkAgent, startWebhookReceiver, type PeerHandle, type WebhookReceiverHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";

let stack: LocalStack;
let peers: PeerHandle[];
let receiver: WebhookReceiverHandle;
let restAgent: PeerHandle;
let rest03Agent: PeerHandle;
let alice: string;
let bob: string;

beforeAll(async () => {
  let rpcAgent: PeerHandle, fastAgent: PeerHandle;
  [stack, rpcAgent, restAgent, rest03Agent, fastAgent, receiver] = await Promise.all([
    startTestStack({ env: { GATEWAY_SYNC_BUDGET_MS: "8000" } }),
    startSdkAgent(),
    startSdkAgent({ binding: "HTTP+JSON" }),
    startSdkAgent({ binding: "HTTP+JSON", version: "0.3" }),
    startFastA2AAgent({ completeAfterMs: 1_000 }),
    startWebhookReceiver(),
  ]);
  peers = [rpcAgent, restAgent, rest03Agent, fastAgent];
  await registerAgent(stack, "jsonrpc", rpcAgent.url);
  await registerAgent(stack, "rest", restAgent.url);
  await registerAgent(stack, "rest03", rest03Agent.url);
  await registerAgent(stack, "fasta2a", fastAgent.url);
  [alice, bob] = await Promise.all([createKey(stack).then((k) => k.key), createKey(stack).then((k) => k.key)]);
});

afterAll(async () => {
  await Promise.all([stack?.stop(), receiver?.close(), ...(peers ?? []).map((p) => p.close())]);
});

const withKey =
  (key: string): typeof fetch =>
  (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };

/** The a2a-js client as an application builds it: from the gateway's card, in the binding asked for. */
function clientOf(agent: string, binding: "HTTP+JSON" | "JSONRPC" = "HTTP+JSON", key = alice): Promise<Client> {
  const fetchImpl = withKey(key);
  const transport = binding === "HTTP+JSON" ? new RestTransportFactory({ fetchImpl }) : new JsonRpcTransportFactory({ fetchImpl });
  const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [transport], cardResolver: new DefaultAgentCardResolver({ fetchImpl }) });
  return new ClientFactory({ ...options, preferredTransports: [binding] }).createFromUrl(`${stack.url}/a2a/${agent}/`);
}

/**
 * The a2a-js client as a 0.3 application has it: the card read in its 0.3 dialect (`url`,
 * `preferredTransport`, `additionalInterfaces`, as a 0.3 SDK reads it), the SDK's legacy (0.3)
 * REST transport picked from it.
 */
function legacyClientOf(agent: string, key = alice): Promise<Client> {
  const fetchImpl = withKey(key);
  const cardResolver: AgentCardResolver = {
    resolve: async (base) => {
      const { supportedInterfaces: _v10, ...v03 } = await (await fetchImpl(new URL(".well-known/agent-card.json", base))).json();
      return parseLegacyAgentCard(v03);
    },
  };
  const transport = new RestTransportFactory({ fetchImpl, legacyCompat: { enabled: true } });
  const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [transport], cardResolver });
  return new ClientFactory({ ...options, preferredTransports: ["HTTP+JSON"] }).createFromUrl(`${stack.url}/a2a/${agent}/`);
}

const send = (text: string, configuration?: unknown) =>
  SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }] }, configuration });
const taskOf = (result: SendMessageResult): Task => {
  if (!("status" in result)) throw new Error("expected a task");
  return result;
};
const TERMINAL = [TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_FAILED];
const stateOf = (event: StreamResponse) =>
  event.payload?.$case === "task" ? event.payload.value.status?.state : event.payload?.$case === "statusUpdate" ? event.payload.value.status?.state : undefined;

async function collect(stream: AsyncIterable<StreamResponse>): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** A task still at work: the sdk agent's `slow:` scenario; the fasta2a agent works 1 s whatever it is sent. */
const SLOW = "slow:1500";

const AGENTS = [
  ["jsonrpc", "an a2a-js agent that serves JSON-RPC only"],
  ["rest", "an a2a-js agent that serves 1.0's HTTP+JSON only"],
  ["rest03", "an a2a-js agent that serves 0.3's HTTP+JSON only"],
  ["fasta2a", "a raw A2A 0.3 agent (no streaming)"],
] as const;

describe.each([
  ...AGENTS.map(([agent, kind]) => ["1.0", agent, kind] as const),
  ...AGENTS.map(([agent, kind]) => ["0.3 (legacy)", agent, kind] as const),
])("the a2a-js %s RestTransport through the gateway, to %s (%s)", (version, agent) => {
  const connect = () => (version === "1.0" ? clientOf(agent) : legacyClientOf(agent));

  it("is handed the gateway's HTTP+JSON interface of its version by the card", async () => {
    const client = await connect();
    const url = `${stack.url}/a2a/${agent}`;
    if (version === "1.0") {
      expect(client.protocolVersion).toBe("1.0");
      const card = await client.getAgentCard();
      expect(card.supportedInterfaces.map((i) => [i.protocolBinding, i.protocolVersion, i.url])).toEqual([
        ["JSONRPC", "1.0", url],
        ["HTTP+JSON", "1.0", url],
        ["JSONRPC", "0.3", url],
        ["HTTP+JSON", "0.3", url],
      ]);
    } else {
      expect(client.protocolVersion).toBe("0.3");
      const { body } = await call(stack, alice, "GET", `/a2a/${agent}/.well-known/agent-card.json`);
      expect(body).toMatchObject({ url, preferredTransport: "JSONRPC", protocolVersion: "0.3.0" });
      expect(body.additionalInterfaces).toEqual([
        { url, transport: "JSONRPC" },
        { url, transport: "HTTP+JSON" },
      ]);
    }
  });

  it("sends, gets and lists the task", async () => {
    const client = await connect();
    const sent = taskOf(await client.sendMessage(send("hello")));
    const got = await client.getTask({ id: sent.id, historyLength: 1 } as never);
    expect(got.id).toBe(sent.id);
    expect(got.contextId).toBe(sent.contextId);
    // ListTasks is 1.0's, over JSON-RPC and HTTP+JSON alike: a 0.3 agent has none, which the caller
    // hears as the A2A error it is; 0.3's HTTP+JSON has no path for it (the SDK refuses it itself).
    if (version !== "1.0") return;
    const listing = client.listTasks(ListTasksRequest.fromJSON({ pageSize: 50 }));
    if (agent === "fasta2a" || agent === "rest03") await expect(listing).rejects.toMatchObject({ name: "UnsupportedOperationError", statusCode: 400 });
    else expect((await listing).tasks.map((t) => t.id)).toContain(sent.id);
  });

  it("streams a task to its end", async () => {
    const client = await connect();
    const events = await collect(client.sendMessageStream(send("stream me")));
    expect(events[0]?.payload?.$case).toBe("task");
    expect(stateOf(events.at(-1)!)).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("subscribes to a running task until it ends", async () => {
    const client = await connect();
    const sent = taskOf(await client.sendMessage(send(SLOW, { returnImmediately: true })));
    const events = await collect(client.resubscribeTask({ id: sent.id } as never));
    expect(events.length).toBeGreaterThan(0);
    expect(TERMINAL).toContain(stateOf(events.at(-1)!));
  });

  it("cancels a running task", async () => {
    const client = await connect();
    const sent = taskOf(await client.sendMessage(send(SLOW, { returnImmediately: true })));
    const canceled = await client.cancelTask({ id: sent.id } as never);
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it("creates, gets, lists and deletes push configs", async () => {
    const client = await connect();
    const sent = taskOf(await client.sendMessage(send(SLOW, { returnImmediately: true })));
    const config = TaskPushNotificationConfig.fromJSON({ taskId: sent.id, id: "cfg-1", url: receiver.url, token: "tok" });
    const created = await client.createTaskPushNotificationConfig(config);
    const got = await client.getTaskPushNotificationConfig({ taskId: sent.id, id: "cfg-1" } as never);
    const listed = await client.listTaskPushNotificationConfig({ taskId: sent.id } as never);
    await client.deleteTaskPushNotificationConfig({ taskId: sent.id, id: "cfg-1" } as never);
    const after = await client.listTaskPushNotificationConfig({ taskId: sent.id } as never);
    expect(created).toMatchObject({ taskId: sent.id, id: "cfg-1", url: receiver.url, token: "tok" });
    expect(got).toMatchObject({ id: "cfg-1", url: receiver.url });
    expect(listed.configs.map((c) => c.id)).toEqual(["cfg-1"]);
    expect(after.configs).toEqual([]);
  });

  it("answers an unknown task with TaskNotFoundError (HTTP 404)", async () => {
    const client = await connect();
    await expect(client.getTask({ id: "no-such-task" } as never)).rejects.toMatchObject({ name: "TaskNotFoundError" });
    const raw = await call(stack, alice, "GET", `/a2a/${agent}${version === "1.0" ? "" : "/v1"}/tasks/no-such-task`);
    expect(raw.status).toBe(404);
  });
});

it("an agent's refusal reaches a REST caller as its A2A error: a 0.3 agent's -32002 is TaskNotCancelableError, HTTP 400", async () => {
  const client = await clientOf("fasta2a");
  const sent = taskOf(await client.sendMessage(send("cancel me twice")));
  await client.cancelTask({ id: sent.id } as never);
  await expect(client.cancelTask({ id: sent.id } as never)).rejects.toMatchObject({ name: "TaskNotCancelableError", statusCode: 400 });
});

describe.each([
  ["rest", "1.0", ""],
  ["rest03", "0.3", "/v1"],
] as const)("other callers of the agent that serves HTTP+JSON only (%s, A2A %s)", (agent, _version, prefix) => {
  const peer = () => (agent === "rest" ? restAgent : rest03Agent);

  it("a JSON-RPC a2a-js client sends, gets and streams; the agent hears its own binding only", async () => {
    const heard = peer().requests.length;
    const client = await clientOf(agent, "JSONRPC");
    const sent = taskOf(await client.sendMessage(send("over json-rpc")));
    const got = await client.getTask({ id: sent.id } as never);
    const events = await collect(client.sendMessageStream(send("stream me")));
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(stateOf(events.at(-1)!)).toBe(TaskState.TASK_STATE_COMPLETED);
    const paths = peer().requests.slice(heard).map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(expect.arrayContaining([`POST ${prefix}/message:send`, `GET ${prefix}/tasks/${sent.id}`, `POST ${prefix}/message:stream`]));
    expect(paths.filter((p) => p.includes(" /v1/") !== (prefix === "/v1"))).toEqual([]);
  });

  it("a 0.3 JSON-RPC call is answered in 0.3", async () => {
    const { status, body } = await call(stack, alice, "POST", `/a2a/${agent}`, sendV03("from 0.3"));
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ kind: "task", status: { state: "completed" } });
  });

  it("the OpenAI bridge answers a chat completion, plain and streamed", async () => {
    const openai = new OpenAI({ apiKey: alice, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: `a2a/${agent}`, messages: [{ role: "user", content: "bridge" }] });
    let streamed = "";
    for await (const chunk of await openai.chat.completions.create({ model: `a2a/${agent}`, messages: [{ role: "user", content: "bridge" }], stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? "";
    }
    expect(completion.choices[0]?.message.content).toBe("echo: bridge");
    expect(streamed).toBe("echo: bridge");
  });
});

describe("the binding's own answers", () => {
  it("errors are an HTTP status with a google.rpc.Status and A2A's ErrorInfo (A2A 1.0 §11.6)", async () => {
    const unknown = await call(stack, alice, "GET", "/a2a/rest/tasks/nope");
    const version = await call(stack, alice, "POST", "/a2a/rest/message:send", { message: {} }, { "a2a-version": "9.9" });
    const invalid = await call(stack, alice, "POST", "/a2a/rest/message:send", { message: { role: "ROLE_USER" } });
    const noKey = await call(stack, undefined, "GET", "/a2a/rest/tasks/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/a2a+json");
    expect(unknown.body.error).toMatchObject({ code: 404, status: "NOT_FOUND", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org" }] });
    expect(version.status).toBe(400);
    expect(version.body.error).toMatchObject({ status: "FAILED_PRECONDITION", details: [{ reason: "VERSION_NOT_SUPPORTED" }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest" }] });
    expect(noKey.status).toBe(401);
    expect(noKey.body.error).toMatchObject({ code: 401, status: "UNAUTHENTICATED" });
  });

  it("0.3's errors are the JSON-RPC error object under the code's HTTP status, as a2a-js's 0.3 REST server answers", async () => {
    const unknown = await call(stack, alice, "GET", "/a2a/jsonrpc/v1/tasks/nope");
    const invalid = await call(stack, alice, "POST", "/a2a/jsonrpc/v1/message:send", { message: { role: "ROLE_USER" } });
    const noKey = await call(stack, undefined, "GET", "/a2a/jsonrpc/v1/tasks/nope");
    const noRoute = await call(stack, alice, "GET", "/a2a/jsonrpc/v1/nothing/here");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/json");
    expect(unknown.body).toEqual({ code: -32001, message: expect.any(String) });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: -32602 });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toMatchObject({ code: -32600, message: expect.any(String) });
    expect(noRoute.status).toBe(404);
    expect(noRoute.body).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
  });

  it("OpenAPI documents the routes", async () => {
    const { body } = await call(stack, undefined, "GET", "/openapi.json");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        "/a2a/{agent}/message:send",
        "/a2a/{agent}/tasks/{id}:cancel",
        "/a2a/{agent}/tasks/{taskId}/pushNotificationConfigs/{id}",
        "/a2a/{agent}/v1/message:send",
        "/a2a/{agent}/v1/tasks/{id}:subscribe",
        "/a2a/{agent}/v1/tasks/{id}/pushNotificationConfigs/{pushNotificationConfigId}",
        "/a2a/{agent}/v1/card",
      ]),
    );
    expect(body.paths["/a2a/{agent}/tasks"].get.parameters.map((p: { name: string }) => p.name)).toContain("pageSize");
    expect(body.paths["/a2a/{agent}/v1/message:send"].post.requestBody.content["application/json"].schema.properties).toHaveProperty("message");
  });
});

describe("another key's task in a REST path answers exactly what an unknown one does", () => {
  let aliceTask: string;
  let aliceTask03: string;
  beforeAll(async () => {
    const sent = await call(stack, alice, "POST", "/a2a/rest/message:send", { message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "mine" }] } });
    const sent03 = await call(stack, alice, "POST", "/a2a/rest03/v1/message:send", { message: { messageId: crypto.randomUUID(), role: "ROLE_USER", content: [{ text: "mine" }] } });
    aliceTask = sent.body.task.id;
    aliceTask03 = sent03.body.task.id;
  });

  it.each([
    ["GET", "/tasks/{id}"],
    ["POST", "/tasks/{id}:cancel"],
    ["GET", "/tasks/{id}:subscribe"],
    ["POST", "/tasks/{id}:subscribe"],
    ["GET", "/tasks/{id}/pushNotificationConfigs"],
    ["GET", "/tasks/{id}/pushNotificationConfigs/cfg"],
    ["DELETE", "/tasks/{id}/pushNotificationConfigs/cfg"],
    ["GET", "/v1/tasks/{id}"],
    ["POST", "/v1/tasks/{id}:cancel"],
    ["GET", "/v1/tasks/{id}:subscribe"],
    ["POST", "/v1/tasks/{id}:subscribe"],
    ["POST", "/v1/tasks/{id}/pushNotificationConfigs"],
    ["GET", "/v1/tasks/{id}/pushNotificationConfigs"],
    ["GET", "/v1/tasks/{id}/pushNotificationConfigs/cfg"],
    ["DELETE", "/v1/tasks/{id}/pushNotificationConfigs/cfg"],
  ])("%s %s", async (method, path) => {
    const v03 = path.startsWith("/v1/");
    const [agent, peer, task] = v03 ? ["rest03", rest03Agent, aliceTask03] : ["rest", restAgent, aliceTask];
    const at = (id: string) => `/a2a/${agent}${path.replace("{id}", id)}`;
    const body = method !== "POST" ? undefined : path.endsWith("pushNotificationConfigs") ? { pushNotificationConfig: { url: receiver.url } } : {};
    const heard = peer.requests.length;
    const theirs = await call(stack, bob, method, at(task), body);
    const unknown = await call(stack, bob, method, at("unknown-task-id"), body);
    expect(theirs.status).toBe(404);
    expect(JSON.stringify(theirs.body)).toBe(JSON.stringify(unknown.body));
    expect(peer.requests.slice(heard).some((r) => r.path?.includes(task))).toBe(false);
  });

  it("in 0.3, their task in a body, or in a push config's name, is refused or never reaches the agent", async () => {
    const heard = rest03Agent.requests.length;
    const continued = await call(stack, bob, "POST", "/a2a/rest03/v1/message:send", { message: { messageId: "m", role: "ROLE_USER", taskId: aliceTask03, content: [{ text: "hi" }] } });
    const mine = await call(stack, bob, "POST", "/a2a/rest03/v1/message:send", { message: { messageId: crypto.randomUUID(), role: "ROLE_USER", content: [{ text: "bob's" }] } });
    const named = await call(stack, bob, "POST", `/a2a/rest03/v1/tasks/${mine.body.task.id}/pushNotificationConfigs`, {
      name: `tasks/${aliceTask03}/pushNotificationConfigs/cfg`,
      pushNotificationConfig: { id: "cfg", url: receiver.url },
    });
    expect(continued.status).toBe(404);
    expect(named.status).toBe(200);
    expect(named.body.name).toBe(`tasks/${mine.body.task.id}/pushNotificationConfigs/cfg`);
    expect(JSON.stringify(rest03Agent.requests.slice(heard))).not.toContain(aliceTask03);
  });

  it("a push config for their task, and their task in a body, are refused alike", async () => {
    const theirs = await call(stack, bob, "POST", `/a2a/rest/tasks/${aliceTask}/pushNotificationConfigs`, { url: receiver.url });
    const continued = await call(stack, bob, "POST", "/a2a/rest/message:send", { message: { messageId: "m", role: "ROLE_USER", taskId: aliceTask, parts: [{ text: "hi" }] } });
    expect(theirs.status).toBe(404);
    expect(continued.status).toBe(404);
  });

  it("listings show a key only its own tasks", async () => {
    const { body } = await call(stack, bob, "GET", "/a2a/rest/tasks");
    expect(body.tasks.map((t: { id: string }) => t.id)).not.toContain(aliceTask);
  });
});
