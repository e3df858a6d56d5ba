/**
 * The local Lambda (infra/local/runtime/) and the front (infra/local/front.ts), with handlers
 * written for the purpose and run as the functions are: each in its own process under
 * aws-lambda-ric, its answer decoded as a Function URL / HTTP API decodes it. Then the gateway's
 * own functions under it with only their grants: a missing grant is an AccessDeniedException.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionDefs } from "../../infra/functions.ts";
import { createFront } from "../../infra/local/front.ts";
import { LocalFunction, runtimeApiServer } from "../../infra/local/runtime/lambda.ts";
import type { LocalStack } from "../../infra/local/stack.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";
import { startWatchedStreamAgent, type WatchedStreamAgent } from "../reliability/support.ts";
import { startFastA2AAgent, type FastA2AAgentHandle } from "../peers/index.ts";

/** Handlers as a bundle exports them. A gate (an HTTP URL in the event) holds one until the test opens it. */
const FIXTURES = `
const gate = (url) => url && fetch(url).then((r) => r.text());
export const buffered = async (event) => {
  if (event.gate) await gate(event.gate);
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.fail) throw new TypeError("buffered failure");
  return event.value ?? { statusCode: 201, headers: { "x-pid": String(process.pid) }, cookies: ["a=1", "b=2"], body: "created" };
};
export const streaming = awslambda.streamifyResponse(async (event, responseStream) => {
  let closed = false;
  responseStream.on("close", () => (closed = true));
  if (event.failFirst) throw new Error("failed before a byte");
  const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: 207, headers: { "content-type": "text/plain", "x-env": String(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) }, cookies: ["c=3"] });
  if (event.endOnly) return void out.end("the body, passed to end()");
  out.write("first;");
  await gate(event.gate);
  if (event.failLater) throw new Error("failed mid-stream");
  out.write("second;");
  out.end();
  await gate(event.finished && event.finished + "?closed=" + closed);
});
`;

let dir: string;
let gates: Gates;
const functions: LocalFunction[] = [];
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runtime-fixtures-"));
  writeFileSync(join(dir, "index.mjs"), FIXTURES);
  gates = await startGates();
});

afterAll(async () => {
  await Promise.all(functions.map((f) => f.stop()));
  await gates?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function fixture(handler: string, { timeoutSeconds = 30, maxContainers = 4 } = {}): LocalFunction {
  const fn = new LocalFunction(
    { name: handler, taskRoot: dir, handler: `index.${handler}`, memoryMb: 384, timeoutSeconds, environment: {} },
    { maxContainers, log: (_fn, line) => logs.push(line) },
  );
  functions.push(fn);
  return fn;
}

/** A front whose every route invokes `fn` with the request's JSON body as the event. */
async function frontFor(fn: LocalFunction, bodyTimeoutMs?: number) {
  const server = createFront({ invoke: (_name, event) => fn.invoke(JSON.parse((event as { body?: string }).body ?? "{}")), ...(bodyTimeoutMs ? { bodyTimeoutMs } : {}) });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const post = (event: unknown, signal?: AbortSignal) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event), ...(signal ? { signal } : {}) });
  return { server, url, post, close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))) };
}

describe("a streamed answer, decoded as a Function URL decodes it", () => {
  it("takes status, headers and cookies from the prelude and streams the body as it is written", async () => {
    // Prepare
    const front = await frontFor(fixture("streaming"));
    const gate = gates.open();
    // Act
    const res = await front.post({ gate: gate.url });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    gate.release();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    // Assess: the first chunk arrived while the function was still held at the gate.
    expect(res.status).toBe(207);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("x-env")).toBe("384");
    expect(res.headers.getSetCookie()).toEqual(["c=3"]);
    expect(first).toBe("first;");
    expect(rest).toBe("second;");
    await front.close();
  });

  it("answers 502 when the body went to end() alone: the runtime sends no prelude then", async () => {
    const front = await frontFor(fixture("streaming"));

    const res = await front.post({ endOnly: true });

    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ message: "Internal Server Error" });
    await front.close();
  });

  it("answers 502 when the function fails before its first byte, and cuts the stream when it fails after", async () => {
    const front = await frontFor(fixture("streaming"));
    const gate = gates.open();

    const early = await front.post({ failFirst: true });
    const late = await front.post({ gate: gate.url, failLater: true });
    const reader = late.body!.getReader();
    await reader.read();
    gate.release();

    expect(early.status).toBe(502);
    expect(late.status).toBe(207);
    await expect(drain(reader)).rejects.toThrow();
    expect(logs.some((line) => line.includes("Invoke Error") && line.includes("failed mid-stream"))).toBe(true);
    await front.close();
  });

  it("never tells the function its caller left: it runs to its end, its stream never closed", async () => {
    // Prepare
    const front = await frontFor(fixture("streaming"));
    const gate = gates.open();
    const finished = gates.open();
    const aborter = new AbortController();
    const res = await front.post({ gate: gate.url, finished: finished.url }, aborter.signal);
    await res.body!.getReader().read();
    // Act
    aborter.abort();
    await new Promise((r) => setTimeout(r, 100));
    gate.release();
    // Assess
    expect(await finished.reached).toBe("closed=false");
    finished.release();
    await front.close();
  });
});

