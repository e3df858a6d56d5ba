// A cold start: import one bundle, serve one invocation, report on fd 3 and exit.
// argv: <bundle path> <event JSON>. Times are ms since this process began (performance.timeOrigin).
import { writeSync } from "node:fs";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";

const [bundle, eventJson] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const importedMs = performance.now();
const event = JSON.parse(eventJson);
const context = { awsRequestId: "cold", functionName: "cold", getRemainingTimeInMillis: () => 30_000, callbackWaitsForEmptyEventLoop: false };

let reported = false;
function report(status) {
  if (reported) return;
  reported = true;
  writeSync(3, JSON.stringify({ status, importedMs, respondedMs: performance.now() }) + "\n");
  process.exit(0);
}

if (handler[Symbol.for("a2a-gateway.streaming")]) {
  // The response is served once its first bytes (or its end) reach the stream.
  const stream = new Writable({
    write(_chunk, _enc, cb) {
      cb();
      report(stream.meta?.statusCode);
    },
    final(cb) {
      cb();
      report(stream.meta?.statusCode);
    },
  });
  await handler(event, stream, context);
  report(stream.meta?.statusCode);
} else {
  const result = await handler(event, context);
  report(result?.statusCode ?? (result === undefined ? "no result" : "ok"));
}
