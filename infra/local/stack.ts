/**
 * The whole gateway on one machine: DynamoDB and SQS emulators, tables and queues from the same
 * definitions the cloud uses, the functions behind a local HTTP front, and the queues' event
 * sources. `npm start` runs it; integration tests start one per file, sharing one pair of emulators.
 *
 * Two ways to run the functions (`runtime`):
 * - `lambda` (default): as Lambda runs them. The shipped bundles under aws-lambda-ric, each
 *   container a process of its own (./runtime/lambda.ts), each function with the environment of
 *   its grants only and its DynamoDB/SQS calls checked against them (./iam.ts).
 * - `in-process`: the handlers imported into this process, sharing its environment and one set
 *   of clients and caches, with no permission check; for suites that inject faults in process or
 *   measure this process's memory.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import type { SQSBatchResponse } from "aws-lambda";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { queues, tables, type QueueName, type TableName } from "../schema.ts";
import { consumerOf, deadLetterEnvVar, functionDefs, queueEnvVar, tableEnvVar, type FunctionDef, type FunctionName } from "../functions.ts";
import { inProcessInvoker, installAwsLambdaGlobal } from "./awslambda.ts";
import { ensureQueues, ensureTables, localAwsConfig, startDynamo, startSqs, type QueueUrls } from "./emulators.ts";
import { startEventSource } from "./event-source.ts";
import { startAccessProxy } from "./iam.ts";
import { payloadOf, type Invoke } from "./invoke.ts";
import { buildBundles } from "./runtime/bundles.ts";
import { CONTAINER_NODE, LocalFunction } from "./runtime/lambda.ts";
import { DynamoTaskStore } from "../../shared/adapters/dynamo/tasks.ts";
import { SqsQueue } from "../../shared/adapters/sqs.ts";
import { isFinished } from "../../shared/ports.ts";
import type { PollMessage } from "../../shared/core/async/messages.ts";
import { createFront } from "./front.ts";
import { consoleStaticHandler } from "./console.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export type LocalRuntime = "lambda" | "in-process";

export interface LocalStackOptions {
  port?: number;
  host?: string;
  /** Persist emulator data, the bundles and the generated master key here; omit to keep everything in memory. */
  dataDir?: string;
  masterKey?: string;
  /** Reuse running emulators (tests share one pair); else they are started and stopped with the stack. */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  /** Prefix for table and queue names, so stacks can share emulators. */
  prefix?: string;
  /** Extra environment for every function (e.g. GATEWAY_SYNC_BUDGET_MS). */
  env?: Record<string, string>;
  /** How the functions run. Default `lambda`. */
  runtime?: LocalRuntime;
  /** `lambda`: bundles already built by `buildBundles` (the tests build them once per run); else built at start. */
  bundleDir?: string;
  /** `lambda`: containers per function at most. Default 16. */
  maxContainers?: number;
  /** `lambda`: grants that replace infra/functions.ts's for some functions (to prove a missing one fails). */
  grants?: Partial<Record<FunctionName, FunctionDef>>;
  /** Progress lines while starting. */
  progress?: (line: string) => void;
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

