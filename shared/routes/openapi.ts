/**
 * `GET /openapi.json`: an OpenAPI 3.1 document of every route in the route table (./table.ts),
 * its request schemas generated from the same zod schemas that validate the requests.
 */
import * as z from "zod/mini";
import { routeKey, routes, type Route } from "./table.ts";

const jsonSchema = (schema: z.ZodMiniType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

function operation(route: Route) {
  const key = routeKey(route);
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  const queryParams = route.query
    ? Object.entries(route.query.shape).map(([name, schema]) => ({ name, in: "query", required: false, schema: jsonSchema(schema as z.ZodMiniType) }))
    : [];
  const body = route.body;
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, ""),
    tags: [route.path.split("/")[1] === "a2a" ? "a2a" : (route.path.split("/")[2] ?? "gateway")],
    ...(route.auth === "none" ? { security: [] } : route.auth === "optional" ? { security: [{ bearer: [] }, {}] } : {}),
    ...(pathParams.length + queryParams.length ? { parameters: [...pathParams, ...queryParams] } : {}),
    ...(body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(body) } } } } : {}),
    responses: {
      "200": { description: "OK" },
      ...(route.auth !== "none" ? { "401": { description: "Missing or unknown key" }, "403": { description: "Key not allowed" } } : {}),
    },
  };
}

let memo: unknown;

export function openApiDocument(): unknown {
  if (memo) return memo;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes as readonly Route[]) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  return (memo = {
    openapi: "3.1.0",
    info: { title: "A2A Gateway", version: "0.1.0", description: "A2A agent gateway: registry, virtual keys, A2A 0.3/1.0 proxy, OpenAI-compatible bridge." },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  });
}
