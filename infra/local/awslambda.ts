/**
 * The in-process mode: the functions' handlers called in this process, with a stand-in for the
 * Lambda runtime's `awslambda` global (response streaming). Kept for suites that need a function
 * in their own process (fault injection, the load test's memory figures); `npm start` and the
 * surface suites run the shipped bundles under aws-lambda-ric instead (./runtime/).
 *
 * The stand-in writes what aws-lambda-ric writes, so the front decodes both modes alike: after
 * `HttpResponseStream.from`, the JSON prelude and its 8 NUL bytes go out on the first `write()`
 * and only then, so a body passed to `end()` alone leaves without its prelude (a 502 at the
 * front, as at a Function URL).
 */
import { randomUUID } from "node:crypto";
import { PassThrough, Writable } from "node:stream";
import type { FunctionName } from "../functions.ts";
import { HTTP_INTEGRATION_CONTENT_TYPE, PRELUDE_DELIMITER, type FunctionError, type Invocation, type Invoke } from "./invoke.ts";

const STREAMING = Symbol.for("a2a-gateway.streaming");

/** The response stream handed to a streaming handler: its bytes, as the runtime would send them, on `body`. */
export class LocalResponseStream extends Writable {
  contentType = "application/octet-stream";
  readonly body = new PassThrough();
  private prelude: Buffer | undefined;

  constructor(private readonly started: () => void) {
    super();
    // The reader gone (the caller left): the handler sees `close`. Lambda never tells it; this mode does.
    this.body.once("close", () => this.destroy());
  }

  /** What `HttpResponseStream.from` records: the content type and the prelude for the first write. */
  setMeta(meta: { statusCode: number; headers?: Record<string, string>; cookies?: string[] }) {
    this.contentType = HTTP_INTEGRATION_CONTENT_TYPE;
    this.prelude = Buffer.concat([Buffer.from(JSON.stringify(meta)), PRELUDE_DELIMITER]);
  }

  // Only the public `write` sends the prelude, as in aws-lambda-ric: `end(chunk)` writes its
  // chunk through the stream's internals, never through this method.
  override write(chunk: any, encoding?: any, cb?: any): boolean {
    const prelude = this.prelude;
    this.prelude = undefined;
    if (prelude) super.write(prelude);
    return super.write(chunk, encoding, cb);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
    this.started();
    if (this.body.write(chunk) || this.body.destroyed) cb();
    else this.body.once("drain", () => cb());
  }

  override _final(cb: (e?: Error | null) => void) {
    this.started();
    this.body.end(() => cb());
  }
}

export type StreamingLambda = ((event: unknown, stream: LocalResponseStream, context: unknown) => Promise<void>) & {
  [STREAMING]?: true;
};

export const isStreamingHandler = (h: unknown): h is StreamingLambda =>
  typeof h === "function" && (h as StreamingLambda)[STREAMING] === true;

export function installAwsLambdaGlobal(): void {
  // The AWS SDK's invoke store may have created an `awslambda` object already: extend it.
  const g = globalThis as { awslambda?: Record<string, unknown> };
  if (typeof g.awslambda?.streamifyResponse === "function") return;
  g.awslambda = Object.assign(g.awslambda ?? {}, {
    streamifyResponse<H extends (...args: never[]) => unknown>(handler: H): H {
      return Object.assign(handler, { [STREAMING]: true as const });
    },
    HttpResponseStream: {
      from(stream: LocalResponseStream, meta: { statusCode: number; headers?: Record<string, string> }) {
        stream.setMeta(meta);
        return stream;
      },
    },
  });
}

/** Invokes handlers of this process, answering as the Runtime API would for them. */
export function inProcessInvoker(handlers: Partial<Record<FunctionName, unknown>>, timeoutSeconds = 900): Invoke {
  return async (fn, event) => {
    const handler = handlers[fn];
    if (typeof handler !== "function") return failed({ errorType: "ResourceNotFoundException", errorMessage: `Function not found: ${fn}` });
    const context = lambdaContext(fn, timeoutSeconds);
    if (!isStreamingHandler(handler)) {
      try {
        const result = await (handler as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
        return { kind: "buffered", payload: Buffer.from(JSON.stringify(result ?? null)) };
      } catch (error) {
        return failed(errorOf(error));
      }
    }
    // A streamed response starts with its first byte (or its end); a failure before that is a function error.
    return new Promise<Invocation>((resolve) => {
      const stream: LocalResponseStream = new LocalResponseStream(() => resolve({ kind: "streamed", contentType: stream.contentType, body: stream.body }));
      handler(event, stream, context).then(
        () => void (stream.writableEnded || stream.end()),
        (error: unknown) => {
          resolve(failed(errorOf(error)));
          stream.body.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  };
}

const failed = (error: FunctionError): Invocation => ({ kind: "failed", error });

const errorOf = (error: unknown): FunctionError =>
  error instanceof Error ? { errorType: error.name, errorMessage: error.message } : { errorType: typeof error, errorMessage: String(error) };

function lambdaContext(functionName: string, timeoutSeconds: number) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    awsRequestId: randomUUID(),
    functionName,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    callbackWaitsForEmptyEventLoop: false,
  };
}
