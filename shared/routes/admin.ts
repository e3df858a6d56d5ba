/** The admin API (SPEC §3): health, keys and agents. */
import type { AppDeps } from "../deps.ts";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { json } from "../http.ts";
import { CreateKeyBody, CreateLiteLlmAgentBody, CreateNativeAgentBody, DeadLettersQuery, PatchAgentBody, RedriveBody, UsageQuery } from "../protocol/admin.ts";
import { aggregateUsage } from "../core/usage.ts";
import { gatewayAgent, probeAgent, publicAgent, registerAgent, requireAgent, updateAgent, type RegistryDeps } from "../core/agents.ts";
import { assertMayUseAgent, hashKey, mayUseAgent, newKeySecret, newWebhookSecret, ownerOf, type Principal } from "../core/keys.ts";
import { assertCallableUrl } from "../core/url-guard.ts";
import type { Agent, VirtualKey } from "../ports.ts";
import type { GatewayRequest } from "../http.ts";
import { gatewayBaseUrl } from "../core/cards.ts";
import { parseBody, parseValue } from "./body.ts";
import { listDeadCallbacks } from "../core/async/dead-letters.ts";
import { openApiDocument } from "./openapi.ts";
import { handlerFor, type Handlers } from "./dispatch.ts";

const registry = (deps: AppDeps): RegistryDeps => ({
  agents: deps.agents,
  upstream: deps.upstream,
  clock: deps.clock,
  allowPrivateUrls: deps.config.allowPrivateUrls,
});

/** The master key sees an agent as registered (headers redacted); a virtual key sees the gateway's view of it. */
const agentAs = (principal: Principal, req: GatewayRequest, deps: AppDeps) => (agent: Agent) =>
  principal.kind === "master" ? publicAgent(agent) : gatewayAgent(agent, `${gatewayBaseUrl(req, deps)}/a2a/${encodeURIComponent(agent.name)}`);

/** A key as the API shows it after creation: never the key, its hash or the webhook secret. */
const publicKey = ({ hash: _hash, webhookSecret, ...key }: VirtualKey) => ({ ...key, hasWebhookSecret: Boolean(webhookSecret) });

