/** The local emulators (infra/local/emulators.ts) and the SQS event source (infra/local/event-source.ts). */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { queues, tables } from "../../infra/schema.ts";
import {
  ensureQueues,
  ensureTables,
  localAwsConfig,
  startDynamo,
  startSqs,
  type DynamoEngine,
  type DynamoEmulator,
  type SqsEmulator,
} from "../../infra/local/emulators.ts";
import { startEventSource, type EventSource, type EventSourceOptions, type SqsHandler } from "../../infra/local/event-source.ts";

const EMULATORS_MODULE = new URL("../../infra/local/emulators.ts", import.meta.url).pathname;
/** For tests that start JVMs themselves: ~2 s each on an idle machine, several times that on a busy one. */
const JVM_TEST = { timeout: 60_000 };

// Suites and tests run concurrently: most of the time goes to waiting for JVMs and visibility
// timeouts. The suites that start JVMs inside their tests come first so that they start at once.
describe.concurrent("DynamoDB emulator processes", () => {
  const engines: DynamoEngine[] = ["dynamodb-local", "dynalite"];
  it.for(engines)("keeps data written under dataDir across a restart (%s)", JVM_TEST, async (engine, { expect, onTestFinished }) => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), "emulators-test-"));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true })); // runs after a timeout too, unlike finally
    await withDynamo({ engine, dataDir }, async (db) => {
      await ensureTables(db);
      await db.send(new PutItemCommand({ TableName: "keys", Item: { id: { S: "k1" }, owner: { S: "alice" } } }));
    });
    // Act
    const item = await withDynamo({ engine, dataDir }, async (db) => {
      return (await db.send(new GetItemCommand({ TableName: "keys", Key: { id: { S: "k1" } } }))).Item;
    });
    // Assess
    expect(item).toEqual({ id: { S: "k1" }, owner: { S: "alice" } });
  });

  it("stops DynamoDB Local when its parent process is killed with SIGTERM", JVM_TEST, async ({ expect, onTestFinished }) => {
    // Prepare: a parent that starts DynamoDB Local and then just waits
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e",
        `const { startDynamo } = await import(${JSON.stringify(pathToFileURL(EMULATORS_MODULE).href)});
         const dynamo = await startDynamo({ engine: "dynamodb-local" });
         console.log(dynamo.endpoint);
         setInterval(() => {}, 60_000);`],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    onTestFinished(() => void parent.kill("SIGKILL"));
    const endpoint = await firstLine(parent.stdout);
    expect(await isListening(endpoint)).toBe(true);
    // Act
    parent.kill("SIGTERM");
    // Assess
    await waitFor(async () => !(await isListening(endpoint)), 5_000);
  });
});

describe.concurrent.each<{ engine?: DynamoEngine; expected: DynamoEngine }>([
  { engine: undefined, expected: "dynamodb-local" },
  { engine: "dynalite", expected: "dynalite" },
])("DynamoDB emulator: $expected", ({ engine, expected }) => {
  let dynamo: DynamoEmulator;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynamo({ engine });
    client = new DynamoDBClient(localAwsConfig(dynamo.endpoint));
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  it("starts the expected engine, on loopback only", async ({ expect }) => {
    expect(dynamo.engine).toBe(expected);
    expect(new URL(dynamo.endpoint).hostname).toBe("127.0.0.1");
    expect(await reachableFromOtherInterfaces(dynamo.endpoint)).toEqual([]);
  });

  it("creates every schema table with its key schema, and does it again without error", async ({ expect }) => {
    // Act
    await ensureTables(client);
    await ensureTables(client);
    // Assess
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(expect.arrayContaining(Object.keys(tables)));
    const { Table } = await client.send(new DescribeTableCommand({ TableName: "meter" }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
  });

  it.runIf(expected === "dynamodb-local")("enables TTL on the tables that declare it", async ({ expect }) => {
    // Act
    await ensureTables(client);
    // Assess
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: "tasks" }));
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: "ENABLED", AttributeName: "ttl" });
  });

  it("rejects a conditional put once the item exists", async ({ expect }) => {
    // Prepare
    await ensureTables(client);
    const putIfAbsent = () =>
      client.send(
        new PutItemCommand({
          TableName: "agents",
          Item: { name: { S: "conditional" } },
          ConditionExpression: "attribute_not_exists(#name)",
          ExpressionAttributeNames: { "#name": "name" },
        }),
      );
    // Act
    await putIfAbsent();
    const second = putIfAbsent();
    // Assess
    await expect(second).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
  });
});

