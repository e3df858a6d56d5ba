/**
 * Case 4: per function, the package `npm run build` makes, and its cold start: a fresh `node`
 * that imports the bundle and serves one cheap invocation, timed from spawn to the answer on
 * fd 3, median of several spawns, next to a bare `node -e` doing the same report.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { queues } from "../../infra/schema.ts";
import { functionNames } from "../../scripts/build.ts";
import { median } from "../lib/stats.ts";
import { apiEvent } from "../../tests/helpers/events.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PRELOAD = pathToFileURL(fileURLToPath(new URL("../cold/awslambda-preload.mjs", import.meta.url))).href;
const INVOKE = fileURLToPath(new URL("../cold/invoke.mjs", import.meta.url));

/** An API Gateway v2 / Function URL event without a key: cheap, and no store is reached. */
const httpEvent = (method: string, path: string, body?: string) => apiEvent(method, path, body, { host: "gw.bench" });

export const coldEvents: Record<string, unknown> = {
  api: httpEvent("GET", "/health"),
  // 401 before any store is read, but after the deps (AWS SDK clients) are built. (Not a card:
  // a card without a key reads the agent, to see whether its card is public.)
  a2a: httpEvent("POST", "/a2a/bench", "{}"),
  openai: httpEvent("POST", "/v1/chat/completions", "{}"),
};
const DEFAULT_EVENT = { Records: [] };

/** The environment infra/api.ts gives the functions, with made-up values: no AWS endpoint is ever called. */
const FUNCTION_ENV = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "cold",
  AWS_SECRET_ACCESS_KEY: "cold",
  GATEWAY_MASTER_KEY: "sk-master-cold",
  GATEWAY_PUBLIC_URL: "https://gw.bench",
  GATEWAY_ALLOW_PRIVATE_URLS: "false",
  ...Object.fromEntries(Object.keys(queues).map((q) => [`GATEWAY_QUEUE_${q.toUpperCase()}_URL`, `https://sqs.us-east-1.amazonaws.com/000000000000/${q}`])),
};

/** The thrown error's own line out of a crash's stderr, not the stack under it. */
const crashLine = (stderr: string) => {
  const lines = stderr.split("\n").map((l) => l.trim());
  return (lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.filter(Boolean).pop() ?? "").slice(0, 200);
};

export interface FunctionCold {
  fn: string;
  /** The whole package: the entry and the chunks it loads on first use. */
  bundleBytes?: number;
  /** The build failed and left an older bundle: measured, but not this tree's. */
  stale?: boolean;
  /** Spawn → first response, median over spawns (ms). */
  coldMs?: number;
  /** Less the bare `node -e` startup. */
  netMs?: number;
  /** In the process: import of the bundle done, and first response, since process start (ms). */
  importMs?: number;
  respondMs?: number;
  status?: unknown;
  error?: string;
}

export interface ColdStartResult {
  spawns: number;
  nodeBaselineMs: number;
  build: { ok: boolean; output: string };
  functions: FunctionCold[];
}

/** Every file of a function's package: its entry and the chunks it loads on first use. */
const packageBytes = (dir: string) => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

function runBuild(): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    child.on("close", (code) => resolve({ ok: code === 0, output: output.trim() }));
  });
}

/** One spawn: ms from spawn to the first line on fd 3, and that line. */
function timeSpawn(args: string[]): Promise<{ ms: number; line: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: FUNCTION_ENV, stdio: ["ignore", "ignore", "pipe", "pipe"] });
    let line = "";
    let ms = NaN;
    let stderr = "";
    child.stdio[3]!.on("data", (c: Buffer) => {
      if (Number.isNaN(ms)) ms = performance.now() - t0;
      line += c.toString();
    });
    child.stderr!.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (Number.isNaN(ms)) reject(new Error(`exited ${code} without answering: ${crashLine(stderr)}`));
      else resolve({ ms, line: line.trim() });
    });
  });
}

export async function coldStarts(spawns: number): Promise<ColdStartResult> {
  const buildStarted = Date.now();
  const build = await runBuild();
  const baseline: number[] = [];
  for (let i = 0; i < spawns; i++) baseline.push((await timeSpawn(["-e", "require('node:fs').writeSync(3, '{}\\n')"])).ms);
  const nodeBaselineMs = median(baseline);

  const functions: FunctionCold[] = [];
  for (const fn of functionNames()) {
    const bundle = join(ROOT, "dist", "functions", fn, "index.mjs");
    if (!existsSync(bundle)) {
      functions.push({ fn, error: "no bundle (build failed?)" });
      continue;
    }
    const event = JSON.stringify(coldEvents[fn] ?? DEFAULT_EVENT);
    const { mtimeMs } = statSync(bundle);
    const row: FunctionCold = { fn, bundleBytes: packageBytes(dirname(bundle)), ...(mtimeMs < buildStarted ? { stale: true } : {}) };
    try {
      const runs: { ms: number; importedMs: number; respondedMs: number; status: unknown }[] = [];
      for (let i = 0; i < spawns; i++) {
        const { ms, line } = await timeSpawn(["--import", PRELOAD, INVOKE, bundle, event]);
        runs.push({ ms, ...(JSON.parse(line) as { importedMs: number; respondedMs: number; status: unknown }) });
      }
      row.coldMs = median(runs.map((r) => r.ms));
      row.netMs = row.coldMs - nodeBaselineMs;
      row.importMs = median(runs.map((r) => r.importedMs));
      row.respondMs = median(runs.map((r) => r.respondedMs));
      row.status = runs[0]?.status;
    } catch (e) {
      row.error = e instanceof Error ? e.message : String(e);
    }
    functions.push(row);
  }
  return { spawns, nodeBaselineMs, build, functions };
}
