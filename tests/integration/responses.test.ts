/**
 * The Responses API through the local stack (SPEC §5), with the real `openai` SDK as the client:
 * streamed responses (the event sequence, incremental text), background responses streamed and
 * resumed with `starting_after`, and `tools` accepted unless a call is demanded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startFastA2AAgent, startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { readSse } from "../helpers/sse.ts";
import { call, createKey, registerAgent, startTestStack } from "../helpers/stack.ts";

let stack: LocalStack;
let streamer: PeerHandle;
let polled: PeerHandle;
let openai: OpenAI;
let key: string;

beforeAll(async () => {
  [stack, streamer, polled] = await Promise.all([
    startTestStack(),
    startSdkAgent({ chunkDelayMs: 150 }),
    startFastA2AAgent({ completeAfterMs: 500 }),
  ]);
  await Promise.all([registerAgent(stack, "streamer", streamer.url), registerAgent(stack, "polled", polled.url)]);
  key = (await createKey(stack)).key;
  openai = new OpenAI({ apiKey: key, baseURL: `${stack.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await Promise.all([stack?.stop(), streamer?.close(), polled?.close()]);
});

/** The order OpenAI emits a one-message response in, deltas collapsed. */
const SEQUENCE = [
  "response.created",
  "response.in_progress",
  "response.output_item.added",
  "response.content_part.added",
  "response.output_text.delta",
  "response.output_text.done",
  "response.content_part.done",
  "response.output_item.done",
  "response.completed",
];
const collapsed = (events: { type: string }[]) => events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);

async function collect(stream: AsyncIterable<ResponseStreamEvent>, started = Date.now()) {
  const events: (ResponseStreamEvent & { at: number })[] = [];
  for await (const event of stream) events.push({ ...event, at: Date.now() - started });
  return events;
}

