/**
 * The cloud front (infra/front.ts): the Router's path prefixes, derived from the route table,
 * send every route to the function that serves it locally. A route added in the wrong place
 * fails here, not in a deployment.
 */
import { describe, expect, it } from "vitest";
import { CONSOLE_PATH, frontPrefixes, frontTarget } from "../../infra/front.ts";
import { httpFunctions, routes, type Route } from "../../shared/routes/table.ts";

describe("the Router's prefixes", () => {
  const prefixes = frontPrefixes(routes as readonly Route[]);

  for (const route of routes as readonly Route[]) {
    const expected = httpFunctions[route.fn].stream ? route.fn : "http-api";
    it(`${route.method} ${route.path} reaches ${expected}`, () => {
      expect(frontTarget(route.path.replace(/\{[^}]+\}/g, "x"), prefixes)).toBe(expected);
    });
  }

  it("sends the console's paths to the console", () => {
    expect(frontTarget(`${CONSOLE_PATH}/app.js`, prefixes)).toBe("console");
  });

  it("refuses a table where a buffered route hides under a streaming prefix", () => {
    const bad: Route[] = [...(routes as readonly Route[]), { method: "GET", path: "/a2a/{agent}/stats", fn: "api", auth: "key", surface: "a2a" }];
    expect(() => frontPrefixes(bad)).toThrow(/would reach/);
  });
});
