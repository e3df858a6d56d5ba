/**
 * One DynamoDB and one SQS emulator for the whole test run; each test file's stack uses its own
 * table and queue prefix on them. Starting a JVM per file would cost seconds and memory each.
 */
import type { TestProject } from "vitest/node";
import { startDynamo, startSqs } from "../../infra/local/emulators.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const [dynamo, sqs] = await Promise.all([startDynamo({}), startSqs({})]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  };
}
