/**
 * Where to send an agent's JSON-RPC calls. The registered URL is the one known to work from here;
 * the card may add a path (its JSON-RPC endpoint) on the same origin. A card that advertises a
 * loopback or `0.0.0.0` address (seed 003: left over from development) keeps its path but never its
 * host: the registered origin wins, so such a card cannot break a call.
 */
import type { Agent } from "../ports.ts";
import type { A2AVersion } from "../protocol/methods.ts";

const UNROUTABLE_HOSTS = /^(0\.0\.0\.0|localhost|127\.\d+\.\d+\.\d+|\[::1?\]|\[::\])$/i;

export function cardJsonRpcUrl(card: Record<string, unknown>, version: A2AVersion): string | undefined {
  const interfaces = Array.isArray(card.supportedInterfaces) ? (card.supportedInterfaces as Record<string, unknown>[]) : [];
  const match =
    interfaces.find((i) => i.protocolBinding === "JSONRPC" && String(i.protocolVersion ?? "").startsWith(version)) ??
    interfaces.find((i) => i.protocolBinding === "JSONRPC");
  if (typeof match?.url === "string") return match.url;
  return typeof card.url === "string" ? card.url : undefined;
}

const cache = new WeakMap<Agent, Map<A2AVersion, string[]>>();

export function agentEndpoints(agent: Agent, version: A2AVersion): string[] {
  let byVersion = cache.get(agent);
  if (!byVersion) cache.set(agent, (byVersion = new Map()));
  let urls = byVersion.get(version);
  if (!urls) byVersion.set(version, (urls = resolveEndpoints(agent, version)));
  return urls;
}

function resolveEndpoints(agent: Agent, version: A2AVersion): string[] {
  const advertised = safeUrl(cardJsonRpcUrl(agent.card, version));
  return agent.urls.map((registered) => {
    const r = new URL(registered);
    if (!advertised) return registered;
    if (advertised.origin === r.origin || UNROUTABLE_HOSTS.test(advertised.hostname)) {
      return r.origin + advertised.pathname + advertised.search;
    }
    return registered;
  });
}

function safeUrl(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
