/**
 * Each key's own context ids. A2A lets a client choose a context id (1.0 §3.4.1: agents "MAY
 * accept and preserve client-provided contextId values"), and contexts are where agents keep a
 * conversation's memory. So that a key choosing an id another key uses (or has seen) never joins
 * that conversation, and cannot even tell that the id is in use, a context id a key names but does
 * not hold goes to the agent sealed to the key: the agent sees `a2agw-ctx-…`, an id no other key
 * can make, and the key sees its own id again in everything the gateway sends it.
 *
 * Sealing is AES-256-GCM with a synthetic IV (an HMAC of key and id): the same key and id always
 * give the same agent-side id, and nothing needs storing. Contexts the agent made stay as they are.
 */
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { isStream, mapStream, type GatewayResponse } from "../http.ts";

const PREFIX = "a2agw-ctx-";
const SEALED = /a2agw-ctx-[A-Za-z0-9_-]{38,}/g; // 28 bytes (IV and tag) at the least

/** The sealing secrets, derived from the master key (so rotating it starts new conversations). */
export interface ContextSeal {
  key: Buffer;
  ivKey: Buffer;
}

const cache = new Map<string, ContextSeal>();

export function contextSeal(masterKey: string): ContextSeal {
  let seal = cache.get(masterKey);
  if (!seal) {
    seal = {
      key: createHmac("sha256", masterKey).update("context-namespace").digest(),
      ivKey: createHmac("sha256", masterKey).update("context-namespace-iv").digest(),
    };
    cache.set(masterKey, seal);
  }
  return seal;
}

/** The agent-side id of context `id` of key `owner`. */
export function sealContext(seal: ContextSeal, owner: string, id: string): string {
  const iv = createHmac("sha256", seal.ivKey).update(`${owner}\u0000${id}`).digest().subarray(0, 12);
  const cipher = createCipheriv("aes-256-gcm", seal.key, iv).setAAD(Buffer.from(owner));
  const sealed = Buffer.concat([cipher.update(id, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

/** The key's own id behind an agent-side id sealed to it; undefined for anything else. */
export function openContext(seal: ContextSeal, owner: string, sealedId: string): string | undefined {
  if (!sealedId.startsWith(PREFIX)) return undefined;
  const raw = Buffer.from(sealedId.slice(PREFIX.length), "base64url");
  if (raw.length < 28) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", seal.key, raw.subarray(0, 12)).setAAD(Buffer.from(owner));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

const reveal = (text: string, seal: ContextSeal, owner: string, escape: (id: string) => string) =>
  text.includes(PREFIX) ? text.replace(SEALED, (sealed) => { const id = openContext(seal, owner, sealed); return id === undefined ? sealed : escape(id); }) : text;

/** SSE frames (JSON in `data:` lines) with every id sealed to `owner` shown as the key's own. */
export const revealInFrame = (frame: string, seal: ContextSeal, owner: string): string =>
  reveal(frame, seal, owner, (id) => JSON.stringify(id).slice(1, -1));

/** A JSON value with every id sealed to `owner` shown as the key's own; untouched parts are shared, not copied. */
export function revealInValue<T>(value: T, seal: ContextSeal, owner: string): T {
  if (typeof value === "string") return reveal(value, seal, owner, (id) => id) as T;
  if (value === null || typeof value !== "object") return value;
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const out = revealInValue(v, seal, owner);
    if (out !== v) (copy ??= (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>)[k] = out;
  }
  return (copy ?? value) as T;
}

/** A response to key `owner` as it reads it: its own context ids wherever the agent's sealed ones were. */
export function revealInResponse(res: GatewayResponse, seal: ContextSeal, owner: string): GatewayResponse {
  if (isStream(res)) return { ...res, stream: mapStream(res.stream, (frame) => revealInFrame(frame, seal, owner)) };
  return res.body === undefined ? res : { ...res, body: revealInValue(res.body, seal, owner) };
}
