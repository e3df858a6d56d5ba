/**
 * A closed-loop load generator on node:http: `connections` keep-alive sockets, each sending its
 * next request as soon as the previous answer ends. Bounded by time and by count; every latency
 * is recorded, so percentiles are exact.
 */
import http from "node:http";
import { summarize } from "./stats.ts";

export interface LoadJob {
  url: string;
  headers?: Record<string, string>;
  /** JSON body, POSTed as is. */
  body: string;
  connections: number;
  /** Unrecorded traffic first: sockets opened, caches and JIT warm. */
  warmupMs: number;
  durationMs: number;
  maxRequests: number;
  /** Latency to the end of the response, or to its first body byte (streams). */
  measure: "complete" | "first-byte";
  /** A response whose body lacks this text counts as an error, not a sample. */
  expect: string;
}

export interface LoadResult {
  n: number;
  /** Requests answered in all, the warm-up's included: what the target's CPU was spent on. */
  total: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const url = new URL(job.url);
  const options: http.RequestOptions = {
    agent,
    host: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    method: "POST",
    headers: { ...job.headers, "content-type": "application/json", "content-length": Buffer.byteLength(job.body) },
  };
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now();
      let firstByte = 0;
      let text = "";
      const req = http.request(options, (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          firstByte ||= performance.now();
          text += chunk;
        });
        res.on("end", () => {
          if (res.statusCode !== 200 || !text.includes(job.expect)) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          else resolve((job.measure === "first-byte" ? firstByte : performance.now()) - start);
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(job.body);
    });

  const phase = async (ms: number, record?: Float64Array) => {
    const deadline = performance.now() + ms;
    let n = 0;
    let errors = 0;
    let firstError: string | undefined;
    const loop = async () => {
      while (performance.now() < deadline && n + errors < job.maxRequests) {
        try {
          const latency = await once();
          if (record) record[n] = latency;
          n++;
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: job.connections }, loop));
    return { n, errors, firstError, elapsedMs: performance.now() - started };
  };

  try {
    const warmup = await phase(job.warmupMs);
    const latencies = new Float64Array(job.maxRequests);
    const { n, errors, firstError, elapsedMs } = await phase(job.durationMs, latencies);
    const { p50, p99, mean, max } = summarize(latencies.subarray(0, n));
    const total = warmup.n + warmup.errors + n + errors;
    return { n, total, errors, ...(firstError ? { firstError } : {}), elapsedMs, rps: (n / elapsedMs) * 1000, p50, p99, mean, max };
  } finally {
    agent.destroy();
  }
}
