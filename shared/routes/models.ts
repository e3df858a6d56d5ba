/**
 * `GET /v1/models`, served by the buffered api function: every agent the key may use, named as
 * the OpenAI bridge takes it. Apart from the bridge's routes, so the api function bundles none of it.
 */
import { json } from "../http.ts";
import { mayUseAgent } from "../core/keys.ts";
import { handlerFor } from "./dispatch.ts";

/** Agents are models named `a2a/<agent>`. */
export const MODEL_PREFIX = "a2a/";

export const modelsHandler = handlerFor(async (_req, principal, deps) => {
  const agents = (await deps.agents.list()).filter((a) => mayUseAgent(principal, a.name));
  return json(200, {
    object: "list",
    data: agents.map((a) => ({ id: MODEL_PREFIX + a.name, object: "model", created: Math.floor(Date.parse(a.createdAt) / 1000), owned_by: "a2a-gateway" })),
  });
});
