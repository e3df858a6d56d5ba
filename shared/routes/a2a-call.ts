/**
 * What both A2A bindings of the surface (JSON-RPC in ./a2a.ts, HTTP+JSON in ./a2a-rest.ts) do
 * alike before they call the core: find the agent the key may use, read the body as JSON, and
 * build the call with the caller's service parameters.
 */
import type { AppDeps } from "../deps.ts";
import type { GatewayRequest, GatewayResponse } from "../http.ts";
import type { Agent } from "../ports.ts";
import type { A2AVersion, Operation } from "../protocol/methods.ts";
import { EXTENSIONS_HEADER, extensionsIn, type Extensions } from "../core/agent-rpc.ts";
import { requireAgent } from "../core/agents.ts";
import { assertMayUseAgent, type Principal } from "../core/keys.ts";
import type { A2ACall } from "../core/proxy.ts";

export async function agentFor(req: GatewayRequest, principal: Principal, deps: AppDeps) {
  const name = req.params.agent!;
  // Permission first, so a restricted key cannot probe which agents exist.
  assertMayUseAgent(principal, name);
  return requireAgent(name, deps.agents);
}

/**
 * A2A requests are `application/json` (A2A 1.0 §9.1) or, over HTTP+JSON, `application/a2a+json`
 * (§11.1): any `+json` type (RFC 6839) is JSON. A request without a Content-Type is read as
 * JSON, as the A2A SDKs' servers read it. Anything else, curl's default form encoding included, is
 * refused with a message that says what to send, rather than guessed at.
 */
export function isJsonContent(contentType: string | undefined): boolean {
  const essence = contentType?.split(";", 1)[0]!.trim().toLowerCase();
  return !essence || essence === "application/json" || /^application\/[^/\s]+\+json$/.test(essence);
}

/** The call a request makes of the core, whatever its binding, and how its response carries back the agent's extensions. */
export function a2aCallOf(req: GatewayRequest, principal: Principal, agent: Agent, op: Operation, version: A2AVersion, params: Record<string, unknown>) {
  const requested = extensionsIn(req.headers);
  const extensions: Extensions = requested ? { requested } : {};
  const a2aCall: A2ACall = {
    agent,
    principal,
    op,
    callerVersion: version,
    params,
    trace: req.trace,
    waitUntil: req.waitUntil,
    ...(req.signal ? { signal: req.signal } : {}),
    extensions,
  };
  // The agent's answer to the extensions asked for goes back under the caller's version's name.
  const withExtensions = (res: GatewayResponse): GatewayResponse =>
    extensions.activated ? { ...res, headers: { ...res.headers, [EXTENSIONS_HEADER[version]]: extensions.activated } } : res;
  return { a2aCall, withExtensions };
}
