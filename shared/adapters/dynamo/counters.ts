/** The counters table: fixed one-minute windows per key, counted atomically, expiring on their own. */
import { UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { RateLimiter } from "../../ports.ts";

export const rpmKey = (keyId: string, minute: number) => `rpm#${keyId}#${minute}`;

export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async hit(keyId: string, now: number): Promise<number> {
    const minute = Math.floor(now / 60_000);
    const out = await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: rpmKey(keyId, minute) } },
        UpdateExpression: "ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)",
        ExpressionAttributeNames: { "#n": "n", "#ttl": "ttl" },
        ExpressionAttributeValues: { ":one": { N: "1" }, ":ttl": { N: String((minute + 2) * 60) } },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(out.Attributes?.n?.N ?? 1);
  }
}
