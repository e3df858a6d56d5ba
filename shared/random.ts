/**
 * Random ids for traces, spans and responses, drawn from a pooled buffer: one call into the
 * system's CSPRNG per 4 KiB rather than one per id (Node pools `randomUUID` the same way). Not
 * for secrets: keys and webhook secrets take `randomBytes` of their own.
 */
import { randomFillSync } from "node:crypto";

const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;

export function randomId(bytes: number, encoding: "hex" | "base64url" = "hex"): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString(encoding, offset, offset + bytes);
  offset += bytes;
  return id;
}
