/**
 * The OpenAI-compatible bridge through the local stack, with the real `openai` SDK as the client.
 * Seed 001's four bugs, each its own test, against an agent that behaves like fasta2a / Pydantic AI.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startFastA2AAgent, startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, startTestStack } from "../helpers/stack.ts";

let stack: LocalStack;
let pydantic: PeerHandle;
let slowPydantic: PeerHandle;
let asking: PeerHandle;
let failing: PeerHandle;
let sdk: PeerHandle;
let openai: OpenAI;
let key: string;

beforeAll(async () => {
  [stack, pydantic, slowPydantic, asking, failing, sdk] = await Promise.all([
    startTestStack({ env: { GATEWAY_SYNC_BUDGET_MS: "10000" } }),
    startFastA2AAgent({ completeAfterMs: 0 }),
    startFastA2AAgent({ completeAfterMs: 700 }),
    startFastA2AAgent({ inputRequired: true, completeAfterMs: 0 }),
    startFastA2AAgent({ fail: true, completeAfterMs: 0 }),
    startSdkAgent({ chunkDelayMs: 150 }),
  ]);
  await Promise.all([
    registerAgent(stack, "demo", pydantic.url),
    registerAgent(stack, "slow", slowPydantic.url),
    registerAgent(stack, "asking", asking.url),
    registerAgent(stack, "failing", failing.url),
    registerAgent(stack, "streamer", sdk.url),
  ]);
  key = (await createKey(stack)).key;
  openai = new OpenAI({ apiKey: key, baseURL: `${stack.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await Promise.all([stack?.stop(), pydantic?.close(), slowPydantic?.close(), asking?.close(), failing?.close(), sdk?.close()]);
});

const PONG = JSON.stringify({ result: { msg: "pong" } });
const agentCalls = (peer: PeerHandle) => peer.requests.filter((r) => r.method === "POST").map((r) => r.body as { method: string; params: any });

describe("seed 001: a fasta2a / Pydantic AI agent through the bridge", () => {
  it("bug 1: sends a spec-valid message with kind on the message and every part", async () => {
    const res = await openai.chat.completions.create({ model: "a2a/demo", messages: [{ role: "user", content: "ping" }], max_tokens: 100 });
    expect(res.choices[0]!.message.content).toBe(PONG);
    const sent = agentCalls(pydantic).find((c) => c.method === "message/send")!;
    expect(sent.params.message.kind).toBe("message");
    expect(sent.params.message.parts.every((p: { kind?: string }) => p.kind === "text")).toBe(true);
  });

  it("bug 2: a data part becomes its JSON text, not an empty reply", async () => {
    const res = await openai.chat.completions.create({ model: "a2a/demo", messages: [{ role: "user", content: "ping" }] });
    expect(res.choices[0]!.message.content).toBe(PONG);
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0]!.finish_reason).toBe("stop");
  });

  it("bug 3: a task answered 'submitted' is polled with tasks/get until it completes", async () => {
    const before = agentCalls(slowPydantic).length;
    const res = await openai.chat.completions.create({ model: "a2a/slow", messages: [{ role: "user", content: "ping" }] });
    expect(res.choices[0]!.message.content).toBe(PONG);
    const polls = agentCalls(slowPydantic).slice(before).filter((c) => c.method === "tasks/get");
    expect(polls.length).toBeGreaterThanOrEqual(2);
  });

  it("bug 4: stream=true to an agent that cannot stream sends message/send, polls, and streams the result", async () => {
    const before = agentCalls(slowPydantic).length;
    const stream = await openai.chat.completions.create({ model: "a2a/slow", messages: [{ role: "user", content: "ping" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(PONG);
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
    const methods = agentCalls(slowPydantic).slice(before).map((c) => c.method);
    expect(methods).not.toContain("message/stream");
    expect(methods[0]).toBe("message/send");
  });
});

describe("a streaming @a2a-js/sdk agent", () => {
  it("streams the text incrementally: the first chunk arrives before the agent finishes, and the text is exact", async () => {
    const started = Date.now();
    const stream = await openai.chat.completions.create({ model: "a2a/streamer", messages: [{ role: "user", content: "hello world" }], stream: true });
    const arrivals: number[] = [];
    let text = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        arrivals.push(Date.now() - started);
        text += delta;
      }
    }
    expect(text).toBe("echo: hello world");
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // The agent sends its three chunks 150 ms apart: the first reached us well before the last.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(200);
    expect(agentCalls(sdk).some((c) => c.method === "SendStreamingMessage")).toBe(true);
  });

  it("answers without streaming with the assembled text", async () => {
    const res = await openai.chat.completions.create({ model: "a2a/streamer", messages: [{ role: "user", content: "hi" }] });
    expect(res.choices[0]!.message.content).toBe("echo: hi");
  });
});

describe("conversations and tasks that continue", () => {
  it("input-required returns the question with the task id, and the next request continues that task", async () => {
    const first = (await openai.chat.completions.create({ model: "a2a/asking", messages: [{ role: "user", content: "greet me" }] })) as any;
    expect(first.choices[0].message.content).toBe("What is your name?");
    expect(first.a2a.state).toBe("input-required");
    const second = (await openai.chat.completions.create({
      model: "a2a/asking",
      messages: [
        { role: "user", content: "greet me" },
        { role: "assistant", content: "What is your name?" },
        { role: "user", content: "Ada" },
      ],
      metadata: { a2a_task_id: first.a2a.task_id, a2a_context_id: first.a2a.context_id },
    })) as any;
    expect(second.choices[0].message.content).toBe("Hello, Ada");
    expect(second.a2a.task_id).toBe(first.a2a.task_id);
  });

  it("sends the whole conversation to a new context", async () => {
    await openai.chat.completions.create({
      model: "a2a/demo",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "second" },
      ],
    });
    const sent = agentCalls(pydantic).at(-2)!; // message/send, then a tasks/get or none
    const message = (sent.method === "message/send" ? sent : agentCalls(pydantic).findLast((c) => c.method === "message/send")!).params.message;
    const text = message.parts.map((p: { text: string }) => p.text).join("\n");
    expect(text).toContain("system: be brief");
    expect(text).toContain("user: first");
    expect(text).toContain("assistant: ok");
    expect(text).toContain("second");
  });
});

describe("errors in OpenAI's format", () => {
  it("agent failure: 502 with the agent's reason", async () => {
    const err = await openai.chat.completions.create({ model: "a2a/failing", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.message).toContain("agent exploded");
  });

  it("unknown model: 404 model_not_found", async () => {
    const err = await openai.chat.completions.create({ model: "a2a/nope", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.code).toBe("model_not_found");
  });

  it("invalid body: 400 naming the parameter", async () => {
    const res = await call(stack, key, "POST", "/v1/chat/completions", { model: "a2a/demo", messages: [] });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("messages");
    expect(res.body.error.type).toBe("invalid_request_error");
  });

  it("unsupported n: 400 saying so", async () => {
    const res = await call(stack, key, "POST", "/v1/chat/completions", { model: "a2a/demo", messages: [{ role: "user", content: "x" }], n: 2 });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("n");
  });

  it("a model not named a2a/<agent>: 404 model_not_found saying how models are named, for the master key and a restricted key alike", async () => {
    const restricted = (await createKey(stack, { agents: ["demo"] })).key;
    const answers = await Promise.all(
      [stack.masterKey, key, restricted].map((k) => call(stack, k, "POST", "/v1/chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: "x" }] })),
    );
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("model_not_found");
      expect(res.body.error.message).toContain('models are named "a2a/<agent>"');
    }
    // Nothing about which agents exist: the same words whichever key asks.
    expect(new Set(answers.map((r) => r.body.error.message)).size).toBe(1);
  });
});

describe("tools", () => {
  const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } } as const;
  const ask = (extra: Record<string, unknown>) => call(stack, key, "POST", "/v1/chat/completions", { model: "a2a/streamer", messages: [{ role: "user", content: "tools" }], ...extra });

  for (const [label, extra] of [
    ["without tool_choice", { tools: [weather] }],
    ["with tool_choice auto", { tools: [weather], tool_choice: "auto" }],
    ["with tool_choice none", { tools: [weather], tool_choice: "none" }],
    ["as functions with function_call auto", { functions: [weather.function], function_call: "auto" }],
  ] as const) {
    it(`are accepted ${label}: the agent answers in text`, async () => {
      const res = await ask(extra);
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content).toBe("echo: tools");
      expect(res.body.choices[0].finish_reason).toBe("stop");
    });
  }

  for (const [param, value] of [
    ["tool_choice", "required"],
    ["tool_choice", { type: "function", function: { name: "get_weather" } }],
    ["function_call", { name: "get_weather" }],
  ] as const) {
    it(`refuse ${param} ${JSON.stringify(value)}: 400 saying an agent answers in text`, async () => {
      const res = await ask({ tools: [weather], [param]: value });
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe(param);
      expect(res.body.error.message).toMatch(/demands a tool call.*answers in text/);
    });
  }

  it("refuse a tool_choice that is no tool choice: 400 naming it", async () => {
    const res = await ask({ tools: [weather], tool_choice: "sometimes" });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("tool_choice");
  });

  it("lists the agents the key may use as a2a/<name>", async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(["a2a/demo", "a2a/streamer"]));
  });
});
