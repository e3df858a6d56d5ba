/**
 * Seed 000 ("Stream consumed"): the body is read and parsed exactly once, at the edge, and the
 * core only ever sees the typed value. The event handed in here allows a single read of its body:
 * a second reader anywhere downstream would fail the call.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Writable } from "node:stream";
import { installAwsLambdaGlobal } from "../../infra/local/awslambda.ts";
import { apiEvent, memoryDeps, ScriptedUpstream, v03Agent } from "../helpers/memory-deps.ts";

installAwsLambdaGlobal();
const { streamingHandler } = await import("../../functions/lib/http.ts");
const { a2aHandlers } = await import("../../shared/routes/a2a.ts");

/** A response stream that keeps what is written, as Lambda's would send it. */
class Capture extends Writable {
  text = "";
  meta?: { statusCode: number };
  setMeta(meta: { statusCode: number }) {
    this.meta = meta;
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("the A2A function parses the body once", () => {
  it("reads the event body once, JSON.parses it once, and forwards the typed message", async () => {
    // Prepare
    const upstream = new ScriptedUpstream((_call, body) => ({
      kind: "json",
      status: 200,
      body: { jsonrpc: "2.0", id: body.id, result: { kind: "message", messageId: "m2", role: "agent", parts: [{ kind: "text", text: "pong" }] } },
    }));
    const deps = memoryDeps(upstream);
    await deps.agents.create(v03Agent("echo"));
    const raw = JSON.stringify({
      jsonrpc: "2.0",
      id: "1",
      method: "message/send",
      params: { message: { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "ping" }] } },
    });
    let reads = 0;
    const event = apiEvent("POST", "/a2a/echo/message/send");
    Object.defineProperty(event, "body", {
      get() {
        if (++reads > 1) throw new Error("Stream consumed");
        return raw;
      },
    });
    const parse = vi.spyOn(JSON, "parse");
    const out = new Capture();
    // Act
    await streamingHandler(a2aHandlers, () => deps)(event as never, out, {} as never);
    // Assess
    expect(reads).toBe(1);
    expect(parse.mock.calls.filter(([text]) => text === raw)).toHaveLength(1);
    const response = JSON.parse(out.text);
    expect(response).toMatchObject({ jsonrpc: "2.0", id: "1", result: { kind: "message", parts: [{ kind: "text", text: "pong" }] } });
    const forwarded = JSON.parse(upstream.calls[0]!.body!);
    expect(forwarded.params.message).toEqual({ kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "ping" }] });
  });
});
