/**
 * The A2A proxy through the local stack, against real agents: raw JSON-RPC from curl (seed 000),
 * the official SDK client through the served card, agents with a 0.0.0.0 card (seed 003), and
 * every error of SPEC §4 with its code and HTTP status.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startFastA2AAgent, startFaultAgent, startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";

const run = promisify(execFile);

let stack: LocalStack;
let sdkAgent: PeerHandle;
let fastAgent: PeerHandle;
let zeroCardAgent: PeerHandle;
let key: string;

beforeAll(async () => {
  [stack, sdkAgent, fastAgent, zeroCardAgent] = await Promise.all([
    startTestStack({ env: { GATEWAY_SYNC_BUDGET_MS: "1500" } }),
    startSdkAgent({ legacyCompat: true }),
    startFastA2AAgent({ completeAfterMs: 0 }),
    startFastA2AAgent({ completeAfterMs: 0, cardUrl: (port) => `http://0.0.0.0:${port}/` }),
  ]);
  await registerAgent(stack, "echo", sdkAgent.url);
  await registerAgent(stack, "fast", fastAgent.url);
  await registerAgent(stack, "zero", zeroCardAgent.url);
  key = (await createKey(stack)).key;
});

afterAll(async () => {
  await Promise.all([stack?.stop(), sdkAgent?.close(), fastAgent?.close(), zeroCardAgent?.close()]);
});

/** The exact request of seed 000, built as its curl command builds it. */
function seedRequest() {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: crypto.randomUUID(),
    method: "message/send",
    params: {
      message: { kind: "message", messageId: crypto.randomUUID(), role: "user", parts: [{ kind: "text", text: "ok" }] },
      metadata: { kind: "warm_ping" },
    },
  });
}

async function curl(path: string, body: string, headers: string[] = []) {
  const args = ["-sS", "-X", "POST", "-H", `Authorization: Bearer ${key}`, "-H", "Content-Type: application/json", ...headers.flatMap((h) => ["-H", h]), "-w", "\n%{http_code}", `${stack.url}${path}`, "-d", body];
  const { stdout } = await run("curl", args);
  const cut = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) };
}

describe("seed 000: a raw JSON-RPC POST from curl", () => {
  for (const path of ["/a2a/echo/message/send", "/a2a/echo", "/a2a/fast/message/send", "/a2a/fast"]) {
    it(`returns the agent's task on ${path}, never -32603 "Stream consumed"`, async () => {
      // Act
      const { status, body } = await curl(path, seedRequest(), [`x-litellm-trace-id: ${crypto.randomUUID()}`]);
      // Assess
      expect(status).toBe(200);
      expect(body.error).toBeUndefined();
      expect(body.result.kind).toBe("task");
      expect(typeof body.result.id).toBe("string");
    });
  }
});

