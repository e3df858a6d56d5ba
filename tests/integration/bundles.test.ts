/**
 * The shipped bundles, not the TypeScript sources: `npm run build`'s options, built once for the
 * run (tests/helpers/global-setup.ts) and run by the local stack under AWS's runtime client, one
 * process per container, each with only its grants. Proves the AWS SDK inside the bundle signs,
 * sends and parses, that code split off for first use (the SQS client of a hand-off) loads, and
 * that each package stays within budget.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { BUDGET_BYTES } from "../../scripts/build.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";
import { startFastA2AAgent, type FastA2AAgentHandle } from "../peers/index.ts";

const sizes = inject("bundles").sizes;
let stack: LocalStack;
let agent: FastA2AAgentHandle;
let key: string;

beforeAll(async () => {
  [stack, agent] = await Promise.all([startTestStack(), startFastA2AAgent({ completeAfterMs: 0 })]);
  await registerAgent(stack, "fasta2a", agent.url);
  key = (await createKey(stack, { name: "bundles", agents: ["fasta2a"] })).key;
});

afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close()]);
});

const post = (path: string, body: unknown) => call(stack, key, "POST", path, body);

describe("the function bundles", () => {
  it("stay within budget, and load only the AWS SDK clients each function uses", () => {
    const byFn = Object.fromEntries(sizes.map((s) => [s.fn, s]));
    for (const s of sizes) expect(s.packageBytes, s.fn).toBeLessThan(BUDGET_BYTES);
    expect(byFn.deliver?.clients).toEqual(["client-dynamodb", "client-sqs"]);
    // Only a hand-off (or, in api, reading dead callbacks) needs SQS: its client is split off and loaded then.
    for (const fn of ["a2a", "api", "openai", "poller"]) expect(byFn[fn]?.clients, fn).toEqual(["client-dynamodb", "client-sqs (loaded on first use)"]);
  });

  it("api: reads the registry from DynamoDB through the bundled SDK", async () => {
    const res = await call(stack, stack.masterKey, "GET", "/v1/agents");

    expect(res.status).toBe(200);
    expect(res.body.data.map((a: { name: string }) => a.name)).toContain("fasta2a");
  });

  it("a2a: proxies message/send with a virtual key", async () => {
    const res = await post("/a2a/fasta2a", sendV03("ping"));

    // fasta2a answers `submitted` first; the proxy passes the agent's answer through.
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ kind: "task", status: { state: "submitted" }, history: [{ parts: [{ kind: "text", text: "ping" }] }] });
  });

  it("a2a: hands a non-blocking task to SQS through the split-off client, and the poller finishes it", async () => {
    const send = sendV03("later");
    const res = await post("/a2a/fasta2a", { ...send, params: { ...send.params, configuration: { blocking: false } } });
    const taskId = res.body.result.id as string;

    // The poller's bundle consumes the queue the a2a bundle wrote to.
    let job: { status?: string } | undefined;
    for (const deadline = Date.now() + 20_000; job?.status !== "completed" && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      job = (await call(stack, key, "GET", "/v1/tasks")).body.data.find((t: { taskId: string }) => t.taskId === taskId);
    }
    expect(res.status).toBe(200);
    expect(job?.status).toBe("completed");
  });

  it("openai: answers a chat completion in OpenAI's format", async () => {
    const res = await post("/v1/chat/completions", { model: "a2a/fasta2a", messages: [{ role: "user", content: "ping" }] });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant", content: '{"result":{"msg":"pong"}}' } }] });
  });
});
