/**
 * The local IAM check (infra/local/iam.ts): each function may do only what infra/functions.ts
 * grants it, and is answered as AWS answers otherwise.
 */
import { describe, expect, it } from "vitest";
import { functionDefs } from "../../infra/functions.ts";
import { accessCheck } from "../../infra/local/iam.ts";

const tableNames = { agents: "p_agents", keys: "p_keys", tasks: "p_tasks", meter: "p_meter", counters: "p_counters" };
const queueNames = { tasks: "p_tasks", callbacks: "p_callbacks" };
const check = accessCheck({ grants: functionDefs, tableNames, queueNames, deadLetterQueueNames: { tasks: "p_tasks-dlq", callbacks: "p_callbacks-dlq" } });
const queueUrl = (name: string) => `http://sqs.us-east-1.localhost:9324/000000000000/${name}`;
const ask = (fn: string | undefined, target: string, input: unknown) => check(fn, target, Buffer.from(JSON.stringify(input)));
const dynamo = (fn: string, op: string, input: unknown) => ask(fn, `DynamoDB_20120810.${op}`, input);
const sqs = (fn: string, op: string, input: unknown) => ask(fn, `AmazonSQS.${op}`, input);

describe("the local IAM check", () => {
  it("lets a function use its granted tables", () => {
    expect(dynamo("poller", "GetItem", { TableName: "p_agents" })).toBeUndefined();
    expect(dynamo("poller", "GetItem", { TableName: "p_keys" })).toBeUndefined();
    expect(dynamo("deliver", "UpdateItem", { TableName: "p_tasks" })).toBeUndefined();
  });

  it("denies a table the function is not granted, in DynamoDB's words", () => {
    const denial = dynamo("deliver", "PutItem", { TableName: "p_counters" });

    expect(denial?.status).toBe(400);
    expect(JSON.parse(denial!.body)).toEqual({
      __type: "com.amazon.coral.service#AccessDeniedException",
      message:
        "User: arn:aws:sts::000000000000:assumed-role/deliver/deliver is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/p_counters because no identity-based policy allows the dynamodb:PutItem action",
    });
  });

  it("denies actions outside the item-level ones, even on a granted table", () => {
    expect(dynamo("api", "DeleteTable", { TableName: "p_keys" })?.body).toContain("dynamodb:DeleteTable");
    expect(dynamo("api", "ListTables", {})?.body).toContain("dynamodb:ListTables");
  });

  it("checks every table of a batch and every part of a transaction", () => {
    expect(dynamo("deliver", "BatchGetItem", { RequestItems: { p_keys: {}, p_tasks: {} } })).toBeUndefined();
    expect(dynamo("deliver", "BatchWriteItem", { RequestItems: { p_tasks: {}, p_agents: {} } })?.body).toContain("dynamodb:BatchWriteItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/p_agents");
    const transaction = { TransactItems: [{ Put: { TableName: "p_tasks" } }, { ConditionCheck: { TableName: "p_counters" } }] };
    expect(dynamo("deliver", "TransactWriteItems", transaction)?.body).toContain("dynamodb:ConditionCheckItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/p_counters");
    expect(dynamo("api", "TransactWriteItems", transaction)).toBeUndefined();
  });

  it("lets a function send to its queues and consume the one it is subscribed to", () => {
    expect(sqs("a2a", "SendMessage", { QueueUrl: queueUrl("p_callbacks") })).toBeUndefined();
    expect(sqs("poller", "SendMessageBatch", { QueueUrl: queueUrl("p_tasks") })).toBeUndefined();
    expect(sqs("deliver", "ChangeMessageVisibility", { QueueUrl: queueUrl("p_callbacks") })).toBeUndefined();
  });

  it("lets only the api function read and redrive the callbacks' dead letters, and nobody the tasks' ones", () => {
    for (const op of ["ReceiveMessage", "ChangeMessageVisibilityBatch", "DeleteMessage"]) {
      expect(sqs("api", op, { QueueUrl: queueUrl("p_callbacks-dlq") })).toBeUndefined();
      for (const fn of ["a2a", "openai", "poller", "deliver"]) expect(sqs(fn, op, { QueueUrl: queueUrl("p_callbacks-dlq") })?.status).toBe(403);
      expect(sqs("api", op, { QueueUrl: queueUrl("p_tasks-dlq") })?.status).toBe(403);
    }
    // Back into the queue they came from; nothing more on the dead-letter queue (not even a send).
    expect(sqs("api", "SendMessage", { QueueUrl: queueUrl("p_callbacks") })).toBeUndefined();
    expect(sqs("api", "SendMessage", { QueueUrl: queueUrl("p_callbacks-dlq") })?.status).toBe(403);
    expect(sqs("api", "ReceiveMessage", { QueueUrl: queueUrl("p_callbacks") })?.status).toBe(403);
  });

  it("denies a queue the function is not granted, in SQS's words", () => {
    const denial = sqs("deliver", "SendMessage", { QueueUrl: queueUrl("p_tasks") });

    expect(denial?.status).toBe(403);
    expect(denial?.headers["x-amzn-query-error"]).toBe("AccessDenied;Sender");
    expect(JSON.parse(denial!.body).message).toBe(
      "User: arn:aws:sts::000000000000:assumed-role/deliver/deliver is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:p_tasks because no identity-based policy allows the sqs:SendMessage action",
    );
    // Consuming is for the subscribed function only; sending does not grant receiving.
    expect(sqs("a2a", "ReceiveMessage", { QueueUrl: queueUrl("p_tasks") })?.status).toBe(403);
    expect(sqs("poller", "DeleteMessage", { QueueUrl: queueUrl("p_tasks-dlq") })?.status).toBe(403);
  });

  it("refuses a caller that is no function", () => {
    expect(JSON.parse(dynamo("local", "GetItem", { TableName: "p_keys" })!.body).__type).toBe("com.amazon.coral.service#UnrecognizedClientException");
    expect(ask(undefined, "DynamoDB_20120810.GetItem", { TableName: "p_keys" })?.status).toBe(400);
  });
});
