/**
 * The card the gateway serves for an agent (SPEC §4): the agent's own card, with every URL pointing
 * at the gateway, so an SDK client that resolves it keeps talking through the gateway.
 * The gateway answers both A2A versions and both bindings on the same base URL, so the card says
 * so in both dialects: 1.0 `supportedInterfaces` (JSON-RPC and HTTP+JSON, each in 1.0 and 0.3) and
 * 0.3's `url`/`preferredTransport`/`protocolVersion` with its `additionalInterfaces` (which 0.3 §5.6
 * has repeat the main one). Nothing else: no gRPC, whose trailers a Lambda Function URL cannot
 * carry, and none of the agent's own endpoints.
 * It streams for every agent (building one-shot streams for agents that cannot), and honours push
 * configs for every agent (polling those that cannot push).
 */
import { createHash } from "node:crypto";
import type { AppDeps } from "../deps.ts";
import type { GatewayRequest } from "../http.ts";
import type { Agent } from "../ports.ts";
import { translateCard } from "../protocol/translate.ts";

/** The base URL callers reach the gateway at, for URLs it hands out. */
export function gatewayBaseUrl(req: GatewayRequest, deps: AppDeps): string {
  if (deps.config.publicUrl) return deps.config.publicUrl;
  const host = req.headers["x-forwarded-host"] ?? req.headers.host ?? "localhost";
  const proto = req.headers["x-forwarded-proto"] ?? "https";
  return `${proto}://${host}`;
}

export function gatewayCard(agent: Agent, url: string): Record<string, unknown> {
  const v10 = translateCard(agent.card, "1.0", url) as Record<string, unknown>;
  const v03 = translateCard(agent.card, "0.3", url) as Record<string, unknown>;
  const capabilities = { ...(v10.capabilities as object | undefined), streaming: true, pushNotifications: true };
  return {
    ...v03,
    ...v10,
    url,
    preferredTransport: "JSONRPC",
    protocolVersion: "0.3.0",
    additionalInterfaces: [
      { url, transport: "JSONRPC" },
      { url, transport: "HTTP+JSON" },
    ],
    capabilities,
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
      { url, protocolBinding: "HTTP+JSON", protocolVersion: "0.3" },
    ],
  };
}

/**
 * A strong entity tag for a served card (A2A 1.0 §8.6.1: "a hash of the card content"), taken
 * from the very JSON text the edge writes, so equal tags mean byte-equal cards (RFC 9110 §8.8.3).
 */
export function cardEtag(card: unknown): string {
  return `"${createHash("sha256").update(JSON.stringify(card)).digest("base64url").slice(0, 27)}"`;
}
