/** SQS queues from the environment, for the functions that send to them. */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { QueueName } from "../../infra/schema.ts";
import { deadLetterEnvVar, queueEnvVar } from "../../infra/functions.ts";
import { SqsDeadLetters, SqsQueue } from "../../shared/adapters/sqs.ts";
import type { DeadLetters, Queue } from "../../shared/ports.ts";
import type { QueueFactory } from "./deps.ts";

/** A function is told the URL of each queue it is granted (infra/functions.ts), and of no other. */
export const queueUrl = (name: QueueName, env: Record<string, string | undefined>, envVar = queueEnvVar(name)): string => {
  const url = env[envVar];
  if (!url) throw new Error(`${envVar} is not set: this function is not granted the ${name} queue`);
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
  deadCallbacks: grantedDeadLetters("callbacks", env),
});

/** Its URL is looked up on first send: a function builds every queue, and may be granted only some. */
function grantedQueue<T>(name: QueueName, env: Record<string, string | undefined>): Queue<T> {
  let queue: SqsQueue<T> | undefined;
  return { send: async (body, delaySeconds) => (queue ??= new SqsQueue<T>(sqsClient, queueUrl(name, env))).send(body, delaySeconds) };
}

/** A queue's dead letters, for the function granted to redrive them; their URLs are looked up on first use. */
function grantedDeadLetters(name: QueueName, env: Record<string, string | undefined>): DeadLetters {
  let letters: SqsDeadLetters | undefined;
  const open = () => (letters ??= new SqsDeadLetters(sqsClient, queueUrl(name, env, deadLetterEnvVar(name)), queueUrl(name, env)));
  return { list: async (limit) => open().list(limit), redrive: async (ids) => open().redrive(ids) };
}
