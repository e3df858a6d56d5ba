/**
 * The meter table (infra/schema.ts): counters per key, agent and hour, each call added once; the
 * per-request markers that make it once; and each key's spend per budget period.
 *
 *   pk = <keyId>        sk = c#<hour>#<agent>   a counter (no agent: calls that reached none)
 *   pk = <keyId>        sk = b#<period start>   a budget period's spend
 *   pk = req#<request>  sk = -                  "this request is counted", expiring after a day
 *
 * A call is one TransactWriteItems: the marker, put only if absent, and the counter's ADDs (and
 * the budget's), so a retried write, a duplicate invocation or a write whose answer was lost adds
 * nothing twice. Counters are read by queries: a key's on the table's key, an agent's on `byAgent`,
 * everyone's on `byDay` one day at a time; no call is ever read one by one.
 */
import {
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type QueryCommandInput,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import type { Meter, MeteredCall, UsageCounter } from "../../ports.ts";
import { hourOf, LATENCY_BOUNDS_MS, latencyBucket } from "../../core/metering.ts";
import { isConditionFailed, names, type Item } from "./codec.ts";

/** Markers outlive any retry of a call by far; counters stay for 13 months of invoices. */
export const MARKER_TTL_S = 24 * 3600;
export const COUNTER_TTL_S = 400 * 24 * 3600;

export const counterKey = (keyId: string, hour: string, agent?: string) => ({ pk: { S: keyId }, sk: { S: `c#${hour}#${agent ?? ""}` } });
export const budgetKey = (keyId: string, period: string) => ({ pk: { S: keyId }, sk: { S: `b#${period}` } });
export const markerKey = (requestId: string) => ({ pk: { S: `req#${requestId}` }, sk: { S: "-" } });

const N = (n: number | bigint) => ({ N: String(n) });
const latencyAttr = (i: number) => `l${i}`;

/**
 * Errors worth retrying: throttling, conflicts with another transaction, DynamoDB's own 5xx, and a
 * lost answer (the write may have been applied: the marker makes the retry harmless).
 */
const RETRYABLE = /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TransactionConflict|TransactionInProgress|InternalServerError|ServiceUnavailable|TimeoutError|NetworkingError|ECONNRESET|EPIPE/;

export class DynamoMeter implements Meter {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    /** Attempts of one call's write; the backoff doubles from 25 ms, with jitter. */
    private readonly attempts = 8,
  ) {}

  async record(call: MeteredCall): Promise<boolean> {
    const hour = hourOf(call.at);
    const nowS = Math.floor(call.at / 1000);
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: { ...markerKey(call.requestId), ttl: N(nowS + MARKER_TTL_S) },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: names("pk"),
        },
      },
      { Update: { TableName: this.table, ...counterUpdate(countsOf(call, hour), nowS) } },
    ];
    if (call.budget && call.budget.delta !== 0n) {
      items.push({
        Update: {
          TableName: this.table,
          Key: budgetKey(call.keyId, call.budget.period),
          UpdateExpression: "ADD #spent :delta",
          ExpressionAttributeNames: names("spent"),
          ExpressionAttributeValues: { ":delta": N(call.budget.delta) },
        },
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return true;
      } catch (e) {
        if (markerExisted(e)) return false;
        if (attempt >= this.attempts || !isRetryable(e)) throw e;
        await sleep(Math.min(2_000, 25 * 2 ** (attempt - 1)) * (0.5 + Math.random()));
      }
    }
  }

  async isCounted(requestId: string): Promise<boolean> {
    const out = await this.db.send(new GetItemCommand({ TableName: this.table, Key: markerKey(requestId), ConsistentRead: true, ProjectionExpression: "#pk", ExpressionAttributeNames: names("pk") }));
    return out.Item !== undefined;
  }

  /**
   * Adds many calls' counts to a counter in one write, as `record` adds one call's: for imports and
   * backfills (and the month-scale test), never on a call's path.
   */
  async addCounts(counter: UsageCounter, at: number): Promise<void> {
    await this.db.send(new UpdateItemCommand({ TableName: this.table, ...counterUpdate(counter, Math.floor(at / 1000)) }));
  }

  async counters(q: { keyId?: string; agent?: string; fromHour: string; toHour: string }): Promise<UsageCounter[]> {
    const range = { ":from": { S: `c#${q.fromHour}` }, ":to": { S: `c#${q.toHour}#\uffff` } };
    if (q.keyId) {
      return this.queryAll({
        KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
        ...(q.agent ? { FilterExpression: "#agent = :agent" } : {}),
        ExpressionAttributeNames: names("pk", "sk", ...(q.agent ? ["agent"] : [])),
        ExpressionAttributeValues: { ...range, ":pk": { S: q.keyId }, ...(q.agent ? { ":agent": { S: q.agent } } : {}) },
      });
    }
    if (q.agent) {
      return this.queryAll({
        IndexName: "byAgent",
        KeyConditionExpression: "#agent = :agent AND #sk BETWEEN :from AND :to",
        ExpressionAttributeNames: names("agent", "sk"),
        ExpressionAttributeValues: { ...range, ":agent": { S: q.agent } },
      });
    }
    const days = await Promise.all(
      daysBetween(q.fromHour, q.toHour).map((day) =>
        this.queryAll({
          IndexName: "byDay",
          KeyConditionExpression: "#day = :day AND #sk BETWEEN :from AND :to",
          ExpressionAttributeNames: names("day", "sk"),
          ExpressionAttributeValues: { ...range, ":day": { S: day } },
        }),
      ),
    );
    return days.flat();
  }

  async reserve(keyId: string, period: string, amount: bigint, limit: bigint): Promise<{ ok: boolean; spent: bigint }> {
    // A price above the whole budget never fits (the condition below lets a first call through).
    if (amount > limit) return { ok: false, spent: await this.spent(keyId, period) };
    try {
      const out = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: budgetKey(keyId, period),
          UpdateExpression: "ADD #spent :amount",
          // DynamoDB compares exact decimals: the spend after the call may not pass the limit.
          ConditionExpression: amount > 0n ? "attribute_not_exists(#spent) OR #spent <= :room" : "attribute_not_exists(#spent) OR #spent < :limit",
          ExpressionAttributeNames: names("spent"),
          ExpressionAttributeValues: { ":amount": N(amount), ...(amount > 0n ? { ":room": N(limit - amount) } : { ":limit": N(limit) }) },
          ReturnValues: "UPDATED_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { ok: true, spent: BigInt(out.Attributes?.spent?.N ?? "0") };
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      const old = (e as { Item?: Item }).Item;
      return { ok: false, spent: BigInt(old?.spent?.N ?? "0") };
    }
  }

  async adjust(keyId: string, period: string, delta: bigint): Promise<void> {
    if (delta === 0n) return;
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: budgetKey(keyId, period),
        UpdateExpression: "ADD #spent :delta",
        ExpressionAttributeNames: names("spent"),
        ExpressionAttributeValues: { ":delta": N(delta) },
      }),
    );
  }

  async spent(keyId: string, period: string): Promise<bigint> {
    return (await this.softBudgetAnnounced(keyId, period)).spent;
  }

  async softBudgetAnnounced(keyId: string, period: string): Promise<{ spent: bigint; announced: boolean }> {
    const out = await this.db.send(new GetItemCommand({ TableName: this.table, Key: budgetKey(keyId, period), ConsistentRead: true }));
    return { spent: BigInt(out.Item?.spent?.N ?? "0"), announced: out.Item?.soft?.BOOL === true };
  }

  async markSoftBudgetAnnounced(keyId: string, period: string): Promise<void> {
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: budgetKey(keyId, period),
        UpdateExpression: "SET #soft = :true",
        ExpressionAttributeNames: names("soft"),
        ExpressionAttributeValues: { ":true": { BOOL: true } },
      }),
    );
  }

  /** Every page of one query, as counters. */
  private async queryAll(input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">): Promise<UsageCounter[]> {
    const counters: UsageCounter[] = [];
    let start: Item | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) counters.push(fromCounterItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return counters;
  }
}

