/**
 * `npx tsx bench/profile.ts [gateway] [handler] [bundles] [cold]`: where a missed target's time
 * goes. Not part of `npm run bench`; run it when the report shows a miss. Prints Markdown.
 * - gateway: CPU profile of each gateway process under 1-connection `message/send` load;
 * - handler: CPU profile of the in-process handler measurement (case 5), in-memory and SDK stores;
 * - bundles: what each function bundle is made of (esbuild metafile, the build's own options);
 * - cold:    CPU profile of one cold start per function, self time by bundled module and package.
 * Profiles are written under the system temp directory.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { coldEvents } from "./cases/cold-start.ts";
import { bundleOptions, functionNames } from "../scripts/build.ts";
import { SEND_BODY } from "./cases/http.ts";
import { frameName, packageName, selfTimes, type Frame } from "./lib/cpuprofile.ts";
import type { LoadResult } from "./lib/load.ts";
import { startProc } from "./lib/procs.ts";
import { ms, pct, table } from "./lib/report.ts";
import type { GatewayReady } from "./procs/gateway.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TOP = 15;
const sections = process.argv.slice(2);
const wanted = (s: string) => sections.length === 0 || sections.includes(s);
const say = (...lines: string[]) => process.stdout.write(lines.join("\n") + "\n");

const frameTable = (frames: Frame[], what: string) =>
  table([what, "self", "share"], frames.slice(0, TOP).map((f) => [f.key.replace(/\|/g, "\\|"), ms(f.selfMs, 1), pct(f.share)]));

/** The main thread's profile: tsx's loader runs on a worker thread, which writes its own. */
const mainThreadProfile = (dir: string) => {
  const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread profile written in ${dir}`);
  return join(dir, file);
};

/** Profiles the gateway process itself while a separate load generator drives it at 1 connection. */
async function profileGateway(stores: "emulators" | "memory") {
  const dir = mkdtempSync(join(tmpdir(), `bench-gw-${stores}-`));
  const agent = await startProc<{ url: string }>("agent");
  const gateway = await startProc<GatewayReady>("gateway", [agent.ready.url, stores], {
    label: `profile-gateway-${stores}`,
    execArgv: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
  });
  const loadgen = await startProc("loadgen");
  try {
    const result = await loadgen.request<LoadResult>({
      url: `${gateway.ready.url}/a2a/${gateway.ready.agent}/message/send`,
      headers: { authorization: `Bearer ${gateway.ready.key}` },
      body: SEND_BODY,
      connections: 1,
      warmupMs: 500,
      durationMs: 4_000,
      maxRequests: 100_000,
      measure: "complete",
      expect: '"completed"',
    });
    say(`### gateway (${stores}) under 1-connection message/send: p50 ${ms(result.p50, 3)}, p99 ${ms(result.p99, 3)}, ${result.n} calls`);
  } finally {
    await Promise.all([loadgen.stop(), gateway.stop()]);
    await agent.stop();
  }
  const file = mainThreadProfile(dir);
  say("", frameTable(selfTimes(file, frameName(ROOT)), "function"), "", frameTable(selfTimes(file, packageName(ROOT)), "package or directory"), "", `profile: ${file}`, "");
}

function profileHandler(stores: "memory" | "sdk") {
  const dir = mkdtempSync(join(tmpdir(), `bench-handler-${stores}-`));
  const args = ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--import", "tsx", join(ROOT, "bench/procs/handler-cpu.ts"), stores];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" } });
  if (run.status !== 0) throw new Error(run.stderr);
  const { cpuUs, wallUs } = JSON.parse(run.stdout) as { cpuUs: number; wallUs: number };
  const file = mainThreadProfile(dir);
  say(`### in-process handler, ${stores} stores: ${cpuUs.toFixed(0)} µs CPU, ${wallUs.toFixed(0)} µs wall per call`, "");
  say(frameTable(selfTimes(file, frameName(ROOT)), "function"), "", frameTable(selfTimes(file, packageName(ROOT)), "package or directory"), "", `profile: ${file}`, "");
}

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split("/").slice(0, 2).join("/");

