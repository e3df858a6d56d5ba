/**
 * Emulates Lambda's SQS event source mapping for local runs: long-polls a queue, hands batches to a
 * handler as real-shaped SQSEvents and deletes what succeeded (ReportBatchItemFailures semantics).
 */
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord } from "aws-lambda";

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** For `eventSourceARN`; derived from the queue URL when omitted. */
  queueArn?: string;
  /**
   * Where records that exceeded `maxReceiveCount` go, for emulators without native redrive. With a
   * RedrivePolicy on the queue (fauxqs honours it) the emulator moves them first and this never fires.
   */
  dlqUrl?: string;
  handler: SqsHandler;
  /** Records per invocation; at most 10, the ReceiveMessage limit. */
  batchSize: number;
  visibilityTimeout: number;
  maxReceiveCount: number;
  /** Batches processed at once (pollers). Default 2. */
  concurrency?: number;
  /** Long-poll wait per ReceiveMessage. Default 1. */
  waitTimeSeconds?: number;
  /** Where polling errors and handler failures are reported. Default console. */
  logger?: Pick<Console, "warn" | "error">;
}

export interface EventSource {
  /** Stops polling (aborting the long poll) and waits for in-flight batches. */
  stop(): Promise<void>;
  /**
   * Resolves once no batch is in flight and the queue reports no visible and no in-flight
   * messages, i.e. everything sent so far has been handled (retries included) or dead-lettered. Messages
   * still inside their DelaySeconds do not count. Resolves at once after stop().
   */
  idle(): Promise<void>;
}

const MAX_MESSAGES_PER_RECEIVE = 10;
const MAX_BACKOFF_MS = 2_000;

export function startEventSource(opts: EventSourceOptions): EventSource {
  return new EventSourceMapping(opts);
}

type Settings = Omit<EventSourceOptions, "queueArn"> & Required<Pick<EventSourceOptions, "concurrency" | "waitTimeSeconds" | "logger">>;

class EventSourceMapping implements EventSource {
  private readonly opts: Settings;
  private readonly arn: string;
  private readonly region: string;
  private readonly aborter = new AbortController();
  private readonly pollers: Promise<void>[];
  private batchesInFlight = 0;
  private consecutiveErrors = 0;

  constructor({ queueArn, ...opts }: EventSourceOptions) {
    this.opts = { concurrency: 2, waitTimeSeconds: 1, logger: console, ...opts };
    this.arn = queueArn ?? arnFromQueueUrl(opts.queueUrl);
    this.region = this.arn.split(":")[3] ?? "us-east-1";
    this.pollers = Array.from({ length: this.opts.concurrency }, () => this.poll());
  }

  private get stopping(): boolean {
    return this.aborter.signal.aborted;
  }

  async stop(): Promise<void> {
    this.aborter.abort();
    await Promise.all(this.pollers);
  }

  async idle(): Promise<void> {
    while (!this.stopping) {
      if ((await this.queueIsEmpty()) && this.batchesInFlight === 0) return;
      await sleep(25, this.aborter.signal);
    }
  }

