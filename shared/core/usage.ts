/** `/v1/usage` (SPEC §3): requests, errors and latency per key and agent, and over time for charts. */
import type { UsageRecord } from "../ports.ts";

export interface UsageRow {
  keyId: string;
  agent: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
}

export interface UsagePoint {
  t: string;
  requests: number;
  errors: number;
  p50Ms: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const isError = (r: UsageRecord) => r.status >= 400;

function summarize(records: UsageRecord[]) {
  const latencies = records.map((r) => r.latencyMs).sort((a, b) => a - b);
  return { requests: records.length, errors: records.filter(isError).length, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Per key and agent, and a series in minute buckets (hours past six hours), oldest first. */
export function aggregateUsage(records: UsageRecord[], from: string, to: string) {
  const rows: UsageRow[] = [...groupBy(records, (r) => `${r.keyId}\u0000${r.agent}`).values()]
    .map((group) => ({ keyId: group[0]!.keyId, agent: group[0]!.agent, ...summarize(group) }))
    .sort((a, b) => b.requests - a.requests);
  const bucketMs = Date.parse(to) - Date.parse(from) > 6 * 3600_000 ? 3600_000 : 60_000;
  const series: UsagePoint[] = [...groupBy(records, (r) => String(Math.floor(Date.parse(r.at) / bucketMs) * bucketMs)).entries()]
    .map(([t, group]) => {
      const { requests, errors, p50Ms } = summarize(group);
      return { t: new Date(Number(t)).toISOString(), requests, errors, p50Ms };
    })
    .sort((a, b) => a.t.localeCompare(b.t));
  return { from, to, interval: bucketMs === 60_000 ? "minute" : "hour", data: rows, series };
}
