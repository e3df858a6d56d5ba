/**
 * Metering through the local stack as `npm start` runs it (issue 17): the shipped bundles under the
 * Lambda runtime client, behind their grants, writing the meter table through the IAM check. The
 * red team's pollution cases, prices and spend, and a budget refused on both surfaces.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startSdkAgent, type PeerHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";

let stack: LocalStack;
let agent: PeerHandle;

beforeAll(async () => {
  [stack, agent] = await Promise.all([startTestStack(), startSdkAgent({ legacyCompat: true })]);
  await registerAgent(stack, "priced", agent.url, { pricing: { perRequest: "0.002", perAgentSecond: 0 } });
});
afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close()]);
});

/** Usage is written after the response: read it until it shows `n` requests for the key. */
async function usageOf(keyId: string, n: number) {
  for (let i = 0; ; i++) {
    const res = await call(stack, stack.masterKey, "GET", `/v1/usage?keyId=${keyId}`);
    const total = res.body.data.reduce((sum: number, r: { requests: number }) => sum + r.requests, 0);
    if (total >= n || i > 100) return { ...res, text: JSON.stringify(res.body) };
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("metering through the local stack", () => {
  it("counts calls to names no agent has under the key alone: long names do not swell /v1/usage", async () => {
    const { id, key } = await createKey(stack, { name: "red-team" });
    const long = "n".repeat(8_000);
    for (let i = 0; i < 3; i++) expect((await call(stack, key, "POST", `/a2a/${long}${i}`, sendV03("hi"))).status).toBe(404);
    expect((await call(stack, key, "POST", "/v1/chat/completions", { model: `a2a/${"m".repeat(100 * 1024)}`, messages: [{ role: "user", content: "hi" }] })).status).toBe(400);
    expect((await call(stack, key, "POST", "/v1/chat/completions", { model: `a2a/${"u".repeat(200)}`, messages: [{ role: "user", content: "hi" }] })).status).toBe(404);
    const usage = await usageOf(id, 5);
    expect(usage.body.data).toEqual([expect.objectContaining({ keyId: id, agent: null, requests: 5, errors: 5, spend: "0" })]);
    expect(usage.text.length).toBeLessThan(1_000);
  });

  it("charges the agent's price for each call that reached it and shows the spend in /v1/usage and on the key", async () => {
    const { id, key } = await createKey(stack, { name: "payer", agents: ["priced"] });
    for (let i = 0; i < 3; i++) expect((await call(stack, key, "POST", "/a2a/priced", sendV03("message"))).status).toBe(200);
    const usage = await usageOf(id, 3);
    expect(usage.body.data).toEqual([expect.objectContaining({ agent: "priced", requests: 3, errors: 0, spend: "0.006" })]);
    const shown = await call(stack, stack.masterKey, "GET", `/v1/keys/${id}`);
    expect(shown.body.spend).toMatchObject({ period: "month", spend: "0.006" });
  });

  it("refuses a call past the key's budget before the agent, on A2A and on the OpenAI surface", async () => {
    const { id, key } = await createKey(stack, { name: "capped", maxBudget: "0.004", budgetPeriod: "1d" });
    for (let i = 0; i < 2; i++) expect((await call(stack, key, "POST", "/a2a/priced", sendV03("message"))).status).toBe(200);
    const before = agent.requests.length;
    const a2a = await call(stack, key, "POST", "/a2a/priced", sendV03("message"));
    const openai = await call(stack, key, "POST", "/v1/chat/completions", { model: "a2a/priced", messages: [{ role: "user", content: "message" }] });
    expect(agent.requests.length).toBe(before);
    expect(a2a.status).toBe(429);
    expect(a2a.body.error.data).toMatchObject({ budget: "0.004", spent: "0.004", period: "1d" });
    expect(openai.status).toBe(429);
    expect(openai.body.error).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded" });
    const shown = await call(stack, stack.masterKey, "GET", `/v1/keys/${id}`);
    expect(shown.body.spend).toMatchObject({ spend: "0.004", maxBudget: "0.004" });
  });
});
