/**
 * Lambda handlers for HTTP functions: buffered (API Gateway HTTP API) and streaming (Lambda
 * response streaming behind a Function URL). Both take the event apart once, dispatch, and write
 * the `GatewayResponse` back.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { Writable } from "node:stream";
import { once } from "node:events";
import type { AppDeps } from "../../shared/deps.ts";
import { isStream, SSE_KEEPALIVE, type GatewayResponse } from "../../shared/http.ts";
import { jsonText } from "../../shared/protocol/jsonrpc.ts";
import { dispatch, errorResponse, type OpenRouteHandler } from "../../shared/routes/dispatch.ts";
import { CLIENT_CLOSED } from "../../shared/routes/metering.ts";
import { MethodNotAllowedError, NotFoundError } from "../../shared/errors.ts";
import { toGatewayRequest } from "./event.ts";

type Handlers = Readonly<Record<string, OpenRouteHandler>>;

const JSON_TYPE = { "content-type": "application/json" };

/** Work the caller need not wait for, collected per invocation and awaited once the response is out. */
function background(deps: () => AppDeps) {
  const pending: Promise<unknown>[] = [];
  return {
    waitUntil: (work: Promise<unknown>) =>
      void pending.push(work.catch((e: unknown) => deps().log.error("background work failed", { error: e instanceof Error ? e.message : "unknown" }))),
    settled: () => Promise.all(pending),
  };
}

async function respond(
  event: APIGatewayProxyEventV2,
  handlers: Handlers,
  deps: () => AppDeps,
  waitUntil: (work: Promise<unknown>) => void,
  signal?: AbortSignal,
): Promise<GatewayResponse> {
  const outcome = toGatewayRequest(event, waitUntil, signal);
  if ("status" in outcome) {
    const error = outcome.status === 404 ? new NotFoundError(outcome.message) : new MethodNotAllowedError(outcome.message);
    const res = errorResponse(outcome.surface, error);
    return { ...res, headers: { ...res.headers, "x-request-id": outcome.requestId } };
  }
  return dispatch(outcome.request, handlers, deps());
}

export function bufferedHandler(handlers: Handlers, deps: () => AppDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const later = background(deps);
    const res = await respond(event, handlers, deps, later.waitUntil);
    // A buffered response leaves only when the handler returns: finish the bookkeeping first.
    await later.settled();
    await res.after?.();
    if (isStream(res)) {
      // Not expected on a buffered function; collect rather than lose the body.
      let body = "";
      for await (const chunk of res.stream) body += chunk;
      return { statusCode: res.status, headers: res.headers, body };
    }
    return {
      statusCode: res.status,
      headers: res.body === undefined ? res.headers : { ...JSON_TYPE, ...res.headers },
      ...(res.body !== undefined ? { body: jsonText(res.body) } : {}),
    };
  };
}

export function streamingHandler(handlers: Handlers, deps: () => AppDeps) {
  return awslambda.streamifyResponse<APIGatewayProxyEventV2>(async (event, responseStream) => {
    // Lambda tells a function nothing when its caller leaves (aws-lambda-nodejs-runtime-interface-
    // client#145), so a stream ends at the latest after `maxStreamMs`: the work is aborted and the
    // upstream closed, rather than feeding nobody until the function times out. Where the caller's
    // leaving is seen (the local in-process front), it aborts at once.
    const abort = new AbortController();
    const { keepAliveMs, maxStreamMs } = deps().config;
    // The reason tells the meter a caller that left from a stream cut at its time limit.
    const deadline = setTimeout(() => abort.abort("max_stream_duration"), maxStreamMs);
    let finished = false;
    const goneEarly = () => void (finished || abort.abort(CLIENT_CLOSED));
    responseStream.once("close", goneEarly);
    responseStream.once("error", goneEarly);

    const later = background(deps);
    const res = await respond(event, handlers, deps, later.waitUntil, abort.signal);
    const headers = isStream(res) || res.body === undefined ? (res.headers ?? {}) : { ...JSON_TYPE, ...res.headers };
    const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: res.status, headers });
    // The runtime writes the status and headers (the prelude) on the first `write()`, not on
    // `end(chunk)`: a body passed to `end` would go out without them, which a Function URL
    // answers with 502. So the body is always written, even when empty, then the stream ended.
    if (!isStream(res)) {
      out.write(res.body === undefined ? "" : jsonText(res.body));
      out.end();
    } else await pipeStream(withKeepAlive(res.stream, keepAliveMs), out, abort.signal);
    finished = true;
    clearTimeout(deadline);
    // The caller has everything, its last bytes leaving on this turn of the event loop: the
    // bookkeeping (the request log line, usage) starts on the next, costing the caller nothing.
    await new Promise((resolve) => setImmediate(resolve));
    await later.settled();
    await res.after?.();
  });
}

export { SSE_KEEPALIVE };

/**
 * The chunks of a stream, with a keep-alive comment whenever none came for `intervalMs`
 * (CloudFront cuts an origin that sends nothing for its read timeout, 60 s at most): the time to
 * the first event and quiet agents included. Every chunk is a whole SSE frame, so a comment
 * between two never splits an event.
 */
export async function* withKeepAlive(chunks: AsyncIterable<string>, intervalMs: number): AsyncGenerator<string> {
  const iterator = chunks[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<string>> | undefined;
  try {
    for (;;) {
      pending ??= iterator.next();
      let timer: NodeJS.Timeout | undefined;
      const quiet = new Promise<"quiet">((resolve) => (timer = setTimeout(() => resolve("quiet"), intervalMs)));
      const next = await Promise.race([pending, quiet]).finally(() => clearTimeout(timer));
      if (next === "quiet") {
        yield SSE_KEEPALIVE;
        continue;
      }
      pending = undefined;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Closing early closes the source too (and with it the agent's stream); a read still pending
    // is left to settle on its own.
    void iterator.return?.()?.catch(() => undefined);
  }
}

/**
 * Writes a stream's chunks as they come. The caller leaving ends it at once: the upstream is
 * closed (through the signal) and nothing waits on a response that can no longer drain.
 */
async function pipeStream(chunks: AsyncIterable<string>, out: Writable, signal: AbortSignal): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  const gone = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
  try {
    while (!signal.aborted && !out.destroyed) {
      const next = await Promise.race([iterator.next(), gone.then(() => undefined)]);
      if (!next || next.done) break;
      if (!out.write(next.value)) await Promise.race([once(out, "drain"), gone]);
    }
  } finally {
    // Ending the iterator runs its cleanup (closing the agent's stream); it may still be waiting
    // on the agent, so it is not awaited when the caller is gone.
    const ended = iterator.return?.();
    if (!signal.aborted) await ended;
    else void ended?.catch(() => undefined);
    if (!out.destroyed) out.end();
  }
}