describe("the official SDK client through the gateway's card", () => {
  it("sends a message and reads the task back, every call through the gateway", async () => {
    // Prepare: the SDK fetches the card and sends every call with the virtual key.
    const withKey: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${key}`);
      return fetch(input, { ...init, headers });
    };
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory({ fetchImpl: withKey })],
        cardResolver: new DefaultAgentCardResolver({ fetchImpl: withKey }),
      }),
    );
    const agentCallsBefore = sdkAgent.requests.length;
    // Act
    const client = await factory.createFromUrl(`${stack.url}/a2a/echo/`);
    const sent = await client.sendMessage(
      SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "through" }] } }),
    );
    const taskId = (sent as { id: string }).id;
    const task = await client.getTask({ id: taskId } as never);
    // Assess
    expect(client.protocolVersion).toBe("1.0");
    expect(task.id).toBe(taskId);
    const agentCalls = sdkAgent.requests.slice(agentCallsBefore).filter((r) => r.method === "POST");
    expect(agentCalls.map((r) => (r.body as { method: string }).method)).toEqual(["SendMessage", "GetTask"]);
    // Every call the agent saw came from the gateway, which always adds its own span.
    expect(agentCalls.every((r) => typeof r.headers.traceparent === "string")).toBe(true);
  });

  it("serves a card whose URLs all point at the gateway", async () => {
    const { status, body } = await call(stack, key, "GET", "/a2a/echo/.well-known/agent-card.json");
    expect(status).toBe(200);
    expect(body.url).toBe(`${stack.url}/a2a/echo`);
    for (const i of body.supportedInterfaces) expect(i.url).toBe(`${stack.url}/a2a/echo`);
    expect(JSON.stringify(body)).not.toContain(sdkAgent.url);
  });
});

describe("seed 003: an agent whose card advertises http://0.0.0.0:PORT/", () => {
  it("works through the gateway: the registered URL wins", async () => {
    const { status, body } = await curl("/a2a/zero", JSON.stringify(sendV03("hi")));
    expect(status).toBe(200);
    expect(body.result.kind).toBe("task");
    expect(zeroCardAgent.requests.some((r) => r.method === "POST")).toBe(true);
  });
});

describe("trace and request ids", () => {
  it("forwards the caller's traceparent and returns its trace id as x-trace-id", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await call(stack, key, "POST", "/a2a/fast", sendV03("trace me"), { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(res.headers.get("x-trace-id")).toBe(traceId);
    expect(res.headers.get("x-request-id")).toMatch(/\S+/);
    const forwarded = fastAgent.requests.at(-1)!.headers.traceparent as string;
    expect(forwarded).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it("starts a trace when the caller has none", async () => {
    const res = await call(stack, key, "POST", "/a2a/fast", sendV03("no trace"));
    expect(res.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("errors of SPEC §4, each with its code and status, the gateway serving on", () => {
  const cases: { name: string; path?: string; body: unknown; status: number; code: number; id?: unknown; check?: (b: any) => void }[] = [
    { name: "unparseable body", body: "{not json", status: 200, code: -32700, id: null },
    { name: "not a JSON-RPC request", body: { id: 7, method: "message/send" }, status: 200, code: -32600, id: 7 },
    { name: "empty body", body: "", status: 200, code: -32600, id: null },
    { name: "unknown method", body: { jsonrpc: "2.0", id: 8, method: "tasks/explode", params: {} }, status: 200, code: -32601, id: 8 },
    {
      name: "invalid params, with the zod issues",
      body: { jsonrpc: "2.0", id: 9, method: "message/send", params: { message: { role: "user" } } },
      status: 200,
      code: -32602,
      id: 9,
      check: (b) => expect(Array.isArray(b.error.data) && b.error.data.length > 0).toBe(true),
    },
    { name: "unknown agent", path: "/a2a/nobody", body: sendV03("x"), status: 404, code: -32600 },
  ];
  for (const c of cases) {
    it(`${c.name}: HTTP ${c.status}, code ${c.code}`, async () => {
      const res = await call(stack, key, "POST", c.path ?? "/a2a/fast", c.body);
      expect(res.status).toBe(c.status);
      expect(res.body.jsonrpc).toBe("2.0");
      expect(res.body.error.code).toBe(c.code);
      if ("id" in c) expect(res.body.id).toEqual(c.id);
      c.check?.(res.body);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
      // The gateway keeps serving.
      expect((await call(stack, key, "POST", "/a2a/fast", sendV03("still there"))).body.result.kind).toBe("task");
    });
  }

  it("body over 1 MiB: HTTP 413", async () => {
    const res = await call(stack, key, "POST", "/a2a/fast", sendV03("x".repeat(1024 * 1024 + 10)));
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/1 MiB/);
  });

  it("agent refusing connections: HTTP 502, data says unreachable", async () => {
    const refused = await startFaultAgent("refuse");
    await registerAgent(stack, "refused", refused.url, { card: { name: "refused", url: refused.url } });
    const res = await call(stack, key, "POST", "/a2a/refused", sendV03("x"));
    expect(res.status).toBe(502);
    expect(res.body.error.data).toEqual({ upstream: "unreachable" });
  });

  it("agent that hangs: HTTP 504 within the budget, data says timeout", async () => {
    const hang = await startFaultAgent("hang");
    try {
      await registerAgent(stack, "hang", hang.url);
      const started = Date.now();
      const res = await call(stack, key, "POST", "/a2a/hang", sendV03("x"));
      expect(res.status).toBe(504);
      expect(res.body.error.data).toEqual({ upstream: "timeout" });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await hang.close();
    }
  });

  it("agent answering garbage: HTTP 502, data says invalid_response", async () => {
    const garbage = await startFaultAgent("garbage");
    try {
      await registerAgent(stack, "garbage", garbage.url);
      const res = await call(stack, key, "POST", "/a2a/garbage", sendV03("x"));
      expect(res.status).toBe(502);
      expect(res.body.error.data.upstream).toBe("invalid_response");
    } finally {
      await garbage.close();
    }
  });

  it("missing key: HTTP 401; unknown key: HTTP 401", async () => {
    expect((await call(stack, undefined, "POST", "/a2a/fast", sendV03("x"))).status).toBe(401);
    expect((await call(stack, "sk-0123456789abcdef_nope", "POST", "/a2a/fast", sendV03("x"))).status).toBe(401);
  });
});
