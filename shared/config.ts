/** Runtime settings, read from the environment once per container by functions/lib/deps.ts. */
export interface Config {
  masterKey: string;
  /** How long a synchronous call waits for an agent before handing the task to the queue. */
  syncBudgetMs: number;
  /** How long task records and results are kept. */
  taskTtlSeconds: number;
  /** Loopback and private-range agent/webhook URLs allowed (on locally, off in the cloud). */
  allowPrivateUrls: boolean;
  /** Per-container cache of keys and agents; revocation elsewhere takes effect within it (0 disables it). */
  cacheTtlMs: number;
  /** A stream silent this long gets an SSE keep-alive comment (proxies cut silent streams). */
  keepAliveMs: number;
  /**
   * The longest a stream runs. Lambda never learns that a streaming caller left, so this bounds
   * what a stream nobody reads can cost; a caller that needs longer resubscribes or goes async.
   */
  maxStreamMs: number;
  /** The URL callers reach the gateway at, for the cards it serves; else taken from the request. */
  publicUrl?: string;
}

export function configFromEnv(env: Record<string, string | undefined>): Config {
  const masterKey = env.GATEWAY_MASTER_KEY;
  if (!masterKey) throw new Error("GATEWAY_MASTER_KEY is not set");
  return {
    masterKey,
    syncBudgetMs: intFrom(env.GATEWAY_SYNC_BUDGET_MS, 25_000),
    taskTtlSeconds: intFrom(env.GATEWAY_TASK_TTL_S, 7 * 24 * 3600),
    allowPrivateUrls: (env.GATEWAY_ALLOW_PRIVATE_URLS ?? "false") === "true",
    cacheTtlMs: intFrom(env.GATEWAY_CACHE_TTL_MS, 10_000),
    keepAliveMs: intFrom(env.GATEWAY_KEEPALIVE_MS, 10_000) || 10_000,
    maxStreamMs: intFrom(env.GATEWAY_MAX_STREAM_S, 600) * 1000 || 600_000,
    ...(env.GATEWAY_PUBLIC_URL ? { publicUrl: env.GATEWAY_PUBLIC_URL.replace(/\/+$/, "") } : {}),
  };
}

function intFrom(value: string | undefined, fallback: number): number {
  const n = value === undefined || value === "" ? NaN : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
