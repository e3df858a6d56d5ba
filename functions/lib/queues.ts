/** SQS queues from the environment, for the functions that send to them. */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { QueueName } from "../../infra/schema.ts";
import { queueEnvVar } from "../../infra/functions.ts";
import { SqsQueue } from "../../shared/adapters/sqs.ts";
import type { QueueFactory } from "./deps.ts";

export const queueUrl = (name: QueueName, env: Record<string, string | undefined>): string => {
  const url = env[queueEnvVar(name)];
  if (!url) throw new Error(`${queueEnvVar(name)} is not set`);
  return url;
};

let client: Promise<SQSClient> | undefined;

/**
 * One client per container, created on first use. It sends to the configured endpoint, never the
 * queue URL's host: in AWS they agree, and locally (`AWS_ENDPOINT_URL_SQS`) the emulator's queue
 * URLs name hosts that do not resolve.
 */
export const sqsClient = (): Promise<SQSClient> =>
  (client ??= import("@aws-sdk/client-sqs").then(({ SQSClient }) => new SQSClient({ useQueueUrlAsEndpoint: false })));

export const sqsQueues: QueueFactory = (env) => ({
  pollQueue: new SqsQueue(sqsClient, queueUrl("tasks", env)),
  callbackQueue: new SqsQueue(sqsClient, queueUrl("callbacks", env)),
});
