/**
 * The front: which path prefix goes where behind the Router (plain functions of the route table,
 * used by ./api.ts and checked by tests/unit/front.test.ts).
 */
import { httpFunctions, routeKey, type HttpFunctionName, type Route } from "../shared/routes/table.ts";

/** The console's prefix on the Router (./console.ts). No route table path may fall under it. */
export const CONSOLE_PATH = "/ui";

/** Where a request path ends up behind the Router. */
export type FrontTarget = HttpFunctionName | "http-api" | "console";

/** The Router's match rule (sst@4.17.1 router.ts): a path prefix ending on a segment boundary. */
export function prefixMatches(prefix: string, path: string): boolean {
  return (
    path.startsWith(prefix) &&
    (path === prefix || prefix === "/" || prefix.endsWith("/") || path[prefix.length] === "/")
  );
}

/** A route's leading literal segments: `/a2a/{agent}/message/send` → `/a2a`. */
export function literalPrefix(path: string): string {
  const literal: string[] = [];
  for (const segment of path.split("/").slice(1)) {
    if (segment.includes("{")) break;
    literal.push(segment);
  }
  return "/" + literal.join("/");
}

/** The target the Router picks for `path`: the longest matching prefix. */
export function frontTarget(path: string, prefixes: ReadonlyMap<string, FrontTarget>): FrontTarget | undefined {
  let best: string | undefined;
  for (const prefix of prefixes.keys()) {
    if (prefixMatches(prefix, path) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : prefixes.get(best);
}

/**
 * The Router's prefixes for a route table: `/` → the HTTP API, `/ui` → the console, and the
 * fewest prefixes that send every streaming route to its function. Throws if some route would
 * land elsewhere (a non-streaming route under a streaming prefix, two functions sharing a
 * prefix, a streaming route with no literal prefix, a route under `/ui`).
 */
export function frontPrefixes(table: readonly Route[]): Map<string, FrontTarget> {
  const wanted = new Map<string, HttpFunctionName>();
  for (const route of table) {
    if (!httpFunctions[route.fn].stream) continue;
    const prefix = literalPrefix(route.path);
    if (prefix === "/") throw new Error(`Route "${routeKey(route)}" starts with a parameter; the Router routes by literal path prefix`);
    const other = wanted.get(prefix);
    if (other && other !== route.fn) throw new Error(`Path prefix "${prefix}" is claimed by both "${other}" and "${route.fn}"`);
    wanted.set(prefix, route.fn);
  }

  const front = new Map<string, FrontTarget>([
    ["/", "http-api"],
    [CONSOLE_PATH, "console"],
  ]);
  // Shortest first, so that a prefix is dropped when the longest one already kept above it sends
  // its requests to the same function anyway.
  for (const [prefix, fn] of [...wanted].sort(([a], [b]) => a.length - b.length)) {
    if (frontTarget(prefix, front) !== fn) front.set(prefix, fn);
  }

  for (const route of table) {
    const samplePath = route.path.replace(/\{[^}]+\}/g, "x");
    const expected: FrontTarget = httpFunctions[route.fn].stream ? route.fn : "http-api";
    const actual = frontTarget(samplePath, front);
    if (actual !== expected) {
      throw new Error(`Route "${routeKey(route)}" would reach "${actual}" behind the Router, not "${expected}"`);
    }
  }
  return front;
}

