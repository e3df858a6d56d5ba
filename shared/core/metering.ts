/**
 * Metering (SPEC §10): what a call costs, which key's budget period it falls in, and `/v1/usage`
 * read from counters aggregated as they are written (one item per key, agent and hour), so any
 * period reads O(keys × agents × hours) items, never one per call.
 */
import type { AppDeps } from "../deps.ts";
import type { BudgetPeriod, Job, UsageCounter, VirtualKey } from "../ports.ts";
import { callCost, formatAmount, type CallMeasure } from "./money.ts";

/**
 * Upper bounds (ms) of the latency histogram each counter keeps: p50/p95 are read from it as the
 * bound of the bucket that holds the rank, so they are approximate (within a bucket's width).
 */
export const LATENCY_BOUNDS_MS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, Infinity] as const;

export const latencyBucket = (ms: number): number => LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);

/** `2026-12-03T06`: a time's UTC hour, the counters' bucket. */
export const hourOf = (ms: number): string => new Date(ms).toISOString().slice(0, 13);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PERIOD_MS: Record<Exclude<BudgetPeriod, "month">, number> = { "1d": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS };

/**
 * The budget period `now` falls in: a UTC calendar month, or fixed-length periods counted from
 * when the budget was set. Its start names the period's spend record.
 */
export function budgetPeriodAt(period: BudgetPeriod, since: string, now: number): { start: string; end: string } {
  if (period === "month") {
    const d = new Date(now);
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { start: new Date(start).toISOString(), end: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString() };
  }
  const length = PERIOD_MS[period];
  const anchor = Date.parse(since);
  const start = anchor + Math.max(0, Math.floor((now - anchor) / length)) * length;
  return { start: new Date(start).toISOString(), end: new Date(start + length).toISOString() };
}

/** A key's budget, if it has one, and the period `now` is in. */
export function keyBudget(key: VirtualKey, now: number) {
  if (!key.maxBudget) return undefined;
  const period = key.budgetPeriod ?? "month";
  return { maxBudget: key.maxBudget, softBudget: key.softBudget, budgetPeriod: period, ...budgetPeriodAt(period, key.budgetSince ?? key.createdAt, now) };
}

/** The latency at percentile `p` of a histogram: the bound of the bucket holding that rank. */
export function histogramPercentile(histogram: readonly number[], p: number): number {
  const total = histogram.reduce((n, c) => n + c, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    // The open last bucket reports its lower bound: nothing larger is known.
    if (seen >= rank) return Number.isFinite(LATENCY_BOUNDS_MS[i]!) ? LATENCY_BOUNDS_MS[i]! : LATENCY_BOUNDS_MS[i - 1]!;
  }
  return 0;
}

interface Totals {
  requests: number;
  errors: number;
  clientClosed: number;
  spend: bigint;
  latency: number[];
}

const emptyTotals = (): Totals => ({ requests: 0, errors: 0, clientClosed: 0, spend: 0n, latency: LATENCY_BOUNDS_MS.map(() => 0) });

function add(t: Totals, c: UsageCounter): Totals {
  t.requests += c.requests;
  t.errors += c.errors;
  t.clientClosed += c.clientClosed;
  t.spend += c.spend;
  c.latency.forEach((n, i) => (t.latency[i] = (t.latency[i] ?? 0) + n));
  return t;
}

function sumBy(counters: UsageCounter[], key: (c: UsageCounter) => string): Map<string, { first: UsageCounter; totals: Totals }> {
  const groups = new Map<string, { first: UsageCounter; totals: Totals }>();
  for (const c of counters) {
    const k = key(c);
    const group = groups.get(k) ?? { first: c, totals: emptyTotals() };
    add(group.totals, c);
    groups.set(k, group);
  }
  return groups;
}

const figures = (t: Totals) => ({
  requests: t.requests,
  errors: t.errors,
  clientClosed: t.clientClosed,
  spend: formatAmount(t.spend),
  p50Ms: histogramPercentile(t.latency, 50),
  p95Ms: histogramPercentile(t.latency, 95),
});

/** The hours a period of `/v1/usage` reads: those its ends fall in, both included. */
export const hoursOf = (from: string, to: string) => ({ fromHour: hourOf(Date.parse(from)), toHour: hourOf(Date.parse(to)) });

