/**
 * The route table: the product's HTTP contract, one entry per route. The core owns it; the SST
 * infrastructure deploys it (infra/api.ts creates API Gateway routes and the streaming front from
 * it), the local stack routes by it, the functions match Function URL events against it (they
 * carry no routeKey), each function's handler map is typed by it, and `/openapi.json` is
 * generated from it.
 */
import * as z from "zod/mini";
import { CreateKeyBody, DeadLettersQuery, LiteLlmAgentBody, NativeAgentBody, PatchAgentBody, PatchKeyBody, RedriveBody, UsageExportQuery, UsageQuery } from "../protocol/admin.ts";
import { JsonRpcRequest } from "../protocol/jsonrpc.ts";
import { ChatCompletionRequest } from "../protocol/openai.ts";
import { V03ProtoSendMessageRequest, V03ProtoTaskPushNotificationConfig, V10TaskPushNotificationConfig } from "../protocol/a2a.ts";
import { paramsSchemas } from "../protocol/methods.ts";
import { restBindings, type RestBinding } from "../protocol/rest.ts";
import { CreateResponseRequest, RetrieveResponseQuery } from "../protocol/responses.ts";

/** The Lambda functions that serve HTTP. `stream` functions sit behind a response-streaming front. */
export const httpFunctions = {
  api: { stream: false },
  a2a: { stream: true },
  openai: { stream: true },
} as const;
export type HttpFunctionName = keyof typeof httpFunctions;

/**
 * Who may call a route. `key` accepts virtual keys and the master key; `optional` authenticates a
 * key when one is sent and leaves it to the handler to serve a caller without one.
 */
export type Auth = "none" | "master" | "key" | "optional";

/** How a route answers, errors included: the admin API's JSON, A2A's JSON-RPC or HTTP+JSON (1.0, 0.3), OpenAI's shapes. */
export type Surface = "admin" | "a2a" | "a2a-rest" | "a2a-rest-0.3" | "openai";

export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** API Gateway syntax: `{param}` matches one path segment. */
  path: string;
  fn: HttpFunctionName;
  auth: Auth;
  surface: Surface;
  /** The JSON body's schema, where the route takes one (documented in `/openapi.json`). */
  body?: z.ZodMiniType;
  /** The query string's schema, where the route reads one. */
  query?: z.ZodMiniObject;
}

const JSON_RPC = { surface: "a2a", body: JsonRpcRequest } as const;

type RestRoutes<T extends readonly RestBinding[]> = {
  readonly [K in keyof T]: { method: T[K]["method"]; path: `/a2a/{agent}${T[K]["path"]}`; fn: "a2a"; auth: "key"; surface: "a2a-rest" | "a2a-rest-0.3"; body?: z.ZodMiniType; query?: z.ZodMiniObject };
};

/** How query parameters are written (documentation: the operation's params schema checks them). */
const QUERY_SCHEMAS = { string: z.string(), int: z.string().check(z.regex(/^-?\d+$/)), bool: z.enum(["true", "false"]) };

/** A 1.0 body is the operation's 1.0 params less what the path names (a push config's task); 0.3's are ProtoJSON. */
const REST_BODIES = {
  "1.0": (op: RestBinding["op"]) => (op === "setPushConfig" ? V10TaskPushNotificationConfig : paramsSchemas[op]["1.0"]!),
  "0.3": (op: RestBinding["op"]) => (op === "setPushConfig" ? V03ProtoTaskPushNotificationConfig : V03ProtoSendMessageRequest),
};

/** A2A's HTTP+JSON binding under each agent's base URL, one route per binding of ../protocol/rest.ts. */
const restRoutes = restBindings.map((b: RestBinding) => ({
  method: b.method,
  path: `/a2a/{agent}${b.path}`,
  fn: "a2a",
  auth: "key",
  surface: b.version === "0.3" ? "a2a-rest-0.3" : "a2a-rest",
  ...(b.body ? { body: REST_BODIES[b.version](b.op) } : {}),
  ...(b.query ? { query: z.object(Object.fromEntries(Object.entries(b.query).map(([name, type]) => [name, QUERY_SCHEMAS[type]]))) } : {}),
})) as unknown as RestRoutes<typeof restBindings>;

