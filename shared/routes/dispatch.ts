/**
 * The path every HTTP request takes through a function: find the handler, authenticate as the
 * route demands, run it, map errors for the route's surface, stamp ids, and log one line.
 */
import type { HandlerMap, HttpFunctionName, Surface } from "./table.ts";
import { ForbiddenError, isGatewayError, NotFoundError, PayloadTooLargeError, RateLimitError } from "../errors.ts";
import type { AppDeps } from "../deps.ts";
import type { GatewayRequest, GatewayResponse, JsonResponse } from "../http.ts";
import { describeError } from "../log.ts";
import { RpcError, salvageId } from "../protocol/jsonrpc.ts";
import { bearerToken, type Principal } from "../core/keys.ts";
import { adminErrorResponse, openaiErrorResponse, restErrorResponse, rpcErrorResponse } from "./errors.ts";

/** What a route's handler receives: the request, who is calling (none on open routes), the deps. */
export type RouteHandler = (req: GatewayRequest, principal: Principal, deps: AppDeps) => Promise<GatewayResponse>;
export type OpenRouteHandler = (req: GatewayRequest, principal: Principal | undefined, deps: AppDeps) => Promise<GatewayResponse>;

/** Function `F`'s handlers, one for each route the table gives it (./table.ts). */
export type Handlers<F extends HttpFunctionName> = HandlerMap<F, OpenRouteHandler>;

export function errorResponse(surface: Surface, e: unknown, req?: GatewayRequest): JsonResponse {
  if (surface === "a2a") return rpcErrorResponse(e, req?.body.kind === "json" ? salvageId(req.body.value) : null);
  if (surface === "a2a-rest") return restErrorResponse(e);
  return surface === "openai" ? openaiErrorResponse(e) : adminErrorResponse(e);
}

export async function dispatch(
  req: GatewayRequest,
  handlers: Readonly<Record<string, RouteHandler | OpenRouteHandler>>,
  deps: AppDeps,
): Promise<GatewayResponse> {
  const surface = req.route.surface;
  let principal: Principal | undefined;
  let response: GatewayResponse;
  try {
    const handler = handlers[`${req.route.method} ${req.route.path}`];
    // A route served by another function (a Function URL answers every path): not here.
    if (!handler) throw new NotFoundError(`No route for ${req.method} ${req.path}`);
    if (req.body.kind === "too-large") throw new PayloadTooLargeError(`Request body is larger than 1 MiB (${req.body.bytes} bytes)`);
    const token = bearerToken(req.headers);
    if (req.route.auth !== "none" && (req.route.auth !== "optional" || token !== undefined)) {
      principal = await deps.auth.authenticate(token);
      if (req.route.auth === "master" && principal.kind !== "master") throw new ForbiddenError("This route requires the master key");
      if (principal.kind === "key" && principal.key.rpm) await enforceRpm(principal.key.id, principal.key.rpm, deps);
    }
    response = await (handler as OpenRouteHandler)(req, principal, deps);
  } catch (e) {
    if (!isGatewayError(e) && !(e instanceof RpcError)) {
      deps.log.error("unhandled error", { requestId: req.requestId, route: req.route.path, ...describeError(e) });
    }
    response = errorResponse(surface, e, req);
  }
  response.headers = { ...response.headers, "x-request-id": req.requestId, "x-trace-id": req.trace.traceId };
  const status = response.status;
  // Calls, not reads of the card: every POST, and every HTTP+JSON route (GetTask is a GET there).
  const recordUsage = surface !== "admin" && principal && (req.method === "POST" || surface === "a2a-rest") ? usageRecorder(req, principal, status, deps) : undefined;
  // The request line is written once the response is out (a stream's when it ends, with its full
  // duration): a log write is a syscall the caller need not wait for.
  response.after = async () => {
    deps.log.info("request", {
      requestId: req.requestId,
      traceId: req.trace.traceId,
      method: req.method,
      route: req.route.path,
      status,
      ms: Date.now() - req.receivedAt,
      ...(principal ? { keyId: principal.kind === "master" ? "master" : principal.key.id } : {}),
      ...(req.params.agent ? { agent: req.params.agent } : {}),
    });
    await recordUsage?.();
  };
  return response;
}

/** Handlers that need a principal may assume one: the dispatcher authenticated the route. */
export const handlerFor = (h: RouteHandler): OpenRouteHandler => (req, p, deps) => h(req, p as Principal, deps);

/** Fixed one-minute windows (SPEC §6): the 429 says when the next window opens. */
async function enforceRpm(keyId: string, rpm: number, deps: AppDeps): Promise<void> {
  const now = deps.clock.now();
  const count = await deps.limiter.hit(keyId, now);
  if (count > rpm) {
    throw new RateLimitError(`Rate limit of ${rpm} requests per minute reached`, Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000)));
  }
}

/** One usage record per proxied call, written after the response is out, with the call's full latency. */
function usageRecorder(req: GatewayRequest, principal: Principal, status: number, deps: AppDeps) {
  return async () => {
    const agent = req.params.agent ?? modelAgent(req);
    if (!agent) return;
    await deps.usage
      .record({
        keyId: principal.kind === "master" ? "master" : principal.key.id,
        agent,
        method: req.route.surface === "a2a-rest" ? `${req.method} ${req.route.path}` : req.body.kind === "json" ? methodOf(req.body.value) : req.route.path,
        status,
        latencyMs: Date.now() - req.receivedAt,
        traceId: req.trace.traceId,
        requestId: req.requestId,
        at: new Date(req.receivedAt).toISOString(),
      })
      .catch((e: unknown) => deps.log.warn("usage not recorded", describeError(e)));
  };
}

const modelAgent = (req: GatewayRequest): string | undefined => {
  const model = req.body.kind === "json" ? (req.body.value as { model?: unknown } | null)?.model : undefined;
  return typeof model === "string" ? model.replace(/^a2a\//, "") : undefined;
};

const methodOf = (body: unknown): string => {
  const m = (body as { method?: unknown } | null)?.method;
  return typeof m === "string" ? m.slice(0, 64) : "chat.completions";
};
