/**
 * The task driver over a scripted agent and a simulated clock: it streams from agents that stream,
 * sends and polls (200 ms doubling to 2 s) those that cannot, stops when the task settles or the
 * budget ends, and hands the caller every event and every error in the caller's version.
 */
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installAwsLambdaGlobal } from "../../infra/local/awslambda.ts";
import { driveTask, type Drive } from "../../shared/core/driver.ts";
import type { Agent, AgentCall, AgentReply } from "../../shared/ports.ts";
import { RpcError } from "../../shared/protocol/jsonrpc.ts";
import type { A2AVersion } from "../../shared/protocol/methods.ts";
import { apiEvent, memoryDeps, rpcReply, ScriptedUpstream, sseReply, v03Agent, v10Agent } from "../helpers/memory-deps.ts";

installAwsLambdaGlobal();
const { streamingHandler } = await import("../../functions/lib/http.ts");
const { a2aHandlers } = await import("../../shared/routes/a2a.ts");

type Answer = Parameters<typeof rpcReply>[1];
const TRACE = { traceId: "trace", traceparent: "00-trace-span-01" };
const SEND_03 = { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "hi" }] } };

/** An agent scripted per JSON-RPC method; every call is remembered with the simulated time it came at. */
class Agentish {
  readonly calls: { method: string; params: any; at: number }[] = [];
  readonly upstream: ScriptedUpstream;
  constructor(answer: (method: string, params: any, n: number) => AgentReply | Answer) {
    this.upstream = new ScriptedUpstream((_call: AgentCall, body) => {
      const n = this.calls.filter((c) => c.method === body.method).length;
      this.calls.push({ method: body.method, params: body.params, at: Date.now() - T0 });
      const reply = answer(body.method, body.params, n);
      return "kind" in reply ? reply : rpcReply(body.id, reply);
    });
  }
  methods = () => this.calls.map((c) => c.method);
}

const T0 = Date.parse("2026-01-01T00:00:00Z");

const task03 = (state: string, artifacts?: object[]) => ({ kind: "task", id: "t1", contextId: "c1", status: { state }, ...(artifacts ? { artifacts } : {}) });
const text03 = (id: string, text: string) => ({ artifactId: id, parts: [{ kind: "text", text }] });

