/**
 * Items to and from DynamoDB through the SDK's own marshalling (@aws-sdk/util-dynamodb): strings,
 * numbers, booleans, null, lists, maps, binary (Uint8Array) and sets. Objects that are only ever
 * read whole (cards, results) are kept as one JSON string attribute instead: one cheap attribute
 * to write and read, and no 400 KB nested-map surprises.
 *
 * Numbers: an integer beyond 2^53 is stored exactly when it is given as a bigint, and comes back
 * as a bigint; a JS number that large has already lost digits, so writing one is refused rather
 * than storing a wrong value.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";

export type Item = Record<string, AttributeValue>;

/** Undefined attributes are left out, as if never set. */
export const toItem = (record: Record<string, unknown>): Item => marshall(record, { removeUndefinedValues: true });

export const fromItem = (item: Item): Record<string, unknown> => unmarshall(item);

/**
 * `#name` for each attribute, for ExpressionAttributeNames: every expression names attributes
 * this way, so none can collide with one of DynamoDB's 573 reserved words (`agent`, `status`, …).
 */
export const names = (...attributes: string[]): Record<string, string> => Object.fromEntries(attributes.map((a) => [`#${a}`, a]));

export const isConditionFailed = (e: unknown): boolean =>
  e instanceof Error && e.name === "ConditionalCheckFailedException";
