/** In-memory deps for unit tests of the core: no network, no emulators. */
import type { AppDeps } from "../../shared/deps.ts";
import { MemoryAgentStore, MemoryKeyStore, MemoryQueue, MemoryRateLimiter, MemoryTaskStore, MemoryMeter } from "../../shared/adapters/memory.ts";
import type { CallbackMessage, PollMessage } from "../../shared/core/async/messages.ts";
import type { Agent, AgentCall, AgentReply, Upstream } from "../../shared/ports.ts";
import { Authenticator } from "../../shared/core/keys.ts";
import { UpstreamError } from "../../shared/errors.ts";
import { silentLogger } from "../../shared/log.ts";
import { apiEvent as baseEvent } from "./events.ts";

export const MASTER = "sk-master-unit";

/** An upstream that answers from a function and remembers what it was asked. */
export class ScriptedUpstream implements Upstream {
  readonly calls: AgentCall[] = [];
  constructor(private readonly answer: (call: AgentCall, body: any) => AgentReply | Promise<AgentReply>) {}
  async post(call: AgentCall): Promise<AgentReply> {
    this.calls.push(call);
    return this.answer(call, JSON.parse(call.body!));
  }
  async get(): Promise<{ status: number; body: unknown }> {
    return { status: 404, body: undefined };
  }
}

export type MemoryDeps = AppDeps & {
  agents: MemoryAgentStore;
  jobs: MemoryTaskStore;
  pollQueue: MemoryQueue<PollMessage>;
  callbackQueue: MemoryQueue<CallbackMessage>;
};

export function memoryDeps(upstream: Upstream, overrides: Partial<AppDeps> = {}): MemoryDeps {
  const keys = new MemoryKeyStore();
  const clock = { now: () => Date.now() };
  const tasks = new MemoryTaskStore();
  return {
    config: { masterKey: MASTER, syncBudgetMs: 2_000, taskTtlSeconds: 3600, allowPrivateUrls: true, cacheTtlMs: 0, keepAliveMs: 10_000, maxStreamMs: 600_000 },
    agents: new MemoryAgentStore(),
    keys,
    tasks,
    jobs: tasks,
    pollQueue: new MemoryQueue<PollMessage>(),
    callbackQueue: new MemoryQueue<CallbackMessage>(),
    meter: new MemoryMeter(),
    limiter: new MemoryRateLimiter(),
    upstream,
    auth: new Authenticator(MASTER, keys, clock, 0),
    clock,
    log: silentLogger,
    ...overrides,
  } as MemoryDeps;
}

export const v03Agent = (name: string, card: Record<string, unknown> = {}): Agent => ({
  name,
  urls: ["http://127.0.0.1:9/"],
  headers: {},
  card: { name, url: "http://127.0.0.1:9/", protocolVersion: "0.3.0", capabilities: {}, ...card },
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
});

/** An API Gateway v2 event with the master key, as API Gateway or a Function URL would send it. */
export const apiEvent = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  baseEvent(method, path, body, { authorization: `Bearer ${MASTER}`, ...headers });

/** An agent's 0.3 answer with a task, working or completed with one text artifact. */
export function taskReply(rpcId: unknown, taskId: string, done: boolean, text = "finished"): AgentReply {
  return {
    kind: "json",
    status: 200,
    body: {
      jsonrpc: "2.0",
      id: rpcId,
      result: {
        kind: "task",
        id: taskId,
        contextId: "ctx",
        status: { state: done ? "completed" : "working" },
        ...(done ? { artifacts: [{ artifactId: "a", parts: [{ kind: "text", text }] }] } : {}),
      },
    },
  };
}

/** A 1.0 agent (its card lists one 1.0 JSON-RPC interface). */
export const v10Agent = (name: string, capabilities: Record<string, unknown> = {}): Agent => ({
  ...v03Agent(name),
  card: { name, capabilities, supportedInterfaces: [{ url: "http://127.0.0.1:9/", protocolBinding: "JSONRPC", protocolVersion: "1.0" }] },
});

/** An agent's one JSON-RPC answer. */
export const rpcReply = (rpcId: unknown, answer: { result: unknown } | { error: { code: number; message: string; data?: unknown } }): AgentReply => ({
  kind: "json",
  status: 200,
  body: { jsonrpc: "2.0", id: rpcId, ...answer },
});

/**
 * An agent's event stream: each answer a JSON-RPC response on it, then its end; or, `open`, no end
 * until the gateway closes it (then it is cut off, as a real one is).
 */
export function sseReply(rpcId: unknown, answers: ({ result: unknown } | { error: { code: number; message: string; data?: unknown } })[], { open = false } = {}): AgentReply {
  let close!: () => void;
  const closed = new Promise<void>((resolve) => (close = resolve));
  async function* events() {
    for (const answer of answers) yield { jsonrpc: "2.0", id: rpcId, ...answer };
    if (!open) return;
    await closed;
    throw new UpstreamError("Agent stream was cut off", "unreachable");
  }
  return { kind: "sse", status: 200, events: events(), close };
}
