// Proves the test peers behave as the gateway's integration tests assume.
import { afterEach, describe, expect, it } from "vitest";
import { CancelTaskRequest, SendMessageRequest, TaskState, type Message, type SendMessageResult, type Task } from "@a2a-js/sdk";
import { ClientFactory, type Client } from "@a2a-js/sdk/client";
import {
  DEFECT_MESSAGE_ID,
  startDefectAgent,
  startFastA2AAgent,
  startFaultAgent,
  startSdkAgent,
  startWebhookReceiver,
  type V03Message,
  type V03Task,
} from "../peers/index.ts";

type Closable = { close(): Promise<void> };
const open: Closable[] = [];

/** Registers a peer so it is closed after the test, whatever the outcome. */
async function peer<T extends Closable>(started: Promise<T>): Promise<T> {
  const handle = await started;
  open.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((handle) => handle.close()));
});

type RpcReply<T = unknown> = { jsonrpc: "2.0"; id: string | number | null; result?: T; error?: { code: number; message: string } };

async function rpc<T = unknown>(url: string, method: string, params: unknown, headers: Record<string, string> = {}): Promise<RpcReply<T>> {
  const res = await fetch(`${url}/`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return (await res.json()) as RpcReply<T>;
}

function userMessage03(text: string, extra: Partial<V03Message> = {}): V03Message {
  return { kind: "message", role: "user", messageId: `m-${Math.random()}`, parts: [{ kind: "text", text }], ...extra };
}

/** Yields the parsed `data:` payload of each SSE event as it arrives. */
async function* sseData(res: Response): AsyncGenerator<unknown> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    buffered += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event.split("\n").find((line) => line.startsWith("data: "));
      if (data) yield JSON.parse(data.slice("data: ".length)) as unknown;
    }
  }
}


