/**
 * What invoking a function returns, in the terms of the Lambda Runtime API: a buffered payload,
 * a response stream, or a function error. The local front and the event sources decode these
 * exactly as a Function URL / API Gateway and the SQS event source mapping do, whichever way the
 * function ran (under aws-lambda-ric in its own process, or in this process).
 */
import type { Readable } from "node:stream";
import type { FunctionName } from "../functions.ts";

/** The error a function (or the platform, for a timeout or a crash) reports for an invocation. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
}

export type Invocation =
  /** The `/response` body of a buffered function: its return value as JSON. */
  | { kind: "buffered"; payload: Buffer }
  /**
   * A streamed `/response`. `body` carries the bytes as they come and is destroyed with a
   * `FunctionFailure` when the function fails mid-stream (error trailers, timeout, crash).
   * Destroying it from the reading side (the caller left) does not reach the function, as on
   * Lambda, except in the in-process mode.
   */
  | { kind: "streamed"; contentType: string; body: Readable }
  | { kind: "failed"; error: FunctionError };

export type Invoke = (fn: FunctionName, event: unknown) => Promise<Invocation>;

/** The content type `awslambda.HttpResponseStream.from` sets: a JSON prelude, 8 NUL bytes, then the body. */
export const HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
export const PRELUDE_DELIMITER = Buffer.alloc(8);

export class FunctionFailure extends Error {
  constructor(readonly error: FunctionError) {
    super(`${error.errorType}: ${error.errorMessage}`);
    this.name = "FunctionFailure";
  }
}

/** A function error as the SQS event source sees it: the whole batch failed. */
export function payloadOf(invocation: Invocation): unknown {
  if (invocation.kind === "failed") throw new FunctionFailure(invocation.error);
  if (invocation.kind === "streamed") throw new Error("a queue consumer answered with a response stream");
  return invocation.payload.length ? JSON.parse(invocation.payload.toString("utf8")) : undefined;
}
