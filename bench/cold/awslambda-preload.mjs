// Loaded with `--import` before a bundle: the Lambda runtime's `awslambda` global, reduced to what
// the streaming functions call (infra/local/awslambda.ts is the full local stand-in, in TypeScript,
// which a bare `node` cannot load). Plain JS so the cold start measured is node's, not a loader's.
const STREAMING = Symbol.for("a2a-gateway.streaming");
globalThis.awslambda = Object.assign(globalThis.awslambda ?? {}, {
  streamifyResponse(handler) {
    return Object.assign(handler, { [STREAMING]: true });
  },
  HttpResponseStream: {
    from(stream, meta) {
      stream.meta = meta;
      return stream;
    },
  },
});
