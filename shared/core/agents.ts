/** The agent registry (SPEC §3): register, read, change and remove agents, fetching cards. */
import { BadRequestError, NotFoundError, UpstreamError } from "../errors.ts";
import type { Agent, AgentStore, Clock, Upstream } from "../ports.ts";
import { AgentName, type AgentRegistration, type PatchAgentBody } from "../protocol/admin.ts";
import { assertCallableUrl } from "./url-guard.ts";
import { cardVersion } from "../protocol/translate.ts";
import { gatewayCard } from "./cards.ts";

export interface RegistryDeps {
  agents: AgentStore;
  upstream: Upstream;
  clock: Clock;
  allowPrivateUrls: boolean;
}

const CARD_TIMEOUT_MS = 5_000;
/** A DynamoDB item holds 400 KB; an agent's card must leave room for the rest of its record. */
export const MAX_CARD_BYTES = 256 * 1024;

function assertCardFits(card: Record<string, unknown>): void {
  const bytes = Buffer.byteLength(JSON.stringify(card));
  if (bytes > MAX_CARD_BYTES) throw new BadRequestError(`The agent card is ${bytes} bytes; at most ${MAX_CARD_BYTES} are stored`, "card");
}
const PROBE_TIMEOUT_MS = 3_000;

/** Is the agent up? Its own card, fetched now from where the gateway calls it. */
export async function probeAgent(agent: Agent, upstream: Upstream, clock: Clock) {
  const started = clock.now();
  try {
    await fetchCard(agent.urls[0]!, agent.headers, upstream, PROBE_TIMEOUT_MS);
    return { name: agent.name, reachable: true, latencyMs: clock.now() - started };
  } catch (e) {
    return { name: agent.name, reachable: false, latencyMs: clock.now() - started, error: e instanceof Error ? e.message : "unknown error" };
  }
}

