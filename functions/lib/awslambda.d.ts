/**
 * The `awslambda` global of the Node.js Lambda runtime, for response streaming. The local stack
 * installs a stand-in with the same shape (infra/local/awslambda.ts).
 */
import type { Context } from "aws-lambda";
import type { Writable } from "node:stream";

declare global {
  namespace awslambda {
    type StreamingHandler<E> = (event: E, responseStream: Writable, context: Context) => Promise<void>;
    function streamifyResponse<E>(handler: StreamingHandler<E>): StreamingHandler<E>;
    namespace HttpResponseStream {
      function from(stream: Writable, metadata: { statusCode: number; headers?: Record<string, string> }): Writable;
    }
  }
}
export {};
