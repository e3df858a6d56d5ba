/**
 * Streaming through the gateway (SPEC §4): SSE piped incrementally from streaming agents, built
 * from message/send and polling for agents that cannot stream, translated between A2A 0.3 and 1.0
 * in both directions, and normalised (seed 004).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import type { LocalStack } from "../../infra/local/stack.ts";
import { DEFECT_MESSAGE_ID, startDefectAgent, startFastA2AAgent, startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";
import { readSse } from "../helpers/sse.ts";

let stack: LocalStack;
let v10: PeerHandle;
let fasta2a: PeerHandle;
let defect: PeerHandle;
let key: string;

beforeAll(async () => {
  [stack, v10, fasta2a, defect] = await Promise.all([
    startTestStack(),
    startSdkAgent({ legacyCompat: false, chunkDelayMs: 150 }),
    startFastA2AAgent({ completeAfterMs: 300 }),
    startDefectAgent({ delayMs: 20 }),
  ]);
  await Promise.all([registerAgent(stack, "v10", v10.url), registerAgent(stack, "fasta2a", fasta2a.url), registerAgent(stack, "defect", defect.url)]);
  key = (await createKey(stack)).key;
});
afterAll(async () => {
  await Promise.all([stack?.stop(), v10?.close(), fasta2a?.close(), defect?.close()]);
});

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(stack.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}

const streamV03 = (text: string) => ({ ...sendV03(text), method: "message/stream" });

function sdkClientFactory() {
  const withKey: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl: withKey })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl: withKey }),
    }),
  );
}

describe("a pure A2A 1.0 agent called by a raw 0.3 client", () => {
  it("streams every event in 0.3 form, in order, incrementally", async () => {
    // Act
    const started = Date.now();
    const res = await post("/a2a/v10", streamV03("hello world"));
    const events = await readSse(res, started);
    // Assess
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const results = events.map((e) => e.data.result);
    expect(events.every((e) => e.data.jsonrpc === "2.0" && e.data.error === undefined)).toBe(true);
    expect(results[0].kind).toBe("task");
    const artifactText = results
      .filter((r) => r.kind === "artifact-update")
      .flatMap((r) => r.artifact.parts.map((p: { kind: string; text: string }) => (expect(p.kind).toBe("text"), p.text)))
      .join("");
    expect(artifactText).toBe("echo: hello world");
    const last = results.at(-1);
    expect(last).toMatchObject({ kind: "status-update", final: true, status: { state: "completed" } });
    // Chunks 150 ms apart reach the caller as they happen, not all at the end.
    const artifactTimes = events.filter((e) => e.data.result.kind === "artifact-update").map((e) => e.at);
    expect(artifactTimes.at(-1)! - artifactTimes[0]!).toBeGreaterThanOrEqual(200);
  });
});

describe("the SDK's 1.0 client through the gateway's card", () => {
  it("streams from a 1.0 agent, every event a 1.0 stream response", async () => {
    const client = await sdkClientFactory().createFromUrl(`${stack.url}/a2a/v10/`);
    const kinds: string[] = [];
    for await (const event of client.sendMessageStream(
      SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "sdk" }] } }),
    )) {
      kinds.push((event as { payload?: { $case?: string } }).payload?.$case ?? Object.keys(event).join(","));
    }
    expect(kinds[0]).toBe("task");
    expect(kinds).toContain("artifactUpdate");
    expect(kinds.at(-1)).toBe("statusUpdate");
  });

  it("streams from a raw 0.3 agent that cannot stream: one-shot stream from message/send and polling", async () => {
    const before = fasta2a.requests.length;
    const client = await sdkClientFactory().createFromUrl(`${stack.url}/a2a/fasta2a/`);
    const events: any[] = [];
    for await (const event of client.sendMessageStream(
      SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "ping" }] } }),
    )) {
      events.push(event);
    }
    const methods = fasta2a.requests.slice(before).filter((r) => r.method === "POST").map((r) => (r.body as { method: string }).method);
    expect(methods[0]).toBe("message/send");
    expect(methods).toContain("tasks/get");
    expect(methods).not.toContain("message/stream");
    const cases = events.map((e) => e.payload?.$case);
    expect(cases[0]).toBe("task");
    expect(cases).toContain("artifactUpdate");
    expect(cases.at(-1)).toBe("statusUpdate");
  });
});

describe("seed 004: an agent streaming empty parts and one messageId for every chunk", () => {
  it("reaches the caller with no empty parts and unique messageIds, content untouched", async () => {
    const events = await readSse(await post("/a2a/defect", streamV03("hi")));
    const messages = events.map((e) => e.data.result).filter((r) => r.kind === "message");
    expect(messages.length).toBe(3);
    for (const m of messages) expect(m.parts.length).toBeGreaterThan(0);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(messages.length);
    expect(messages[0].messageId).toBe(DEFECT_MESSAGE_ID);
    expect(messages.map((m) => m.parts[0].text).join("")).toBe("Hello world");
  });

  it("does the same for a 1.0 caller, in 1.0 form", async () => {
    const events = await readSse(await post("/a2a/defect", { jsonrpc: "2.0", id: 1, method: "SendStreamingMessage", params: { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "hi" }] } } }, { "a2a-version": "1.0" }));
    const messages = events.map((e) => e.data.result.message).filter(Boolean);
    expect(messages.length).toBe(3);
    expect(new Set(messages.map((m: { messageId: string }) => m.messageId)).size).toBe(3);
    expect(messages.every((m: { parts: unknown[] }) => m.parts.length > 0)).toBe(true);
  });
});

describe("resubscribing and native versions", () => {
  it("tasks/resubscribe from a 0.3 caller follows a 1.0 agent's running task to its end", async () => {
    // Prepare: a slow task, started without waiting.
    const started = await (
      await post("/a2a/v10", { ...sendV03("slow:800"), params: { ...sendV03("slow:800").params, configuration: { blocking: false } } })
    ).json();
    const taskId = started.result.id;
    // Act
    const events = await readSse(await post("/a2a/v10", { jsonrpc: "2.0", id: 9, method: "tasks/resubscribe", params: { id: taskId } }));
    // Assess
    const results = events.map((e) => e.data.result);
    expect(results.every((r) => r.kind === "task" || r.taskId === taskId || r.id === taskId)).toBe(true);
    expect(results.at(-1)).toMatchObject({ kind: "status-update", final: true, status: { state: "completed" } });
    expect(v10.requests.some((r) => (r.body as { method?: string })?.method === "SubscribeToTask")).toBe(true);
  });

  it("an agent that speaks both versions is spoken to in the caller's own", async () => {
    const both = await startSdkAgent({ legacyCompat: true });
    try {
      await registerAgent(stack, "both", both.url);
      await post("/a2a/both", sendV03("in 0.3"));
      await post("/a2a/both", { jsonrpc: "2.0", id: 2, method: "SendMessage", params: { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "in 1.0" }] } } }, { "a2a-version": "1.0" });
      const methods = both.requests.filter((r) => r.method === "POST").map((r) => (r.body as { method: string }).method);
      expect(methods).toEqual(["message/send", "SendMessage"]);
    } finally {
      await both.close();
    }
  });
});
