/** The usage table: one item per proxied call, by key and time, expiring after 30 days. */
import { PutItemCommand, QueryCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { UsageRecord, UsageStore } from "../../ports.ts";
import { fromItem, toItem, type Item } from "./codec.ts";

export const USAGE_TTL_S = 30 * 24 * 3600;

/** Sorts by time within a key; the request id keeps two calls of one millisecond apart. */
export const usageSortKey = (at: string, requestId: string) => `${at}#${requestId}`;

export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async record(r: UsageRecord): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.table,
        Item: toItem({ ...r, sk: usageSortKey(r.at, r.requestId), ttl: Math.floor(Date.parse(r.at) / 1000) + USAGE_TTL_S }),
      }),
    );
  }

  async query(q: { keyId?: string; agent?: string; from: string; to: string }): Promise<UsageRecord[]> {
    const records: UsageRecord[] = [];
    let start: Item | undefined;
    const range = { ":from": { S: q.from }, ":to": { S: q.to } };
    const agentFilter = q.agent ? { FilterExpression: "agent = :agent" } : {};
    const values = { ...range, ...(q.agent ? { ":agent": { S: q.agent } } : {}) };
    do {
      const out = q.keyId
        ? await this.db.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: "keyId = :key AND sk BETWEEN :from AND :to",
              ExpressionAttributeValues: { ...values, ":key": { S: q.keyId } },
              ...agentFilter,
              ExclusiveStartKey: start,
            }),
          )
        : await this.db.send(
            new ScanCommand({
              TableName: this.table,
              FilterExpression: `sk BETWEEN :from AND :to${q.agent ? " AND agent = :agent" : ""}`,
              ExpressionAttributeValues: values,
              ExclusiveStartKey: start,
            }),
          );
      for (const item of out.Items ?? []) {
        const { sk: _sk, ttl: _ttl, ...r } = fromItem(item);
        records.push(r as unknown as UsageRecord);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return records;
  }
}