/** Settings every function gets, whatever it is granted; the environment (or `env`) may set them. */
const SETTINGS = ["GATEWAY_SYNC_BUDGET_MS", "GATEWAY_TASK_TTL_S", "GATEWAY_CACHE_TTL_MS", "GATEWAY_MAX_STREAM_S", "GATEWAY_ALLOW_PRIVATE_URLS", "GATEWAY_LOG_FILE"];

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const started = performance.now();
  const progress = opts.progress ?? (() => {});
  const runtime = opts.runtime ?? "lambda";
  const stops: (() => Promise<void>)[] = [];
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const timed = <T>(what: string, work: Promise<T>, detail: (value: T) => string = () => "") =>
    work.then((value) => (progress(`  ${what.padEnd(10)} ${detail(value)} (${Math.round(performance.now() - started)} ms)`), value));

  const [dynamoEndpoint, sqsEndpoint, bundleDir] = await Promise.all([
    opts.dynamoEndpoint ??
      timed("DynamoDB", startDynamo({ ...(dataDir ? { dataDir: join(dataDir, "dynamodb") } : {}) }).then((d) => (stops.push(d.stop), d)), (d) => `${d.engine} on ${d.endpoint}`).then((d) => d.endpoint),
    opts.sqsEndpoint ?? timed("SQS", startSqs({}).then((s) => (stops.push(s.stop), s)), (s) => `fauxqs on ${s.endpoint}`).then((s) => s.endpoint),
    runtime === "lambda" ? (opts.bundleDir ?? timed("bundles", buildBundles(bundleFolder(dataDir, stops)), (b) => b.sizes.map((s) => s.fn).join(", ")).then((b) => b.dir)) : undefined,
  ]);
  const dynamo = new DynamoDBClient(localAwsConfig(dynamoEndpoint));
  const sqs = new SQSClient(localAwsConfig(sqsEndpoint));
  const prefix = opts.prefix ?? "";
  const tableNames = Object.fromEntries(Object.keys(tables).map((t) => [t, prefix + t])) as Record<TableName, string>;
  const [, prefixedQueues] = await timed(
    "tables",
    Promise.all([
      ensureTables(dynamo, Object.fromEntries(Object.entries(tables).map(([t, def]) => [prefix + t, def]))),
      ensureQueues(sqs, Object.fromEntries(Object.entries(queues).map(([q, def]) => [prefix + q, def]))),
    ]),
    () => `${Object.keys(tables).length} tables, ${Object.keys(queues).length} queues with their dead-letter queues`,
  );
  const queueUrls = Object.fromEntries(Object.keys(queues).map((q) => [q, prefixedQueues[prefix + q]!])) as Record<QueueName, QueueUrls>;
  const masterKey = opts.masterKey ?? process.env.GATEWAY_MASTER_KEY ?? loadOrCreateMasterKey(dataDir);

  // The front is up before the functions exist: their environment names its URL. No request
  // reaches it before this function returns.
  let invoke: Invoke = () => Promise.reject(new Error("the local stack is still starting"));
  const server = createFront({ invoke: (fn, event) => invoke(fn, event), staticHandler: consoleStaticHandler(join(repoRoot, "console")) });
  await new Promise<void>((ok) => server.listen(opts.port ?? 4000, opts.host ?? "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? "127.0.0.1"}:${port}`;

  const settings: Record<string, string> = {
    GATEWAY_MASTER_KEY: masterKey,
    GATEWAY_PUBLIC_URL: process.env.GATEWAY_PUBLIC_URL ?? url,
    GATEWAY_ALLOW_PRIVATE_URLS: "true",
    ...Object.fromEntries(SETTINGS.flatMap((name) => (process.env[name] !== undefined ? [[name, process.env[name]!]] : []))),
    ...opts.env,
  };
  if (runtime === "lambda") {
    const grants = { ...functionDefs, ...opts.grants };
    const proxy = await startAccessProxy({
      dynamoEndpoint,
      sqsEndpoint,
      grants,
      tableNames,
      queueNames: Object.fromEntries(Object.keys(queues).map((q) => [q, prefix + q])) as Record<QueueName, string>,
      deadLetterQueueNames: Object.fromEntries(Object.keys(queues).map((q) => [q, queueNameOf(queueUrls[q as QueueName].dlqUrl)])) as Record<QueueName, string>,
    });
    stops.push(proxy.stop);
    // Every container reads keys afresh, so a key revoked through the admin function stops working at once.
    const environment = { GATEWAY_CACHE_TTL_MS: "0", ...settings, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, AWS_ENDPOINT_URL_SQS: proxy.endpoint };
    const log = containerLog(settings.GATEWAY_LOG_FILE);
    const functions = Object.fromEntries(
      (Object.keys(grants) as FunctionName[]).map((fn) => {
        const def = grants[fn];
        const config = {
          name: fn,
          taskRoot: join(bundleDir!, fn),
          memoryMb: def.memoryMb,
          timeoutSeconds: def.timeoutSeconds,
          environment: { ...environment, ...grantedEnvironment(def, tableNames, queueUrls), AWS_ACCESS_KEY_ID: fn, AWS_SECRET_ACCESS_KEY: "local" },
        };
        return [fn, new LocalFunction(config, { maxContainers: opts.maxContainers ?? 16, log })];
      }),
    ) as Record<FunctionName, LocalFunction>;
    stops.push(() => Promise.all(Object.values(functions).map((f) => f.stop())).then(() => undefined));
    invoke = (fn, event) => functions[fn].invoke(event);
    progress(`  functions  ${Object.keys(functions).join(", ")}: aws-lambda-ric on node ${CONTAINER_NODE === process.execPath ? process.version : "22"}, containers started on first use`);
  } else {
    // In this process, every function sees every table and queue, as before grants existed.
    Object.assign(process.env, {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      ...grantedEnvironment({ tables: Object.keys(tables) as TableName[], send: Object.keys(queues) as QueueName[], redrive: Object.keys(queues) as QueueName[] }, tableNames, queueUrls),
      ...settings,
    });
    invoke = inProcessInvoker(await loadHandlers());
  }

  // fauxqs keeps messages in memory only: unfinished jobs from a previous run get their poll back.
  if (dataDir) await requeueUnfinished(dynamo, sqs, tableNames.tasks, queueUrls.tasks.url);
  // The queues feed their consumers as Lambda's event source mappings would; the mapping itself
  // is the platform's, not the function's: it reads the queue with the stack's own client.
  const sources = (Object.keys(queues) as QueueName[]).map((q) =>
    startEventSource({
      sqs,
      queueUrl: queueUrls[q].url,
      dlqUrl: queueUrls[q].dlqUrl,
      ...(queueUrls[q].arn ? { queueArn: queueUrls[q].arn } : {}),
      handler: async (event) => payloadOf(await invoke(consumerOf(q), event)) as SQSBatchResponse | undefined,
      batchSize: queues[q].batchSize,
      visibilityTimeout: queues[q].visibilityTimeout,
      maxReceiveCount: queues[q].maxReceiveCount,
      concurrency: 4,
    }),
  );
  stops.unshift(async () => {
    await Promise.all(sources.map((s) => s.stop()));
  });

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
      for (const stop of stops) await stop();
    },
  };
}