  /** No visible and no received-but-undeleted message; delayed ones are not counted. */
  private async queueIsEmpty(): Promise<boolean> {
    try {
      const { Attributes = {} } = await this.opts.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.opts.queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
        { abortSignal: this.aborter.signal },
      );
      return Attributes.ApproximateNumberOfMessages === "0" && Attributes.ApproximateNumberOfMessagesNotVisible === "0";
    } catch {
      return false; // emulator unreachable: not observably idle; the pollers report the error
    }
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      const messages = await this.receive();
      if (messages.length > 0) await this.process(messages);
    }
  }

  /** Never throws: errors are reported once per outage and retried with a capped backoff. */
  private async receive(): Promise<Message[]> {
    try {
      const { Messages = [] } = await this.opts.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.opts.queueUrl,
          MaxNumberOfMessages: Math.min(this.opts.batchSize, MAX_MESSAGES_PER_RECEIVE),
          WaitTimeSeconds: this.opts.waitTimeSeconds,
          VisibilityTimeout: this.opts.visibilityTimeout,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: this.aborter.signal },
      );
      this.noteRecovery();
      return Messages;
    } catch (error) {
      if (this.stopping) return [];
      this.noteError(error);
      await sleep(Math.min(100 * 2 ** this.consecutiveErrors, MAX_BACKOFF_MS), this.aborter.signal);
      return [];
    }
  }

  private noteError(error: unknown): void {
    if (this.consecutiveErrors++ === 0) {
      this.opts.logger.warn(`[event-source ${this.arn}] polling failed, retrying until it recovers:`, error);
    }
  }

  private noteRecovery(): void {
    if (this.consecutiveErrors === 0) return;
    this.opts.logger.warn(`[event-source ${this.arn}] polling recovered after ${this.consecutiveErrors} failed attempts`);
    this.consecutiveErrors = 0;
  }

  private async process(messages: Message[]): Promise<void> {
    this.batchesInFlight++;
    try {
      const deliverable = await this.redriveExhausted(messages);
      if (deliverable.length === 0) return;
      const failed = await this.invoke(deliverable);
      await this.delete(deliverable.filter((message) => !failed.has(message.MessageId ?? "")));
    } catch (error) {
      // Whatever was not deleted comes back after the visibility timeout, as on Lambda.
      this.opts.logger.error(`[event-source ${this.arn}] batch processing failed:`, error);
    } finally {
      this.batchesInFlight--;
    }
  }

  /** Moves records past maxReceiveCount to the DLQ and returns the rest. */
  private async redriveExhausted(messages: Message[]): Promise<Message[]> {
    const { dlqUrl, maxReceiveCount, sqs } = this.opts;
    if (!dlqUrl) return messages;
    const exhausted = messages.filter((message) => receiveCount(message) > maxReceiveCount);
    for (const message of exhausted) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: message.Body ?? "", MessageAttributes: message.MessageAttributes }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: this.opts.queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    return messages.filter((message) => !exhausted.includes(message));
  }

  /** Returns the ids of the records that failed: all of them when the handler throws. */
  private async invoke(messages: Message[]): Promise<Set<string>> {
    const event: SQSEvent = { Records: messages.map((message) => this.toRecord(message)) };
    const ids = event.Records.map((record) => record.messageId);
    try {
      return failedIds(await this.opts.handler(event), ids);
    } catch (error) {
      this.opts.logger.error(`[event-source ${this.arn}] handler threw; the whole batch will be retried:`, error);
      return new Set(ids);
    }
  }

  private async delete(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += MAX_MESSAGES_PER_RECEIVE) {
      const chunk = messages.slice(start, start + MAX_MESSAGES_PER_RECEIVE);
      const { Failed = [] } = await this.opts.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.opts.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      if (Failed.length > 0) this.opts.logger.error(`[event-source ${this.arn}] could not delete processed messages:`, Failed);
    }
  }

  private toRecord(message: Message): SQSRecord {
    const attributes = message.Attributes ?? {};
    const now = String(Date.now());
    return {
      messageId: message.MessageId ?? "",
      receiptHandle: message.ReceiptHandle ?? "",
      body: message.Body ?? "",
      attributes: {
        ...attributes,
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
        SentTimestamp: attributes.SentTimestamp ?? now,
        SenderId: attributes.SenderId ?? "000000000000",
        ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, toLambdaAttribute(value)]),
      ),
      md5OfBody: message.MD5OfBody ?? "",
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: "aws:sqs",
      eventSourceARN: this.arn,
      awsRegion: this.region,
    };
  }
}

/**
 * Lambda's rules: no response or an empty list means every record succeeded; an identifier that
 * is empty or not in the batch fails the whole batch.
 */
function failedIds(response: SQSBatchResponse | void, ids: string[]): Set<string> {
  const failures = response?.batchItemFailures ?? [];
  const reported = failures.map((failure) => failure?.itemIdentifier);
  if (reported.some((id) => !id || !ids.includes(id))) return new Set(ids);
  return new Set(reported as string[]);
}

function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString("base64") } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((binary) => Buffer.from(binary).toString("base64")),
    dataType: value.DataType ?? "String",
  };
}

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? "1");
}

/** `https://sqs.<region>.<host>/<account>/<name>` → `arn:aws:sqs:<region>:<account>:<name>`. */
function arnFromQueueUrl(queueUrl: string): string {
  const url = new URL(queueUrl);
  const [account = "000000000000", name = ""] = url.pathname.split("/").filter(Boolean);
  const region = /^sqs\.([a-z0-9-]+)\./.exec(url.hostname)?.[1] ?? "us-east-1";
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/** Resolves after `ms`, or early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
