/**
 * The whole gateway on one machine: DynamoDB and SQS emulators, tables and queues from the same
 * definitions the cloud uses, and the Lambda handlers behind a local HTTP front. `npm start` runs
 * it; integration tests start it in-process, sharing one pair of emulators between test files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { queues, tables, type QueueName, type TableName } from "../schema.ts";
import { installAwsLambdaGlobal } from "./awslambda.ts";
import { ensureQueues, ensureTables, localAwsConfig, startDynamo, startSqs, type QueueUrls } from "./emulators.ts";
import { startEventSource, type SqsHandler } from "./event-source.ts";
import { DynamoTaskStore } from "../../shared/adapters/dynamo/tasks.ts";
import { SqsQueue } from "../../shared/adapters/sqs.ts";
import { isFinished } from "../../shared/ports.ts";
import type { PollMessage } from "../../shared/core/async/messages.ts";
import { createFront, type HttpHandlers } from "./front.ts";
import { consoleStaticHandler } from "./console.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalStackOptions {
  port?: number;
  host?: string;
  /** Persist emulator data and the generated master key here; omit to keep everything in memory. */
  dataDir?: string;
  masterKey?: string;
  /** Reuse running emulators (tests share one pair); else they are started and stopped with the stack. */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  /** Prefix for table and queue names, so stacks can share emulators. */
  prefix?: string;
  /** Extra environment for the functions (e.g. GATEWAY_SYNC_BUDGET_MS). */
  env?: Record<string, string>;
}

export interface LocalStack {
  url: string;
  port: number;
  masterKey: string;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  tableNames: Record<TableName, string>;
  queueUrls: Record<QueueName, QueueUrls>;
  /** Resolves when every queue was seen empty with nothing in flight. */
  idle(): Promise<void>;
  startedInMs: number;
  stop(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const started = performance.now();
  const stops: (() => Promise<void>)[] = [];
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  // The handlers read their environment only when first invoked: import them while the emulators start.
  installAwsLambdaGlobal();
  const [dynamoEndpoint, sqsEndpoint, handlers, consumers] = await Promise.all([
    opts.dynamoEndpoint ??
      startDynamo({ ...(dataDir ? { dataDir: join(dataDir, "dynamodb") } : {}) }).then((d) => (stops.push(d.stop), d.endpoint)),
    opts.sqsEndpoint ?? startSqs({}).then((s) => (stops.push(s.stop), s.endpoint)),
    loadHandlers(),
    loadConsumers(),
  ]);
  const dynamo = new DynamoDBClient(localAwsConfig(dynamoEndpoint));
  const sqs = new SQSClient(localAwsConfig(sqsEndpoint));
  const prefix = opts.prefix ?? "";
  const tableNames = Object.fromEntries(Object.keys(tables).map((t) => [t, prefix + t])) as Record<TableName, string>;
  const [, prefixedQueues] = await Promise.all([
    ensureTables(dynamo, Object.fromEntries(Object.entries(tables).map(([t, def]) => [prefix + t, def]))),
    ensureQueues(sqs, Object.fromEntries(Object.entries(queues).map(([q, def]) => [prefix + q, def]))),
  ]);
  const queueUrls = Object.fromEntries(Object.keys(queues).map((q) => [q, prefixedQueues[prefix + q]!])) as Record<QueueName, QueueUrls>;

  const masterKey = opts.masterKey ?? process.env.GATEWAY_MASTER_KEY ?? loadOrCreateMasterKey(dataDir);
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    GATEWAY_MASTER_KEY: masterKey,
    GATEWAY_ALLOW_PRIVATE_URLS: process.env.GATEWAY_ALLOW_PRIVATE_URLS ?? "true",
    ...Object.fromEntries(Object.entries(tableNames).map(([t, name]) => [`GATEWAY_TABLE_${t.toUpperCase()}`, name])),
    ...Object.fromEntries(Object.entries(queueUrls).map(([q, { url }]) => [`GATEWAY_QUEUE_${q.toUpperCase()}_URL`, url])),
    ...opts.env,
  });

  // fauxqs keeps messages in memory only: unfinished jobs from a previous run get their poll back.
  if (dataDir) await requeueUnfinished(dynamo, sqs, tableNames.tasks, queueUrls.tasks.url);
  // The queues feed their consumers as Lambda's event source mappings would.
  const sources = (Object.keys(queues) as QueueName[]).map((q) =>
    startEventSource({
      sqs,
      queueUrl: queueUrls[q].url,
      dlqUrl: queueUrls[q].dlqUrl,
      ...(queueUrls[q].arn ? { queueArn: queueUrls[q].arn } : {}),
      handler: consumers[q],
      batchSize: queues[q].batchSize,
      visibilityTimeout: queues[q].visibilityTimeout,
      maxReceiveCount: queues[q].maxReceiveCount,
      concurrency: 4,
    }),
  );
  stops.unshift(async () => {
    await Promise.all(sources.map((s) => s.stop()));
  });
  const server = createFront({ handlers, staticHandler: consoleStaticHandler(join(repoRoot, "console")) });
  await new Promise<void>((ok) => server.listen(opts.port ?? 4000, opts.host ?? "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? "127.0.0.1"}:${port}`;
  process.env.GATEWAY_PUBLIC_URL ??= url;

  return {
    url,
    port,
    masterKey,
    dynamo,
    sqs,
    tableNames,
    queueUrls,
    idle: () => Promise.all(sources.map((s) => s.idle())).then(() => undefined),
    startedInMs: Math.round(performance.now() - started),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      dynamo.destroy();
      sqs.destroy();
      await Promise.all(stops.map((s) => s()));
    },
  };
}

/** Imported only after the environment is set and the `awslambda` stand-in is installed. */
async function loadHandlers(): Promise<HttpHandlers> {
  const [api, a2a, openai] = await Promise.all([
    import("../../functions/api.ts"),
    import("../../functions/a2a.ts"),
    import("../../functions/openai.ts"),
  ]);
  return { api: api.handler, a2a: a2a.handler, openai: openai.handler };
}

async function requeueUnfinished(dynamo: DynamoDBClient, sqs: SQSClient, table: string, queueUrl: string): Promise<void> {
  const jobs = await new DynamoTaskStore(dynamo, table, 0).list(undefined, 1000);
  const queue = new SqsQueue<PollMessage>(async () => sqs, queueUrl);
  await Promise.all(jobs.filter((j) => !isFinished(j.status)).map((j) => queue.send({ jobId: j.id, attempt: 0, errors: 0 })));
}

async function loadConsumers(): Promise<Record<QueueName, SqsHandler>> {
  const [poller, deliver] = await Promise.all([import("../../functions/poller.ts"), import("../../functions/deliver.ts")]);
  return { tasks: poller.handler, callbacks: deliver.handler };
}

function loadOrCreateMasterKey(dataDir: string | undefined): string {
  const file = dataDir && join(dataDir, "master-key");
  if (file && existsSync(file)) return readFileSync(file, "utf8").trim();
  const key = `sk-master-${randomBytes(24).toString("base64url")}`;
  if (file) writeFileSync(file, key + "\n", { mode: 0o600 });
  return key;
}
