/**
 * Case 6: what a unit of work costs at list prices (lib/pricing.ts), from the counts it makes.
 *
 * ─── TO FILL IN ───────────────────────────────────────────────────────────────────────────────
 * The async rows (tasks the gateway hands to the queue and the poller drives to the end) have no
 * counts yet: the poller does not exist. Once it does, replace each `counts: undefined` below with
 * what one task of that length makes (measure them on the local stack, or derive them from the
 * poll schedule), and the table and latest.json show the cost per 1M tasks.
 * ──────────────────────────────────────────────────────────────────────────────────────────────
 */
import { costPerMillion, type Cost, type UsageCounts } from "../lib/pricing.ts";

/** infra/api.ts: HTTP functions 512 MB, queue consumers 256 MB. */
export const HTTP_MEMORY_MB = 512;
export const CONSUMER_MEMORY_MB = 256;
/**
 * CloudWatch Logs per invocation: the request line shared/routes/dispatch.ts writes (~260 B) and
 * Lambda's own START/END/REPORT lines (~340 B).
 */
const LOG_BYTES_PER_INVOCATION = 600;

export interface TaskCounts extends UsageCounts {
  /** `tasks/get` calls to the agent: not billed themselves, they drive the poller's invocations. */
  tasksGetCalls: number;
}

export interface CostScenario {
  label: string;
  /** How long the agent works on the task. */
  taskSeconds?: number;
  counts: TaskCounts | undefined;
  note: string;
}

export interface CostRow extends CostScenario {
  perMillion?: Cost;
}

/**
 * A raw `message/send` answered within the sync budget, warm container, read off the code path:
 * one a2a invocation through the Router to its Function URL (no HTTP API), the key and agent
 * from the container's caches (no read), one PutItem claiming the task (shared/core/proxy.ts),
 * one PutItem of the usage record after the answer (shared/routes/dispatch.ts), its logs.
 * Billed time is the gateway's own wall time per call rounded up; the agent's time comes on top.
 */
export function syncSendScenario(gatewayWallMs: number): CostScenario {
  return {
    label: "message/send, sync (gateway's own time)",
    counts: {
      invocations: [{ fn: "a2a", count: 1, billedMs: Math.max(1, Math.ceil(gatewayWallMs)), memoryMb: HTTP_MEMORY_MB }],
      httpApiRequests: 0,
      routerRequests: 1,
      dynamoWriteUnits: 2,
      dynamoReadUnits: 0,
      sqsRequests: 0,
      logBytes: LOG_BYTES_PER_INVOCATION,
      tasksGetCalls: 0,
    },
    note: `+ $${agentTimeCostPer100Ms().toFixed(3)} per 1M calls for every 100 ms the agent takes (512 MB arm64); a cold container adds 2 reads (1 RRU)`,
  };
}

export const asyncScenarios: CostScenario[] = [
  { label: "async task, 5 s", taskSeconds: 5, counts: undefined, note: "pending: the poller does not exist yet" },
  { label: "async task, 60 s", taskSeconds: 60, counts: undefined, note: "pending: the poller does not exist yet" },
  { label: "async task, 10 min", taskSeconds: 600, counts: undefined, note: "pending: the poller does not exist yet" },
];

/** Duration cost of 100 ms more per call, per 1M calls, on an HTTP function. */
export function agentTimeCostPer100Ms(): number {
  const extra: UsageCounts = {
    invocations: [{ fn: "a2a", count: 1, billedMs: 100, memoryMb: HTTP_MEMORY_MB }],
    httpApiRequests: 0,
    routerRequests: 0,
    dynamoWriteUnits: 0,
    dynamoReadUnits: 0,
    sqsRequests: 0,
    logBytes: 0,
  };
  return costPerMillion(extra).lambdaDuration;
}

export function costRows(scenarios: CostScenario[]): CostRow[] {
  return scenarios.map((s) => (s.counts ? { ...s, perMillion: costPerMillion(s.counts) } : { ...s }));
}
