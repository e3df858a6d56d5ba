/**
 * The route table: the one list of every HTTP route, read by the SST infrastructure (to create
 * API Gateway routes and the streaming front), by the local stack (to route requests to the same
 * handlers) and by the functions themselves (a Function URL event carries no routeKey).
 */

/** The Lambda functions that serve HTTP. `stream` functions sit behind a response-streaming front. */
export const httpFunctions = {
  api: { stream: false },
  a2a: { stream: true },
  openai: { stream: true },
} as const;
export type HttpFunctionName = keyof typeof httpFunctions;

export type Auth = "none" | "master" | "key";

export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** API Gateway syntax: `{param}` matches one path segment. */
  path: string;
  fn: HttpFunctionName;
  /** Who may call it. `key` accepts virtual keys and the master key. */
  auth: Auth;
}

export const routes = [
  { method: "GET", path: "/health", fn: "api", auth: "none" },
  { method: "GET", path: "/openapi.json", fn: "api", auth: "none" },

  { method: "POST", path: "/v1/keys", fn: "api", auth: "master" },
  { method: "GET", path: "/v1/keys", fn: "api", auth: "master" },
  { method: "GET", path: "/v1/keys/{id}", fn: "api", auth: "master" },
  { method: "DELETE", path: "/v1/keys/{id}", fn: "api", auth: "master" },

  { method: "POST", path: "/v1/agents", fn: "api", auth: "master" },
  { method: "GET", path: "/v1/agents", fn: "api", auth: "key" },
  { method: "GET", path: "/v1/agents/{name}", fn: "api", auth: "key" },
  { method: "GET", path: "/v1/agents/{name}/health", fn: "api", auth: "key" },
  { method: "PATCH", path: "/v1/agents/{name}", fn: "api", auth: "master" },
  { method: "DELETE", path: "/v1/agents/{name}", fn: "api", auth: "master" },

  { method: "GET", path: "/v1/usage", fn: "api", auth: "master" },

  { method: "GET", path: "/v1/tasks", fn: "api", auth: "key" },

  { method: "GET", path: "/v1/models", fn: "api", auth: "key" },
  { method: "POST", path: "/v1/chat/completions", fn: "openai", auth: "key" },
  { method: "GET", path: "/v1/chat/completions/{id}", fn: "openai", auth: "key" },
  { method: "POST", path: "/v1/responses", fn: "openai", auth: "key" },
  { method: "GET", path: "/v1/responses/{id}", fn: "openai", auth: "key" },
  { method: "POST", path: "/v1/responses/{id}/cancel", fn: "openai", auth: "key" },

  { method: "GET", path: "/a2a/{agent}/.well-known/agent-card.json", fn: "a2a", auth: "key" },
  { method: "GET", path: "/a2a/{agent}/.well-known/agent.json", fn: "a2a", auth: "key" },
  { method: "POST", path: "/a2a/{agent}", fn: "a2a", auth: "key" },
  { method: "POST", path: "/a2a/{agent}/message/send", fn: "a2a", auth: "key" },
  // Agents that push report here; the token in the request proves the gateway registered them.
  { method: "POST", path: "/hooks/a2a/{id}", fn: "a2a", auth: "none" },
] as const satisfies readonly Route[];

export type RouteKey = `${Route["method"]} ${string}`;

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

const compiled = routes.map((route) => ({
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

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** API Gateway's route key for a route, e.g. `POST /a2a/{agent}`. */
export const routeKey = (route: Route): string => `${route.method} ${route.path}`;
