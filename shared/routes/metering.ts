/**
 * Metering of calls (SPEC §10), as the dispatcher runs it: before a call, a key with a budget
 * reserves the agent's per-request price (refused when that would pass its budget); during it, the
 * upstream tells whether an agent answered (and, when one does, queues the call's late check);
 * once the answer is out, one write counts the call (shared/adapters/dynamo/meter.ts) and settles
 * the reservation with the call's full cost.
 */
import type { AppDeps } from "../deps.ts";
import { BudgetExceededError } from "../errors.ts";
import { type GatewayRequest, type GatewayResponse, isStream, mapStream } from "../http.ts";
import { describeError } from "../log.ts";
import type { Agent, AgentCall, MeteredCall, Upstream } from "../ports.ts";
import { AgentName } from "../protocol/admin.ts";
import { mayUseAgent, ownerOf, type Principal } from "../core/keys.ts";
import { keyBudget, tokenCounts } from "../core/metering.ts";
import { callCost, formatAmount, toPicos, type CallMeasure } from "../core/money.ts";
import { METER_CHECK_DELAY_SECONDS } from "../core/async/messages.ts";

/** Why a signal was aborted when the caller went away (functions/lib/http.ts), as opposed to a time limit. */
export const CLIENT_CLOSED = "client_closed";

/** What one call did, filled in as it runs. */
export interface CallTap {
  /** The gateway sent the call to an agent. */
  attempted: boolean;
  /** The agent answered (at the HTTP level). */
  reached: boolean;
  tokens: Pick<CallMeasure, "inputTokens" | "outputTokens">;
  /** The budget reserved before the call: given back or settled after it. */
  reserved?: { period: string; amount: bigint };
  /** The late check of the call, queued when the agent answered. */
  checkQueued?: Promise<void>;
}

export const newTap = (): CallTap => ({ attempted: false, reached: false, tokens: {} });

/** The request's upstream, telling the tap whether an agent was asked and answered, and `reached` the first time one answers. */
export function tappedUpstream(upstream: Upstream, tap: CallTap, reached: () => void): Upstream {
  return {
    get: (url, headers, timeoutMs) => upstream.get(url, headers, timeoutMs),
    post: async (call: AgentCall) => {
      tap.attempted = true;
      const reply = await upstream.post(call);
      if (!tap.reached) reached();
      tap.reached = true;
      return reply;
    },
  };
}

/**
 * The moment an agent answers, a check of the call is queued for after its invocation can have
 * ended (not awaited: the answer does not wait for it). If the invocation dies after answering but
 * before counting the call, the check counts it, at its per-request price; otherwise it finds the
 * call counted and ends there. No DynamoDB write on the call's path: one SQS send.
 */
export function queueMeterCheck(req: GatewayRequest, principal: Principal, tap: CallTap, deps: AppDeps): void {
  const latencyMs = Date.now() - req.receivedAt;
  tap.checkQueued = (async () => {
    const agent = await calledAgent(req, principal, deps);
    if (!agent) return;
    const cost = agent.pricing?.perRequest ? toPicos(agent.pricing.perRequest) : 0n;
    await deps.callbackQueue.send({ target: "meter", requestId: req.requestId, keyId: ownerOf(principal), agent: agent.name, at: req.receivedAt, latencyMs, cost: String(cost) }, METER_CHECK_DELAY_SECONDS);
  })().catch((e: unknown) => deps.log.warn("meter check not queued", { requestId: req.requestId, ...describeError(e) }));
}

/**
 * The agent a call names, if a registered agent the key may use has that name: only such a name
 * is ever written to a counter or a metric (a caller may type anything, 100 KB of it).
 */
export async function calledAgent(req: GatewayRequest, principal: Principal, deps: AppDeps): Promise<Agent | undefined> {
  const name = req.params.agent ?? modelAgent(req);
  if (!name || !AgentName.safeParse(name).success || !mayUseAgent(principal, name)) return undefined;
  return deps.agents.get(name);
}

