/**
 * Tables kept from an earlier run (`GATEWAY_DATA_DIR`) meet a schema that has grown since: the local
 * stack adds the indexes they lack, so the listings that query them work on old data too.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureTables, localAwsConfig, startDynamo, type DynamoEmulator } from "../../infra/local/emulators.ts";
import { tables } from "../../infra/schema.ts";

let dynamo: DynamoEmulator;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamo({ engine: "dynamodb-local" });
  client = new DynamoDBClient(localAwsConfig(dynamo.endpoint));
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

it("adds the indexes an existing table lacks, and keeps its items", async () => {
  // Prepare: the tasks table as an earlier version created it, with no index, and an item in it
  const name = "old_tasks";
  const def = tables.tasks;
  await client.send(
    new CreateTableCommand({ TableName: name, BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: def.hashKey, KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: def.hashKey, AttributeType: "S" }] }),
  );
  await client.send(new PutItemCommand({ TableName: name, Item: { [def.hashKey]: { S: "job-1" }, owner: { S: "k1" }, createdAt: { S: "2026-01-01T00:00:00.000Z" } } }));

  // Act
  await ensureTables(client, { [name]: def });

  // Assess
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  expect((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName).sort()).toEqual(Object.keys(def.indexes ?? {}).sort());
  const { Items = [] } = await client.send(
    new QueryCommand({ TableName: name, IndexName: "byOwner", KeyConditionExpression: "#o = :o", ExpressionAttributeNames: { "#o": "owner" }, ExpressionAttributeValues: { ":o": { S: "k1" } } }),
  );
  expect(Items.map((item) => item[def.hashKey]?.S)).toEqual(["job-1"]);
  // A second start changes nothing.
  await ensureTables(client, { [name]: def });
}, 60_000);