/** One call as a counter's increments. */
function countsOf(call: MeteredCall, hour: string): UsageCounter {
  const latency = LATENCY_BOUNDS_MS.map(() => 0);
  const counted = call.taskEnd ? 0 : 1;
  latency[latencyBucket(call.latencyMs)] = counted;
  return {
    keyId: call.keyId,
    ...(call.agent ? { agent: call.agent } : {}),
    hour,
    requests: counted,
    errors: call.outcome === "error" ? counted : 0,
    clientClosed: call.outcome === "client_closed" ? counted : 0,
    spend: call.cost,
    latency,
  };
}

/** ADDs a counter's increments (only the latency buckets it has) and SETs what its indexes read. */
function counterUpdate(c: UsageCounter, nowS: number) {
  const adds: [string, number | bigint][] = [
    ["n", c.requests],
    ["err", c.errors],
    ["closed", c.clientClosed],
    ["spend", c.spend],
    ...c.latency.flatMap((n, i): [string, number][] => (n ? [[latencyAttr(i), n]] : [])),
  ];
  const sets = { keyId: { S: c.keyId }, hour: { S: c.hour }, day: { S: c.hour.slice(0, 10) }, ...(c.agent ? { agent: { S: c.agent } } : {}) };
  return {
    Key: counterKey(c.keyId, c.hour, c.agent),
    UpdateExpression:
      `ADD ${adds.map(([a]) => `#${a} :${a}`).join(", ")} ` +
      `SET ${Object.keys(sets).map((a) => `#${a} = :${a}`).join(", ")}, #ttl = if_not_exists(#ttl, :ttl)`,
    ExpressionAttributeNames: names(...adds.map(([a]) => a), ...Object.keys(sets), "ttl"),
    ExpressionAttributeValues: {
      ...Object.fromEntries(adds.map(([a, v]) => [`:${a}`, N(v)])),
      ...Object.fromEntries(Object.entries(sets).map(([a, v]) => [`:${a}`, v])),
      ":ttl": N(nowS + COUNTER_TTL_S),
    },
  };
}