const modelAgent = (req: GatewayRequest): string | undefined => {
  const model = req.body.kind === "json" ? (req.body.value as { model?: unknown } | null)?.model : undefined;
  return typeof model === "string" ? model.replace(/^a2a\//, "") : undefined;
};

/**
 * Reserves the agent's per-request price on a key with a budget, atomically: one conditional ADD
 * that fails when the spend would pass the budget, so calls in flight together can overspend it
 * only by what their tokens and seconds add to their per-request prices (README).
 */
export async function reserveBudget(req: GatewayRequest, principal: Principal, deps: AppDeps, tap: CallTap): Promise<void> {
  if (principal.kind !== "key") return;
  const budget = keyBudget(principal.key, deps.clock.now());
  if (!budget) return;
  const agent = await calledAgent(req, principal, deps);
  const amount = agent?.pricing?.perRequest ? toPicos(agent.pricing.perRequest) : 0n;
  const limit = toPicos(budget.maxBudget);
  const { ok, spent } = await deps.meter.reserve(principal.key.id, budget.start, amount, limit);
  if (!ok) {
    const retryAfter = Math.max(1, Math.ceil((Date.parse(budget.end) - deps.clock.now()) / 1000));
    throw new BudgetExceededError(
      `Budget of ${budget.maxBudget} per ${budget.budgetPeriod} reached: spent ${formatAmount(spent)}; it resets at ${budget.end}`,
      { budget: budget.maxBudget, spent: formatAmount(spent), period: budget.budgetPeriod, resetsAt: budget.end },
      retryAfter,
    );
  }
  tap.reserved = { period: budget.start, amount };
}

/**
 * Token counts the answer carries (the bridge's `usage`: chat completions and responses). A stream
 * is read as it passes: its chunk with `usage` (a chat stream's last, with `include_usage`; a
 * Responses stream's `response.completed`) sets them before the call is metered.
 */
export function tapTokens(res: GatewayResponse, tap: CallTap): GatewayResponse {
  if (!isStream(res)) {
    tap.tokens = tokenCounts((res.body as { usage?: unknown } | undefined)?.usage);
    return res;
  }
  const source = res.stream;
  const see = (chunk: string) => {
    if (!chunk.includes('"usage"')) return;
    for (const line of chunk.split("\n")) {
      if (!line.startsWith("data: {")) continue;
      try {
        const event = JSON.parse(line.slice(6)) as { usage?: unknown; response?: { usage?: unknown } };
        const counts = tokenCounts(event.usage ?? event.response?.usage);
        if (counts.inputTokens !== undefined || counts.outputTokens !== undefined) tap.tokens = counts;
      } catch {
        // Not an event of ours: nothing to count.
      }
    }
  };
  return { ...res, stream: mapStream(source, (chunk) => (see(chunk), chunk)) };
}

/** What to count for a call that has ended. */
export async function meteredCall(req: GatewayRequest, principal: Principal, status: number, tap: CallTap, deps: AppDeps): Promise<MeteredCall> {
  const latencyMs = Date.now() - req.receivedAt;
  const clientClosed = req.signal?.aborted === true && req.signal.reason === CLIENT_CLOSED;
  const agent = tap.attempted ? await calledAgent(req, principal, deps) : undefined;
  // Charged: the agent answered, and the caller got its answer (or left after the agent's).
  const billable = agent !== undefined && tap.reached && (clientClosed || status < 500);
  const cost = billable ? callCost(agent.pricing, { ...tap.tokens, agentMs: latencyMs }) : 0n;
  return {
    requestId: req.requestId,
    keyId: ownerOf(principal),
    ...(agent ? { agent: agent.name } : {}),
    at: req.receivedAt,
    outcome: clientClosed ? "client_closed" : status >= 400 ? "error" : "ok",
    latencyMs,
    cost,
    ...(tap.reserved ? { budget: { period: tap.reserved.period, delta: cost - tap.reserved.amount } } : {}),
  };
}

/**
 * Counts the call once. A duplicate (the same request counted before) gives back what this
 * invocation reserved; a write that fails after its retries is logged, never thrown at the caller.
 */
export async function recordCall(call: MeteredCall, tap: CallTap, principal: Principal, deps: AppDeps): Promise<void> {
  // The check goes out first: if this invocation dies from here on, it still counts the call.
  await tap.checkQueued;
  try {
    const counted = await deps.meter.record(call);
    if (!counted && tap.reserved) await deps.meter.adjust(call.keyId, tap.reserved.period, -tap.reserved.amount);
    if (counted && principal.kind === "key") await announceSoftBudget(principal, deps);
  } catch (e) {
    deps.log.error("call not metered", { requestId: call.requestId, keyId: call.keyId, ...describeError(e) });
  }
}

/**
 * Crossing a key's soft budget sends its webhook one `key.budget_exceeded` event per period: sent,
 * then recorded as sent, so a failure in between sends it again rather than never; calls that
 * cross it together send the same event id, which receivers drop as a repeat (Standard Webhooks).
 */
async function announceSoftBudget(principal: Extract<Principal, { kind: "key" }>, deps: AppDeps): Promise<void> {
  const key = principal.key;
  const budget = keyBudget(key, deps.clock.now());
  if (!budget?.softBudget || !key.webhookUrl) return;
  const { spent, announced } = await deps.meter.softBudgetAnnounced(key.id, budget.start);
  if (announced || spent < toPicos(budget.softBudget)) return;
  await deps.callbackQueue.send({
    target: "key",
    keyId: key.id,
    type: "key.budget_exceeded",
    eventId: `evt_budget_${key.id}_${Date.parse(budget.start)}`,
    createdAt: Math.floor(deps.clock.now() / 1000),
    data: { id: key.id, softBudget: budget.softBudget, maxBudget: budget.maxBudget, spent: formatAmount(spent), period: budget.budgetPeriod, periodStart: budget.start, resetsAt: budget.end },
  });
  await deps.meter.markSoftBudgetAnnounced(key.id, budget.start);
}

/**
 * CloudWatch Embedded Metric Format fields for the request's log line: requests, errors, latency
 * and cost per agent become metrics from the log alone, with no API call.
 */
export function emfFields(call: MeteredCall) {
  return {
    _aws: {
      Timestamp: call.at,
      CloudWatchMetrics: [
        {
          Namespace: "A2AGateway",
          Dimensions: [["agent"], []],
          Metrics: [
            { Name: "requests", Unit: "Count" },
            { Name: "errors", Unit: "Count" },
            { Name: "ms", Unit: "Milliseconds" },
            { Name: "cost", Unit: "None" },
          ],
        },
      ],
    },
    agent: call.agent ?? "none",
    outcome: call.outcome,
    requests: 1,
    errors: call.outcome === "error" ? 1 : 0,
    cost: Number(formatAmount(call.cost)),
  };
}
