/**
 * SQS queues of JSON messages, and their dead-letter queues. The SDK module is loaded on the first send: the HTTP functions
 * send only when they hand work off, and a cold start should not pay for a client it may not use.
 */
import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetter, DeadLetters, Queue } from "../ports.ts";

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

/** Letters read or moved per call, so one call stays well inside the api function's 30 s. */
const MAX_RECEIVES = 100;
/** Long enough to read or move one batch; released at once after. */
const HOLD_SECONDS = 30;

/**
 * A dead-letter queue. SQS can only be read by receiving: each batch is held out of sight while the
 * next is read (so a listing past 10 letters sees new ones), and whatever is not moved is made
 * visible again before the call returns. A letter is sent back before it is deleted, so a crash in
 * between repeats it (receivers tell it by its webhook-id) and never loses it.
 */
export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly client: () => Promise<SQSClient>,
    private readonly url: string,
    /** The queue the letters go back to. */
    private readonly sourceUrl: string,
  ) {}

  async list(limit: number): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    await this.walk((message) => {
      letters.push(letterOf(message));
      return letters.length >= limit ? "stop" : "keep";
    });
    return letters.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  }

  async redrive(ids?: readonly string[]): Promise<string[]> {
    const wanted = ids && new Set(ids);
    const moved: string[] = [];
    const { SendMessageCommand, DeleteMessageCommand } = await import("@aws-sdk/client-sqs");
    const sqs = await this.client();
    await this.walk(async (message) => {
      if (wanted && !wanted.has(message.MessageId!)) return "keep";
      await sqs.send(new SendMessageCommand({ QueueUrl: this.sourceUrl, MessageBody: message.Body ?? "" }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: message.ReceiptHandle }));
      moved.push(message.MessageId!);
      return wanted && moved.length === wanted.size ? "done" : "moved";
    });
    return moved;
  }

  /** Receives every letter once (up to MAX_RECEIVES batches), then releases those not moved. */
  private async walk(visit: (message: Message) => Promise<Visit> | Visit): Promise<void> {
    const { ReceiveMessageCommand, ChangeMessageVisibilityBatchCommand } = await import("@aws-sdk/client-sqs");
    const sqs = await this.client();
    const held: Message[] = [];
    const seen = new Set<string>();
    try {
      for (let i = 0; i < MAX_RECEIVES; i++) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10, VisibilityTimeout: HOLD_SECONDS, WaitTimeSeconds: 0, MessageSystemAttributeNames: ["SentTimestamp"] }),
        );
        // Everything received is held (and released below) unless it was moved.
        held.push(...Messages);
        const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
        if (fresh.length === 0) return;
        for (const message of fresh) {
          seen.add(message.MessageId!);
          const outcome = await visit(message);
          if (outcome === "moved") held.splice(held.indexOf(message), 1);
          if (outcome === "stop" || outcome === "done") return;
        }
      }
    } finally {
      for (let i = 0; i < held.length; i += 10) {
        const batch = held.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
        await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.url, Entries: batch }));
      }
    }
  }
}

type Visit = "keep" | "moved" | "stop" | "done";

function letterOf(message: Message): DeadLetter {
  let body: unknown = message.Body ?? "";
  try {
    body = JSON.parse(message.Body ?? "");
  } catch {
    // Not ours (or not JSON): shown as the text it is.
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  return { id: message.MessageId!, body, sentAt: new Date(Number.isFinite(sent) ? sent : 0).toISOString() };
}