/** Drives to the end on the simulated clock; the events, or the error that ended them. */
async function drive(agent: Agent, script: Agentish, overrides: Partial<Drive> = {}) {
  const deps = memoryDeps(script.upstream, { config: { ...memoryDeps(script.upstream).config, syncBudgetMs: 25_000 } });
  const events: unknown[] = [];
  const run = (async () => {
    const stream = await driveTask({ agent, version: overrides.version ?? versionOf(agent), as: "0.3", start: { op: "stream", params: SEND_03 }, budgetMs: 25_000, trace: TRACE, ...overrides }, deps);
    for await (const event of stream) events.push(event);
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  await vi.runAllTimersAsync();
  const error = await run;
  return { events, error, ended: Date.now() - T0 };
}

const versionOf = (agent: Agent): A2AVersion => ("supportedInterfaces" in agent.card ? "1.0" : "0.3");
const kinds = (events: unknown[]) => events.map((e) => (e as { kind: string }).kind);

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the task driver", () => {
  it("pipes a streaming agent's events as they come, in the caller's version, and never polls", async () => {
    // Prepare: a 1.0 agent streaming a task, an artifact and its completion.
    const script = new Agentish((_method, _params) =>
      sseReply(1, [
        { result: { task: { id: "t1", contextId: "c1", status: { state: "TASK_STATE_SUBMITTED" } } } },
        { result: { artifactUpdate: { taskId: "t1", contextId: "c1", artifact: { artifactId: "a", parts: [{ text: "hello" }] } } } },
        { result: { statusUpdate: { taskId: "t1", contextId: "c1", status: { state: "TASK_STATE_COMPLETED" } } } },
      ]),
    );
    // Act
    const to03 = await drive(v10Agent("streamer", { streaming: true }), script);
    const to10 = await drive(v10Agent("streamer", { streaming: true }), script, { as: "1.0" });
    // Assess
    expect(script.methods()).toEqual(["SendStreamingMessage", "SendStreamingMessage"]);
    expect(kinds(to03.events)).toEqual(["task", "artifact-update", "status-update"]);
    expect(to03.events[1]).toMatchObject({ artifact: { parts: [{ kind: "text", text: "hello" }] } });
    expect(to10.events.map((e) => Object.keys(e as object)[0])).toEqual(["task", "artifactUpdate", "statusUpdate"]);
    expect(to03.error ?? to10.error).toBeUndefined();
  });

  it("polls an agent that cannot stream: submitted, working, completed, 200 ms apart doubling", async () => {
    // Prepare: the agent answers `submitted`, then `working` twice, then completes.
    const script = new Agentish((method, _params, n) => {
      if (method === "message/send") return { result: task03("submitted") };
      return { result: n < 2 ? task03("working") : task03("completed", [text03("a", "done")]) };
    });
    // Act
    const { events, error } = await drive(v03Agent("poller"), script);
    // Assess
    expect(error).toBeUndefined();
    expect(script.calls.map((c) => [c.method, c.at])).toEqual([
      ["message/send", 0],
      ["tasks/get", 200],
      ["tasks/get", 600],
      ["tasks/get", 1400],
    ]);
    // The gateway does its own waiting: the agent is asked not to block.
    expect(script.calls[0]!.params.configuration).toEqual({ blocking: false });
    expect(kinds(events)).toEqual(["task", "status-update", "artifact-update", "status-update"]);
    expect(events.at(-1)).toMatchObject({ status: { state: "completed" }, final: true });
  });

  it("stops polling a silent agent when the budget ends, the task left unsettled", async () => {
    const script = new Agentish((method) => ({ result: task03(method === "message/send" ? "submitted" : "working") }));
    const { events, error, ended } = await drive(v03Agent("silent"), script, { budgetMs: 5_000 });
    expect(error).toBeUndefined();
    // 200, 400, 800, 1600, then 2 s apart: the next poll would land past the budget.
    expect(script.calls.filter((c) => c.method === "tasks/get").map((c) => c.at)).toEqual([200, 600, 1400, 3000, 5000]);
    expect(kinds(events)).toEqual(["task", "status-update"]);
    expect(events.at(-1)).toMatchObject({ final: false });
    expect(ended).toBe(5_000);
  });

  it("closes a silent agent's stream when the budget ends", async () => {
    const script = new Agentish(() => sseReply(1, [{ result: task03("working") }], { open: true }));
    const { events, error, ended } = await drive(v03Agent("mute", { capabilities: { streaming: true } }), script, { budgetMs: 5_000 });
    expect(error).toBeUndefined();
    expect(kinds(events)).toEqual(["task"]);
    expect(ended).toBe(5_000);
  });

  it("follows a stream that ends before its task settles by polling", async () => {
    const script = new Agentish((method) =>
      method === "message/stream" ? sseReply(1, [{ result: task03("working", [text03("a", "half")]) }]) : { result: task03("completed", [text03("a", "half and whole")]) },
    );
    const { events } = await drive(v03Agent("quitter", { capabilities: { streaming: true } }), script);
    expect(script.methods()).toEqual(["message/stream", "tasks/get"]);
    expect(kinds(events)).toEqual(["task", "artifact-update", "status-update"]);
    expect(events[1]).toMatchObject({ artifact: { parts: [{ text: "half and whole" }] } });
    expect(events[2]).toMatchObject({ status: { state: "completed" }, final: true });
  });

  it("falls back to message/send and polling when the agent answers that it cannot stream", async () => {
    for (const code of [-32601, -32004]) {
      // Prepare: the card says it streams; the agent says otherwise.
      const script = new Agentish((method) => {
        if (method === "SendStreamingMessage") return { error: { code, message: "no streaming here" } };
        if (method === "SendMessage") return { result: { task: { id: "t1", contextId: "c1", status: { state: "TASK_STATE_WORKING" } } } };
        return { result: { id: "t1", contextId: "c1", status: { state: "TASK_STATE_INPUT_REQUIRED" } } };
      });
      // Act
      const { events, error } = await drive(v10Agent("liar", { streaming: true }), script);
      // Assess: input-required settles the exchange, as a terminal state does.
      expect(error).toBeUndefined();
      expect(script.methods()).toEqual(["SendStreamingMessage", "SendMessage", "GetTask"]);
      expect(script.calls[1]!.params.configuration).toEqual({ returnImmediately: true });
      expect(events.at(-1)).toMatchObject({ kind: "status-update", status: { state: "input-required" }, final: true });
    }
  });

  it("ends with TaskNotFound when the agent forgets the task mid-poll, in the caller's version", async () => {
    // Prepare: a 1.0 agent whose -32001 carries 1.0's ErrorInfo.
    const info = { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org", metadata: { taskId: "t1" } };
    const script = new Agentish((method) =>
      method === "SendMessage" ? { result: { task: { id: "t1", contextId: "c1", status: { state: "TASK_STATE_WORKING" } } } } : { error: { code: -32001, message: "Task not found", data: [info] } },
    );
    // Act
    const { events, error } = await drive(v10Agent("forgetful"), script);
    // Assess
    expect(kinds(events)).toEqual(["task"]);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).toObject()).toEqual({ code: -32001, message: "Task not found", data: { taskId: "t1" } });
  });

  it("refuses to start when the agent refuses the message, with its error in the caller's version", async () => {
    const script = new Agentish(() => ({ error: { code: -32602, message: "bad message", data: { field: "parts" } } }));
    const { error } = await drive(v03Agent("strict", { capabilities: { streaming: true } }), script, { as: "1.0", start: { op: "stream", params: { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "x" }] } } } });
    expect((error as RpcError).code).toBe(-32602);
    expect((error as RpcError).data).toEqual([{ "@type": "type.googleapis.com/google.protobuf.Value", value: { field: "parts" } }]);
  });
});

