/** In-memory ports for unit tests of the core. Same contracts as the DynamoDB adapters. */
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Agent, AgentStore, KeyStore, TaskOwnership, TaskStore, VirtualKey } from "../ports.ts";

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