describe.concurrent("SQS emulator and event source", () => {
  let sqsEmulator: SqsEmulator;
  let sqs: SQSClient;
  const sources: EventSource[] = [];

  beforeAll(async () => {
    sqsEmulator = await startSqs({});
    sqs = new SQSClient(localAwsConfig(sqsEmulator.endpoint));
  });
  afterAll(async () => {
    await Promise.all(sources.map((source) => source.stop())); // those a failed test left running
    sqs?.destroy();
    await sqsEmulator?.stop();
  });

  /** A queue of its own per test, with a short visibility timeout so retries come quickly. */
  async function queue(name: string, overrides: Partial<{ visibilityTimeout: number; maxReceiveCount: number; batchSize: number }> = {}) {
    const def = { visibilityTimeout: 1, maxReceiveCount: 2, batchSize: 10, retentionSeconds: 3600, ...overrides };
    const created = await ensureQueues(sqs, { [name]: def });
    return { ...def, ...created[name]! };
  }

  /** Starts an event source that records every event and answers with `respond`. */
  function consume(
    q: Awaited<ReturnType<typeof queue>>,
    respond: SqsHandler = async () => {},
    extra: Partial<EventSourceOptions> = {},
  ) {
    const events: { event: SQSEvent; at: number }[] = [];
    const source = startEventSource({
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      handler: async (event) => {
        events.push({ event, at: Date.now() });
        return respond(event);
      },
      batchSize: q.batchSize,
      visibilityTimeout: q.visibilityTimeout,
      maxReceiveCount: q.maxReceiveCount,
      logger: { warn: vi.fn(), error: vi.fn() },
      ...extra,
    });
    sources.push(source);
    const bodies = () => events.map(({ event }) => event.Records.map((record) => record.body));
    return { source, events, bodies };
  }

  it("listens on loopback only", async ({ expect }) => {
    expect(new URL(sqsEmulator.endpoint).hostname).toBe("127.0.0.1");
    expect(await reachableFromOtherInterfaces(sqsEmulator.endpoint)).toEqual([]);
  });

  it("creates each queue with its dead-letter queue, redrive policy and visibility timeout, idempotently", async ({ expect }) => {
    // Act
    const first = await ensureQueues(sqs);
    const again = await ensureQueues(sqs);
    // Assess
    expect(again).toEqual(first);
    expect(Object.keys(first)).toEqual(["tasks", "callbacks"]);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: first.tasks.url, AttributeNames: ["All"] }));
    expect(Attributes?.VisibilityTimeout).toBe(String(queues.tasks.visibilityTimeout));
    expect(JSON.parse(Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:tasks-dlq",
      maxReceiveCount: queues.tasks.maxReceiveCount,
    });
    expect(first.tasks.dlqUrl).toMatch(/\/tasks-dlq$/);
  });

  it("delivers messages in batches of at most batchSize, shaped like Lambda's SQS events", async ({ expect }) => {
    // Prepare
    const q = await queue("batches", { batchSize: 2 });
    await sendBatch(q.url, ["m1", "m2", "m3", "m4", "m5"], { trace: { DataType: "String", StringValue: "t-1" } });
    // Act
    const { source, events, bodies } = consume(q, undefined, { concurrency: 1 });
    await source.idle();
    await source.stop();
    // Assess
    expect(bodies()).toEqual([["m1", "m2"], ["m3", "m4"], ["m5"]]);
    const record = events[0]!.event.Records[0]!;
    expect(record).toMatchObject({
      body: "m1",
      md5OfBody: createHash("md5").update("m1").digest("hex"),
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:batches",
      awsRegion: "us-east-1",
      attributes: { ApproximateReceiveCount: "1", SenderId: expect.any(String) },
      messageAttributes: { trace: { dataType: "String", stringValue: "t-1", stringListValues: [], binaryListValues: [] } },
    });
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThan(0);
  });

  it("redelivers only the records listed in batchItemFailures, after the visibility timeout", async ({ expect }) => {
    // Prepare
    const q = await queue("partial");
    await sendBatch(q.url, ["a", "b", "c"]);
    let failedOnce = false;
    const failBOnce: SqsHandler = async ({ Records }) => {
      const b = Records.find((record) => record.body === "b");
      if (!b || failedOnce) return;
      failedOnce = true;
      return { batchItemFailures: [{ itemIdentifier: b.messageId }] };
    };
    // Act
    const { source, events, bodies } = consume(q, failBOnce, { concurrency: 1 });
    await source.idle();
    await source.stop();
    // Assess
    expect(bodies()).toEqual([["a", "b", "c"], ["b"]]);
    const [first, retry] = events;
    expect(retry!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(retry!.event.Records[0]!.attributes.ApproximateReceiveCount).toBe("2");
  });

  it("retries the whole batch when the handler throws", async ({ expect }) => {
    // Prepare
    const q = await queue("throws");
    await sendBatch(q.url, ["x", "y"]);
    let calls = 0;
    const throwOnce: SqsHandler = async () => {
      if (calls++ === 0) throw new Error("boom");
    };
    // Act
    const { source, bodies } = consume(q, throwOnce, { concurrency: 1 });
    await source.idle();
    await source.stop();
    // Assess
    expect(bodies()).toEqual([["x", "y"], ["x", "y"]]);
  });

  it("moves a record that always fails to the DLQ after maxReceiveCount deliveries (queue redrive policy)", async ({ expect }) => {
    // Prepare
    const q = await queue("poison", { maxReceiveCount: 2 });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "poison" }));
    // Act
    const { source, events } = consume(q, failEverything);
    await source.idle();
    await source.stop();
    // Assess
    expect(events.map(({ event }) => event.Records[0]!.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(await drain(q.dlqUrl)).toEqual(["poison"]);
  });

  it("moves exhausted records to dlqUrl itself when the queue has no redrive policy", async ({ expect }) => {
    // Prepare: a queue and DLQ created without a RedrivePolicy
    const [url, dlqUrl] = await Promise.all(
      ["no-redrive", "no-redrive-dlq"].map(async (name) => (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));
    const q = { url: url!, dlqUrl: dlqUrl!, arn: undefined, visibilityTimeout: 1, maxReceiveCount: 2, batchSize: 10, retentionSeconds: 3600 };
    // Act
    const { source, events } = consume(q, failEverything, { dlqUrl });
    await source.idle();
    await source.stop();
    // Assess
    expect(events).toHaveLength(2);
    expect(events[0]!.event.Records[0]!.eventSourceARN).toBe("arn:aws:sqs:us-east-1:000000000000:no-redrive");
    expect(await drain(dlqUrl!)).toEqual(["poison"]);
  });

  it("does not deliver a message before its DelaySeconds have passed", async ({ expect }) => {
    // Prepare
    const q = await queue("delayed");
    const { source, events } = consume(q);
    // Act
    const sentAt = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "later", DelaySeconds: 1 }));
    await waitFor(() => events.length > 0, 5_000);
    await source.stop();
    // Assess
    expect(events[0]!.at - sentAt).toBeGreaterThanOrEqual(950);
  });

  it("returns from stop() promptly while a long poll is waiting", async ({ expect }) => {
    // Prepare
    const q = await queue("long-poll");
    const { source } = consume(q, undefined, { waitTimeSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Act
    const startedAt = Date.now();
    await source.stop();
    // Assess
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it("reports an emulator outage once and resumes delivery when it is back", async ({ expect }) => {
    // Prepare: an emulator of its own, restarted on the same port so queue URLs stay valid
    let emulator = await startSqs({});
    const port = Number(new URL(emulator.endpoint).port);
    const client = new SQSClient({ ...localAwsConfig(emulator.endpoint), maxAttempts: 1 });
    const definition = { outage: { visibilityTimeout: 1, maxReceiveCount: 2, batchSize: 10, retentionSeconds: 3600 } };
    const { outage } = await ensureQueues(client, definition);
    const received: string[] = [];
    const logger = { warn: vi.fn(), error: vi.fn() };
    const source = startEventSource({
      sqs: client, queueUrl: outage.url, batchSize: 10, visibilityTimeout: 1, maxReceiveCount: 2, logger,
      handler: async ({ Records }) => void received.push(...Records.map((record) => record.body)),
    });
    try {
      // Act
      await emulator.stop();
      await new Promise((resolve) => setTimeout(resolve, 600));
      emulator = await startSqs({ port });
      await ensureQueues(client, definition);
      await client.send(new SendMessageCommand({ QueueUrl: outage.url, MessageBody: "after restart" }));
      await waitFor(() => received.length > 0, 5_000);
      // Assess
      expect(received).toEqual(["after restart"]);
      const warnings = logger.warn.mock.calls.map(([message]) => String(message));
      expect(warnings.filter((message) => message.includes("polling failed"))).toHaveLength(1);
      expect(warnings.filter((message) => message.includes("polling recovered"))).toHaveLength(1);
    } finally {
      await source.stop();
      client.destroy();
      await emulator.stop();
    }
  });

  async function sendBatch(queueUrl: string, bodies: string[], attributes?: Record<string, { DataType: string; StringValue: string }>) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body, MessageAttributes: attributes })),
      }),
    );
  }

  async function drain(queueUrl: string): Promise<string[]> {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    return Messages.map((message) => message.Body ?? "");
  }
});

const failEverything: SqsHandler = async ({ Records }) => ({
  batchItemFailures: Records.map((record) => ({ itemIdentifier: record.messageId })),
});

/** Starts an emulator, hands a client for it to `use`, then stops it. */
async function withDynamo<T>(opts: Parameters<typeof startDynamo>[0], use: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  const dynamo = await startDynamo(opts);
  const client = new DynamoDBClient(localAwsConfig(dynamo.endpoint));
  try {
    return await use(client);
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

/** The non-loopback addresses of this machine through which `endpoint`'s port accepts connections. */
async function reachableFromOtherInterfaces(endpoint: string): Promise<string[]> {
  const { port } = new URL(endpoint);
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address && !address.internal && address.family === "IPv4")
    .map((address) => `http://${address!.address}:${port}`);
  const reachable = await Promise.all(external.map(isListening));
  return external.filter((_, index) => reachable[index]);
}

function isListening(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition()); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
  }
}

function firstLine(stream: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    stream?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf("\n");
      if (newline >= 0) resolve(buffered.slice(0, newline).trim());
    });
    stream?.once("end", () => reject(new Error(`stream ended before a line: ${buffered}`)));
  });
}
