/** SQS queues from the environment, for the functions that send to them. */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { QueueName } from "../../infra/schema.ts";
import { queueEnvVar } from "../../infra/functions.ts";
import { SqsQueue } from "../../shared/adapters/sqs.ts";
import type { Queue } from "../../shared/ports.ts";
import type { QueueFactory } from "./deps.ts";

/** A function is told the URL of each queue it is granted (infra/functions.ts), and of no other. */
export const queueUrl = (name: QueueName, env: Record<string, string | undefined>): string => {
  const url = env[queueEnvVar(name)];
  if (!url) throw new Error(`${queueEnvVar(name)} is not set: this function is not granted the ${name} queue`);
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
  pollQueue: grantedQueue("tasks", env),
  callbackQueue: grantedQueue("callbacks", env),
});

/** Its URL is looked up on first send: a function builds every queue, and may be granted only some. */
function grantedQueue<T>(name: QueueName, env: Record<string, string | undefined>): Queue<T> {
  let queue: SqsQueue<T> | undefined;
  return { send: async (body, delaySeconds) => (queue ??= new SqsQueue<T>(sqsClient, queueUrl(name, env))).send(body, delaySeconds) };
}