/** Read straight from the attribute values: spend stays an exact bigint. */
function fromCounterItem(item: Item): UsageCounter {
  const num = (a: string) => Number(item[a]?.N ?? 0);
  return {
    keyId: item.keyId?.S ?? "",
    ...(item.agent?.S ? { agent: item.agent.S } : {}),
    hour: item.hour?.S ?? "",
    requests: num("n"),
    errors: num("err"),
    clientClosed: num("closed"),
    spend: BigInt(item.spend?.N ?? "0"),
    latency: LATENCY_BOUNDS_MS.map((_, i) => num(latencyAttr(i))),
  };
}

/** The marker's condition failed: this request was counted before. */
function markerExisted(e: unknown): boolean {
  const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return e instanceof Error && e.name === "TransactionCanceledException" && reasons?.[0]?.Code === "ConditionalCheckFailed";
}

function isRetryable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === "TransactionCanceledException") {
    const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code && RETRYABLE.test(r.Code));
  }
  const { code, $metadata } = e as { code?: string; $metadata?: { httpStatusCode?: number } };
  return RETRYABLE.test(e.name) || RETRYABLE.test(code ?? "") || ($metadata?.httpStatusCode ?? 0) >= 500;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The UTC days of an hour range, both ends included. */
function daysBetween(fromHour: string, toHour: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(fromHour.slice(0, 10)); t <= Date.parse(toHour.slice(0, 10)); t += 24 * 3600_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
