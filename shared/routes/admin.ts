/** The admin API (SPEC §3): health, keys and agents. */
import type { AppDeps } from "../deps.ts";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { json } from "../http.ts";
import { CreateKeyBody, CreateLiteLlmAgentBody, CreateNativeAgentBody, DeadLettersQuery, PatchAgentBody, PatchKeyBody, RedriveBody, UsageExportQuery, UsageQuery } from "../protocol/admin.ts";
import { budgetPeriodAt, exportRows, hoursOf, keyBudget, toCsv, totalSpend, usageReport } from "../core/metering.ts";
import { formatAmount, toPicos } from "../core/money.ts";
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

/**
 * A key's spend in its current budget period and when that period resets: the budget's own
 * running total (what refusals are decided on) for a key with a budget, else the calendar month's
 * counters.
 */
async function keySpend(key: VirtualKey, deps: AppDeps) {
  const now = deps.clock.now();
  const budget = keyBudget(key, now);
  if (budget) {
    const spent = await deps.meter.spent(key.id, budget.start);
    return { period: budget.budgetPeriod, periodStart: budget.start, resetsAt: budget.end, spend: formatAmount(spent), maxBudget: budget.maxBudget, ...(budget.softBudget ? { softBudget: budget.softBudget } : {}) };
  }
  const month = budgetPeriodAt("month", key.createdAt, now);
  const counters = await deps.meter.counters({ keyId: key.id, ...hoursOf(month.start, new Date(now).toISOString()) });
  return { period: "month", periodStart: month.start, resetsAt: month.end, spend: formatAmount(totalSpend(counters)) };
}

/** A soft budget warns before the hard one refuses: it has no meaning without one, nor above it. */
function assertBudgetFits(key: Pick<VirtualKey, "maxBudget" | "softBudget">): void {
  if (key.softBudget === undefined) return;
  if (key.maxBudget === undefined) throw new BadRequestError("softBudget needs a maxBudget", "softBudget");
  if (toPicos(key.softBudget) > toPicos(key.maxBudget)) throw new BadRequestError("softBudget must not be above maxBudget", "softBudget");
}

/** The period of `/v1/usage` and its export: `to` defaults to now, `from` to a day before it. */
function usagePeriod(q: { from?: string; to?: string }, deps: AppDeps, defaultMs = 24 * 3600_000) {
  const to = q.to ?? new Date(deps.clock.now()).toISOString();
  const from = q.from ?? new Date(Date.parse(to) - defaultMs).toISOString();
  if (Date.parse(from) > Date.parse(to)) throw new BadRequestError("from must be before to", "from");
  return { from, to };
}

const one = async function* (text: string) {
  yield text;
};

/** The api function's routes but `/v1/models`, which the OpenAI surface provides (functions/api.ts). */
export const adminHandlers: Omit<Handlers<"api">, "GET /v1/models"> = {
  "GET /health": async () => json(200, { status: "ok" }),
  "GET /openapi.json": async () => json(200, openApiDocument(), { "cache-control": "public, max-age=300" }),

  "POST /v1/keys": handlerFor(async (req, _p, deps) => {
    const body = parseBody(req, CreateKeyBody);
    if (body.webhookUrl) assertCallableUrl(body.webhookUrl, deps.config.allowPrivateUrls, "webhookUrl");
    assertBudgetFits(body);
    const { id, key } = newKeySecret();
    const now = new Date(deps.clock.now()).toISOString();
    const record: VirtualKey = {
      id,
      hash: hashKey(key),
      ...body,
      ...(body.webhookUrl ? { webhookSecret: newWebhookSecret() } : {}),
      ...(body.maxBudget ? { budgetSince: now } : {}),
      createdAt: now,
    };
    await deps.keys.create(record);
    return json(201, { ...publicKey(record), key, ...(record.webhookSecret ? { webhookSecret: record.webhookSecret } : {}) });
  }),

  "GET /v1/keys": handlerFor(async (_req, _p, deps) => json(200, { data: (await deps.keys.list()).map(publicKey) })),

  "GET /v1/keys/{id}": handlerFor(async (req, _p, deps) => {
    const key = await deps.keys.get(req.params.id!);
    if (!key) throw new NotFoundError(`Key "${req.params.id}" not found`);
    return json(200, { ...publicKey(key), spend: await keySpend(key, deps) });
  }),

  "PATCH /v1/keys/{id}": handlerFor(async (req, _p, deps) => {
    const patch = parseBody(req, PatchKeyBody);
    const current = await deps.keys.get(req.params.id!);
    if (!current) throw new NotFoundError(`Key "${req.params.id}" not found`);
    const merged: Record<string, unknown> = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete merged[field];
      else if (value !== undefined) merged[field] = value;
    }
    const key = merged as unknown as VirtualKey;
    assertBudgetFits(key);
    // A new budget, or a new length of period, starts counting now.
    const budgetChanged = key.maxBudget !== undefined && (current.maxBudget === undefined || key.budgetPeriod !== current.budgetPeriod);
    if (budgetChanged) key.budgetSince = new Date(deps.clock.now()).toISOString();
    if (key.maxBudget === undefined) delete key.budgetSince;
    await deps.keys.update(key);
    deps.auth.forget(key.id);
    return json(200, { ...publicKey(key), spend: await keySpend(key, deps) });
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
    const { from, to } = usagePeriod(q, deps);
    const counters = await deps.meter.counters({ ...hoursOf(from, to), ...(q.keyId ? { keyId: q.keyId } : {}), ...(q.agent ? { agent: q.agent } : {}) });
    return json(200, usageReport(counters, from, to));
  }),

  "GET /v1/usage/export": handlerFor(async (req, _p, deps) => {
    const q = parseValue(req.query, UsageExportQuery);
    // Invoices are monthly: the last 31 days unless said.
    const { from, to } = usagePeriod(q, deps, 31 * 24 * 3600_000);
    const counters = await deps.meter.counters({ ...hoursOf(from, to), ...(q.keyId ? { keyId: q.keyId } : {}), ...(q.agent ? { agent: q.agent } : {}) });
    const rows = exportRows(counters);
    const jsonl = q.format === "jsonl";
    const text = jsonl ? rows.map((r) => JSON.stringify(r) + "\n").join("") : toCsv(rows);
    const filename = `usage-${from.slice(0, 10)}-${to.slice(0, 10)}.${jsonl ? "jsonl" : "csv"}`;
    return { status: 200, headers: { "content-type": jsonl ? "application/jsonl" : "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"` }, stream: one(text) };
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
