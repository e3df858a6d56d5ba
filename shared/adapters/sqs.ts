/**
 * An SQS queue of JSON messages. The SDK module is loaded on the first send: the HTTP functions
 * send only when they hand work off, and a cold start should not pay for a client it may not use.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Queue } from "../ports.ts";

export class SqsQueue<T> implements Queue<T> {
  constructor(
    private readonly client: () => Promise<SQSClient>,
    private readonly url: string,
  ) {}

  async send(body: T, delaySeconds = 0): Promise<void> {
    const [{ SendMessageCommand }, sqs] = await Promise.all([import("@aws-sdk/client-sqs"), this.client()]);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.url,
        MessageBody: JSON.stringify(body),
        // SQS accepts 0..900 seconds.
        DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))),
      }),
    );
  }
}
