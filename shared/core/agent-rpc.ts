/**
 * One call to an agent, in the version and binding the agent speaks: the only place that builds the
 * request, sets the headers and checks the reply. Params arrive already in the agent's version. An
 * agent called over HTTP+JSON (1.0 §11, or 0.3's) has its replies read as the JSON-RPC responses
 * they are equivalent to, so everything past this module deals in one shape.
 */
import { UpstreamError } from "../errors.ts";
import type { GatewayRequest } from "../http.ts";
import type { Agent, Upstream } from "../ports.ts";
import { isNotJson } from "../adapters/upstream.ts";
import { JsonRpcResponse, RpcError } from "../protocol/jsonrpc.ts";
import { restReply, restRequest, restStreamEvent } from "../protocol/rest.ts";
import { methodNames, type A2AVersion, type Operation } from "../protocol/methods.ts";
import { agentEndpoints } from "./endpoints.ts";

export type Trace = GatewayRequest["trace"];

/**
 * The `A2A-Extensions` service parameter of one proxied call (A2A 1.0 §3.2.6, §9.2): the extension
 * URIs the caller asked for, sent on to the agent, and those the agent answers it activated,
 * filled in from its reply for the caller's response. The gateway adds none and removes none.
 */
export interface Extensions {
  requested?: string;
  activated?: string;
}

/** The header each version carries extension URIs in, both ways; 0.3 spelled it `X-A2A-Extensions`. */
export const EXTENSIONS_HEADER: Record<A2AVersion, string> = { "1.0": "a2a-extensions", "0.3": "x-a2a-extensions" };

/** The extensions in a set of headers, under either version's name (a caller may use either). */
export function extensionsIn(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const value = headers[EXTENSIONS_HEADER["1.0"]] ?? headers[EXTENSIONS_HEADER["0.3"]];
  return (Array.isArray(value) ? value.join(",") : value) || undefined;
}

export interface AgentRpc {
  agent: Agent;
  version: A2AVersion;
  op: Operation;
  params: unknown;
  trace: Trace;
  timeoutMs: number;
  signal?: AbortSignal;
  extensions?: Extensions;
}

/**
 * Headers for a call to an agent: its credentials, the trace, the version header of A2A 1.0
 * (§3.6.2), and the extensions the caller asked for, under the agent's version's name.
 */
export function upstreamHeaders(agent: Agent, version: A2AVersion, trace: Trace, extensions?: Extensions): Record<string, string> {
  return {
    ...agent.headers,
    traceparent: trace.traceparent,
    "x-trace-id": trace.traceId,
    ...(version === "1.0" ? { "a2a-version": "1.0" } : {}),
    ...(extensions?.requested ? { [EXTENSIONS_HEADER[version]]: extensions.requested } : {}),
  };
}

/** A call that may stream: one JSON-RPC response, or the agent's event stream. */
export async function openAgentCall(
  rpc: AgentRpc,
  upstream: Upstream,
): Promise<{ response: JsonRpcResponse } | { events: AsyncIterable<unknown>; close(): void }> {
  const method = methodNames[rpc.op][rpc.version];
  if (!method) throw new RpcError(-32004, `The agent speaks A2A ${rpc.version}, which has no equivalent of this method`);
  const { binding, urls } = agentEndpoints(rpc.agent, rpc.version);
  const rest = binding === "HTTP+JSON" ? restRequest(rpc.op, rpc.version, rpc.params as Record<string, unknown>) : undefined;
  const reply = await upstream.post({
    ...(rest
      ? { method: rest.method, urls: urls.map((url) => url.replace(/\/+$/, "") + rest.path), ...(rest.body !== undefined ? { body: rest.body } : {}) }
      : { urls, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: rpc.params }) }),
    headers: upstreamHeaders(rpc.agent, rpc.version, rpc.trace, rpc.extensions),
    timeoutMs: rpc.timeoutMs,
    ...(rpc.signal ? { signal: rpc.signal } : {}),
  });
  if (rpc.extensions && reply.headers) {
    const activated = extensionsIn(reply.headers);
    if (activated) rpc.extensions.activated = activated;
  }
  if (reply.kind === "json") return { response: rest ? parseRestResponse(reply.status, reply.body, rpc) : parseAgentResponse(reply.status, reply.body) };
  return { events: rest ? restEvents(reply.events, rpc) : agentEvents(reply.events), close: reply.close };
}

/** A call answered with one JSON-RPC response (an event stream here is the agent's mistake). */
export async function callAgent(rpc: AgentRpc, upstream: Upstream): Promise<JsonRpcResponse> {
  const opened = await openAgentCall(rpc, upstream);
  if ("response" in opened) return opened.response;
  opened.close();
  throw new UpstreamError(`Agent answered ${methodNames[rpc.op][rpc.version]} with an event stream`, "invalid_response");
}

/** The result of a response, or its error thrown as an RpcError. */
export function resultOf(response: JsonRpcResponse): unknown {
  if ("error" in response) throw new RpcError(response.error.code, response.error.message, response.error.data);
  return response.result;
}

/** An agent's stream, each event checked as a JSON-RPC response; yields the results. */
async function* agentEvents(events: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  for await (const raw of events) {
    const parsed = JsonRpcResponse.safeParse(raw);
    if (!parsed.success) throw new UpstreamError("Agent sent a stream event that is not a JSON-RPC response", "invalid_response");
    yield resultOf(parsed.data);
  }
}

/** An HTTP+JSON agent's stream: bare StreamResponse objects, ended by an `error` event's body if it fails (§11.7). */
async function* restEvents(events: AsyncIterable<unknown>, rpc: AgentRpc): AsyncGenerator<unknown> {
  for await (const raw of events) yield resultOf(restStreamEvent(raw, rpc.op, rpc.version));
}

/** An HTTP+JSON agent's reply: its result, or its error as the A2A error it names (1.0 §11.6, or 0.3's JSON-RPC error object). */
function parseRestResponse(status: number, body: unknown, rpc: AgentRpc): JsonRpcResponse {
  const response = isNotJson(body) ? undefined : restReply(status, body, rpc.op, rpc.version);
  if (!response) throw new UpstreamError(`Agent answered HTTP ${status} with ${isNotJson(body) ? "a body that is not JSON" : "no HTTP+JSON error"}`, status >= 400 ? "bad_status" : "invalid_response", status);
  return response;
}

/**
 * Checks an agent's HTTP reply is a JSON-RPC response to our call. Agents answer errors with
 * HTTP 200 (JSON-RPC over HTTP), but some use 4xx/5xx with a JSON-RPC body: that body still wins.
 */
export function parseAgentResponse(status: number, body: unknown): JsonRpcResponse {
  if (isNotJson(body) || body === undefined) {
    throw new UpstreamError(`Agent answered HTTP ${status} with a body that is not JSON`, status >= 400 ? "bad_status" : "invalid_response", status);
  }
  const parsed = JsonRpcResponse.safeParse(body);
  if (!parsed.success) {
    throw new UpstreamError(`Agent answered HTTP ${status} with something that is not a JSON-RPC response`, status >= 400 ? "bad_status" : "invalid_response", status);
  }
  if (parsed.data.id !== 1 && parsed.data.id !== null && parsed.data.id !== undefined) {
    throw new UpstreamError("Agent answered with the id of another request", "invalid_response");
  }
  return parsed.data;
}
