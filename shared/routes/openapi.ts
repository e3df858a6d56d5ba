/**
 * `GET /openapi.json`: an OpenAPI 3.1 document of every route in the route table, its request
 * schemas generated from the same zod schemas that validate the requests.
 */
import * as z from "zod/mini";
import { routes, type Route } from "../../infra/routes.ts";
import { CreateKeyBody, LiteLlmAgentBody, NativeAgentBody, PatchAgentBody, UsageQuery } from "../protocol/admin.ts";
import { JsonRpcRequest } from "../protocol/jsonrpc.ts";
import { ChatCompletionRequest } from "../protocol/openai.ts";

const bodies: Record<string, z.ZodMiniType> = {
  "POST /v1/keys": CreateKeyBody,
  "POST /v1/agents": z.union([NativeAgentBody, LiteLlmAgentBody]),
  "PATCH /v1/agents/{name}": PatchAgentBody,
  "POST /a2a/{agent}": JsonRpcRequest,
  "POST /a2a/{agent}/message/send": JsonRpcRequest,
  "POST /v1/chat/completions": ChatCompletionRequest,
};
const queries: Record<string, z.ZodMiniObject> = { "GET /v1/usage": UsageQuery };

const jsonSchema = (schema: z.ZodMiniType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

function operation(route: Route) {
  const key = `${route.method} ${route.path}`;
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  const query = queries[key];
  const queryParams = query
    ? Object.entries(query.shape).map(([name, schema]) => ({ name, in: "query", required: false, schema: jsonSchema(schema as z.ZodMiniType) }))
    : [];
  const body = bodies[key];
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, ""),
    tags: [route.path.split("/")[1] === "a2a" ? "a2a" : (route.path.split("/")[2] ?? "gateway")],
    ...(route.auth === "none" ? { security: [] } : {}),
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
