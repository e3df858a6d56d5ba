/**
 * Cases 1–3: the same calls sent straight to the agent, through the bare proxy and through the
 * gateway, in rounds. Each round visits every target in a rotated order, so drift on a shared
 * machine spreads over all of them; results are medians over rounds.
 */
import type { LoadJob, LoadResult } from "../lib/load.ts";
import { median } from "../lib/stats.ts";

export interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** The CPU (µs) the target's process has used so far, when it can say. */
  cpuUs?: () => Promise<number>;
}

export interface TargetSummary {
  target: string;
  /** Medians over rounds. */
  p50: number;
  p99: number;
  rps: number;
  /** CPU of the target's own process per request answered (µs), background work included. */
  cpuUsPerRequest?: number;
  samples: number;
  errors: number;
  firstError?: string;
  rounds: LoadResult[];
}

export type Profile = Omit<LoadJob, "url" | "headers" | "body" | "expect" | "measure">;

const message = { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "ping" }] };
export const SEND_BODY = JSON.stringify({ jsonrpc: "2.0", id: "1", method: "message/send", params: { message } });
export const STREAM_BODY = JSON.stringify({ jsonrpc: "2.0", id: "1", method: "message/stream", params: { message } });

export async function measureTargets(
  run: (job: LoadJob) => Promise<LoadResult>,
  targets: Target[],
  call: Pick<LoadJob, "body" | "expect" | "measure">,
  profile: Profile,
  rounds: number,
): Promise<TargetSummary[]> {
  const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  const cpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(r + i) % targets.length]!;
      const before = await t.cpuUs?.();
      const result = await run({ ...profile, ...call, url: t.url, ...(t.headers ? { headers: t.headers } : {}) });
      const after = await t.cpuUs?.();
      if (before !== undefined && after !== undefined && result.total > 0) cpu.get(t.name)!.push((after - before) / result.total);
      results.get(t.name)!.push(result);
    }
  }
  return targets.map((t) => {
    const rs = results.get(t.name)!;
    const firstError = rs.find((x) => x.firstError)?.firstError;
    return {
      target: t.name,
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      rps: median(rs.map((x) => x.rps)),
      ...(cpu.get(t.name)!.length ? { cpuUsPerRequest: median(cpu.get(t.name)!) } : {}),
      samples: rs.reduce((n, x) => n + x.n, 0),
      errors: rs.reduce((n, x) => n + x.errors, 0),
      ...(firstError ? { firstError } : {}),
      rounds: rs,
    };
  });
}
