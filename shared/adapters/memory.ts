/** In-memory ports for unit tests of the core. Same contracts as the DynamoDB adapters. */
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Agent, AgentStore, KeyStore, RateLimiter, TaskOwnership, TaskStore, UsageRecord, UsageStore, VirtualKey } from "../ports.ts";

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryAgentStore implements AgentStore {
  readonly items = new Map<string, Agent>();
  async get(name: string) {
    const a = this.items.get(name);
    return a && clone(a);
  }
  async list() {
    return [...this.items.values()].map(clone).sort((a, b) => a.name.localeCompare(b.name));
  }
  async create(agent: Agent) {
    if (this.items.has(agent.name)) throw new ConflictError(`Agent "${agent.name}" already exists`);
    this.items.set(agent.name, clone(agent));
  }
  async update(agent: Agent) {
    if (!this.items.has(agent.name)) throw new NotFoundError(`Agent "${agent.name}" not found`);
    this.items.set(agent.name, clone(agent));
  }
  async delete(name: string) {
    return this.items.delete(name);
  }
}

export class MemoryKeyStore implements KeyStore {
  readonly items = new Map<string, VirtualKey>();
  async get(id: string) {
    const k = this.items.get(id);
    return k && clone(k);
  }
  async list() {
    return [...this.items.values()].map(clone);
  }
  async create(key: VirtualKey) {
    this.items.set(key.id, clone(key));
  }
  async delete(id: string) {
    return this.items.delete(id);
  }
}

export class MemoryTaskStore implements TaskStore {
  readonly owners = new Map<string, string>();
  async claim({ agent, taskId, owner }: TaskOwnership) {
    const k = `${agent}#${taskId}`;
    const held = this.owners.get(k);
    if (held) return held;
    this.owners.set(k, owner);
    return owner;
  }
  async owner(agent: string, taskId: string) {
    return this.owners.get(`${agent}#${taskId}`);
  }
}

export class MemoryUsageStore implements UsageStore {
  readonly records: UsageRecord[] = [];
  async record(r: UsageRecord) {
    this.records.push(r);
  }
  async query(q: { keyId?: string; agent?: string; from: string; to: string }) {
    return this.records.filter(
      (r) => (!q.keyId || r.keyId === q.keyId) && (!q.agent || r.agent === q.agent) && r.at >= q.from && r.at <= q.to,
    );
  }
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly counts = new Map<string, number>();
  async hit(keyId: string, now: number) {
    const k = `${keyId}#${Math.floor(now / 60_000)}`;
    const n = (this.counts.get(k) ?? 0) + 1;
    this.counts.set(k, n);
    return n;
  }
}