describe("fasta2a agent (A2A 0.3, no streaming, polled)", () => {
  it("serves a 0.3 card that advertises the unreachable URL it was told to", async () => {
    // Prepare
    const agent = await peer(startFastA2AAgent({ cardUrl: (port) => `http://0.0.0.0:${port}/` }));
    // Act
    const cards = await Promise.all(
      ["/.well-known/agent-card.json", "/.well-known/agent.json"].map(async (path) => (await fetch(agent.url + path)).json()),
    );
    // Assess
    for (const card of cards) {
      expect(card).toMatchObject({
        protocolVersion: "0.3.0",
        url: `http://0.0.0.0:${agent.port}/`,
        preferredTransport: "JSONRPC",
        capabilities: { streaming: false, pushNotifications: false },
      });
    }
  });

  it("rejects a message without kind, naming the field like pydantic", async () => {
    const agent = await peer(startFastA2AAgent());
    const { kind: _omitted, ...withoutKind } = userMessage03("hi");

    const reply = await rpc(agent.url, "message/send", { message: withoutKind });

    expect(reply.error).toEqual({ code: -32602, message: "message/send.params.message.kind Field required" });
  });

  it("answers a submitted task that completes with a data artifact when polled", async () => {
    // Prepare
    // The agent's clock is driven by hand, so a slow machine cannot skip the working state.
    let now = 1_700_000_000_000;
    const agent = await peer(startFastA2AAgent({ completeAfterMs: 40, clock: () => now }));
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    // Act
    const sent = await rpc<V03Task>(agent.url, "message/send", { message: userMessage03("ping", { contextId: "ctx-1" }) }, { traceparent });
    now += 20;
    const early = await rpc<V03Task>(agent.url, "tasks/get", { id: sent.result?.id });
    now += 20;
    const done = await rpc<V03Task>(agent.url, "tasks/get", { id: sent.result?.id });
    // Assess
    expect(sent.result).toMatchObject({ kind: "task", contextId: "ctx-1", status: { state: "submitted" }, history: [{ kind: "message" }] });
    expect(early.result?.status.state).toBe("working");
    expect(done.result?.status.state).toBe("completed");
    expect(done.result?.artifacts).toEqual([
      { artifactId: expect.any(String), name: "result", parts: [{ kind: "data", data: { result: { msg: "pong" } } }] },
    ]);
    expect(agent.requests.filter((r) => (r.body as { method?: string }).method === "tasks/get")).toHaveLength(2);
    expect(agent.requests[0]?.headers.traceparent).toBe(traceparent);
  });

  it("does not stream, and rejects unknown methods", async () => {
    const agent = await peer(startFastA2AAgent());

    const stream = await rpc(agent.url, "message/stream", { message: userMessage03("hi") });
    const unknown = await rpc(agent.url, "tasks/frobnicate", {});

    expect(stream.error).toEqual({ code: -32004, message: "Method message/stream not implemented." });
    expect(unknown.error?.code).toBe(-32601);
  });

  it("asks for input, then completes the same task with a greeting", async () => {
    // Prepare
    const agent = await peer(startFastA2AAgent({ inputRequired: true, completeAfterMs: 0 }));
    const first = await rpc<V03Task>(agent.url, "message/send", { message: userMessage03("hi") });
    const taskId = first.result?.id ?? "";
    // Act
    const asked = await rpc<V03Task>(agent.url, "tasks/get", { id: taskId });
    await rpc(agent.url, "message/send", { message: userMessage03("Ada", { taskId }) });
    const answered = await rpc<V03Task>(agent.url, "tasks/get", { id: taskId });
    // Assess
    expect(asked.result?.status).toMatchObject({ state: "input-required", message: { role: "agent", parts: [{ kind: "text", text: "What is your name?" }] } });
    expect(answered.result?.status.state).toBe("completed");
    expect(answered.result?.artifacts?.[0]?.parts).toEqual([{ kind: "text", text: "Hello, Ada" }]);
  });

  it("lets a reply function shape the artifact", async () => {
    const agent = await peer(startFastA2AAgent({ completeAfterMs: 0, reply: (text) => [{ kind: "text", text: text.toUpperCase() }] }));

    const sent = await rpc<V03Task>(agent.url, "message/send", { message: userMessage03("shout") });
    const polled = await rpc<V03Task>(agent.url, "tasks/get", { id: sent.result?.id });

    expect(polled.result?.artifacts?.[0]?.parts).toEqual([{ kind: "text", text: "SHOUT" }]);
  });

  it("fails with a status message when told to", async () => {
    const agent = await peer(startFastA2AAgent({ fail: true, completeAfterMs: 0 }));

    const sent = await rpc<V03Task>(agent.url, "message/send", { message: userMessage03("boom") });
    const polled = await rpc<V03Task>(agent.url, "tasks/get", { id: sent.result?.id });

    expect(polled.result?.status).toMatchObject({ state: "failed", message: { parts: [{ kind: "text", text: "agent exploded" }] } });
  });

  it("cancels a running task once, and forgets tasks on demand", async () => {
    // Prepare
    const agent = await peer(startFastA2AAgent({ completeAfterMs: 10_000 }));
    const sent = await rpc<V03Task>(agent.url, "message/send", { message: userMessage03("long") });
    const id = sent.result?.id;
    // Act
    const canceled = await rpc<V03Task>(agent.url, "tasks/cancel", { id });
    const again = await rpc(agent.url, "tasks/cancel", { id });
    agent.forgetTasks();
    const forgotten = await rpc(agent.url, "tasks/get", { id });
    // Assess
    expect(canceled.result?.status.state).toBe("canceled");
    expect(again.error?.code).toBe(-32002);
    expect(forgotten.error?.code).toBe(-32001);
  });
});

