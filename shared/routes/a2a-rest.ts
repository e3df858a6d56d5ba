/**
 * A2A's HTTP+JSON binding (1.0 §11) on the A2A surface. Each route of ../protocol/rest.ts turns its
 * path, query and body into the operation's 1.0 params, checked by the same schemas and sent
 * through the same core as a JSON-RPC call (ownership of every id, path ids included; hand-offs;
 * stored results; stream normalisation); the result is the response body, an error an HTTP status
 * with a google.rpc.Status (§11.6, mapped in ./errors.ts).
 */
import { json, sseEvent, type GatewayRequest } from "../http.ts";
import { contentTypeNotSupported, RpcCode, RpcError, versionNotSupported } from "../protocol/jsonrpc.ts";
import { paramsSchemas, streamingOps } from "../protocol/methods.ts";
import { A2A_JSON_TYPE, restBindings, restError, restParams, type RestBinding } from "../protocol/rest.ts";
import { SERVED_VERSIONS, versionAsked } from "../protocol/translate.ts";
import { proxyCall } from "../core/proxy.ts";
import { proxyStream, type StreamFrames } from "../core/stream.ts";
import { a2aCallOf, agentFor, isJsonContent } from "./a2a-call.ts";
import { handlerFor, type Handlers, type OpenRouteHandler } from "./dispatch.ts";

const A2A_JSON = { "content-type": A2A_JSON_TYPE };

/** §11.7: each event a bare StreamResponse; an error ends the stream as an `error` event, as a2a-js reads it. */
const restFrames: StreamFrames = {
  event: (event) => sseEvent(JSON.stringify(event)),
  error: (error) => sseEvent(JSON.stringify(restError(error).body), "error"),
  refused: (error) => {
    const { status, body } = restError(error);
    return json(status, body, A2A_JSON);
  },
};

/** The body of a request whose binding takes one: a JSON object, or nothing (`{}`). */
function bodyOf(req: GatewayRequest): Record<string, unknown> {
  const contentType = req.headers["content-type"];
  if (req.body.kind === "empty") return {};
  if (!isJsonContent(contentType)) throw contentTypeNotSupported(contentType!);
  if (req.body.kind === "invalid-json") throw new RpcError(RpcCode.ParseError, `The body is not valid JSON${req.body.reason ? `: ${req.body.reason}` : ""}`);
  const value = req.body.kind === "json" ? req.body.value : undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new RpcError(RpcCode.InvalidRequest, "The body must be a JSON object");
  return value as Record<string, unknown>;
}

function restCall(binding: RestBinding): OpenRouteHandler {
  const schema = paramsSchemas[binding.op]["1.0"]!;
  return handlerFor(async (req, principal, deps) => {
    const agent = await agentFor(req, principal, deps);
    // The paths are 1.0's: any version the gateway serves is answered in 1.0, any other refused (§3.6.2).
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
    const { a2aCall, withExtensions } = a2aCallOf(req, principal, agent, binding.op, "1.0", checked.data as Record<string, unknown>);
    if (streamingOps.has(binding.op)) return withExtensions(await proxyStream(a2aCall, restFrames, deps));
    const outcome = await proxyCall(a2aCall, deps);
    return withExtensions("error" in outcome ? restFrames.refused(outcome.error) : json(200, outcome.result, A2A_JSON));
  });
}

type RestRouteKey = `${(typeof restBindings)[number]["method"]} /a2a/{agent}${(typeof restBindings)[number]["path"]}` & keyof Handlers<"a2a">;

export const restHandlers = Object.fromEntries(
  restBindings.map((binding: RestBinding) => [`${binding.method} /a2a/{agent}${binding.path}`, restCall(binding)]),
) as Pick<Handlers<"a2a">, RestRouteKey>;
