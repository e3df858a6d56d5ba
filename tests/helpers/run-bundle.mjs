// One invocation of a built function bundle in a fresh `node`, as Lambda would run it: import the
// bundle, call its handler with the event, and write `{ status, body }` as one JSON line on fd 3
// once the invocation has ended (background work included). Plain JS: it runs without a loader.
// argv: <bundle path> <event JSON>. Load with `--import bench/cold/awslambda-preload.mjs`.
import { writeSync } from "node:fs";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";

const [bundle, eventJson] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const context = { awsRequestId: "bundle-test", functionName: "bundle-test", getRemainingTimeInMillis: () => 30_000, callbackWaitsForEmptyEventLoop: false };
const event = JSON.parse(eventJson);

let answer;
if (handler[Symbol.for("a2a-gateway.streaming")]) {
  const chunks = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  await handler(event, stream, context);
  answer = { status: stream.meta?.statusCode, body: Buffer.concat(chunks).toString("utf8") };
} else {
  const result = await handler(event, context);
  answer = { status: result?.statusCode ?? "ok", body: result?.body ?? "" };
}
writeSync(3, JSON.stringify(answer) + "\n");
// Keep-alive sockets would hold the process open; the invocation is over.
process.exit(0);