describe("a buffered answer, decoded with the payload format 2.0 rules", () => {
  it("takes an object with statusCode as the response, cookies and base64 bodies included", async () => {
    const front = await frontFor(fixture("buffered"));

    const res = await front.post({});
    const binary = await front.post({ value: { statusCode: 200, isBase64Encoded: true, body: Buffer.from("bytes").toString("base64") } });

    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.text()).toBe("created");
    expect(await binary.text()).toBe("bytes");
    await front.close();
  });

  it("answers any other value as a 200 JSON body, and a function error as 502", async () => {
    const front = await frontFor(fixture("buffered"));

    const plain = await front.post({ value: { hello: "world" } });
    const failed = await front.post({ fail: true });
    const malformed = await front.post({ value: { statusCode: "two hundred" } });

    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("application/json");
    expect(await plain.json()).toEqual({ hello: "world" });
    expect(failed.status).toBe(502);
    expect(malformed.status).toBe(502);
    await front.close();
  });
});

describe("the containers", () => {
  it("take a streamed response as long as the function's timeout allows, not node's default five minutes", () => {
    // A stream is one request to the Runtime API lasting as long as the stream (node cuts requests at 300 s by default).
    const api = runtimeApiServer(() => {});
    expect(api.requestTimeout).toBe(0);
    api.close();
  });

  it("serve one invocation at a time: a busy container's work goes to a new one, up to the cap, then waits", async () => {
    // Prepare: three invocations held at a gate, two containers at most.
    const fn = fixture("buffered", { maxContainers: 2 });
    const gate = gates.open();
    // Act
    const held = [1, 2, 3].map(() => fn.invoke({ gate: gate.url }));
    await gate.waiting(2);
    gate.release();
    const pids = (await Promise.all(held)).map(pidOf);
    const warm = pidOf(await fn.invoke({}));
    // Assess: the third waited for a free container; a warm one took the next call.
    expect(new Set(pids).size).toBe(2);
    expect(pids).toContain(warm);
  });

  it("enforce the function's timeout: the container is killed and the invocation fails as on Lambda", async () => {
    const fn = fixture("buffered", { timeoutSeconds: 1 });
    const first = pidOf(await fn.invoke({}));

    const timedOut = await fn.invoke({ sleepMs: 10_000 });
    const after = pidOf(await fn.invoke({}));

    expect(timedOut).toMatchObject({ kind: "failed", error: { errorType: "Sandbox.Timedout", errorMessage: expect.stringMatching(/Task timed out after 1\.00 seconds$/) } });
    expect(logs.some((line) => line.endsWith("Task timed out after 1.00 seconds"))).toBe(true);
    expect(after).not.toBe(first);
    expect(isAlive(first)).toBe(false);
  });

  it("report an init error to the invocation that waited for it", async () => {
    const fn = fixture("notExported");

    const result = await fn.invoke({});

    expect(result).toEqual({ kind: "failed", error: { errorType: "Runtime.HandlerNotFound", errorMessage: "index.notExported is undefined or not exported" } });
  });

  it("are all killed by stop(), and die with the process that started them", async () => {
    const fn = fixture("buffered");
    const pid = pidOf(await fn.invoke({}));
    await fn.stop();
    expect(isAlive(pid)).toBe(false);

    // A parent killed outright runs no exit handler: the container sees its stdin close.
    const orphan = await containerOfKilledParent();
    await eventually(() => !isAlive(orphan));
  });
});

describe("the front's reading of request bodies", () => {
  it("refuses a declared body over 10 MB at once, and a body that does not arrive in time with 408", async () => {
    const front = await frontFor(fixture("buffered"), 300);

    const tooLarge = await rawPost(front.url, { "content-length": String(11 * 1024 * 1024) }, "");
    const slow = await rawPost(front.url, { "content-length": "100" }, "{");

    expect(tooLarge).toBe(413);
    expect(slow).toBe(408);
    await front.close();
  });
});

describe("the gateway's functions, with only their grants", () => {
  let agent: FastA2AAgentHandle;
  const stacks: LocalStack[] = [];
  beforeAll(async () => void (agent = await startFastA2AAgent({ completeAfterMs: 300 })));
  afterAll(async () => void (await Promise.all([agent?.close(), ...stacks.map((s) => s.stop())])));

  /** A chat completion handed to the queue at once, and what becomes of it. */
  async function asyncChat(stack: LocalStack) {
    stacks.push(stack);
    await registerAgent(stack, "slow", agent.url);
    const { key } = await createKey(stack, { agents: ["slow"] });
    const res = await call(stack, key, "POST", "/v1/chat/completions", { model: "a2a/slow", messages: [{ role: "user", content: "hi" }] }, { prefer: "respond-async" });
    expect(res.status).toBe(202);
    return { id: res.body.id as string, fetch: () => call(stack, key, "GET", `/v1/chat/completions/${res.body.id}`) };
  }

  it("the poller, granted the agents and keys tables, finishes an async chat completion", async () => {
    const chat = await asyncChat(await startTestStack());

    await eventually(async () => (await chat.fetch()).status === 200);

    expect((await chat.fetch()).body).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant" } }] });
  });

  it("the poller without the agents table is denied it, as on AWS, and the task does not finish", async () => {
    // Prepare: the grant the first deploy lacked (issue 12).
    const stack = await startTestStack({ grants: { poller: { ...functionDefs.poller, tables: ["tasks", "keys"] } } });
    const logFile = process.env.GATEWAY_LOG_FILE!;
    // Act
    const chat = await asyncChat(stack);
    // Assess
    // Not told the table's name either (its environment names only its grants), it asks for the bare one.
    const denied = /assumed-role\/poller\/poller is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/agents /;
    await eventually(() => denied.test(readFileSync(logFile, "utf8")));
    expect((await chat.fetch()).status).toBe(202);
  });
});

