/**
 * One DynamoDB and one SQS emulator for the whole test run; each test file's stack uses its own
 * table and queue prefix on them. Starting a JVM per file would cost seconds and memory each.
 * The function bundles are built once too, and every stack runs them.
 */
import type { TestProject } from "vitest/node";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDynamo, startSqs } from "../../infra/local/emulators.ts";
import { buildBundles, type Bundles } from "../../infra/local/runtime/bundles.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
    /** The shipped bundles, built once for the run (`buildBundles`). */
    bundles: Bundles;
  }
}

/**
 * What must never appear in a log line: virtual keys, master keys, webhook secrets, and the agent
 * header values the tests register (they all contain SENTINEL).
 */
const SECRET_PATTERNS = [/sk-[0-9a-f]{16}_[A-Za-z0-9_-]{10}/, /sk-master-/, /whsec_/, /SENTINEL/];

export default async function setup(project: TestProject) {
  const logDir = mkdtempSync(join(tmpdir(), "gateway-logs-"));
  const logFile = join(logDir, "gateway.log");
  writeFileSync(logFile, "");
  // Every local stack in every test file appends its log lines here.
  process.env.GATEWAY_LOG_FILE = logFile;
  const starting = [startDynamo({}), startSqs({})] as const;
  const bundles = await buildBundles(join(logDir, "functions")).catch(async (error: unknown) => {
    // A bundle that does not build fails the run at once, with no emulator left behind.
    await Promise.all(starting.map((s) => s.then((e) => e.stop())));
    throw error;
  });
  const [dynamo, sqs] = await Promise.all(starting);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  project.provide("bundles", bundles);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
    const lines = readFileSync(logFile, "utf8").split("\n").filter(Boolean);
    rmSync(logDir, { recursive: true, force: true });
    const leaks = lines.filter((line) => SECRET_PATTERNS.some((p) => p.test(line)));
    if (leaks.length) throw new Error(`${leaks.length} log line(s) contain a secret, e.g.: ${leaks[0]!.slice(0, 300)}`);
    console.log(`secrets check: ${lines.length} gateway log lines, no key, webhook secret or agent header value in any`);
  };
}
