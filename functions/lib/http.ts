/**
 * Lambda handlers for HTTP functions: buffered (API Gateway HTTP API) and streaming (Lambda
 * response streaming behind a Function URL). Both take the event apart once, dispatch, and write
 * the `GatewayResponse` back.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { Writable } from "node:stream";
import { once } from "node:events";
import type { AppDeps } from "../../shared/deps.ts";
import { isStream, type GatewayResponse } from "../../shared/http.ts";
import { dispatch, type OpenRouteHandler } from "../../shared/routes/dispatch.ts";
import { toGatewayRequest } from "./event.ts";

type Handlers = Readonly<Record<string, OpenRouteHandler>>;

const JSON_TYPE = { "content-type": "application/json" };

async function respond(event: APIGatewayProxyEventV2, handlers: Handlers, deps: () => AppDeps, signal?: AbortSignal): Promise<GatewayResponse> {
  const outcome = toGatewayRequest(event, signal);
  if ("status" in outcome) {
    return {
      status: outcome.status,
      headers: { "x-request-id": outcome.requestId },
      body: { error: { code: outcome.status === 404 ? "not_found" : "method_not_allowed", message: outcome.message } },
    };
  }
  return dispatch(outcome.request, handlers, deps());
}

export function bufferedHandler(handlers: Handlers, deps: () => AppDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const res = await respond(event, handlers, deps);
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
      ...(res.body !== undefined ? { body: JSON.stringify(res.body) } : {}),
    };
  };
}

export function streamingHandler(handlers: Handlers, deps: () => AppDeps) {
  return awslambda.streamifyResponse<APIGatewayProxyEventV2>(async (event, responseStream) => {
    // The caller going away aborts the work: upstream calls and streams are closed with it.
    const abort = new AbortController();
    responseStream.once("close", () => abort.abort());
    responseStream.once("error", () => abort.abort());

    const res = await respond(event, handlers, deps, abort.signal);
    const headers = isStream(res) || res.body === undefined ? (res.headers ?? {}) : { ...JSON_TYPE, ...res.headers };
    const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: res.status, headers });
    if (!isStream(res)) out.end(res.body === undefined ? "" : JSON.stringify(res.body));
    else await pipeStream(res.stream, out, abort.signal);
    // The caller has everything: bookkeeping costs it no latency.
    await res.after?.();
  });
}

async function pipeStream(chunks: AsyncIterable<string>, out: Writable, signal: AbortSignal): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    while (!signal.aborted) {
      const { value, done } = await iterator.next();
      if (done) break;
      if (!out.write(value)) await Promise.race([once(out, "drain"), once(out, "close")]);
    }
  } finally {
    if (signal.aborted) await iterator.return?.();
    out.end();
  }
}
