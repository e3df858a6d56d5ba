/**
 * A small DynamoDB attribute codec for the plain JSON values the gateway stores. Objects that are
 * only ever read whole (cards, results) are kept as one JSON string attribute instead: one cheap
 * attribute to write and read, and no 400 KB nested-map surprises.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, AttributeValue>;

export function toAttr(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map((v) => toAttr(v) ?? { NULL: true }) };
  if (typeof value === "object") return { M: toItem(value as Record<string, unknown>) };
  throw new TypeError(`cannot store a ${typeof value}`);
}

export function fromAttr(attr: AttributeValue): unknown {
  if (attr.S !== undefined) return attr.S;
  if (attr.N !== undefined) return Number(attr.N);
  if (attr.BOOL !== undefined) return attr.BOOL;
  if (attr.NULL) return null;
  if (attr.L) return attr.L.map(fromAttr);
  if (attr.M) return fromItem(attr.M);
  if (attr.SS) return attr.SS;
  return undefined;
}

export function toItem(record: Record<string, unknown>): Item {
  const item: Item = {};
  for (const [k, v] of Object.entries(record)) {
    const attr = toAttr(v);
    if (attr) item[k] = attr;
  }
  return item;
}

export function fromItem(item: Item): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) record[k] = fromAttr(v);
  return record;
}

export const isConditionFailed = (e: unknown): boolean =>
  e instanceof Error && e.name === "ConditionalCheckFailedException";