/** The api function's routes but `/v1/models`, which the OpenAI surface provides (functions/api.ts). */
export const adminHandlers: Omit<Handlers<"api">, "GET /v1/models"> = {
  "GET /health": async () => json(200, { status: "ok" }),
  "GET /openapi.json": async () => json(200, openApiDocument(), { "cache-control": "public, max-age=300" }),

  "POST /v1/keys": handlerFor(async (req, _p, deps) => {
    const body = parseBody(req, CreateKeyBody);
    if (body.webhookUrl) assertCallableUrl(body.webhookUrl, deps.config.allowPrivateUrls, "webhookUrl");
    const { id, key } = newKeySecret();
    const record: VirtualKey = {
      id,
      hash: hashKey(key),
      ...body,
      ...(body.webhookUrl ? { webhookSecret: newWebhookSecret() } : {}),
      createdAt: new Date(deps.clock.now()).toISOString(),
    };
    await deps.keys.create(record);
    return json(201, { ...publicKey(record), key, ...(record.webhookSecret ? { webhookSecret: record.webhookSecret } : {}) });
  }),

  "GET /v1/keys": handlerFor(async (_req, _p, deps) => json(200, { data: (await deps.keys.list()).map(publicKey) })),

  "GET /v1/keys/{id}": handlerFor(async (req, _p, deps) => {
    const key = await deps.keys.get(req.params.id!);
    if (!key) throw new NotFoundError(`Key "${req.params.id}" not found`);
    return json(200, publicKey(key));
  }),

  "DELETE /v1/keys/{id}": handlerFor(async (req, _p, deps) => {
    const id = req.params.id!;
    if (!(await deps.keys.delete(id))) throw new NotFoundError(`Key "${id}" not found`);
    deps.auth.forget(id);
    return json(200, { id, deleted: true });
  }),

  "POST /v1/agents": handlerFor(async (req, _p, deps) => {
    // Choose the body's shape first, so a mistake is reported on its own field, not on the union.
    const value = req.body.kind === "json" ? req.body.value : undefined;
    const litellm = value !== null && typeof value === "object" && "agent_name" in value;
    const agent = await registerAgent(parseBody(req, litellm ? CreateLiteLlmAgentBody : CreateNativeAgentBody), registry(deps));
    return json(201, publicAgent(agent));
  }),

  "GET /v1/agents": handlerFor(async (req, principal, deps) => {
    const agents = (await deps.agents.list()).filter((a) => mayUseAgent(principal, a.name));
    return json(200, { data: agents.map(agentAs(principal, req, deps)) });
  }),

  "GET /v1/agents/{name}": handlerFor(async (req, principal, deps) => {
    const name = req.params.name!;
    // A key outside its allowlist learns nothing, not even whether the agent exists.
    if (!mayUseAgent(principal, name)) throw new NotFoundError(`Agent "${name}" not found`);
    return json(200, agentAs(principal, req, deps)(await requireAgent(name, deps.agents)));
  }),

  "GET /v1/agents/{name}/health": handlerFor(async (req, principal, deps) => {
    const name = req.params.name!;
    if (!mayUseAgent(principal, name)) throw new NotFoundError(`Agent "${name}" not found`);
    const probe = await probeAgent(await requireAgent(name, deps.agents), deps.upstream, deps.clock);
    // Why the probe failed names the agent's own URL: the master key's to know.
    return json(200, principal.kind === "master" || !probe.error ? probe : { ...probe, error: "the agent did not serve its card" });
  }),

  "PATCH /v1/agents/{name}": handlerFor(async (req, principal, deps) => {
    assertMayUseAgent(principal, req.params.name!);
    const agent = await updateAgent(req.params.name!, parseBody(req, PatchAgentBody), registry(deps));
    return json(200, publicAgent(agent));
  }),

  "GET /v1/tasks": handlerFor(async (req, principal, deps) => {
    const limit = Math.min(200, Math.max(1, Number(req.query.limit ?? 50) || 50));
    const cursor = typeof req.query.cursor === "string" && req.query.cursor ? req.query.cursor : undefined;
    const { jobs, next } = await deps.jobs.list(principal.kind === "master" ? undefined : ownerOf(principal), limit, cursor);
    const data = jobs.map(({ push, ...job }) => ({ ...job, keyId: job.owner, push: push.map(({ id, url, version }) => ({ id, url, version })) }));
    return json(200, { data, has_more: next !== undefined, ...(next ? { next_cursor: next } : {}) });
  }),

  "GET /v1/usage": handlerFor(async (req, _p, deps) => {
    const q = parseValue(req.query, UsageQuery);
    const to = q.to ?? new Date(deps.clock.now()).toISOString();
    const from = q.from ?? new Date(Date.parse(to) - 24 * 3600_000).toISOString();
    if (from > to) throw new BadRequestError("from must be before to", "from");
    const records = await deps.usage.query({ from, to: to + "\uffff", ...(q.keyId ? { keyId: q.keyId } : {}), ...(q.agent ? { agent: q.agent } : {}) });
    return json(200, aggregateUsage(records, from, to));
  }),

  "GET /v1/callbacks/dead-letters": handlerFor(async (req, _p, deps) => {
    const { limit = 50 } = parseValue(req.query, DeadLettersQuery);
    return json(200, { data: await listDeadCallbacks(deps.deadCallbacks, deps.jobs, limit) });
  }),

  "POST /v1/callbacks/dead-letters/redrive": handlerFor(async (req, _p, deps) => {
    const { ids } = parseBody(req, RedriveBody);
    return json(200, { redriven: await deps.deadCallbacks.redrive(ids) });
  }),

  "DELETE /v1/agents/{name}": handlerFor(async (req, _p, deps) => {
    const name = req.params.name!;
    if (!(await deps.agents.delete(name))) throw new NotFoundError(`Agent "${name}" not found`);
    return json(200, { name, deleted: true });
  }),
};