describe("SDK agent (A2A 1.0 via @a2a-js/sdk)", () => {
  // fromJSON takes the 1.0 wire shape and fills every proto default the typed request needs.
  const send = (text: string, ids: { taskId?: string; contextId?: string } = {}, configuration?: unknown) =>
    SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }], ...ids }, configuration });

  const isTask = (result: SendMessageResult): result is Task => "status" in result;
  const textOf = (parts: Message["parts"]) => parts.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("");

  async function clientFor(url: string): Promise<Client> {
    return new ClientFactory().createFromUrl(url);
  }

  it("echoes through the SDK client and records the forwarded headers", async () => {
    // Prepare
    const agent = await peer(startSdkAgent());
    const client = await clientFor(agent.url);
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    // Act
    const result = await client.sendMessage(send("hello"), { serviceParameters: { traceparent } });
    // Assess
    expect(client.protocolVersion).toBe("1.0");
    expect(isTask(result) && result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(isTask(result) && textOf(result.artifacts[0]?.parts ?? [])).toBe("echo: hello");
    const rpcCall = agent.requests.find((r) => r.method === "POST");
    expect(rpcCall?.headers).toMatchObject({ traceparent, "a2a-version": "1.0" });
    expect(rpcCall?.body).toMatchObject({ method: "SendMessage", params: { message: { role: "ROLE_USER", parts: [{ text: "hello" }] } } });
  });

  it("streams the task, a working update, three artifact chunks and completion", async () => {
    const agent = await peer(startSdkAgent({ chunkDelayMs: 5 }));
    const client = await clientFor(agent.url);

    const kinds: string[] = [];
    for await (const event of client.sendMessageStream(send("stream me"))) kinds.push(event.payload?.$case ?? "none");

    expect(kinds).toEqual(["task", "statusUpdate", "artifactUpdate", "artifactUpdate", "artifactUpdate", "statusUpdate"]);
  });

  it.each([
    ["fail", TaskState.TASK_STATE_FAILED, (t: Task) => textOf(t.status?.message?.parts ?? []), "agent failed on purpose"],
    ["data", TaskState.TASK_STATE_COMPLETED, (t: Task) => t.artifacts[0]?.parts[0]?.content, { $case: "data", value: { answer: 42 } }],
  ])("ends the '%s' scenario in the scripted state", async (text, state, pick, expected) => {
    const agent = await peer(startSdkAgent());
    const client = await clientFor(agent.url);

    const result = await client.sendMessage(send(text));

    expect(isTask(result) && result.status?.state).toBe(state);
    expect(isTask(result) && pick(result)).toEqual(expected);
  });

  it("answers 'message' with a direct Message, no task", async () => {
    const agent = await peer(startSdkAgent());
    const client = await clientFor(agent.url);

    const result = await client.sendMessage(send("message"));

    expect(isTask(result)).toBe(false);
    expect(textOf((result as Message).parts)).toBe("hello from a message");
  });

  it("asks for a name, then greets on the same task", async () => {
    const agent = await peer(startSdkAgent());
    const client = await clientFor(agent.url);

    const asked = await client.sendMessage(send("ask"));
    const task = asked as Task;
    const answered = await client.sendMessage(send("Ada", { taskId: task.id, contextId: task.contextId }));

    expect(task.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(textOf(task.status?.message?.parts ?? [])).toBe("What is your name?");
    expect(isTask(answered) && textOf(answered.artifacts[0]?.parts ?? [])).toBe("Hello, Ada");
  });

  it("cancels a slow task mid-stream without waiting for it", async () => {
    // Prepare
    const agent = await peer(startSdkAgent());
    const client = await clientFor(agent.url);
    const started = Date.now();
    const states: TaskState[] = [];
    // Act
    for await (const event of client.sendMessageStream(send("slow:5000"))) {
      const payload = event.payload;
      if (payload?.$case === "statusUpdate" && payload.value.status) states.push(payload.value.status.state);
      if (payload?.$case === "task") {
        const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id: payload.value.id }));
        expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      }
    }
    // Assess
    expect(states.at(-1)).toBe(TaskState.TASK_STATE_CANCELED);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("pushes task updates to a webhook when push notifications are on", async () => {
    // Prepare
    const agent = await peer(startSdkAgent({ pushNotifications: true }));
    const hook = await peer(startWebhookReceiver());
    const client = await clientFor(agent.url);
    // Act
    await client.sendMessage(send("data", {}, { taskPushNotificationConfig: { url: `${hook.url}/hook`, token: "secret" } }));
    const completed = await hook.waitFor((r) => r.rawBody.includes("TASK_STATE_COMPLETED"));
    // Assess
    expect(completed.headers).toMatchObject({ "content-type": "application/a2a+json", "x-a2a-notification-token": "secret" });
    expect(completed.body).toMatchObject({ statusUpdate: { status: { state: "TASK_STATE_COMPLETED" } } });
  });

  it("accepts a raw 0.3 message/send when legacy compat is on", async () => {
    // Prepare
    const agent = await peer(startSdkAgent({ legacyCompat: true }));
    // Act: no A2A-Version header, which the spec reads as 0.3
    const reply = await rpc<V03Task>(agent.url, "message/send", { message: userMessage03("hi") });
    const card = (await (await fetch(`${agent.url}/.well-known/agent-card.json`)).json()) as Record<string, unknown>;
    // Assess
    expect(reply.result).toMatchObject({ kind: "task", status: { state: "completed" } });
    expect(reply.result?.artifacts?.[0]?.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")).toBe("echo: hi");
    expect(card).toMatchObject({ protocolVersion: "0.3", url: `${agent.url}/`, preferredTransport: "JSONRPC" });
  });

  it("refuses a request without A2A-Version when it speaks only 1.0", async () => {
    const agent = await peer(startSdkAgent());

    const reply = await rpc(agent.url, "SendMessage", { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "hi" }] } });

    expect(reply.error?.code).toBe(-32009);
  });
});

