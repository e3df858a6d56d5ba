/** In-memory ports for unit tests of the core. Same contracts as the DynamoDB adapters. */
import { ConflictError, NotFoundError } from "../errors.ts";
import { isFinished, type Agent, type AgentStore, type Job, type JobStore, type KeyStore, type PushTarget, type Queue, type RateLimiter, type OwnedRef, type TaskStore, type Meter, type MeteredCall, type UsageCounter, type VirtualKey } from "../ports.ts";
import { parseAnyJobId } from "../core/async/job-id.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { hourOf, LATENCY_BOUNDS_MS, latencyBucket } from "../core/metering.ts";

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
  async update(key: VirtualKey) {
    if (!this.items.has(key.id)) throw new NotFoundError(`Key "${key.id}" not found`);
    this.items.set(key.id, clone(key));
  }
  async delete(id: string) {
    return this.items.delete(id);
  }
}

export class MemoryTaskStore implements TaskStore, JobStore {
  readonly owners = new Map<string, string>();
  readonly jobs = new Map<string, Job>();
  private k = (agent: string, taskId: string) => `${agent}#${taskId}`;
  /** A task shares its owner entry with its job; a context has its own. */
  private refKey = (ref: OwnedRef) => (ref.kind === "task" ? this.k(ref.agent, ref.id) : `#context#${ref.agent}#${ref.id}`);

  async claim(ref: OwnedRef, owner: string) {
    const held = this.owners.get(this.refKey(ref));
    if (held) return held;
    this.owners.set(this.refKey(ref), owner);
    return owner;
  }
  async owner(ref: OwnedRef) {
    return this.owners.get(this.refKey(ref));
  }
  async create(job: Job) {
    const k = this.k(job.agent, job.taskId);
    const held = this.owners.get(k);
    // A new turn replaces the owner's previous one; another owner's task is never touched.
    if (held && held !== job.owner) return;
    this.owners.set(k, job.owner);
    this.jobs.set(k, clone(job));
  }
  async get(id: string) {
    const ref = parseAnyJobId(id);
    const job = ref && this.jobs.get(this.k(ref.agent, ref.taskId));
    return job?.id === id ? clone(job) : undefined;
  }
  async byTask(agent: string, taskId: string) {
    const job = this.jobs.get(this.k(agent, taskId));
    return job && clone(job);
  }
  async finish(id: string, end: Pick<Job, "status" | "result" | "error" | "polls">, at: string) {
    const job = await this.live(id);
    if (!job || isFinished(job.status)) return false;
    Object.assign(job, end, { updatedAt: at });
    return true;
  }
  async setPush(id: string, push: PushTarget[]) {
    const job = await this.live(id);
    if (job) job.push = clone(push);
  }
  async recordCallback(id: string, delivered: boolean, status: number | undefined) {
    const job = await this.live(id);
    if (!job) return;
    job.callbacks = { attempts: job.callbacks.attempts + 1, delivered: job.callbacks.delivered + (delivered ? 1 : 0), ...(status !== undefined ? { lastStatus: status } : {}) };
  }
  async list(owner: string | undefined, limit: number, after?: string) {
    const from = after ? decodeCursor(after) : undefined;
    const newestFirst = [...this.jobs.entries()]
      .filter(([, j]) => !owner || j.owner === owner)
      .sort(([ka, a], [kb, b]) => b.createdAt.localeCompare(a.createdAt) || kb.localeCompare(ka));
    const start = from ? newestFirst.findIndex(([k, j]) => j.createdAt < from.createdAt || (j.createdAt === from.createdAt && k < from.key)) : 0;
    const page = start < 0 ? [] : newestFirst.slice(start, start + limit);
    const last = page.at(-1);
    const more = start >= 0 && start + limit < newestFirst.length;
    return { jobs: page.map(([, j]) => clone(j)), ...(more && last ? { next: encodeCursor({ createdAt: last[1].createdAt, key: last[0] }) } : {}) };
  }
  private async live(id: string) {
    const ref = parseAnyJobId(id);
    const job = ref && this.jobs.get(this.k(ref.agent, ref.taskId));
    return job?.id === id ? job : undefined;
  }
}

/** A queue that keeps what was sent, with its delay, for tests to deliver by hand. */
export class MemoryQueue<T> implements Queue<T> {
  readonly sent: { body: T; delaySeconds: number }[] = [];
  async send(body: T, delaySeconds = 0) {
    this.sent.push({ body: clone(body), delaySeconds });
  }
}

export class MemoryMeter implements Meter {
  readonly counted = new Set<string>();
  readonly items = new Map<string, UsageCounter>();
  readonly budgets = new Map<string, { spent: bigint; soft?: boolean }>();
  async record(call: MeteredCall) {
    if (this.counted.has(call.requestId)) return false;
    this.counted.add(call.requestId);
    const hour = hourOf(call.at);
    const k = `${call.keyId}#${hour}#${call.agent ?? ""}`;
    const c = this.items.get(k) ?? { keyId: call.keyId, ...(call.agent ? { agent: call.agent } : {}), hour, requests: 0, errors: 0, clientClosed: 0, spend: 0n, latency: LATENCY_BOUNDS_MS.map(() => 0) };
    c.spend += call.cost;
    if (!call.taskEnd) {
      c.requests++;
      if (call.outcome === "error") c.errors++;
      if (call.outcome === "client_closed") c.clientClosed++;
      c.latency[latencyBucket(call.latencyMs)]!++;
    }
    this.items.set(k, c);
    if (call.budget) await this.adjust(call.keyId, call.budget.period, call.budget.delta);
    return true;
  }
  async isCounted(requestId: string) {
    return this.counted.has(requestId);
  }
  async counters(q: { keyId?: string; agent?: string; fromHour: string; toHour: string }) {
    return [...this.items.values()]
      .filter((c) => (!q.keyId || c.keyId === q.keyId) && (!q.agent || c.agent === q.agent) && c.hour >= q.fromHour && c.hour <= q.toHour)
      .map((c) => ({ ...c, latency: [...c.latency] }));
  }
  private budget(keyId: string, period: string) {
    const k = `${keyId}#${period}`;
    const b = this.budgets.get(k) ?? { spent: 0n };
    this.budgets.set(k, b);
    return b;
  }
  async reserve(keyId: string, period: string, amount: bigint, limit: bigint) {
    const b = this.budget(keyId, period);
    const ok = amount > 0n ? b.spent + amount <= limit : b.spent < limit;
    if (ok) b.spent += amount;
    return { ok, spent: b.spent };
  }
  async adjust(keyId: string, period: string, delta: bigint) {
    this.budget(keyId, period).spent += delta;
  }
  async spent(keyId: string, period: string) {
    return this.budget(keyId, period).spent;
  }
  async softBudgetAnnounced(keyId: string, period: string) {
    const b = this.budget(keyId, period);
    return { spent: b.spent, announced: b.soft === true };
  }
  async markSoftBudgetAnnounced(keyId: string, period: string) {
    this.budget(keyId, period).soft = true;
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