/** What a Lambda response stream receives. */
class Capture extends Writable {
  text = "";
  setMeta() {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** A streaming call through the A2A route, whole; the last event's JSON-RPC body. */
async function streamThroughGateway(agent: Agent, script: Agentish, request: object, headers: Record<string, string> = {}) {
  const deps = memoryDeps(script.upstream);
  await deps.agents.create(agent);
  const out = new Capture();
  await streamingHandler(a2aHandlers, () => deps)(apiEvent("POST", `/a2a/${agent.name}`, JSON.stringify(request), headers) as never, out, {} as never);
  const frames = out.text.split("\n\n").filter((f) => f.startsWith("data: "));
  return JSON.parse(frames.at(-1)!.slice("data: ".length));
}

describe("an error in the middle of an agent's stream", () => {
  // Real timers: the stream is over before any timer matters.
  beforeEach(() => {
    vi.useRealTimers();
  });

  it("reaches a 0.3 caller of a 1.0 agent in 0.3 form", async () => {
    const info = { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org", metadata: { taskId: "t1" } };
    const script = new Agentish(() =>
      sseReply(1, [{ result: { task: { id: "t1", contextId: "c1", status: { state: "TASK_STATE_WORKING" } } } }, { error: { code: -32001, message: "Task not found", data: [info] } }]),
    );
    const last = await streamThroughGateway(v10Agent("v10", { streaming: true }), script, { jsonrpc: "2.0", id: 7, method: "message/stream", params: SEND_03 });
    expect(last).toEqual({ jsonrpc: "2.0", id: 7, error: { code: -32001, message: "Task not found", data: { taskId: "t1" } } });
  });

  it("reaches a 1.0 caller of a 0.3 agent in 1.0 form", async () => {
    const script = new Agentish(() => sseReply(1, [{ result: task03("working") }, { error: { code: -32001, message: "Task not found", data: { taskId: "t1" } } }]));
    const request = { jsonrpc: "2.0", id: 8, method: "SendStreamingMessage", params: { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "hi" }] } } };
    const last = await streamThroughGateway(v03Agent("v03", { capabilities: { streaming: true } }), script, request, { "a2a-version": "1.0" });
    const info = { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org", metadata: { taskId: "t1" } };
    expect(last).toEqual({ jsonrpc: "2.0", id: 8, error: { code: -32001, message: "Task not found", data: [info] } });
  });
});