/**
 * `/v1/usage`: per key and agent (`agent: null` for calls that reached no agent), and a series
 * per hour (per day past a week), oldest first. Hour buckets: a period's ends round to their hours.
 */
export function usageReport(counters: UsageCounter[], from: string, to: string) {
  const daily = Date.parse(to) - Date.parse(from) > 7 * DAY_MS;
  const rows = [...sumBy(counters, (c) => `${c.keyId}\u0000${c.agent ?? ""}`).values()]
    .map(({ first, totals }) => ({ keyId: first.keyId, agent: first.agent ?? null, ...figures(totals) }))
    .sort((a, b) => b.requests - a.requests);
  const series = [...sumBy(counters, (c) => (daily ? c.hour.slice(0, 10) : c.hour)).entries()]
    .map(([t, { totals }]) => {
      const { requests, errors, spend, p50Ms } = figures(totals);
      return { t: new Date(Date.parse(daily ? t : `${t}:00:00Z`)).toISOString(), requests, errors, spend, p50Ms };
    })
    .sort((a, b) => a.t.localeCompare(b.t));
  return { from, to, interval: daily ? "day" : "hour", data: rows, series };
}

/** Spend of counters, exactly. */
export const totalSpend = (counters: UsageCounter[]): bigint => counters.reduce((sum, c) => sum + c.spend, 0n);

/** `/v1/usage/export`: one line per day, key and agent, for invoicing. */
export function exportRows(counters: UsageCounter[]) {
  return [...sumBy(counters, (c) => `${c.hour.slice(0, 10)}\u0000${c.keyId}\u0000${c.agent ?? ""}`).values()]
    .map(({ first, totals }) => ({ day: first.hour.slice(0, 10), keyId: first.keyId, agent: first.agent ?? "", requests: totals.requests, errors: totals.errors, clientClosed: totals.clientClosed, spend: formatAmount(totals.spend) }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.keyId.localeCompare(b.keyId) || a.agent.localeCompare(b.agent));
}

const csvField = (v: string | number) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

export function toCsv(rows: ReturnType<typeof exportRows>): string {
  const header = ["day", "keyId", "agent", "requests", "errors", "clientClosed", "spend"] as const;
  return [header.join(","), ...rows.map((r) => header.map((h) => csvField(r[h])).join(","))].join("\r\n") + "\r\n";
}

/**
 * An async task's end, metered once (keyed by its job): the agent's seconds from hand-off to end
 * at `perAgentSecond`, and the answer's tokens (the stored completion or response carries them),
 * added to the spend of the call that handed it off and to its key's budget period. Per-request
 * prices were charged on that call; this adds no request.
 */
export async function meterTaskEnd(job: Job, end: { status: string; result?: unknown }, deps: Pick<AppDeps, "meter" | "agents" | "keys" | "clock">): Promise<void> {
  const pricing = (await deps.agents.get(job.agent))?.pricing;
  if (!pricing?.perAgentSecond && !pricing?.perInputTokens1K && !pricing?.perOutputTokens1K) return;
  const now = deps.clock.now();
  const { perRequest: _charged, ...rest } = pricing;
  const cost = callCost(rest, { ...tokenCounts((end.result as { usage?: unknown } | undefined)?.usage), agentMs: now - Date.parse(job.createdAt) });
  if (cost === 0n) return;
  const key = job.owner === "master" ? undefined : await deps.keys.get(job.owner);
  const budget = key && keyBudget(key, now);
  await deps.meter.record({
    requestId: `task-end:${job.id}`,
    keyId: job.owner,
    agent: job.agent,
    at: now,
    outcome: end.status === "failed" ? "error" : "ok",
    latencyMs: 0,
    cost,
    taskEnd: true,
    ...(budget ? { budget: { period: budget.start, delta: cost } } : {}),
  });
}

/** The token counts of an OpenAI `usage` object, chat's names or the Responses API's. */
export function tokenCounts(usage: unknown): CallMeasure {
  if (!usage || typeof usage !== "object") return {};
  const u = usage as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);
  return { inputTokens: n(u.prompt_tokens) ?? n(u.input_tokens), outputTokens: n(u.completion_tokens) ?? n(u.output_tokens) };
}
