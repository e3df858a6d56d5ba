/** The agent registry and the admin surface (SPEC §3), through the local stack. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startFastA2AAgent, startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { call, createKey, startTestStack } from "../helpers/stack.ts";

let stack: LocalStack;
let sdkAgent: PeerHandle;
let fastAgent: PeerHandle;

beforeAll(async () => {
  [stack, sdkAgent, fastAgent] = await Promise.all([startTestStack(), startSdkAgent(), startFastA2AAgent()]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), sdkAgent?.close(), fastAgent?.close()]);
});

const admin = (method: string, path: string, body?: unknown) => call(stack, stack.masterKey, method, path, body);

describe("registering agents", () => {
  it("fetches the card from the agent when none is given, and redacts header values", async () => {
    // Act
    const res = await admin("POST", "/v1/agents", { name: "sdk", url: sdkAgent.url, headers: { "x-agent-secret": "SENTINEL-s3cret-value" } });
    // Assess
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "sdk", url: sdkAgent.url + "/", protocolVersions: ["1.0"], capabilities: { streaming: true } });
    expect(res.body.headers).toEqual({ "x-agent-secret": "[redacted]" });
    expect(JSON.stringify(res.body)).not.toContain("SENTINEL-s3cret-value");
  });

  it("accepts LiteLLM's registration body as is", async () => {
    const res = await admin("POST", "/v1/agents", {
      agent_name: "demo",
      agent_card_params: {
        name: "Demo",
        url: fastAgent.url,
        version: "0.1.0",
        protocolVersion: "1.0",
        capabilities: { streaming: false },
        defaultInputModes: ["text"],
        defaultOutputModes: ["text"],
        skills: [],
      },
      litellm_params: { url: fastAgent.url },
    });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe("demo");
    expect(res.body.card.name).toBe("Demo");
  });

  it("answers 409 when the name is taken", async () => {
    await admin("POST", "/v1/agents", { name: "twice", url: fastAgent.url });
    const res = await admin("POST", "/v1/agents", { name: "twice", url: fastAgent.url });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
  });

  it("answers 400 naming the URL when no card can be fetched", async () => {
    const res = await admin("POST", "/v1/agents", { name: "nocard", url: "http://127.0.0.1:9/" });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("url");
  });

  it("answers 400 naming the parameter on a bad body", async () => {
    const res = await admin("POST", "/v1/agents", { name: "bad name!", url: fastAgent.url });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("name");
  });

  it("reads, changes and removes an agent", async () => {
    await admin("POST", "/v1/agents", { name: "life", url: fastAgent.url });
    expect((await admin("GET", "/v1/agents/life")).body.name).toBe("life");
    expect((await admin("PATCH", "/v1/agents/life", { description: "changed" })).body.description).toBe("changed");
    expect((await admin("GET", "/v1/agents")).body.data.map((a: { name: string }) => a.name)).toContain("life");
    expect((await admin("DELETE", "/v1/agents/life")).status).toBe(200);
    expect((await admin("GET", "/v1/agents/life")).status).toBe(404);
    expect((await admin("DELETE", "/v1/agents/life")).status).toBe(404);
  });
});

describe("the admin surface", () => {
  it("serves /health without a key", async () => {
    const res = await call(stack, undefined, "GET", "/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("refuses admin routes to virtual keys with 403 and to no key with 401", async () => {
    const { key } = await createKey(stack);
    expect((await call(stack, key, "POST", "/v1/agents", { name: "x", url: fastAgent.url })).status).toBe(403);
    expect((await call(stack, undefined, "GET", "/v1/agents")).status).toBe(401);
  });

  it("answers 404 on unknown paths and 405 on wrong methods", async () => {
    expect((await admin("GET", "/v1/nothing")).status).toBe(404);
    expect((await admin("PUT", "/v1/agents")).status).toBe(405);
  });
});

describe("agent health", () => {
  it("probes the agent itself: reachable with a latency, or unreachable with the reason", async () => {
    await admin("POST", "/v1/agents", { name: "alive", url: fastAgent.url });
    const dead = await startFastA2AAgent();
    await admin("POST", "/v1/agents", { name: "gone", url: dead.url });
    await dead.close();
    const alive = await admin("GET", "/v1/agents/alive/health");
    const gone = await admin("GET", "/v1/agents/gone/health");
    expect(alive.body).toMatchObject({ name: "alive", reachable: true, latencyMs: expect.any(Number) });
    expect(gone.body).toMatchObject({ name: "gone", reachable: false, error: expect.stringContaining("unreachable") });
  });
});
