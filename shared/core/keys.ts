/**
 * Virtual keys and who is calling. A key is `sk-<id>_<secret>`: the id finds the record in one
 * read, the SHA-256 of the whole key proves it. The master key is compared the same way.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ForbiddenError, NotFoundError, UnauthorizedError } from "../errors.ts";
import type { Clock, KeyStore, VirtualKey } from "../ports.ts";

export type Principal = { kind: "master" } | { kind: "key"; key: VirtualKey };

/** The owner recorded on tasks a principal creates. */
export const ownerOf = (p: Principal): string => (p.kind === "master" ? "master" : p.key.id);

export const mayUseAgent = (p: Principal, agent: string): boolean =>
  p.kind === "master" || p.key.agents === undefined || p.key.agents.includes(agent);

export function assertMayUseAgent(p: Principal, agent: string): void {
  if (!mayUseAgent(p, agent)) throw new ForbiddenError(`This key may not use agent "${agent}"`);
}

const KEY_PATTERN = /^sk-([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

export const hashKey = (key: string): string => createHash("sha256").update(key).digest("hex");

const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));

export function newKeySecret(): { id: string; key: string } {
  const id = randomBytes(8).toString("hex");
  return { id, key: `sk-${id}_${randomBytes(32).toString("base64url")}` };
}

export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString("base64")}`;

/** Reads the bearer token of a request's headers (lower-cased names). */
export function bearerToken(headers: Readonly<Record<string, string>>): string | undefined {
  const value = headers.authorization ?? headers["x-api-key"];
  if (!value) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1] : headers["x-api-key"] ? value.trim() : undefined;
}

/** What a route that needs a key answers a caller that sent none. */
export const missingKey = () => new UnauthorizedError("Missing API key: send Authorization: Bearer <key>");

/**
 * Authenticates callers, caching key records per container for `cacheTtlMs` so a warm call costs
 * no read; revocation therefore takes effect within that time (SPEC §3: 30 s at most).
 */
export class Authenticator {
  private readonly masterHash: string;
  private readonly cache = new Map<string, { key: VirtualKey | undefined; until: number }>();

  constructor(
    masterKey: string,
    private readonly keys: KeyStore,
    private readonly clock: Clock,
    private readonly cacheTtlMs: number,
  ) {
    this.masterHash = hashKey(masterKey);
  }

  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw missingKey();
    const hash = hashKey(token);
    if (sameHash(hash, this.masterHash)) return { kind: "master" };
    const id = KEY_PATTERN.exec(token)?.[1];
    const key = id ? await this.lookup(id) : undefined;
    if (!key || !sameHash(hash, key.hash)) throw new UnauthorizedError("Invalid API key");
    if (key.expiresAt && Date.parse(key.expiresAt) <= this.clock.now()) throw new UnauthorizedError("API key has expired");
    return { kind: "key", key };
  }

  /** Forgets a key at once (the local stack, or the container that revoked it). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  private async lookup(id: string): Promise<VirtualKey | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.key;
    const key = await this.keys.get(id);
    if (this.cacheTtlMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(id, { key, until: now + this.cacheTtlMs });
    }
    return key;
  }
}

export function assertKeyExists(key: VirtualKey | undefined, id: string): VirtualKey {
  if (!key) throw new NotFoundError(`Key "${id}" not found`);
  return key;
}
