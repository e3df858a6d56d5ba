/**
 * The shipped bundles, not the TypeScript sources: `npm run build`'s options, built into a temp
 * directory, each invocation run in a fresh `node` against the shared emulators as Lambda would
 * run it. Proves the AWS SDK inside the bundle signs, sends and parses, that code split off for
 * first use (the SQS client of a hand-off) loads, and that each package stays within budget.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { BUDGET_BYTES, bundleOptions, functionNames, sizesOf, type BundleSize } from "../../scripts/build.ts";
import { apiEvent } from "../helpers/events.ts";
import { call, createKey, registerAgent, sendV03, startTestStack } from "../helpers/stack.ts";
import { startFastA2AAgent, type FastA2AAgentHandle } from "../peers/index.ts";

const PRELOAD = new URL("../../bench/cold/awslambda-preload.mjs", import.meta.url).href;
const RUN_BUNDLE = new URL("../helpers/run-bundle.mjs", import.meta.url).pathname;

let outDir: string;
let sizes: BundleSize[];
let stack: LocalStack;
let agent: FastA2AAgentHandle;
let key: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "gateway-bundles-"));
  [sizes, stack, agent] = await Promise.all([
    Promise.all(functionNames().map(async (fn) => sizesOf(fn, (await build(bundleOptions(fn, join(outDir, fn)))).metafile))),
    startTestStack(),
    startFastA2AAgent({ completeAfterMs: 0 }),
  ]);
  await registerAgent(stack, "fasta2a", agent.url);
  key = (await createKey(stack, { name: "bundles", agents: ["fasta2a"] })).key;
});

afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close()]);
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** One invocation of function `fn`'s bundle in a fresh process, with the local stack's environment. */
function invokeBundle(fn: string, event: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", PRELOAD, RUN_BUNDLE, join(outDir, fn, "index.mjs"), JSON.stringify(event)], {
      env: process.env,
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    let answer = "";
    let stderr = "";
    child.stdio[3]!.on("data", (c: Buffer) => (answer += c));
    child.stderr!.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => (answer ? resolve(JSON.parse(answer)) : reject(new Error(`${fn} exited ${code}: ${stderr.slice(0, 500)}`))));
  });
}

const post = (path: string, body: unknown, bearer: string) => apiEvent("POST", path, JSON.stringify(body), { authorization: `Bearer ${bearer}` });

describe("the function bundles", () => {
  it("stay within budget, and load only the AWS SDK clients each function uses", () => {
    const byFn = Object.fromEntries(sizes.map((s) => [s.fn, s]));
    for (const s of sizes) expect(s.packageBytes, s.fn).toBeLessThan(BUDGET_BYTES);
    expect(byFn.api?.clients).toEqual(["client-dynamodb"]);
    expect(byFn.deliver?.clients).toEqual(["client-dynamodb", "client-sqs"]);
    // Only a hand-off needs SQS: its client is split off and loaded then.
    for (const fn of ["a2a", "openai", "poller"]) expect(byFn[fn]?.clients, fn).toEqual(["client-dynamodb", "client-sqs (loaded on first use)"]);
  });

  it("api: reads the registry from DynamoDB through the bundled SDK", async () => {
    const res = await invokeBundle("api", apiEvent("GET", "/v1/agents", undefined, { authorization: `Bearer ${stack.masterKey}` }));

    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).data.map((a: { name: string }) => a.name)).toContain("fasta2a");
  });

  it("a2a: proxies message/send with a virtual key", async () => {
    const res = await invokeBundle("a2a", post("/a2a/fasta2a", sendV03("ping"), key));

    // fasta2a answers `submitted` first; the proxy passes the agent's answer through.
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).result).toMatchObject({ kind: "task", status: { state: "submitted" }, history: [{ parts: [{ kind: "text", text: "ping" }] }] });
  });

  it("a2a: hands a non-blocking task to SQS through the split-off client, and the poller finishes it", async () => {
    const send = sendV03("later");
    const res = await invokeBundle("a2a", post("/a2a/fasta2a", { ...send, params: { ...send.params, configuration: { blocking: false } } }, key));
    const taskId = JSON.parse(res.body).result.id as string;

    // The stack's poller consumes the queue the bundle wrote to.
    let job: { status?: string } | undefined;
    for (const deadline = Date.now() + 20_000; job?.status !== "completed" && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      job = (await call(stack, key, "GET", "/v1/tasks")).body.data.find((t: { taskId: string }) => t.taskId === taskId);
    }
    expect(res.status).toBe(200);
    expect(job?.status).toBe("completed");
  });

  it("openai: answers a chat completion in OpenAI's format", async () => {
    const res = await invokeBundle("openai", post("/v1/chat/completions", { model: "a2a/fasta2a", messages: [{ role: "user", content: "ping" }] }, key));

    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant", content: '{"result":{"msg":"pong"}}' } }] });
  });
});
