/**
 * Case 6: what a unit of work costs at list prices (lib/pricing.ts), from the counts it makes.
 * Async rows are counted by running the real hand-off, poller and callback code on a simulated
 * clock (./async-count.ts).
 */
import { pollDelaySeconds } from "../../shared/core/async/messages.ts";
import { costPerMillion, type Cost, type UsageCounts } from "../lib/pricing.ts";
import { measureAsyncTask } from "./async-count.ts";

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
  /** `tasks/get` calls the poll schedule makes for a task this long (an agent that does not push). */
  polls?: number;
  counts: TaskCounts | undefined;
  note: string;
}

export interface CostRow extends CostScenario {
  perMillion?: Cost;
}

/** An assumption, not a measurement: a DynamoDB PutItem from Lambda in the same region. */
const ASSUMED_PUT_ITEM_MS = 5;

/**
 * A raw `message/send` answered within the sync budget, warm container, read off the code path:
 * one a2a invocation through the Router to its Function URL (no HTTP API), the key and agent
 * from the container's caches (no read), one write claiming the task (shared/core/proxy.ts) and
 * metering transaction (shared/adapters/dynamo/meter.ts: the request's marker and its counter,
 * 2 WRU each as a transaction, so 4), both after the answer has gone out, its logs; and the
 * call's late metering check (shared/routes/metering.ts): one SQS send, received and deleted 15
 * minutes later in batches of ten by the deliver function, which reads the call's marker (1 RRU,
 * strongly consistent). Billed time: the gateway's own wall time per call and the two writes,
 * which the invocation still waits for before it ends; the agent's time comes on top.
 */
export function syncSendScenario(gatewayWallMs: number): CostScenario {
  const billedMs = Math.ceil(gatewayWallMs + 2 * ASSUMED_PUT_ITEM_MS);
  return {
    label: `message/send, sync (${billedMs} ms billed)`,
    counts: {
      invocations: [
        { fn: "a2a", count: 1, billedMs, memoryMb: HTTP_MEMORY_MB },
        { fn: "deliver", count: 0.1, billedMs: 10 * ASSUMED_PUT_ITEM_MS, memoryMb: CONSUMER_MEMORY_MB },
      ],
      httpApiRequests: 0,
      routerRequests: 1,
      dynamoWriteUnits: 5,
      dynamoReadUnits: 1,
      sqsRequests: 1.2,
      logBytes: LOG_BYTES_PER_INVOCATION,
      tasksGetCalls: 0,
    },
    note:
      `billed = gateway's own ${gatewayWallMs.toFixed(2)} ms + 2 writes at ~${ASSUMED_PUT_ITEM_MS} ms (assumed); metering is 4 of the 5 WRU ($2.50 per 1M calls) and the late check's SQS send, batched receive and delete, read and tenth of a deliver invocation (~$0.64); ` +
      `+ $${agentTimeCostPer100Ms().toFixed(3)} per 1M for every 100 ms the agent takes; a cold container adds 2 reads (1 RRU)`,
  };
}

/**
 * Polls until a task of `taskSeconds` is seen settled, by the poller's own schedule
 * (`pollDelaySeconds`, shared/core/async/messages.ts): the first poll one delay after the hand-off,
 * each later one a longer delay after the previous.
 */
export function pollsFor(taskSeconds: number): number {
  let at = 0;
  let polls = 0;
  for (let attempt = 0; at < taskSeconds; attempt++, polls++) at += pollDelaySeconds(attempt);
  return Math.max(polls, 1);
}

/** Assumptions for billed time, not measurements: an agent call and an SQS send from Lambda. */
const ASSUMED_AGENT_CALL_MS = 20;
const ASSUMED_SQS_SEND_MS = 10;

async function asyncTask(label: string, taskSeconds: number): Promise<CostScenario> {
  const m = await measureAsyncTask(taskSeconds);
  const perPoll = ASSUMED_AGENT_CALL_MS + ASSUMED_SQS_SEND_MS + 2 * ASSUMED_PUT_ITEM_MS;
  const invocations = m.httpInvocations + m.pollerInvocations + m.deliverInvocations;
  return {
    label,
    taskSeconds,
    polls: m.tasksGetCalls,
    counts: {
      invocations: [
        { fn: "openai", count: m.httpInvocations, billedMs: ASSUMED_AGENT_CALL_MS + ASSUMED_SQS_SEND_MS + 2 * ASSUMED_PUT_ITEM_MS, memoryMb: HTTP_MEMORY_MB },
        { fn: "poller", count: m.pollerInvocations, billedMs: perPoll, memoryMb: CONSUMER_MEMORY_MB },
        { fn: "deliver", count: m.deliverInvocations, billedMs: ASSUMED_AGENT_CALL_MS + 3 * ASSUMED_PUT_ITEM_MS, memoryMb: CONSUMER_MEMORY_MB },
      ],
      httpApiRequests: 0,
      routerRequests: 1,
      dynamoWriteUnits: m.dynamoWrites,
      // Consistent reads of items under 4 KB: one RRU each.
      dynamoReadUnits: m.dynamoReads,
      // Each message is sent once, then received and deleted by the event source mapping.
      sqsRequests: m.sqsSends + 2 * m.sqsMessagesConsumed,
      logBytes: invocations * LOG_BYTES_PER_INVOCATION,
      tasksGetCalls: m.tasksGetCalls,
    },
    note: `counted on a simulated clock: ${invocations} invocations, ${m.tasksGetCalls} tasks/get, ${m.dynamoWrites} DynamoDB writes, ${m.dynamoReads} reads; billed time assumed (agent call ${ASSUMED_AGENT_CALL_MS} ms, SQS send ${ASSUMED_SQS_SEND_MS} ms, PutItem ${ASSUMED_PUT_ITEM_MS} ms)`,
  };
}

export const asyncScenarios = (): Promise<CostScenario[]> =>
  Promise.all([asyncTask("async task, 5 s", 5), asyncTask("async task, 60 s", 60), asyncTask("async task, 10 min", 600)]);

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
