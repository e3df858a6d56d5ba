/**
 * The clients people point at the bridge, unmodified (SPEC §5, §7): the OpenAI Agents SDK (its
 * Chat Completions model and its default, the Responses model), the Vercel AI SDK over
 * `@ai-sdk/openai-compatible`, and LangChain's `ChatOpenAI` (Chat Completions and Responses).
 * Each is given the stack's URL and nothing else; tracing and telemetry stay off, so nothing
 * leaves the machine. The agent streams "echo: <input>" in three chunks 150 ms apart: each client
 * sees the exact text, and a streaming one sees it arrive in pieces over time. And A2A clients
 * that resolve a card but cannot send headers find an agent whose card is public.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import * as z from "zod";
import { Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from "@openai/agents";
import { generateText, jsonSchema, streamText, tool as aiTool } from "ai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI } from "@langchain/openai";
import { SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, startTestStack } from "../helpers/stack.ts";

// LangSmith traces only when asked; say no all the same, before any client exists.
process.env.LANGSMITH_TRACING = "false";
process.env.LANGCHAIN_TRACING_V2 = "false";
setTracingDisabled(true);

let stack: LocalStack;
let agent: PeerHandle;
let key: string;
let baseURL: string;

beforeAll(async () => {
  [stack, agent] = await Promise.all([startTestStack(), startSdkAgent({ chunkDelayMs: 150 })]);
  await Promise.all([registerAgent(stack, "echo", agent.url), registerAgent(stack, "public-echo", agent.url, { publicCard: true })]);
  key = (await createKey(stack, { agents: ["echo"] })).key;
  baseURL = `${stack.url}/v1`;
  setDefaultOpenAIClient(openaiClient());
});

afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close()]);
});

const MODEL = "a2a/echo";

/** What the clients asked the gateway for: each request body, to see that tools were offered. */
const sent: { tools?: unknown[] }[] = [];
const recordingFetch: typeof fetch = (input, init) => {
  if (typeof init?.body === "string") sent.push(JSON.parse(init.body));
  return fetch(input, init);
};
const lastToolsSent = () => sent.at(-1)?.tools?.length ?? 0;
const openaiClient = () => new OpenAI({ apiKey: key, baseURL, maxRetries: 0, fetch: recordingFetch });

/** Pieces of text with their arrival times, from any client's stream. */
async function timed(pieces: AsyncIterable<string>) {
  const started = Date.now();
  const arrivals: { at: number; text: string }[] = [];
  for await (const text of pieces) if (text) arrivals.push({ at: Date.now() - started, text });
  return { text: arrivals.map((a) => a.text).join(""), arrivals };
}

/** Several pieces, over time: the agent's three chunks 150 ms apart, not one block at the end. */
function expectIncremental(arrivals: { at: number }[]) {
  expect(arrivals.length).toBeGreaterThanOrEqual(3);
  expect(arrivals.at(-1)!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(200);
}

describe("the OpenAI Agents SDK", () => {
  const getWeather = tool({
    name: "get_weather",
    description: "The weather in a city",
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny in ${city}`,
  });
  const models = {
    "the Chat Completions model": () => new OpenAIChatCompletionsModel(openaiClient(), MODEL),
    "the Responses model": () => new OpenAIResponsesModel(openaiClient(), MODEL),
  };

  for (const [name, model] of Object.entries(models)) {
    it(`${name}: an agent with a tool runs to the agent's text answer`, async () => {
      const result = await run(new Agent({ name: "assistant", model: model(), tools: [getWeather] }), "weather please");
      expect(result.finalOutput).toBe("echo: weather please");
      expect(lastToolsSent()).toBe(1);
    });

    it(`${name}: a streamed run shows the text as it comes`, async () => {
      const result = await run(new Agent({ name: "assistant", model: model(), tools: [getWeather] }), "stream it", { stream: true });
      const { text, arrivals } = await timed(result.toTextStream());
      await result.completed;
      expect(text).toBe("echo: stream it");
      expect(result.finalOutput).toBe("echo: stream it");
      expectIncremental(arrivals);
    });
  }

  it("the default model provider (the Responses API) with the gateway as the default client", async () => {
    setOpenAIAPI("responses");
    const result = await run(new Agent({ name: "assistant", model: MODEL }), "defaults", { stream: true });
    const { text, arrivals } = await timed(result.toTextStream());
    await result.completed;
    expect(text).toBe("echo: defaults");
    expectIncremental(arrivals);
    expect((await run(new Agent({ name: "assistant", model: MODEL }), "once")).finalOutput).toBe("echo: once");
    expect(sent.at(-1)).toHaveProperty("input"); // a Responses request
  });
});

