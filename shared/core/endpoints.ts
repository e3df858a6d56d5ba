/**
 * Where and how to send an agent's calls. The registered URL is the one known to work from here;
 * the card says which binding to use and may add a path (that interface's endpoint) on the same origin. A card that advertises a
 * loopback or `0.0.0.0` address (seed 003: left over from development) keeps its path but never its
 * host: the registered origin wins, so such a card cannot break a call.
 */
import type { Agent } from "../ports.ts";
import type { A2AVersion } from "../protocol/methods.ts";
import { cardInterfaces } from "../protocol/translate.ts";

const UNROUTABLE_HOSTS = /^(0\.0\.0\.0|localhost|127\.\d+\.\d+\.\d+|\[::1?\]|\[::\])$/i;

/** The bindings the gateway calls agents in, both in 1.0 and 0.3 (no gRPC). */
export type Binding = "JSONRPC" | "HTTP+JSON";

/**
 * The interface to call for a version: the first the card lists for it in a binding the gateway
 * speaks (A2A 1.0 §8.3.1: interfaces come in the agent's order of preference; a 0.3 card's `url`
 * in its `preferredTransport` comes first), else any JSON-RPC one, else the card's `url` over JSON-RPC.
 */
export function cardInterface(card: Record<string, unknown>, version: A2AVersion): { binding: Binding; url: string | undefined } {
  const interfaces = cardInterfaces(card);
  const spoken = (i: Record<string, unknown>) => i.protocolBinding === "JSONRPC" || i.protocolBinding === "HTTP+JSON";
  const match =
    interfaces.find((i) => spoken(i) && String(i.protocolVersion ?? "").startsWith(version)) ?? interfaces.find((i) => i.protocolBinding === "JSONRPC");
  if (typeof match?.url === "string") return { binding: match.protocolBinding as Binding, url: match.url };
  return { binding: "JSONRPC", url: typeof card.url === "string" ? card.url : undefined };
}

export interface Endpoints {
  binding: Binding;
  urls: string[];
}

const cache = new WeakMap<Agent, Map<A2AVersion, Endpoints>>();

export function agentEndpoints(agent: Agent, version: A2AVersion): Endpoints {
  let byVersion = cache.get(agent);
  if (!byVersion) cache.set(agent, (byVersion = new Map()));
  let endpoints = byVersion.get(version);
  if (!endpoints) byVersion.set(version, (endpoints = resolveEndpoints(agent, version)));
  return endpoints;
}

function resolveEndpoints(agent: Agent, version: A2AVersion): Endpoints {
  const { binding, url } = cardInterface(agent.card, version);
  const advertised = safeUrl(url);
  const urls = agent.urls.map((registered) => {
    const r = new URL(registered);
    if (!advertised) return registered;
    if (advertised.origin === r.origin || UNROUTABLE_HOSTS.test(advertised.hostname)) {
      return r.origin + advertised.pathname + advertised.search;
    }
    return registered;
  });
  return { binding, urls };
}

function safeUrl(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
