/**
 * The usage table: one item per proxied call, expiring after 30 days. Read by queries only: a
 * key's calls on the table's own key, an agent's on the `byAgent` index, everyone's on `byDay`
 * one day at a time (infra/schema.ts); in each, `sk` sorts by time.
 */
import { PutItemCommand, QueryCommand, type DynamoDBClient, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import type { UsageRecord, UsageStore } from "../../ports.ts";
import { fromItem, names, toItem, type Item } from "./codec.ts";

export const USAGE_TTL_S = 30 * 24 * 3600;
const DAY_MS = 24 * 3600_000;

/** Sorts by time within a key; the request id keeps two calls of one millisecond apart. */
export const usageSortKey = (at: string, requestId: string) => `${at}#${requestId}`;

/** The `byDay` partition of a time: its UTC date. */
const dayOf = (at: string) => at.slice(0, 10);

/** The days from `from` to `to`, both included, but none older than the records kept. */
function daysBetween(from: string, to: string): string[] {
  const last = Date.parse(dayOf(to));
  const first = Math.max(Date.parse(dayOf(from)), last - USAGE_TTL_S * 1000 - DAY_MS);
  const days: string[] = [];
  for (let t = first; t <= last; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async record(r: UsageRecord): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: toItem({ ...r, sk: usageSortKey(r.at, r.requestId), day: dayOf(r.at), ttl: Math.floor(Date.parse(r.at) / 1000) + USAGE_TTL_S }),
      }),
    );
  }

  async query(q: { keyId?: string; agent?: string; from: string; to: string }): Promise<UsageRecord[]> {
    const inRange = { ":from": { S: q.from }, ":to": { S: q.to } };
    if (q.keyId) {
      const agent = q.agent ? { FilterExpression: "#agent = :agent" } : {};
      return this.queryAll({
        KeyConditionExpression: "#keyId = :keyId AND #sk BETWEEN :from AND :to",
        ...agent,
        ExpressionAttributeNames: names("keyId", "sk", ...(q.agent ? ["agent"] : [])),
        ExpressionAttributeValues: { ...inRange, ":keyId": { S: q.keyId }, ...(q.agent ? { ":agent": { S: q.agent } } : {}) },
      });
    }
    if (q.agent) {
      return this.queryAll({
        IndexName: "byAgent",
        KeyConditionExpression: "#agent = :agent AND #sk BETWEEN :from AND :to",
        ExpressionAttributeNames: names("agent", "sk"),
        ExpressionAttributeValues: { ...inRange, ":agent": { S: q.agent } },
      });
    }
    const days = await Promise.all(
      daysBetween(q.from, q.to).map((day) =>
        this.queryAll({
          IndexName: "byDay",
          KeyConditionExpression: "#day = :day AND #sk BETWEEN :from AND :to",
          ExpressionAttributeNames: names("day", "sk"),
          ExpressionAttributeValues: { ...inRange, ":day": { S: day } },
        }),
      ),
    );
    return days.flat();
  }

  /** Every page of one query. */
  private async queryAll(input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">): Promise<UsageRecord[]> {
    const records: UsageRecord[] = [];
    let start: Item | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) {
        const { sk: _sk, day: _day, ttl: _ttl, ...r } = fromItem(item);
        records.push(r as unknown as UsageRecord);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return records;
  }
}
