/**
 * Page cursors of newest-first listings: the last item's time and key, base64url. A cursor only
 * says where the caller's own listing goes on (the store fixes whose listing it is), so a doctored
 * one can show nothing the caller could not list anyway.
 */
import { BadRequestError } from "../errors.ts";

export interface Position {
  createdAt: string;
  key: string;
}

export const encodeCursor = ({ createdAt, key }: Position): string => Buffer.from(JSON.stringify([createdAt, key])).toString("base64url");

export function decodeCursor(cursor: string): Position {
  try {
    const [createdAt, key] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof createdAt === "string" && typeof key === "string" && createdAt && key) return { createdAt, key };
  } catch {
    // reported below
  }
  throw new BadRequestError("Invalid cursor: pass the next_cursor of a previous page", "cursor");
}
