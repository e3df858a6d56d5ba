/**
 * What the A2A 1.0 specification asks of a server, asked of the gateway through the local stack
 * with a real @a2a-js/sdk agent behind it: version negotiation (§3.6), the JSON-RPC content type
 * (§9.1), the served card's caching headers (§8.6), errors in each caller's version (§9.5), and
 * the A2A-Extensions service parameter (§3.2.6).
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startSdkAgent, type SdkAgentHandle } from "../peers/index.ts";
import { readSse } from "../helpers/sse.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";

const run = promisify(execFile);

let stack: LocalStack;
let agent: SdkAgentHandle;
let key: string;

beforeAll(async () => {
  [stack, agent] = await Promise.all([startTestStack(), startSdkAgent({ legacyCompat: true })]);
  await registerAgent(stack, "echo", agent.url);
  key = (await createKey(stack)).key;
});

afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close()]);
});

const ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";

const sendV10 = (text: string) => ({
  jsonrpc: "2.0",
  id: randomUUID(),
  method: "SendMessage",
  params: { message: { role: "ROLE_USER", messageId: randomUUID(), parts: [{ text }] } },
});

/** A raw POST to the agent's JSON-RPC endpoint, with exactly the headers given (and the key). */
async function post(body: string, headers: Record<string, string>, query = "") {
  const res = await fetch(`${stack.url}/a2a/echo${query}`, { method: "POST", headers: { authorization: `Bearer ${key}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe("A2A-Version negotiation (§3.6)", () => {
  it.each([
    ["SendMessage", sendV10("hi")],
    ["GetTask", { jsonrpc: "2.0", id: 7, method: "GetTask", params: { id: "t-1" } }],
    ["message/send", sendV03("hi")],
    ["an unknown method", { jsonrpc: "2.0", id: 7, method: "tasks/teleport", params: {} }],
  ])("refuses a version it does not serve with VersionNotSupportedError (-32009), whatever the method: %s", async (_name, request) => {
    const agentCalls = agent.requests.length;
    const res = await call(stack, key, "POST", "/a2a/echo", request, { "A2A-Version": "99.0" });

    expect(res.status).toBe(200);
    expect(res.body.id).toBe(request.id);
    expect(res.body.error.code).toBe(-32009);
    expect(res.body.error.message).toContain("99.0");
    expect(res.body.error.data).toEqual([
      { "@type": ERROR_INFO, reason: "VERSION_NOT_SUPPORTED", domain: "a2a-protocol.org", metadata: { requestedVersion: "99.0", supportedVersions: "0.3,1.0" } },
    ]);
    expect(agent.requests.length).toBe(agentCalls);
  });

  it("reads the version from the query parameter when there is no header (§3.6.1)", async () => {
    const refused = await post(JSON.stringify(sendV10("hi")), { "content-type": "application/json" }, "?A2A-Version=2.0");
    const served = await post(JSON.stringify(sendV10("hi")), { "content-type": "application/json" }, "?A2A-Version=1.0");

    expect(refused.body.error.code).toBe(-32009);
    expect(served.body.result.task ?? served.body.result.message).toBeDefined();
  });

  it("serves 0.3 and 1.0 whatever their patch number, and takes no header as 0.3 (§3.6, §3.6.2)", async () => {
    const v10 = await call(stack, key, "POST", "/a2a/echo", sendV10("hi"), { "A2A-Version": "1.0.0" });
    const v03 = await call(stack, key, "POST", "/a2a/echo", sendV03("hi"), { "A2A-Version": "0.3.0" });
    const bare = await call(stack, key, "POST", "/a2a/echo", sendV03("hi"));

    expect(v10.body.result).toBeDefined();
    expect(v03.body.result.kind).toBeDefined();
    expect(bare.body.result.kind).toBeDefined();
  });
});

describe("the JSON-RPC content type (§9.1)", () => {
  it("refuses a body that is not JSON by its Content-Type: HTTP 415 with ContentTypeNotSupportedError (-32005)", async () => {
    const res = await post("{'jsonrpc': '2.0'}", { "content-type": "text/plain", "A2A-Version": "1.0" });

    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32005 } });
    expect(res.body.error.message).toContain("application/json");
    expect(res.body.error.data[0]).toMatchObject({ "@type": ERROR_INFO, reason: "CONTENT_TYPE_NOT_SUPPORTED" });
  });

  it("tells a curl user who forgot the header what to send (curl -d sends a form encoding)", async () => {
    const { stdout } = await run("curl", ["-sS", "-H", `Authorization: Bearer ${key}`, "-w", "\n%{http_code}", `${stack.url}/a2a/echo`, "-d", JSON.stringify(sendV03("hi"))]);
    const [body, status] = [JSON.parse(stdout.slice(0, stdout.lastIndexOf("\n"))), stdout.slice(stdout.lastIndexOf("\n") + 1)];

    expect(status).toBe("415");
    expect(body.error.code).toBe(-32005);
    expect(body.error.message).toMatch(/application\/x-www-form-urlencoded is not supported: send JSON-RPC requests as application\/json/);
  });

  it.each([
    ["application/json; charset=utf-8"],
    ["Application/JSON"],
    ["application/a2a+json"],
  ])("takes %s as JSON", async (contentType) => {
    const res = await post(JSON.stringify(sendV03("hi")), { "content-type": contentType });

    expect(res.status).toBe(200);
    expect(res.body.result.kind).toBeDefined();
  });

  it("takes a request without a Content-Type as JSON, as the A2A SDKs' servers do", async () => {
    // fetch labels a string body text/plain; a Blob without a type goes out with no Content-Type.
    const res = await fetch(`${stack.url}/a2a/echo`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: new Blob([JSON.stringify(sendV03("hi"))]) });
    const body = await res.json();

    expect(res.status).toBe(200);
    expect(body.result.kind).toBeDefined();
  });
});

describe("0.3's tasks/resubscribe", () => {
  it("answers an unknown task as a stream of one error event, as the 0.3 SDKs' servers do (their clients read only a stream there)", async () => {
    const res = await fetch(`${stack.url}/a2a/echo`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: "r1", method: "tasks/resubscribe", params: { id: "no-such-task" } }),
    });
    const events = await readSse(res);

    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(events.map((e) => e.data)).toEqual([{ jsonrpc: "2.0", id: "r1", error: { code: -32001, message: "Task not found" } }]);
  });
});

describe("the HTTP+JSON content type", () => {
  it("refuses a body that is not JSON by its Content-Type with HTTP 415, as HTTP says (RFC 9110 §15.5.16), in the binding's error shape", async () => {
    const res = await fetch(`${stack.url}/a2a/echo/message:send`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "text/plain", "A2A-Version": "1.0" },
      body: JSON.stringify({ message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] } }),
    });
    const body = await res.json();

    expect(res.status).toBe(415);
    expect(body.error).toMatchObject({ code: 415, message: expect.stringContaining("send HTTP+JSON requests as application/json") });
    expect(body.error.details[0]).toMatchObject({ "@type": ERROR_INFO, reason: "CONTENT_TYPE_NOT_SUPPORTED" });
  });
});

describe("the served card's caching (§8.6.1)", () => {
  const card = (headers: Record<string, string> = {}) => call(stack, key, "GET", "/a2a/echo/.well-known/agent-card.json", undefined, headers);

  it("has a strong ETag, Cache-Control with max-age, and Last-Modified", async () => {
    const res = await card();

    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^"[^"]+"$/);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expect(new Date(res.headers.get("last-modified")!).getTime()).not.toBeNaN();
  });

  it("answers a matching If-None-Match with 304 and no body, in any of the forms RFC 9110 §13.1.2 allows", async () => {
    const etag = (await card()).headers.get("etag")!;

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await card({ "if-none-match": ifNoneMatch });
      expect(res.status).toBe(304);
      expect(res.body).toBeUndefined();
      expect(res.headers.get("etag")).toBe(etag);
    }
    expect((await card({ "if-none-match": '"other"' })).status).toBe(200);
  });

  it("changes its ETag when the card changes", async () => {
    const before = await card();
    await call(stack, stack.masterKey, "PATCH", "/v1/agents/echo", { card: { ...agent.card, description: `changed ${randomUUID()}` } });

    const after = await card({ "if-none-match": before.headers.get("etag")! });

    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
  });
});

describe("errors the gateway raises, in the caller's version (§9.5)", () => {
  it("gives a 1.0 caller TaskNotFoundError with its ErrorInfo", async () => {
    const res = await call(stack, key, "POST", "/a2a/echo", { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "no-such-task" } }, { "A2A-Version": "1.0" });

    expect(res.body.error).toEqual({
      code: -32001,
      message: "Task not found",
      data: [{ "@type": ERROR_INFO, reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org" }],
    });
  });

  it("gives a 0.3 caller the same error in 0.3's shape", async () => {
    const res = await call(stack, key, "POST", "/a2a/echo", { jsonrpc: "2.0", id: 1, method: "tasks/get", params: { id: "no-such-task" } });

    expect(res.body.error).toEqual({ code: -32001, message: "Task not found" });
  });
});