/** The environment that names what a function is granted, as infra/api.ts sets it in the cloud. */
function grantedEnvironment(
  { tables: granted, send, consume, redrive = [] }: Pick<FunctionDef, "tables" | "send" | "consume" | "redrive">,
  tableNames: Record<TableName, string>,
  queueUrls: Record<QueueName, QueueUrls>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of granted) env[tableEnvVar(name)] = tableNames[name];
  for (const name of new Set([...send, ...(consume ? [consume] : []), ...redrive])) env[queueEnvVar(name)] = queueUrls[name].url;
  for (const name of redrive) env[deadLetterEnvVar(name)] = queueUrls[name].dlqUrl;
  return env;
}

/** The queue name at the end of a queue URL, as SQS requests are checked against it. */
const queueNameOf = (url: string) => new URL(url).pathname.split("/").pop() ?? "";

/** Containers print the runtime client's lines (errors, timeouts): to the log file when there is one. */
function containerLog(file: string | undefined): (fn: string, line: string) => void {
  return file ? (fn, line) => appendFileSync(file, `[${fn}] ${line}\n`) : (fn, line) => process.stdout.write(`[${fn}] ${line}\n`);
}

/** Bundles go under the data folder, or a temporary one removed at stop. */
function bundleFolder(dataDir: string | undefined, stops: (() => Promise<void>)[]): string {
  if (dataDir) return join(dataDir, "functions");
  const dir = mkdtempSync(join(tmpdir(), "gateway-functions-"));
  stops.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Imported only after the environment is set and the `awslambda` stand-in is installed. */
async function loadHandlers(): Promise<Record<FunctionName, unknown>> {
  installAwsLambdaGlobal();
  const [api, a2a, openai, poller, deliver] = await Promise.all([
    import("../../functions/api.ts"),
    import("../../functions/a2a.ts"),
    import("../../functions/openai.ts"),
    import("../../functions/poller.ts"),
    import("../../functions/deliver.ts"),
  ]);
  return { api: api.handler, a2a: a2a.handler, openai: openai.handler, poller: poller.handler, deliver: deliver.handler };
}

async function requeueUnfinished(dynamo: DynamoDBClient, sqs: SQSClient, table: string, queueUrl: string): Promise<void> {
  const store = new DynamoTaskStore(dynamo, table, 0);
  const queue = new SqsQueue<PollMessage>(async () => sqs, queueUrl);
  let next: string | undefined;
  do {
    const page = await store.list(undefined, 200, next);
    await Promise.all(page.jobs.filter((j) => !isFinished(j.status)).map((j) => queue.send({ jobId: j.id, attempt: 0, errors: 0 })));
    next = page.next;
  } while (next);
}

function loadOrCreateMasterKey(dataDir: string | undefined): string {
  const file = dataDir && join(dataDir, "master-key");
  if (file && existsSync(file)) return readFileSync(file, "utf8").trim();
  const key = `sk-master-${randomBytes(24).toString("base64url")}`;
  if (file) writeFileSync(file, key + "\n", { mode: 0o600 });
  return key;
}