describe("defect agent (.NET Agent Framework #5868)", () => {
  it("streams bookended chunks that all reuse one messageId", async () => {
    // Prepare
    const agent = await peer(startDefectAgent({ delayMs: 1 }));
    // Act
    const res = await fetch(`${agent.url}/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: "s1", method: "message/stream", params: { message: userMessage03("hi") } }),
    });
    const events: RpcReply<V03Message>[] = [];
    for await (const data of sseData(res)) events.push(data as RpcReply<V03Message>);
    // Assess
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(events.map((e) => e.id)).toEqual(["s1", "s1", "s1", "s1", "s1"]);
    expect(new Set(events.map((e) => e.result?.messageId))).toEqual(new Set([DEFECT_MESSAGE_ID]));
    expect(events.map((e) => e.result?.parts.length)).toEqual([0, 1, 1, 1, 0]);
    expect(events.map((e) => e.result?.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")).join("")).toBe("Hello world");
  });

  it("answers message/send with a single message", async () => {
    const agent = await peer(startDefectAgent());

    const reply = await rpc<V03Message>(agent.url, "message/send", { message: userMessage03("hi") });

    expect(reply.result).toMatchObject({ kind: "message", role: "agent", parts: [{ kind: "text", text: "Hello world" }] });
  });
});

describe("webhook receiver", () => {
  it("answers 503 while down, records everything, and waits for a match", async () => {
    // Prepare
    const hook = await peer(startWebhookReceiver());
    const post = (body: unknown) => fetch(hook.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    // Act
    hook.setDown(true);
    const whileDown = await post({ n: 1 });
    hook.setDown(false);
    const waiting = hook.waitFor((r) => (r.body as { n?: number }).n === 2);
    const whileUp = await post({ n: 2 });
    const match = await waiting;
    // Assess
    expect([whileDown.status, whileUp.status]).toEqual([503, 200]);
    expect(hook.requests.map((r) => r.status)).toEqual([503, 200]);
    expect(match).toMatchObject({ method: "POST", rawBody: '{"n":2}', body: { n: 2 } });
    await expect(hook.waitFor(() => false, 50)).rejects.toThrow(/no matching request/);
  });
});

describe("fault agent", () => {
  const sendBody = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "message/send", params: { message: userMessage03("hi") } });
  const streamBody = JSON.stringify({ jsonrpc: "2.0", id: 8, method: "message/stream", params: { message: userMessage03("hi") } });
  const post = (url: string, body: string, signal?: AbortSignal) =>
    fetch(`${url}/`, { method: "POST", headers: { "Content-Type": "application/json" }, body, signal });

  it("refuses connections", async () => {
    const agent = await peer(startFaultAgent("refuse"));

    await expect(fetch(`${agent.url}/.well-known/agent-card.json`)).rejects.toThrow();
  });

  it("serves a valid card but hangs on the call", async () => {
    const agent = await peer(startFaultAgent("hang"));

    const card = (await (await fetch(`${agent.url}/.well-known/agent-card.json`)).json()) as { capabilities: { streaming: boolean } };
    const call = post(agent.url, sendBody, AbortSignal.timeout(100));

    expect(card.capabilities.streaming).toBe(true);
    await expect(call).rejects.toThrow();
    expect(agent.requests.at(-1)?.method).toBe("POST");
  });

  it("answers slowly", async () => {
    const agent = await peer(startFaultAgent("slow", { delayMs: 60 }));
    const started = Date.now();

    const reply = (await (await post(agent.url, sendBody)).json()) as RpcReply<V03Message>;

    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(reply).toMatchObject({ id: 7, result: { kind: "message" } });
  });

  it("answers garbage, an HTML 500, or another request's id", async () => {
    const [garbage, html, wrongId] = await Promise.all([peer(startFaultAgent("garbage")), peer(startFaultAgent("html500")), peer(startFaultAgent("wrong-id"))]);

    const garbageRes = await post(garbage.url, sendBody);
    const htmlRes = await post(html.url, sendBody);
    const wrong = (await (await post(wrongId.url, sendBody)).json()) as RpcReply;

    expect(await garbageRes.text()).toBe("not json at all");
    expect([htmlRes.status, htmlRes.headers.get("content-type")]).toEqual([500, "text/html; charset=utf-8"]);
    expect(wrong.id).not.toBe(7);
    expect(wrong.result).toBeDefined();
  });

  it("drops a stream after two events", async () => {
    const agent = await peer(startFaultAgent("stream-drop"));
    const received: unknown[] = [];

    const read = async () => {
      for await (const data of sseData(await post(agent.url, streamBody))) received.push(data);
    };

    await expect(read()).rejects.toThrow();
    expect(received).toHaveLength(2);
  });

  it("streams forever until the client leaves", async () => {
    const agent = await peer(startFaultAgent("endless-stream"));
    const controller = new AbortController();
    let count = 0;

    const res = await post(agent.url, streamBody, controller.signal);
    await expect(
      (async () => {
        for await (const _ of sseData(res)) if (++count === 5) controller.abort();
      })(),
    ).rejects.toThrow();

    expect(count).toBe(5);
  });
});
