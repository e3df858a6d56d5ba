/**
 * The route table is the HTTP contract: every function serves exactly its routes (the handler
 * maps are typed by the table, so that part is proven by the compiler), unmatched paths answer
 * in their surface's shape, and `/openapi.json` documents every route with its body.
 */
import { describe, expect, it } from "vitest";
import { handler as apiHandler } from "../../functions/api.ts";
import { openApiDocument } from "../../shared/routes/openapi.ts";
import { routeKey, routes, surfaceOfPath, type Route } from "../../shared/routes/table.ts";
import { apiEvent } from "../helpers/events.ts";

describe("the route table", () => {
  it("gives every path a surface, matched or not", () => {
    expect(surfaceOfPath("/a2a/agent/unknown/path")).toBe("a2a");
    expect(surfaceOfPath("/v1/chat/unknown")).toBe("openai");
    expect(surfaceOfPath("/v1/responses/x/y/z")).toBe("openai");
    expect(surfaceOfPath("/v1/agents/x/y/z")).toBe("admin");
    expect(surfaceOfPath("/nothing/here")).toBe("admin");
  });

  it("documents every route in /openapi.json, with the schema of every body it takes", () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };

    for (const route of routes as readonly Route[]) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, routeKey(route)).toBeDefined();
      expect(Boolean(operation?.requestBody), routeKey(route)).toBe(Boolean(route.body));
    }
    expect(doc.paths["/v1/responses"]?.post?.requestBody).toBeDefined();
  });
});

describe("an unmatched request", () => {
  // Whichever function gets an unknown path (a Function URL takes every path under its prefix;
  // locally the front sends unknown paths to api), it answers in that path's surface.
  it("is a 404 in the shape of the surface its path belongs to", async () => {
    const openai = (await apiHandler(apiEvent("GET", "/v1/chat/nowhere"))) as { statusCode: number; body: string };
    const admin = (await apiHandler(apiEvent("GET", "/v1/nowhere"))) as { statusCode: number; body: string };

    expect(openai.statusCode).toBe(404);
    expect(JSON.parse(openai.body)).toMatchObject({ error: { type: "invalid_request_error", code: "not_found", param: null } });
    expect(admin.statusCode).toBe(404);
    expect(JSON.parse(admin.body)).toMatchObject({ error: { code: "not_found" } });
  });

  it("is a 405 when the path exists under another method", async () => {
    const res = (await apiHandler(apiEvent("PUT", "/v1/keys"))) as { statusCode: number; body: string };

    expect(res.statusCode).toBe(405);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});