describe("the gateway's streams, on Lambda", () => {
  let stack: LocalStack;
  let silent: WatchedStreamAgent;
  let endless: WatchedStreamAgent;
  let key: string;
  beforeAll(async () => {
    // Short intervals so the test need not wait the real ones (10 s, 600 s).
    [stack, silent, endless] = await Promise.all([
      startTestStack({ env: { GATEWAY_KEEPALIVE_MS: "300", GATEWAY_MAX_STREAM_S: "2" } }),
      startWatchedStreamAgent("silent"),
      startWatchedStreamAgent("endless"),
    ]);
    await Promise.all([registerAgent(stack, "silent", silent.url), registerAgent(stack, "endless", endless.url)]);
    key = (await createKey(stack, { agents: ["silent", "endless"] })).key;
  });
  afterAll(async () => void (await Promise.all([stack?.stop(), silent?.close(), endless?.close()])));

  const stream = (agent: string, signal: AbortSignal) =>
    fetch(`${stack.url}/a2a/${agent}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ ...sendV03("hi"), method: "message/stream" }),
      signal,
    });

  it("send a keep-alive comment whenever the agent has been silent for the interval", async () => {
    const abort = new AbortController();
    const res = await stream("silent", abort.signal);
    const reader = res.body!.getReader();
    let text = "";
    // Prepare/Act: read until two keep-alives came after the agent's one event.
    while ((text.match(/^: keep-alive$/gm) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();

    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(text).toMatch(/^data: .*tick 0/m);
  });

  it("end at the maximum stream duration, closing the agent's stream, since Lambda never learns the caller left", async () => {
    const opened = Date.now();
    const res = await stream("endless", new AbortController().signal);

    const text = await res.text();

    expect(text).toMatch(/tick \d+/);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(2_000);
    await eventually(() => endless.closed === endless.opened);
  });
});

// ---------------------------------------------------------------------------------------------

/** HTTP endpoints a fixture waits on, released by the test. */
interface Gates {
  open(): { url: string; release(): void; waiting(n: number): Promise<void>; reached: Promise<string> };
  close(): Promise<void>;
}

async function startGates(): Promise<Gates> {
  const gates = new Map<string, { held: (() => void)[]; released: boolean; reach: (query: string) => void }>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://gate");
    const gate = gates.get(url.pathname);
    if (!gate) return void res.writeHead(404).end();
    gate.reach(url.search.slice(1));
    const answer = () => res.end("open");
    if (gate.released) answer();
    else gate.held.push(answer);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    open() {
      const path = `/${gates.size}`;
      let reach!: (query: string) => void;
      const reached = new Promise<string>((r) => (reach = r));
      const gate = { held: [] as (() => void)[], released: false, reach };
      gates.set(path, gate);
      return {
        url: base + path,
        reached,
        release() {
          gate.released = true;
          for (const answer of gate.held.splice(0)) answer();
        },
        waiting: (n: number) => eventually(() => gate.held.length >= n),
      };
    },
    close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  };
}

function pidOf(invocation: unknown): number {
  const { kind, payload } = invocation as { kind: string; payload?: Buffer };
  if (kind !== "buffered") throw new Error(`not an answer: ${JSON.stringify(invocation)}`);
  return Number(JSON.parse(payload!.toString()).headers["x-pid"]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
}

function rawPost(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.write(body); // and never the rest
  });
}

/** Starts a container from a separate process, then kills that process with SIGKILL. */
async function containerOfKilledParent(): Promise<number> {
  const script = `
    import { LocalFunction } from ${JSON.stringify(new URL("../../infra/local/runtime/lambda.ts", import.meta.url).pathname)};
    const fn = new LocalFunction({ name: "orphan", taskRoot: ${JSON.stringify(dir)}, handler: "index.buffered", memoryMb: 128, timeoutSeconds: 30, environment: {} }, { maxContainers: 1, log: () => {} });
    const answer = await fn.invoke({});
    process.stdout.write(JSON.parse(answer.payload.toString()).headers["x-pid"] + "\\n");
  `;
  const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const pid = await new Promise<number>((resolve) => parent.stdout!.once("data", (c: Buffer) => resolve(Number(c.toString().trim()))));
  parent.kill("SIGKILL");
  return pid;
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
  }
}
