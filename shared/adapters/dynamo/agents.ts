/** The agents table: one item per agent, keyed by name. */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConflictError, NotFoundError } from "../../errors.ts";
import type { Agent, AgentStore } from "../../ports.ts";
import { fromItem, isConditionFailed, names, toItem, type Item } from "./codec.ts";

const toAgentItem = (a: Agent): Item =>
  toItem({
    name: a.name,
    urls: a.urls,
    headers: JSON.stringify(a.headers),
    card: JSON.stringify(a.card),
    description: a.description,
    publicCard: a.publicCard,
    pricing: a.pricing,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  });

function fromAgentItem(item: Item): Agent {
  const r = fromItem(item) as Record<string, string> & { urls: string[]; publicCard?: boolean; pricing?: Agent["pricing"] };
  return {
    name: r.name,
    urls: r.urls,
    headers: JSON.parse(r.headers ?? "{}") as Record<string, string>,
    card: JSON.parse(r.card ?? "{}") as Record<string, unknown>,
    ...(r.description ? { description: r.description } : {}),
    ...(r.publicCard ? { publicCard: true } : {}),
    ...(r.pricing ? { pricing: r.pricing } : {}),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  } as Agent;
}

export class DynamoAgentStore implements AgentStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(name: string): Promise<Agent | undefined> {
    const out = await this.db.send(new GetItemCommand({ TableName: this.table, Key: { name: { S: name } } }));
    return out.Item ? fromAgentItem(out.Item) : undefined;
  }

  async list(): Promise<Agent[]> {
    const agents: Agent[] = [];
    let start: Item | undefined;
    do {
      const out = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) agents.push(fromAgentItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return agents.sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(agent: Agent): Promise<void> {
    await this.put(agent, "attribute_not_exists(#name)", () => new ConflictError(`Agent "${agent.name}" already exists`));
  }

  async update(agent: Agent): Promise<void> {
    await this.put(agent, "attribute_exists(#name)", () => new NotFoundError(`Agent "${agent.name}" not found`));
  }

  async delete(name: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteItemCommand({ TableName: this.table, Key: { name: { S: name } }, ReturnValues: "ALL_OLD" }),
    );
    return Boolean(out.Attributes);
  }

  private async put(agent: Agent, condition: string, onConflict: () => Error): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: toAgentItem(agent),
          ConditionExpression: condition,
          ExpressionAttributeNames: names("name"),
        }),
      );
    } catch (e) {
      if (isConditionFailed(e)) throw onConflict();
      throw e;
    }
  }
}