describe("the Vercel AI SDK (@ai-sdk/openai-compatible)", () => {
  const provider = () => createOpenAICompatible({ name: "gateway", baseURL, apiKey: key, includeUsage: true, fetch: recordingFetch });
  const tools = {
    get_weather: aiTool({ description: "The weather in a city", inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }) }),
  };

  it("generateText, with tools offered, gets the agent's text", async () => {
    const { text, finishReason } = await generateText({ model: provider()(MODEL), prompt: "generate", tools });
    expect(text).toBe("echo: generate");
    expect(finishReason).toBe("stop");
    expect(lastToolsSent()).toBe(1);
  });

  it("streamText streams it in pieces", async () => {
    const result = streamText({ model: provider()(MODEL), prompt: "stream", tools });
    const { text, arrivals } = await timed(result.textStream);
    expect(text).toBe("echo: stream");
    expect(await result.text).toBe("echo: stream");
    expectIncremental(arrivals);
  });
});

describe("LangChain ChatOpenAI", () => {
  const chat = (extra: { useResponsesApi?: boolean } = {}) =>
    new ChatOpenAI({ model: MODEL, apiKey: key, configuration: { baseURL, fetch: recordingFetch }, maxRetries: 0, ...extra });
  const textOf = (content: unknown) =>
    typeof content === "string" ? content : (content as { type: string; text?: string }[]).map((c) => (c.type === "text" ? (c.text ?? "") : "")).join("");

  for (const [name, extra] of [
    ["Chat Completions", {}],
    ["the Responses API (useResponsesApi)", { useResponsesApi: true }],
  ] as const) {
    it(`${name}: invoke gets the agent's text`, async () => {
      const reply = await chat(extra).invoke("invoke");
      expect(textOf(reply.content)).toBe("echo: invoke");
    });

    it(`${name}: stream streams it in pieces`, async () => {
      const stream = await chat(extra).stream("stream");
      const { text, arrivals } = await timed((async function* () {
        for await (const chunk of stream) yield textOf(chunk.content);
      })());
      expect(text).toBe("echo: stream");
      expectIncremental(arrivals);
    });

    it(`${name}: a model with tools bound answers in text`, async () => {
      const reply = await chat(extra).bindTools([{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }]).invoke("tools");
      expect(textOf(reply.content)).toBe("echo: tools");
      expect(reply.tool_calls ?? []).toEqual([]);
      expect(lastToolsSent()).toBe(1);
    });
  }
});

describe("public cards: clients that resolve a card but send no headers", () => {
  const CARD = "/.well-known/agent-card.json";
  const anonymous = (path: string) => call(stack, undefined, "GET", path);

  it("an agent registered with publicCard serves its gateway card without a key (both card paths); calls still need one", async () => {
    const card = await new DefaultAgentCardResolver().resolve(`${stack.url}/a2a/public-echo/`);
    expect(card.name).toBe("sdk-agent");
    expect(card.supportedInterfaces.every((i) => i.url === `${stack.url}/a2a/public-echo`)).toBe(true);
    const legacy = await anonymous("/a2a/public-echo/.well-known/agent.json");
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get("cache-control")).toBe("public, max-age=60");

    const unkeyed = await call(stack, undefined, "POST", "/a2a/public-echo", { jsonrpc: "2.0", id: 1, method: "message/send", params: {} });
    expect(unkeyed.status).toBe(401);
  });

  it("the client found through the public card calls with the key in x-api-key", async () => {
    const all = (await createKey(stack)).key;
    const withApiKey: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), "x-api-key": all } });
    const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl: withApiKey })] }));
    const client = await factory.createFromUrl(`${stack.url}/a2a/public-echo/`);
    // "message": the agent answers with a message at once.
    const reply = await client.sendMessage(SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "message" }] } }));
    expect(reply).toMatchObject({ parts: [{ content: { $case: "text", value: "hello from a message" } }] });
  });

  it("without a key, a private agent's card and an unknown agent's answer alike: 401, as any route without a key", async () => {
    const [privateCard, unknownCard, anyRoute] = await Promise.all([anonymous(`/a2a/echo${CARD}`), anonymous(`/a2a/no-such-agent${CARD}`), anonymous("/v1/models")]);
    expect(privateCard.status).toBe(401);
    expect(unknownCard).toEqual({ ...privateCard, headers: unknownCard.headers });
    expect(privateCard.body.error.message).toBe(anyRoute.body.error.message);
    // A wrong key is refused even where none is needed.
    expect((await call(stack, "sk-wrong", "GET", `/a2a/public-echo${CARD}`)).status).toBe(401);
  });

  it("a card is made public or private again by PATCH, and the admin API says which; LiteLLM's body takes public_card", async () => {
    const patched = await call(stack, stack.masterKey, "PATCH", "/v1/agents/echo", { publicCard: true });
    expect(patched.body.publicCard).toBe(true);
    expect((await anonymous(`/a2a/echo${CARD}`)).status).toBe(200);
    await call(stack, stack.masterKey, "PATCH", "/v1/agents/echo", { publicCard: false });
    expect((await anonymous(`/a2a/echo${CARD}`)).status).toBe(401);

    const litellm = await call(stack, stack.masterKey, "POST", "/v1/agents", { agent_name: "litellm-echo", litellm_params: { url: agent.url }, public_card: true });
    expect(litellm.status).toBe(201);
    expect(litellm.body.publicCard).toBe(true);
    expect((await anonymous(`/a2a/litellm-echo${CARD}`)).status).toBe(200);
  });
});
