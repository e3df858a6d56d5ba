/**
 * A stand-in for the Lambda runtime's `awslambda` global (response streaming), so the streaming
 * functions run unchanged on the local stack and stream incrementally: `HttpResponseStream.from`
 * sets the status and headers, and every write goes straight to the socket.
 */
import type { ServerResponse } from "node:http";
import { Writable } from "node:stream";

const STREAMING = Symbol.for("a2a-gateway.streaming");

/** The response stream handed to a streaming handler, writing to a node:http response. */
export class LocalResponseStream extends Writable {
  private meta: { statusCode: number; headers?: Record<string, string> } = { statusCode: 200 };

  constructor(private readonly res: ServerResponse) {
    super();
    // The caller went away: the handler sees `close`, as it would in Lambda.
    res.once("close", () => this.destroy());
  }

  setMeta(meta: { statusCode: number; headers?: Record<string, string> }) {
    this.meta = meta;
  }

  private head() {
    if (!this.res.headersSent) {
      this.res.writeHead(this.meta.statusCode, this.meta.headers);
      // Headers and what follows in the same tick leave in one write, as Lambda sends them. For
      // `end(body)` the Writable runs `_final` a tick after the write, so the uncork waits two
      // ticks: a whole JSON answer, end of chunks included, is one syscall, sent before any
      // bookkeeping scheduled for later (setImmediate) runs.
      this.res.cork();
      process.nextTick(() => process.nextTick(() => this.res.uncork()));
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
    this.head();
    // Accept the next chunk at once unless the socket pushes back.
    if (this.res.write(chunk)) cb();
    else this.res.once("drain", () => cb());
  }

  override _final(cb: (e?: Error | null) => void) {
    this.head();
    this.res.end(() => cb());
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
