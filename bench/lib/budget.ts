/** The performance budget (SPEC §8), checked against a run. */
import { BUDGET_BYTES } from "../../scripts/build.ts";
import type { TargetSummary } from "../cases/http.ts";
import { kb, ms, pct, signedMs, us } from "./report.ts";
import { failed, TARGETS, type BenchResults, type Check } from "./results.ts";

export const BUDGET = {
  handlerCpuUs: 300,
  addedP50Ms: 1,
  addedP99Ms: 4,
  /** At 32 connections, the gateway may cost at most this many times what the bare proxy costs. */
  vsProxyFactor: 2,
  streamFirstByteAddedMs: 5,
  coldStartMs: 60,
  bundleBytes: BUDGET_BYTES,
} as const;

const find = (rows: TargetSummary[], name: string) => rows.find((r) => r.target === name);

/** `target` less `direct`, for a percentile. */
export function added(rows: TargetSummary[], name: string, key: "p50" | "p99"): number | undefined {
  const t = find(rows, name);
  const d = find(rows, TARGETS.direct);
  return t && d ? t[key] - d[key] : undefined;
}

/** The share of direct throughput a target loses. */
export function lost(rows: TargetSummary[], name: string): number | undefined {
  const t = find(rows, name);
  const d = find(rows, TARGETS.direct);
  return t && d ? 1 - t.rps / d.rps : undefined;
}

const below = (v: number | undefined, limit: number) => (v === undefined || !Number.isFinite(v) ? undefined : v < limit);

/** A target that answered with errors misses whatever it is checked for, however fast it failed. */
const erred = (rows: TargetSummary[], name: string) => {
  const errors = find(rows, name)?.errors ?? 0;
  return errors > 0 ? `${errors} errors` : undefined;
};
const unlessErred = (rows: TargetSummary[], c: Check): Check => {
  const e = erred(rows, TARGETS.gateway);
  return e ? { ...c, measured: e, pass: false } : c;
};

export function checks(r: Omit<BenchResults, "checks">): Check[] {
  const out: Check[] = [];
  if (!failed(r.handlerCpu)) {
    out.push({ name: "warm handler CPU per message/send", goal: `< ${us(BUDGET.handlerCpuUs)}`, measured: us(r.handlerCpu.cpuUs), pass: below(r.handlerCpu.cpuUs, BUDGET.handlerCpuUs) });
  }
  if (!failed(r.send)) {
    const { c1, c32 } = r.send;
    const a50 = added(c1, TARGETS.gateway, "p50");
    const a99 = added(c1, TARGETS.gateway, "p99");
    out.push(unlessErred(c1, { name: "added latency, 1 connection, p50", goal: `< ${ms(BUDGET.addedP50Ms, 0)}`, measured: signedMs(a50), pass: below(a50, BUDGET.addedP50Ms) }));
    out.push(unlessErred(c1, { name: "added latency, 1 connection, p99", goal: `< ${ms(BUDGET.addedP99Ms, 0)}`, measured: signedMs(a99), pass: below(a99, BUDGET.addedP99Ms) }));
    for (const key of ["p50", "p99"] as const) {
      const gw = added(c32, TARGETS.gateway, key);
      const px = added(c32, TARGETS.proxy, key);
      out.push(
        unlessErred(c32, {
          name: `added latency, 32 connections, ${key}, vs bare proxy`,
          goal: `≤ ${BUDGET.vsProxyFactor}× proxy's`,
          measured: `${signedMs(gw)} vs ${signedMs(px)}`,
          pass: gw === undefined || px === undefined ? undefined : gw <= BUDGET.vsProxyFactor * Math.max(px, 0),
        }),
      );
    }
    const gl = lost(c32, TARGETS.gateway);
    const pl = lost(c32, TARGETS.proxy);
    // When the proxy alone loses half the direct throughput (client, proxy and agent on two
    // cores), twice its loss is all of it: the check cannot fail, so it says nothing.
    const vacuous = pl !== undefined && BUDGET.vsProxyFactor * pl >= 1;
    out.push(
      unlessErred(c32, {
        name: "lost throughput, 32 connections, vs bare proxy",
        goal: `≤ ${BUDGET.vsProxyFactor}× proxy's`,
        measured: `${pct(gl)} vs ${pct(pl)}${vacuous ? " (proxy loses ≥ 50 % here: not a test)" : ""}`,
        pass: gl === undefined || pl === undefined || vacuous ? undefined : gl <= BUDGET.vsProxyFactor * Math.max(pl, 0),
      }),
    );
  }
  if (!failed(r.stream)) {
    const a = added(r.stream.c1, TARGETS.gateway, "p50");
    out.push(
      unlessErred(r.stream.c1, { name: "streaming first byte added, p50", goal: `< ${ms(BUDGET.streamFirstByteAddedMs, 0)}`, measured: signedMs(a), pass: below(a, BUDGET.streamFirstByteAddedMs) }),
    );
  }
  if (!failed(r.coldStart)) {
    for (const f of r.coldStart.functions) {
      out.push({ name: `cold start ${f.fn}, net of node`, goal: `< ${ms(BUDGET.coldStartMs, 0)}`, measured: f.error ? f.error : ms(f.netMs, 1), pass: below(f.netMs, BUDGET.coldStartMs) });
      out.push({ name: `bundle ${f.fn}`, goal: `< ${kb(BUDGET.bundleBytes)}`, measured: `${kb(f.bundleBytes)}${f.stale ? " (stale bundle)" : ""}`, pass: below(f.bundleBytes, BUDGET.bundleBytes) });
    }
  }
  return out;
}
