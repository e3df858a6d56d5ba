/**
 * Agent records cached per container for a short time, so a warm proxied call costs no read.
 * Writes through this store invalidate at once; other containers see changes within the TTL.
 */
import type { Agent, AgentStore, Clock } from "../ports.ts";

export class CachedAgentStore implements AgentStore {
  private readonly cache = new Map<string, { agent: Agent | undefined; until: number }>();

  constructor(
    private readonly inner: AgentStore,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  async get(name: string): Promise<Agent | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(name);
    if (hit && hit.until > now) return hit.agent;
    const agent = await this.inner.get(name);
    // Only agents that exist are cached: one registered a moment ago is never hidden.
    if (agent && this.ttlMs > 0) this.cache.set(name, { agent, until: now + this.ttlMs });
    return agent;
  }

  list(): Promise<Agent[]> {
    return this.inner.list();
  }

  async create(agent: Agent): Promise<void> {
    await this.inner.create(agent);
    this.cache.delete(agent.name);
  }

  async update(agent: Agent): Promise<void> {
    await this.inner.update(agent);
    this.cache.delete(agent.name);
  }

  async delete(name: string): Promise<boolean> {
    this.cache.delete(name);
    return this.inner.delete(name);
  }
}
