/**
 * A2A's HTTP+JSON binding (1.0 §11, and 0.3's) on the A2A surface. Each route of
 * ../protocol/rest.ts turns its path, query and body into the operation's params of its version,
 * checked by the same schemas and sent through the same core as a JSON-RPC call of that version
 * (ownership of every id, path ids included; hand-offs; stored results; stream normalisation); the
 * result is the response body, an error an HTTP status with the version's error body: 1.0's
 * google.rpc.Status (§11.6), 0.3's JSON-RPC error object (mapped in ./errors.ts).
 */
import { json, sseEvent, type GatewayRequest, type GatewayResponse } from "../http.ts";
import { contentTypeNotSupported, RpcCode, RpcError, versionNotSupported } from "../protocol/jsonrpc.ts";
import { paramsSchemas, streamingOps, type A2AVersion, type Operation } from "../protocol/methods.ts";
import { protoResult } from "../protocol/proto-v03.ts";
import { A2A_JSON_TYPE, restBindings, restError, restErrorV03, restParams, type RestBinding } from "../protocol/rest.ts";
import { SERVED_VERSIONS, versionAsked } from "../protocol/translate.ts";
import { proxyCall } from "../core/proxy.ts";
import { proxyStream, type StreamFrames } from "../core/stream.ts";
import { a2aCallOf, agentFor, isJsonContent } from "./a2a-call.ts";
import { handlerFor, type Handlers, type OpenRouteHandler } from "./dispatch.ts";

/** How each version of the binding writes results and errors: 1.0's JSON as is, 0.3's as ProtoJSON. */
const WIRE: Record<A2AVersion, { headers: Record<string, string>; result(op: Operation, result: unknown): unknown; error: typeof restErrorV03 | typeof restError }> = {
  "1.0": { headers: { "content-type": A2A_JSON_TYPE }, result: (_op, result) => result, error: restError },
  "0.3": { headers: { "content-type": "application/json" }, result: (op, result) => protoResult(op, result, "proto"), error: restErrorV03 },
};

/** A result as the response: a DeletePushConfig of 0.3 has none (204). */
function answer(binding: RestBinding, result: unknown): GatewayResponse {
  const wire = WIRE[binding.version];
  const body = wire.result(binding.op, result);
  return body === undefined ? json(204) : json(200, body, wire.headers);
}

/** §11.7 (and 0.3 alike): each event a bare StreamResponse; an error ends the stream as an `error` event, as a2a-js reads it. */
function restFrames(binding: RestBinding): StreamFrames {
  const wire = WIRE[binding.version];
  return {
    event: (event) => sseEvent(JSON.stringify(wire.result(binding.op, event))),
    error: (error) => sseEvent(JSON.stringify(wire.error(error).body), "error"),
    refused: (error) => {
      const { status, body } = wire.error(error);
      return json(status, body, wire.headers);
    },
  };
}

/** The body of a request whose binding takes one: a JSON object, or nothing (`{}`). */
function bodyOf(req: GatewayRequest): Record<string, unknown> {
  const contentType = req.headers["content-type"];
  if (req.body.kind === "empty") return {};
  if (!isJsonContent(contentType)) throw contentTypeNotSupported(contentType!, "HTTP+JSON");
  if (req.body.kind === "invalid-json") throw new RpcError(RpcCode.ParseError, `The body is not valid JSON${req.body.reason ? `: ${req.body.reason}` : ""}`);
  const value = req.body.kind === "json" ? req.body.value : undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new RpcError(RpcCode.InvalidRequest, "The body must be a JSON object");
  return value as Record<string, unknown>;
}

function restCall(binding: RestBinding): OpenRouteHandler {
  const schema = paramsSchemas[binding.op][binding.version]!;
  const frames = restFrames(binding);
  return handlerFor(async (req, principal, deps) => {
    const agent = await agentFor(req, principal, deps);
    // The paths say the version: any version the gateway serves is answered in it, any other refused (§3.6.2).
    const asked = versionAsked(req.headers, req.query);
    if ("unsupported" in asked) throw versionNotSupported(asked.unsupported, SERVED_VERSIONS);
    const checked = schema.safeParse(restParams(binding, req.params, req.query, binding.body ? bodyOf(req) : {}));
    if (!checked.success) {
      // §11.6: validation errors SHOULD carry a google.rpc.BadRequest.
      const fieldViolations = checked.error.issues.map((i) => ({ field: i.path.map(String).join("."), description: i.message }));
      throw new RpcError(RpcCode.InvalidParams, `Invalid request: ${fieldViolations[0]?.field || "body"}: ${checked.error.issues[0]?.message}`, [
        { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations },
      ]);
    }
    const { a2aCall, withExtensions } = a2aCallOf(req, principal, agent, binding.op, binding.version, checked.data as Record<string, unknown>);
    if (streamingOps.has(binding.op)) return withExtensions(await proxyStream(a2aCall, frames, deps));
    const outcome = await proxyCall(a2aCall, deps);
    return withExtensions("error" in outcome ? frames.refused(outcome.error) : answer(binding, outcome.result));
  });
}

type RestRouteKey = `${(typeof restBindings)[number]["method"]} /a2a/{agent}${(typeof restBindings)[number]["path"]}` & keyof Handlers<"a2a">;

export const restHandlers = Object.fromEntries(
  restBindings.map((binding: RestBinding) => [`${binding.method} /a2a/{agent}${binding.path}`, restCall(binding)]),
) as Pick<Handlers<"a2a">, RestRouteKey>;
