/** An SQS queue of JSON messages. */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Queue } from "../ports.ts";

export class SqsQueue<T> implements Queue<T> {
  constructor(
    private readonly sqs: SQSClient,
    private readonly url: string,
  ) {}

  async send(body: T, delaySeconds = 0): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.url,
        MessageBody: JSON.stringify(body),
        // SQS accepts 0..900 seconds.
        DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))),
      }),
    );
  }
}
