/** The Markdown report printed to stdout. */
import type { TargetSummary } from "../cases/http.ts";
import { added, BUDGET, lost } from "./budget.ts";
import { int, kb, mark, ms, pct, signedMs, table, us, usd } from "./report.ts";
import { failed, TARGETS, type BenchResults } from "./results.ts";

const errorLine = (o: { error: string } | undefined) => `_not measured: ${o?.error ?? "skipped"}_`;
const oneLine = (s: string, max = 100) => s.replace(/\s+/g, " ").slice(0, max);
const errorCell = (t: TargetSummary) => (t.errors ? `${t.errors}: ${oneLine(t.firstError ?? "")} (logs: bench/results/logs/)` : "0");

function latencyRows(rows: TargetSummary[], connections: number) {
  return rows.map((r) => [
    connections,
    r.target,
    ms(r.p50, 3),
    ms(r.p99, 3),
    r.target === TARGETS.direct ? "—" : signedMs(added(rows, r.target, "p50"), 3),
    r.target === TARGETS.direct ? "—" : signedMs(added(rows, r.target, "p99"), 3),
    int(r.rps),
    r.cpuUsPerRequest === undefined ? "—" : us(r.cpuUsPerRequest),
    errorCell(r),
  ]);
}

export function render(r: BenchResults): string {
  const m = r.meta;
  const out: string[] = [
    `# Gateway benchmark`,
    "",
    `${m.startedAt} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · load average ${m.loadAvgAtStart.map((l) => l.toFixed(2)).join(" ")} at start, ` +
      `${m.loadAvgAtEnd.map((l) => l.toFixed(2)).join(" ")} at end · ${m.rounds} rounds per case, medians across rounds · run took ${m.durationS.toFixed(0)} s`,
    "",
    "Every party runs in its own process on 127.0.0.1 (agent, bare proxy, gateway, load generator): on a small machine they share its cores.",
    "",
    "## 1–2. `message/send`: added latency and throughput",
    "",
  ];

  if (failed(r.send)) out.push(errorLine(r.send));
  else {
    const { c1, c32 } = r.send;
    out.push(
      "Closed loop, keep-alive. `added` is the target's percentile less direct's. The gateway is the local stack (DynamoDB Local or dynalite, fauxqs, warm key and agent caches) with the handlers in its process; the runtime-client row is the same stack as `npm start` runs it, the shipped bundles under aws-lambda-ric in their own processes (their CPU is not counted there), what Lambda's invoke hops add; the in-memory row is the same front and handler without the emulators, to tell the gateway's own cost from its storage round trips. `CPU per request` is the target's own process (the agent's, for direct), HTTP in and out and any background work included: on one connection, latency is mostly CPU spent in turn.",
      "",
      table(["conns", "target", "p50", "p99", "added p50", "added p99", "req/s", "CPU per request", "errors"], [...latencyRows(c1, 1), ...latencyRows(c32, 32)]),
      "",
      table(
        ["32 connections", "req/s", "lost vs direct", "lost vs bare proxy's loss"],
        c32.map((t) => {
          const l = lost(c32, t.target);
          const pl = lost(c32, TARGETS.proxy);
          return [t.target, int(t.rps), t.target === TARGETS.direct ? "—" : pct(l), l === undefined || !pl || t.target === TARGETS.direct ? "—" : `${(l / pl).toFixed(2)}×`];
        }),
      ),
    );
  }

  if (!failed(r.storagePut)) {
    out.push(
      "",
      `For scale: one PutItem on the local stack's DynamoDB emulator, alone, takes p50 ${ms(r.storagePut.p50, 3)}, p99 ${ms(r.storagePut.p99, 3)} (${r.storagePut.n} in a row). A \`message/send\` makes two (the task claim and the metering transaction) after its answer has gone out: the caller does not wait for them, but on this machine their AWS SDK work and the emulator's share the cores with every other party.`,
    );
  }

  out.push("", "## 3. `message/stream`: time to first streamed byte (1 connection)", "");
  if (failed(r.stream)) out.push(errorLine(r.stream));
  else {
    const { c1 } = r.stream;
    out.push(
      table(
        ["target", "first byte p50", "first byte p99", "added p50", "added p99", "errors"],
        c1.map((t) => [
          t.target,
          ms(t.p50, 3),
          ms(t.p99, 3),
          t.target === TARGETS.direct ? "—" : signedMs(added(c1, t.target, "p50"), 3),
          t.target === TARGETS.direct ? "—" : signedMs(added(c1, t.target, "p99"), 3),
          errorCell(t),
        ]),
      ),
    );
  }

  out.push("", "## 4. Bundles and cold start", "");
  if (failed(r.coldStart)) out.push(errorLine(r.coldStart));
  else {
    const c = r.coldStart;
    out.push(
      `\`npm run build\` ${c.build.ok ? "passed" : `failed: ${oneLine(c.build.output.split("\n").filter(Boolean).slice(-3).join(" / "), 300)}`}. A fresh \`node\` imports \`dist/functions/<fn>/index.mjs\` and serves one cheap event; spawn → response, median of ${c.spawns} spawns. A bare \`node -e\` takes ${ms(c.nodeBaselineMs, 1)} here. The package column is every file of the function (the AWS SDK is bundled; chunks split off for first use count, though a cold start does not load them).`,
      "",
      table(
        ["function", "package", "spawn → response", "net of node", "import done (in process)", "responded (in process)", "status"],
        c.functions.map((f) => [f.stale ? `${f.fn} (stale bundle)` : f.fn, kb(f.bundleBytes), ms(f.coldMs, 1), ms(f.netMs, 1), ms(f.importMs, 1), ms(f.respondMs, 1), f.error ? oneLine(f.error) : String(f.status)]),
      ),
    );
  }

  out.push(
    "",
    "## 5. The gateway's own work per `message/send` (in-process, warm caches, instant upstream)",
    "",
    "The real A2A Lambda handler called with a Function URL event. The budget is for in-memory stores; the second row sends the task claim and the metering transaction through the real DynamoDB adapters and AWS SDK client over a transport that answers at once, which is what a warm Lambda pays in CPU.",
    "",
  );
  const cpuRow = (label: string, h: BenchResults["handlerCpu"]) =>
    failed(h) ? [label, errorLine(h), "", ""] : [label, us(h.cpuUs), us(h.wallUs), `${h.rounds} × ${int(h.calls)}`];
  out.push(
    table(
      ["stores", "CPU per call", "wall per call", "calls"],
      [cpuRow("in memory", r.handlerCpu), cpuRow("DynamoDB writes through the AWS SDK (stub transport)", r.handlerCpuSdk)],
    ),
  );

  out.push(
    "",
    `## 6. Cost per 1M (AWS list prices, ${r.cost.region}, as of ${r.cost.asOf}; sources in latest.json and bench/lib/pricing.ts)`,
    "",
    table(
      ["work", "invocations", "tasks/get", "DDB RRU", "DDB WRU", "SQS req", "Lambda", "Router", "HTTP API", "DynamoDB", "SQS", "Logs", "total per 1M", "note"],
      r.cost.rows.map((row) => {
        const c = row.counts;
        const p = row.perMillion;
        const invocations = c?.invocations.reduce((n, i) => n + i.count, 0);
        return [
          row.label,
          c ? invocations! : "—",
          c?.tasksGetCalls ?? row.polls ?? "—",
          c?.dynamoReadUnits ?? "—",
          c?.dynamoWriteUnits ?? "—",
          c?.sqsRequests ?? "—",
          usd(p && p.lambdaRequests + p.lambdaDuration),
          usd(p?.router),
          usd(p?.httpApi),
          usd(p?.dynamo),
          usd(p?.sqs),
          usd(p?.logs),
          usd(p?.total),
          row.note,
        ];
      }),
    ),
  );

  out.push("", "## Budget", "", table(["target", "goal", "measured", "result"], r.checks.map((c) => [c.name, c.goal, oneLine(c.measured), mark(c.pass)])));
  const missed = r.checks.filter((c) => c.pass === false).length;
  out.push("", `${r.checks.length - missed} of ${r.checks.length} targets met${missed ? `, ${missed} missed` : ""}. Bundle budget ${kb(BUDGET.bundleBytes)}.`, "");
  return out.join("\n");
}
