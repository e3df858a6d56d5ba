/**
 * Agents send what they send: a field the protocol says is an array or an object may be anything.
 * These read such fields without trusting them, so a malformed reply is never a TypeError (a 500).
 */
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The objects of a field that should be an array of objects; anything else is none. */
export const objectsIn = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** The parts of a field that should be an array (parts are checked where they are read). */
export const itemsIn = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
