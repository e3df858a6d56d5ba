/**
 * Lambda handlers for SQS event sources: each record validated once, handled on its own, and
 * failures reported per record (ReportBatchItemFailures), so one bad message never redelivers
 * its neighbours (CONVENTIONS §8).
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type * as z from "zod/mini";
import type { AppDeps } from "../../shared/deps.ts";
import { describeError } from "../../shared/log.ts";

export type RecordHandler<T> = (message: T, record: SQSRecord, deps: AppDeps) => Promise<void>;

export function sqsConsumer<S extends z.ZodMiniType>(schema: S, handle: RecordHandler<z.output<S>>, deps: () => AppDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const d = deps();
    const failed: string[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        let body: unknown;
        try {
          body = JSON.parse(record.body);
        } catch {
          body = undefined;
        }
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          // A poison message: fail it every time, so the queue moves it to its dead-letter queue.
          d.log.error("invalid queue message", { messageId: record.messageId });
          failed.push(record.messageId);
          return;
        }
        try {
          await handle(parsed.data, record, d);
        } catch (e) {
          d.log.error("queue message failed", { messageId: record.messageId, receiveCount: receiveCount(record), ...describeError(e) });
          failed.push(record.messageId);
        }
      }),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const receiveCount = (record: SQSRecord) => Number(record.attributes.ApproximateReceiveCount ?? "1");