export async function registerAgent(reg: AgentRegistration, deps: RegistryDeps): Promise<Agent> {
  const urls = reg.urls.map((u, i) => assertCallableUrl(u, deps.allowPrivateUrls, i === 0 ? "url" : `urls[${i}]`).href);
  const card = reg.card ?? (await fetchCard(urls[0]!, reg.headers, deps.upstream));
  if (typeof card.name !== "string") throw new BadRequestError("card.name is required", "card");
  assertCardFits(card);
  const now = new Date(deps.clock.now()).toISOString();
  const agent: Agent = {
    name: reg.name,
    urls,
    headers: reg.headers,
    card,
    ...(reg.description !== undefined ? { description: reg.description } : {}),
    ...(reg.publicCard ? { publicCard: true } : {}),
    ...(reg.pricing && Object.keys(reg.pricing).length ? { pricing: reg.pricing } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await deps.agents.create(agent);
  return agent;
}

export async function updateAgent(name: string, patch: PatchAgentBody, deps: RegistryDeps): Promise<Agent> {
  const current = await requireAgent(name, deps.agents);
  const newUrls = patch.url || patch.urls ? [...new Set([patch.url ?? current.urls[0]!, ...(patch.urls ?? [])])] : undefined;
  const urls = newUrls?.map((u, i) => assertCallableUrl(u, deps.allowPrivateUrls, i === 0 ? "url" : `urls[${i}]`).href);
  const headers = patch.headers ?? current.headers;
  // A new location without a new card means the card may have changed too.
  const card = patch.card ?? (urls ? await fetchCard(urls[0]!, headers, deps.upstream) : current.card);
  assertCardFits(card);
  const { pricing: _old, ...rest } = current;
  const pricing = patch.pricing === undefined ? current.pricing : patch.pricing && Object.keys(patch.pricing).length ? patch.pricing : undefined;
  const agent: Agent = {
    ...rest,
    ...(pricing ? { pricing } : {}),
    urls: urls ?? current.urls,
    headers,
    card,
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.publicCard !== undefined ? { publicCard: patch.publicCard } : {}),
    updatedAt: new Date(deps.clock.now()).toISOString(),
  };
  await deps.agents.update(agent);
  return agent;
}

/** An agent by name. A name no agent can have is not looked up: it names nothing, and may not even fit a key. */
export async function findAgent(name: string, agents: AgentStore): Promise<Agent | undefined> {
  return AgentName.safeParse(name).success ? agents.get(name) : undefined;
}

export async function requireAgent(name: string, agents: AgentStore): Promise<Agent> {
  const agent = await findAgent(name, agents);
  if (!agent) throw new NotFoundError(`Agent "${name}" not found`);
  return agent;
}

/**
 * Fetches `<url>/.well-known/agent-card.json`, then the older `agent.json` (A2A spec §5.3), first
 * under the agent's URL and then at its origin.
 */
export async function fetchCard(url: string, headers: Record<string, string>, upstream: Upstream, timeoutMs = CARD_TIMEOUT_MS): Promise<Record<string, unknown>> {
  const base = url.endsWith("/") ? url : url + "/";
  const candidates = [
    new URL(".well-known/agent-card.json", base).href,
    new URL(".well-known/agent.json", base).href,
    new URL("/.well-known/agent-card.json", base).href,
    new URL("/.well-known/agent.json", base).href,
  ];
  let reason = "no card found";
  for (const candidate of [...new Set(candidates)]) {
    try {
      const { status, body } = await upstream.get(candidate, headers, timeoutMs);
      if (status === 200 && isCard(body)) return body;
      reason = status === 200 ? "the card is not a JSON object with a name" : `HTTP ${status}`;
    } catch (e) {
      reason = e instanceof UpstreamError ? e.message : "request failed";
      if (e instanceof UpstreamError && e.failure === "unreachable") break;
    }
  }
  throw new BadRequestError(`Could not fetch the agent card from ${base}: ${reason}. Pass "card" to register without fetching.`, "url");
}

const isCard = (body: unknown): body is Record<string, unknown> =>
  typeof body === "object" && body !== null && !Array.isArray(body) && typeof (body as { name?: unknown }).name === "string";

/**
 * An agent as a virtual key sees it: the gateway's view, the card the gateway serves, at the
 * gateway's URL. Never the agent's own URLs, headers or card: a key that knew them could go around
 * the gateway, its rate limits and its tenancy.
 */
export function gatewayAgent(agent: Agent, gatewayUrl: string) {
  const card = gatewayCard(agent, gatewayUrl);
  return {
    name: agent.name,
    url: gatewayUrl,
    urls: [gatewayUrl],
    description: agent.description ?? (typeof card.description === "string" ? card.description : undefined),
    protocolVersions: cardVersion(card).versions,
    capabilities: card.capabilities,
    publicCard: agent.publicCard === true,
    pricing: agent.pricing ?? {},
    card,
    createdAt: agent.createdAt,
    updatedAt: agent.updatedAt,
  };
}

/** An agent as the master key sees it: header values redacted, capabilities at a glance. */
export function publicAgent(agent: Agent) {
  const capabilities = (agent.card.capabilities ?? {}) as { streaming?: boolean; pushNotifications?: boolean };
  return {
    name: agent.name,
    url: agent.urls[0],
    urls: agent.urls,
    description: agent.description ?? (typeof agent.card.description === "string" ? agent.card.description : undefined),
    headers: Object.fromEntries(Object.keys(agent.headers).map((k) => [k, "[redacted]"])),
    protocolVersions: cardVersion(agent.card).versions,
    capabilities: { streaming: capabilities.streaming === true, pushNotifications: capabilities.pushNotifications === true },
    publicCard: agent.publicCard === true,
    pricing: agent.pricing ?? {},
    card: agent.card,
    createdAt: agent.createdAt,
    updatedAt: agent.updatedAt,
  };
}
