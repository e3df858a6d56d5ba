/**
 * The clients people point at the bridge, unmodified (SPEC §5, §7): the OpenAI Agents SDK (its
 * Chat Completions model and its default, the Responses model), the Vercel AI SDK over
 * `@ai-sdk/openai-compatible`, and LangChain's `ChatOpenAI` (Chat Completions and Responses).
 * Each is given the stack's URL and nothing else; tracing and telemetry stay off, so nothing
 * leaves the machine. The agent streams "echo: <input>" in three chunks 150 ms apart: each client
 * sees the exact text, and a streaming one sees it arrive in pieces over time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import * as z from "zod";
import { Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from "@openai/agents";
import { generateText, jsonSchema, streamText, tool as aiTool } from "ai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI } from "@langchain/openai";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { createKey, registerAgent, startTestStack } from "../helpers/stack.ts";

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
  await registerAgent(stack, "echo", agent.url);
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
