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
import { contextSeal, revealInResponse } from "../core/contexts.ts";
import { adminErrorResponse, openaiErrorResponse, restErrorResponse, restErrorResponseV03, rpcErrorResponse } from "./errors.ts";
import { emfFields, meteredCall, newTap, queueMeterCheck, recordCall, reserveBudget, tappedUpstream, tapTokens, type CallTap } from "./metering.ts";

/** What a route's handler receives: the request, who is calling (none on open routes), the deps. */
export type RouteHandler = (req: GatewayRequest, principal: Principal, deps: AppDeps) => Promise<GatewayResponse>;
export type OpenRouteHandler = (req: GatewayRequest, principal: Principal | undefined, deps: AppDeps) => Promise<GatewayResponse>;

/** Function `F`'s handlers, one for each route the table gives it (./table.ts). */
export type Handlers<F extends HttpFunctionName> = HandlerMap<F, OpenRouteHandler>;

export function errorResponse(surface: Surface, e: unknown, req?: GatewayRequest): JsonResponse {
  if (surface === "a2a") return rpcErrorResponse(e, req?.body.kind === "json" ? salvageId(req.body.value) : null);
  if (surface === "a2a-rest") return restErrorResponse(e);
  if (surface === "a2a-rest-0.3") return restErrorResponseV03(e);
  return surface === "openai" ? openaiErrorResponse(e) : adminErrorResponse(e);
}

export async function dispatch(
  req: GatewayRequest,
  handlers: Readonly<Record<string, RouteHandler | OpenRouteHandler>>,
  deps: AppDeps,
): Promise<GatewayResponse> {
  const surface = req.route.surface;
  // Calls, not reads of the card: every POST, and every HTTP+JSON route (GetTask is a GET there).
  const isCall = surface !== "admin" && (req.method === "POST" || surface.startsWith("a2a-rest"));
  let principal: Principal | undefined;
  let tap: CallTap | undefined;
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
      // A call refused from here on is still counted, under the key.
      if (isCall) tap = newTap();
      if (principal.kind === "key" && principal.key.rpm) await enforceRpm(principal.key.id, principal.key.rpm, deps);
    }
    if (tap && principal) await reserveBudget(req, principal, deps, tap);
    const metered = tap && principal ? { tap, principal } : undefined;
    const upstream = metered ? tappedUpstream(deps.upstream, metered.tap, () => queueMeterCheck(req, metered.principal, metered.tap, deps)) : deps.upstream;
    response = await (handler as OpenRouteHandler)(req, principal, { ...deps, upstream });
  } catch (e) {
    if (!isGatewayError(e) && !(e instanceof RpcError)) {
      deps.log.error("unhandled error", { requestId: req.requestId, route: req.route.path, ...describeError(e) });
    }
    response = errorResponse(surface, e, req);
  }
  // A key reads its own context ids where agents were given them sealed (core/contexts.ts).
  if (principal?.kind === "key") response = revealInResponse(response, contextSeal(deps.config.masterKey), principal.key.id);
  response.headers = { ...response.headers, "x-request-id": req.requestId, "x-trace-id": req.trace.traceId };
  const status = response.status;
  if (tap) response = tapTokens(response, tap);
  const caller = principal;
  // The request line is written once the response is out (a stream's when it ends, with its full
  // duration): a log write is a syscall the caller need not wait for. A call's line carries its
  // metrics (EMF), and then the call is metered.
  response.after = async () => {
    const call = tap && caller ? await meteredCall(req, caller, status, tap, deps) : undefined;
    deps.log.info("request", {
      requestId: req.requestId,
      traceId: req.trace.traceId,
      method: req.method,
      route: req.route.path,
      status,
      ms: Date.now() - req.receivedAt,
      ...(principal ? { keyId: principal.kind === "master" ? "master" : principal.key.id } : {}),
      ...(call ? emfFields(call) : {}),
    });
    if (call && tap && caller) await recordCall(call, tap, caller, deps);
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