describe("stream: true", () => {
  it("emits the Responses event sequence, numbered from 0, with the text as the agent streams it", async () => {
    const started = Date.now();
    const events = await collect(await openai.responses.create({ model: "a2a/streamer", input: "hello world", stream: true }), started);

    expect(collapsed(events)).toEqual(SEQUENCE);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.filter((e) => e.type === "response.output_text.delta");
    expect(deltas.map((d) => d.delta).join("")).toBe("echo: hello world");
    // Three chunks 150 ms apart: the first reached the client well before the last.
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.at(-1)!.at - deltas[0]!.at).toBeGreaterThanOrEqual(200);

    const created = events[0] as OpenAI.Responses.ResponseCreatedEvent;
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(created.response).toMatchObject({ object: "response", status: "in_progress", output: [] });
    expect(completed.response).toMatchObject({ id: created.response.id, status: "completed", model: "a2a/streamer" });
    const item = (events.find((e) => e.type === "response.output_item.done") as OpenAI.Responses.ResponseOutputItemDoneEvent).item;
    expect(completed.response.output).toEqual([item]);
    expect(item).toMatchObject({ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "echo: hello world" }] });
    expect(deltas.every((d) => d.item_id === item.id && d.output_index === 0 && d.content_index === 0)).toBe(true);
  });

  it("works with the SDK's responses.stream() helper, which rebuilds the response from the events", async () => {
    const stream = openai.responses.stream({ model: "a2a/streamer", input: "helper" });
    const snapshots: string[] = [];
    stream.on("response.output_text.delta", (e) => snapshots.push(e.snapshot));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("echo: helper");
    expect(snapshots.at(-1)).toBe("echo: helper");
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
  });

  it("streams the result of an agent that cannot stream once its task is polled to the end", async () => {
    const events = await collect(await openai.responses.create({ model: "a2a/polled", input: "ping", stream: true }));
    expect(collapsed(events)).toEqual(SEQUENCE);
    const pong = JSON.stringify({ result: { msg: "pong" } });
    expect((events.find((e) => e.type === "response.output_text.done") as OpenAI.Responses.ResponseTextDoneEvent).text).toBe(pong);
    expect((events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response.output_text).toBe(pong);
  });

  it("ends with response.failed, saying why, when the agent's task fails", async () => {
    const events = await collect(await openai.responses.create({ model: "a2a/streamer", input: "fail", stream: true }));
    const failed = events.at(-1) as OpenAI.Responses.ResponseFailedEvent;
    expect(failed.type).toBe("response.failed");
    expect(failed.response.status).toBe("failed");
    expect(failed.response.error?.message).toContain("agent failed on purpose");
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it("refuses an unknown model before the stream starts: 404 model_not_found", async () => {
    const err = await openai.responses.create({ model: "a2a/nope", input: "x", stream: true }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.code).toBe("model_not_found");
  });
});

describe("background: true", () => {
  it("with stream: true, streams the job to its end; GET ?stream=true&starting_after=N resumes with the very events after N", async () => {
    const events = await collect(await openai.responses.create({ model: "a2a/streamer", input: "slow:1200", background: true, stream: true }));
    expect(collapsed(events)).toEqual(SEQUENCE);
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.output_text).toBe("done after 1200ms");
    const id = (events[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    expect(id).toMatch(/^resp_/);

    // Raw, as a client that lost the stream after event 3 would resume it.
    const res = await fetch(`${stack.url}/v1/responses/${id}?stream=true&starting_after=3`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const resumed = (await readSse(res)).map((a) => a.data);
    const strip = ({ at: _at, ...e }: { at: number }) => e;
    expect(resumed).toEqual(events.slice(4).map(strip));

    // The SDK's own resume: it replays from the start and shows only what follows starting_after.
    const seen: number[] = [];
    const sdkResumed = openai.responses.stream({ response_id: id, starting_after: 5 });
    sdkResumed.on("event", (e) => seen.push(e.sequence_number));
    expect((await sdkResumed.finalResponse()).output_text).toBe("done after 1200ms");
    expect(seen[0]).toBe(6);
  });

  it("GET ?stream=true of a response still running follows it to its end", async () => {
    const created = await openai.responses.create({ model: "a2a/streamer", input: "slow:1500", background: true });
    expect(created.status).toMatch(/queued|in_progress/);
    const events = await collect(await openai.responses.retrieve(created.id, { stream: true }));
    expect(collapsed(events)).toEqual(SEQUENCE);
    expect((events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response.id).toBe(created.id);
  });

  it("refuses a starting_after that is not a sequence number: 400 naming it", async () => {
    const created = await openai.responses.create({ model: "a2a/polled", input: "ping", background: true });
    const res = await call(stack, key, "GET", `/v1/responses/${created.id}?stream=true&starting_after=-1`);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("starting_after");
  });
});

describe("a foreground stream that outlives a stream's time", () => {
  let shortLived: LocalStack;
  beforeAll(async () => {
    // Streams may run 6 s: a foreground one waits 1 s for its agent, keeping 5 s to hand off.
    shortLived = await startTestStack({ env: { GATEWAY_MAX_STREAM_S: "6" } });
    await registerAgent(shortLived, "streamer", streamer.url);
  });
  afterAll(() => shortLived?.stop());

  it("hands the turn to the queue and ends with response.incomplete naming the background response, which resumes to the end", async () => {
    const client = new OpenAI({ apiKey: shortLived.masterKey, baseURL: `${shortLived.url}/v1`, maxRetries: 0 });
    const events = await collect(await client.responses.create({ model: "a2a/streamer", input: "slow:2500", stream: true }));
    expect(collapsed(events)).toEqual(["response.created", "response.in_progress", "response.incomplete"]);
    const background = (events.at(-1) as OpenAI.Responses.ResponseIncompleteEvent).response;
    expect(background).toMatchObject({ status: "in_progress", model: "a2a/streamer" });
    expect(background.id).not.toBe((events[0] as OpenAI.Responses.ResponseCreatedEvent).response.id);

    const resumed = await client.responses.stream({ response_id: background.id }).finalResponse();
    expect(resumed.output_text).toBe("done after 2500ms");
  });
});

describe("tools", () => {
  const weather: OpenAI.Responses.FunctionTool = {
    type: "function",
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
    strict: true,
  };

  for (const tool_choice of [undefined, "auto", "none"] as const) {
    it(`are accepted with tool_choice ${tool_choice ?? "absent"}: the agent answers in text`, async () => {
      const res = await openai.responses.create({ model: "a2a/streamer", input: "tools", tools: [weather], ...(tool_choice ? { tool_choice } : {}) });
      expect(res.output_text).toBe("echo: tools");
    });
  }

  for (const [name, tool_choice] of [
    ["required", "required"],
    ["a named function", { type: "function", name: "get_weather" }],
  ] as const) {
    it(`refuses tool_choice ${name}: 400 saying an agent answers in text`, async () => {
      const err = await openai.responses.create({ model: "a2a/streamer", input: "x", tools: [weather], tool_choice }).catch((e) => e);
      expect(err.status).toBe(400);
      expect(err.param).toBe("tool_choice");
      expect(err.message).toMatch(/demands a tool call.*answers in text/);
    });
  }
});