export const routes = [
  { method: "GET", path: "/health", fn: "api", auth: "none", surface: "admin" },
  { method: "GET", path: "/openapi.json", fn: "api", auth: "none", surface: "admin" },

  { method: "POST", path: "/v1/keys", fn: "api", auth: "master", surface: "admin", body: CreateKeyBody },
  { method: "GET", path: "/v1/keys", fn: "api", auth: "master", surface: "admin" },
  { method: "GET", path: "/v1/keys/{id}", fn: "api", auth: "master", surface: "admin" },
  { method: "PATCH", path: "/v1/keys/{id}", fn: "api", auth: "master", surface: "admin", body: PatchKeyBody },
  { method: "DELETE", path: "/v1/keys/{id}", fn: "api", auth: "master", surface: "admin" },

  { method: "POST", path: "/v1/agents", fn: "api", auth: "master", surface: "admin", body: z.union([NativeAgentBody, LiteLlmAgentBody]) },
  { method: "GET", path: "/v1/agents", fn: "api", auth: "key", surface: "admin" },
  { method: "GET", path: "/v1/agents/{name}", fn: "api", auth: "key", surface: "admin" },
  { method: "GET", path: "/v1/agents/{name}/health", fn: "api", auth: "key", surface: "admin" },
  { method: "PATCH", path: "/v1/agents/{name}", fn: "api", auth: "master", surface: "admin", body: PatchAgentBody },
  { method: "DELETE", path: "/v1/agents/{name}", fn: "api", auth: "master", surface: "admin" },

  { method: "GET", path: "/v1/usage", fn: "api", auth: "master", surface: "admin", query: UsageQuery },
  { method: "GET", path: "/v1/usage/export", fn: "api", auth: "master", surface: "admin", query: UsageExportQuery },

  { method: "GET", path: "/v1/tasks", fn: "api", auth: "key", surface: "admin" },

  // Callbacks past their last attempt (shared/core/async/dead-letters.ts).
  { method: "GET", path: "/v1/callbacks/dead-letters", fn: "api", auth: "master", surface: "admin", query: DeadLettersQuery },
  { method: "POST", path: "/v1/callbacks/dead-letters/redrive", fn: "api", auth: "master", surface: "admin", body: RedriveBody },

  { method: "GET", path: "/v1/models", fn: "api", auth: "key", surface: "openai" },
  { method: "POST", path: "/v1/chat/completions", fn: "openai", auth: "key", surface: "openai", body: ChatCompletionRequest },
  { method: "GET", path: "/v1/chat/completions/{id}", fn: "openai", auth: "key", surface: "openai" },
  { method: "POST", path: "/v1/responses", fn: "openai", auth: "key", surface: "openai", body: CreateResponseRequest },
  { method: "GET", path: "/v1/responses/{id}", fn: "openai", auth: "key", surface: "openai", query: RetrieveResponseQuery },
  { method: "POST", path: "/v1/responses/{id}/cancel", fn: "openai", auth: "key", surface: "openai" },

  // An agent registered with `publicCard` serves its card without a key.
  { method: "GET", path: "/a2a/{agent}/.well-known/agent-card.json", fn: "a2a", auth: "optional", surface: "a2a" },
  { method: "GET", path: "/a2a/{agent}/.well-known/agent.json", fn: "a2a", auth: "optional", surface: "a2a" },
  { method: "POST", path: "/a2a/{agent}", fn: "a2a", auth: "key", ...JSON_RPC },
  { method: "POST", path: "/a2a/{agent}/message/send", fn: "a2a", auth: "key", ...JSON_RPC },
  ...restRoutes,
  // Agents that push report here; the token in the request proves the gateway registered them.
  { method: "POST", path: "/hooks/a2a/{id}", fn: "a2a", auth: "none", surface: "a2a" },
] as const satisfies readonly Route[];

type TableRoute = (typeof routes)[number];

/** `POST /a2a/{agent}`: a route's key, as API Gateway writes it. */
export type RouteKey<R extends Pick<Route, "method" | "path"> = TableRoute> = R extends unknown ? `${R["method"]} ${R["path"]}` : never;

/** The keys of the routes function `F` serves. */
export type RouteKeyOf<F extends HttpFunctionName> = RouteKey<Extract<TableRoute, { fn: F }>>;

/**
 * A function's handlers: exactly one per route it serves. A route added to the table without a
 * handler, or a handler for a route that is not in the table, does not compile.
 */
export type HandlerMap<F extends HttpFunctionName, H> = { readonly [K in RouteKeyOf<F>]: H };

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * Routes tried most literal first: `/tasks/{id}:cancel` before `/tasks/{id}`, which would take
 * `abc:cancel` for an id (A2A's HTTP+JSON binding puts verbs inside a segment, §11.3).
 */
const literalLength = (path: string) => path.replace(/\{\w+\}/g, "").length;
const compiled = [...routes]
  .sort((a, b) => literalLength(b.path) - literalLength(a.path))
  .map((route) => ({
    route: route as Route,
    pattern: new RegExp(
      "^" + route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{(\w+)\\?\}/g, "(?<$1>[^/]+)") + "/?$",
    ),
  }));

/**
 * Finds the route for a method and path. Returns `"method-not-allowed"` when the path exists under
 * another method, so callers can answer 405 rather than 404.
 */
export function matchRoute(method: string, path: string): RouteMatch | "method-not-allowed" | undefined {
  let pathExists = false;
  for (const { route, pattern } of compiled) {
    const m = pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      pathExists = true;
      continue;
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = safeDecode(v);
    return { route, params };
  }
  return pathExists ? "method-not-allowed" : undefined;
}

/**
 * The surface a path belongs to even when no route matches it (a 404 or 405 answers in that
 * surface's shape): that of the route sharing the longest leading run of segments with it.
 */
export function surfaceOfPath(path: string): Surface {
  const segments = path.split("/");
  let best: { surface: Surface; shared: number } = { surface: "admin", shared: 0 };
  for (const route of routes) {
    const routeSegments = route.path.split("/");
    let shared = 0;
    while (shared < segments.length && shared < routeSegments.length && (routeSegments[shared] === segments[shared] || routeSegments[shared]!.startsWith("{"))) shared++;
    if (shared > best.shared) best = { surface: route.surface, shared };
  }
  return best.surface;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** API Gateway's route key for a route, e.g. `POST /a2a/{agent}`. */
export const routeKey = (route: Pick<Route, "method" | "path">): string => `${route.method} ${route.path}`;
