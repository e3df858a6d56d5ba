/** The tasks table. Key formats are named here and nowhere else. */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TaskOwnership, TaskStore } from "../../ports.ts";
import { isConditionFailed } from "./codec.ts";

/** Agents choose task ids, so the same id may exist at two agents: the key carries both. */
export const taskKey = (agent: string, taskId: string) => `task#${agent}#${taskId}`;

export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly ttlSeconds: number,
  ) {}

  async claim({ agent, taskId, owner }: TaskOwnership): Promise<string> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: taskKey(agent, taskId) },
            owner: { S: owner },
            ttl: { N: String(Math.floor(Date.now() / 1000) + this.ttlSeconds) },
          },
          // First writer wins; a repeat by the same owner is a no-op success.
          ConditionExpression: "attribute_not_exists(pk) OR #owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": { S: owner } },
        }),
      );
      return owner;
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      return (await this.owner(agent, taskId)) ?? owner;
    }
  }

  async owner(agent: string, taskId: string): Promise<string | undefined> {
    const out = await this.db.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: { S: taskKey(agent, taskId) } },
        ProjectionExpression: "#owner",
        ExpressionAttributeNames: { "#owner": "owner" },
      }),
    );
    return out.Item?.owner?.S;
  }
}
