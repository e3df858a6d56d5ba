/** The keys table: one item per virtual key, keyed by id. Holds a hash of the key, never the key. */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { NotFoundError } from "../../errors.ts";
import type { KeyStore, VirtualKey } from "../../ports.ts";
import { fromItem, isConditionFailed, names, toItem, type Item } from "./codec.ts";

const fromKeyItem = (item: Item): VirtualKey => fromItem(item) as unknown as VirtualKey;

export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(id: string): Promise<VirtualKey | undefined> {
    const out = await this.db.send(new GetItemCommand({ TableName: this.table, Key: { id: { S: id } } }));
    return out.Item ? fromKeyItem(out.Item) : undefined;
  }

  async list(): Promise<VirtualKey[]> {
    const keys: VirtualKey[] = [];
    let start: Item | undefined;
    do {
      const out = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) keys.push(fromKeyItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async create(key: VirtualKey): Promise<void> {
    await this.put(key, "attribute_not_exists(#id)");
  }

  async update(key: VirtualKey): Promise<void> {
    try {
      await this.put(key, "attribute_exists(#id)");
    } catch (e) {
      if (isConditionFailed(e)) throw new NotFoundError(`Key "${key.id}" not found`);
      throw e;
    }
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteItemCommand({ TableName: this.table, Key: { id: { S: id } }, ReturnValues: "ALL_OLD" }),
    );
    return Boolean(out.Attributes);
  }

  private async put(key: VirtualKey, condition: string): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: toItem({ ...key }), ConditionExpression: condition, ExpressionAttributeNames: names("id") }));
  }
}