async function bundles() {
  say("### bundle composition (minified bytes by package or directory)", "");
  const out = mkdtempSync(join(tmpdir(), "bench-bundles-"));
  for (const fn of functionNames()) {
    const { metafile } = await build(bundleOptions(fn, join(out, fn)));
    const outputs = Object.values(metafile.outputs);
    const total = outputs.reduce((sum, o) => sum + o.bytes, 0);
    const byPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of outputs.flatMap((o) => Object.entries(o.inputs))) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
    const rows = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8);
    say(`**${fn}**: ${(total / 1024).toFixed(1)} KB in ${outputs.length} files`, "", table(["package", "KB", "share"], rows.map(([p, b]) => [p, (b / 1024).toFixed(1), pct(b / total)])), "");
  }
}

/**
 * Cold start of an unminified build (same inputs), so each sample's line falls in a module that
 * esbuild marks with a `// path` comment: self time by bundled package.
 */
async function cold() {
  say("### cold start, self time by bundled package (unminified build, one spawn each)", "");
  // Inside the repository, so the few external imports resolve from node_modules as in the build.
  const out = join(ROOT, "node_modules", ".cache", "bench-profile");
  const preload = pathToFileURL(join(ROOT, "bench/cold/awslambda-preload.mjs")).href;
  for (const fn of functionNames()) {
    const bundle = join(out, fn, "index.mjs");
    rmSync(join(out, fn), { recursive: true, force: true });
    await build(bundleOptions(fn, join(out, fn), false));
    const dir = mkdtempSync(join(tmpdir(), `bench-cold-${fn}-`));
    const event = JSON.stringify(coldEvents[fn] ?? { Records: [] });
    const env = { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", GATEWAY_MASTER_KEY: "sk-master-cold", GATEWAY_QUEUE_TASKS_URL: "https://q/tasks", GATEWAY_QUEUE_CALLBACKS_URL: "https://q/callbacks" };
    const run = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--import", preload, join(ROOT, "bench/cold/invoke.mjs"), bundle, event], {
      env,
      stdio: ["ignore", "ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`${fn}: ${run.stderr}`);
    const modules = new Map(readdirSync(join(out, fn)).map((file) => [file, moduleRanges(readFileSync(join(out, fn, file), "utf8"))]));
    // Bundled code by module; anything external by package; node's own loader as itself.
    const frames = selfTimes(mainThreadProfile(dir), (f) => {
      const chunk = f.url.includes(out) ? modules.get(basename(f.url)) : undefined;
      if (chunk) return packageOf(moduleAt(chunk, f.lineNumber));
      if (f.url.includes("node_modules/")) return packageOf(f.url);
      return f.url ? "node (module loader, compiler)" : f.functionName || "(vm)";
    });
    say(`**${fn}**`, "", frameTable(frames.slice(0, 8), "package or directory"), "");
  }
}

/** Start lines of the modules of an unminified esbuild bundle (its `// path` comments). */
function moduleRanges(code: string): { line: number; path: string }[] {
  const ranges: { line: number; path: string }[] = [];
  code.split("\n").forEach((text, line) => {
    const m = /^\/\/ ((?:node_modules|shared|functions|infra)\/\S+)$/.exec(text);
    if (m) ranges.push({ line, path: m[1]! });
  });
  return ranges;
}

function moduleAt(ranges: { line: number; path: string }[], line: number): string {
  let found = "(bundle prelude)";
  for (const r of ranges) {
    if (r.line > line) break;
    found = r.path;
  }
  return found;
}

say("# Profiles", "");
if (wanted("gateway")) {
  await profileGateway("memory");
  await profileGateway("emulators");
}
if (wanted("handler")) {
  profileHandler("memory");
  profileHandler("sdk");
}
if (wanted("bundles")) await bundles();
if (wanted("cold")) await cold();
