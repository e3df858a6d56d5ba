/**
 * DynamoDB tables: one `sst.aws.Dynamo` per entry of `tables` in ./schema.ts, so the cloud and
 * the local stack create the same key schemas.
 *
 * - `fields` lists only the key attributes, the indexes' included (DynamoDB rejects attribute
 *   definitions that no index uses); every key is a string.
 * - `ttl` turns on DynamoDB TTL for that attribute.
 * - Billing is on demand: SST's Dynamo (sst@4.17.1) always creates `billingMode:
 *   "PAY_PER_REQUEST"`, and also turns on point-in-time recovery
 *   (platform/src/components/aws/dynamo.ts).
 */
import { keyAttributes, tables as tableDefs, type TableDef, type TableName } from "./schema.ts";

/** `"usage"` → `"Usage"`: SST component names are PascalCase and must be unique in the app. */
export const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

export const tableNames = Object.keys(tableDefs) as TableName[];

function dynamoArgs(def: TableDef): sst.aws.DynamoArgs {
  const fields: Record<string, "string"> = {};
  for (const key of keyAttributes(def)) fields[key] = "string";
  return {
    fields,
    primaryIndex: def.rangeKey ? { hashKey: def.hashKey, rangeKey: def.rangeKey } : { hashKey: def.hashKey },
    ...(def.indexes ? { globalIndexes: def.indexes } : {}),
    ...(def.ttl ? { ttl: def.ttl } : {}),
  };
}

export const tables = Object.fromEntries(
  tableNames.map((name) => [name, new sst.aws.Dynamo(`${pascal(name)}Table`, dynamoArgs(tableDefs[name]))]),
) as Record<TableName, sst.aws.Dynamo>;
