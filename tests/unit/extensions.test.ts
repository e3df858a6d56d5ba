/**
 * The A2A-Extensions service parameter through the gateway (A2A 1.0 §3.2.6, §9.2): the extension
 * URIs a caller asks for reach the agent, and the ones the agent activates reach the caller, each
 * under the header name of its own version (0.3 spelled it `X-A2A-Extensions`).
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { installAwsLambdaGlobal } from "../../infra/local/awslambda.ts";
import type { Agent, AgentReply } from "../../shared/ports.ts";
import { apiEvent, memoryDeps, ScriptedUpstream, v03Agent } from "../helpers/memory-deps.ts";

installAwsLambdaGlobal();
const { streamingHandler } = await import("../../functions/lib/http.ts");
const { a2aHandlers } = await import("../../shared/routes/a2a.ts");

class Capture extends Writable {
  text = "";
  meta?: { statusCode: number; headers?: Record<string, string> };
  setMeta(meta: { statusCode: number; headers?: Record<string, string> }) {
    this.meta = meta;
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

const v10Agent = (name: string): Agent => ({
  ...v03Agent(name),
  card: { name, capabilities: { streaming: true }, supportedInterfaces: [{ url: "http://127.0.0.1:9/", protocolBinding: "JSONRPC", protocolVersion: "1.0" }] },
});

const GEO = "https://example.com/extensions/geolocation/v1";
const CITATIONS = "https://standards.org/extensions/citations/v1";

/** An agent that answers with one message and says, in its own version's header, which extensions it activated. */
function agentActivating(header: string, activated: string | undefined) {
  return new ScriptedUpstream((_call, body): AgentReply => {
    const message = body.method === "message/send"
      ? { kind: "message", messageId: "m2", role: "agent", parts: [{ kind: "text", text: "ok" }] }
      : { message: { messageId: "m2", role: "ROLE_AGENT", parts: [{ text: "ok" }] } };
    return { kind: "json", status: 200, body: { jsonrpc: "2.0", id: body.id, result: message }, headers: activated ? { [header]: activated } : {} };
  });
}

async function send(agent: Agent, upstream: ScriptedUpstream, request: object, headers: Record<string, string>) {
  const deps = memoryDeps(upstream);
  await deps.agents.create(agent);
  const out = new Capture();
  await streamingHandler(a2aHandlers, () => deps)(apiEvent("POST", `/a2a/${agent.name}`, JSON.stringify(request), headers) as never, out, {} as never);
  const answered = out.meta!.headers ?? {};
  const body = answered["content-type"] === "text/event-stream" ? out.text : JSON.parse(out.text);
  return { status: out.meta!.statusCode, headers: answered, body, sent: upstream.calls[0]!.headers };
}

const sendV03 = { jsonrpc: "2.0", id: 1, method: "message/send", params: { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "hi" }] } } };
const sendV10 = { jsonrpc: "2.0", id: 1, method: "SendMessage", params: { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] } } };

describe("A2A-Extensions through the gateway", () => {
  it("carries a 0.3 caller's X-A2A-Extensions to a 1.0 agent as A2A-Extensions, and the activated ones back", async () => {
    const res = await send(v10Agent("v10"), agentActivating("a2a-extensions", GEO), sendV03, { "x-a2a-extensions": `${GEO},${CITATIONS}` });

    expect(res.sent["a2a-extensions"]).toBe(`${GEO},${CITATIONS}`);
    expect(res.sent["x-a2a-extensions"]).toBeUndefined();
    expect(res.body.result.kind).toBe("message");
    expect(res.headers["x-a2a-extensions"]).toBe(GEO);
    expect(res.headers["a2a-extensions"]).toBeUndefined();
  });

  it("carries a 1.0 caller's A2A-Extensions to a 0.3 agent as X-A2A-Extensions, and the activated ones back", async () => {
    const res = await send(v03Agent("v03"), agentActivating("x-a2a-extensions", CITATIONS), sendV10, { "a2a-version": "1.0", "a2a-extensions": CITATIONS });

    expect(res.sent["x-a2a-extensions"]).toBe(CITATIONS);
    expect(res.body.result.message).toBeDefined();
    expect(res.headers["a2a-extensions"]).toBe(CITATIONS);
  });

  it("adds no extension header of its own when the caller asks for none", async () => {
    const res = await send(v10Agent("v10"), agentActivating("a2a-extensions", undefined), sendV10, { "a2a-version": "1.0" });

    expect(res.sent["a2a-extensions"]).toBeUndefined();
    expect(res.headers["a2a-extensions"]).toBeUndefined();
  });

  it("answers a stream with the extensions the agent's stream activated", async () => {
    const upstream = new ScriptedUpstream((): AgentReply => ({
      kind: "sse",
      status: 200,
      events: (async function* () {
        yield { jsonrpc: "2.0", id: 1, result: { message: { messageId: "m2", role: "ROLE_AGENT", parts: [{ text: "ok" }] } } };
      })(),
      close() {},
      headers: { "a2a-extensions": GEO },
    }));
    const res = await send(v10Agent("v10"), upstream, { ...sendV10, method: "SendStreamingMessage" }, { "a2a-version": "1.0", "a2a-extensions": GEO });

    expect(res.sent["a2a-extensions"]).toBe(GEO);
    expect(res.headers["content-type"]).toBe("text/event-stream");
    expect(res.headers["a2a-extensions"]).toBe(GEO);
    expect(res.body).toContain('"text":"ok"');
  });
});
