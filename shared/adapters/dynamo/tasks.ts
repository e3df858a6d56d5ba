/**
 * The tasks table. One item per agent task the gateway has seen: who owns it and, when the gateway
 * drives it to its end, the job (status, result, push targets). Key formats are named here only.
 */
import { BatchGetItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Job, JobPage, JobStore, OwnedRef, PushTarget, TaskStore } from "../../ports.ts";
import { parseAnyJobId } from "../../core/async/job-id.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { fromItem, isConditionFailed, names, toItem, type Item } from "./codec.ts";

/** Agents choose task ids, so the same id may exist at two agents: the key carries both. */
export const taskKey = (agent: string, taskId: string) => `task#${agent}#${taskId}`;
/** A context's owner has an item of its own; a task's owner lives on the task's item, next to its job. */
const ownedKey = (ref: OwnedRef) => (ref.kind === "task" ? taskKey(ref.agent, ref.id) : `context#${ref.agent}#${ref.id}`);

const JSON_FIELDS = ["result", "error", "push"] as const;

/** Every job's value of `listed`, the key of the `recent` index (infra/schema.ts). */
const LISTED = "job";
/** BatchGetItem reads at most this many items per call. */
const BATCH_GET_MAX = 100;

function toJobAttributes({ callbacks, ...job }: Job): Record<string, unknown> {
  const record: Record<string, unknown> = { ...job, listed: LISTED, cbAttempts: callbacks.attempts, cbDelivered: callbacks.delivered, cbLastStatus: callbacks.lastStatus };
  for (const f of JSON_FIELDS) record[f] = job[f] === undefined ? undefined : JSON.stringify(job[f]);
  return record;
}

function fromJobItem(item: Item): Job | undefined {
  const { pk: _pk, ttl: _ttl, listed: _listed, cbAttempts, cbDelivered, cbLastStatus, ...r } = fromItem(item);
  if (typeof r.kind !== "string") return undefined; // an ownership record only
  for (const f of JSON_FIELDS) if (typeof r[f] === "string") r[f] = JSON.parse(r[f] as string);
  const callbacks = { attempts: Number(cbAttempts ?? 0), delivered: Number(cbDelivered ?? 0), ...(typeof cbLastStatus === "number" ? { lastStatus: cbLastStatus } : {}) };
  return { ...r, callbacks } as unknown as Job;
}

export class DynamoTaskStore implements TaskStore, JobStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly ttlSeconds: number,
  ) {}

  private ttl() {
    return { N: String(Math.floor(Date.now() / 1000) + this.ttlSeconds) };
  }

  async claim(ref: OwnedRef, owner: string): Promise<string> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: ownedKey(ref) } },
          // An update, not a put: it may land after the job was recorded on the same item.
          UpdateExpression: "SET #owner = :owner, #ttl = if_not_exists(#ttl, :ttl)",
          // First writer wins; a repeat by the same owner is a no-op success.
          ConditionExpression: "attribute_not_exists(#pk) OR #owner = :owner",
          ExpressionAttributeNames: names("pk", "owner", "ttl"),
          ExpressionAttributeValues: { ":owner": { S: owner }, ":ttl": this.ttl() },
        }),
      );
      return owner;
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      return (await this.owner(ref)) ?? owner;
    }
  }

  async owner(ref: OwnedRef): Promise<string | undefined> {
    const out = await this.db.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: { S: ownedKey(ref) } },
        ProjectionExpression: "#owner",
        ExpressionAttributeNames: { "#owner": "owner" },
        // Claims are written off the request path: read what is there now, not a replica's view.
        ConsistentRead: true,
      }),
    );
    return out.Item?.owner?.S;
  }

  async create(job: Job): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...toItem(toJobAttributes(job)), pk: { S: taskKey(job.agent, job.taskId) }, ttl: this.ttl() },
          // Over the owner's own record of the task (its claim, or its previous turn), never
          // over another owner's.
          ConditionExpression: "attribute_not_exists(#pk) OR #owner = :owner",
          ExpressionAttributeNames: names("pk", "owner"),
          ExpressionAttributeValues: { ":owner": { S: job.owner } },
        }),
      );
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
    }
  }

  async get(id: string): Promise<Job | undefined> {
    const ref = parseAnyJobId(id);
    if (!ref) return undefined;
    const job = await this.byTask(ref.agent, ref.taskId);
    return job?.id === id ? job : undefined;
  }

  async byTask(agent: string, taskId: string): Promise<Job | undefined> {
    const out = await this.db.send(new GetItemCommand({ TableName: this.table, Key: { pk: { S: taskKey(agent, taskId) } }, ConsistentRead: true }));
    return out.Item ? fromJobItem(out.Item) : undefined;
  }

  async finish(id: string, end: Pick<Job, "status" | "result" | "error" | "polls">, at: string): Promise<boolean> {
    const ref = parseAnyJobId(id);
    if (!ref) return false;
    const values = toItem({
      ":status": end.status,
      ":result": end.result === undefined ? null : JSON.stringify(end.result),
      ":error": end.error === undefined ? null : JSON.stringify(end.error),
      ":polls": end.polls,
      ":at": at,
      ":queued": "queued",
      ":running": "in_progress",
      ":id": id,
    });
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: taskKey(ref.agent, ref.taskId) } },
          UpdateExpression: "SET #status = :status, #result = :result, #error = :error, #polls = :polls, #updatedAt = :at",
          // Exactly one end per job, however many pollers race to it (SPEC §6), and only while
          // the task's record still holds this turn.
          ConditionExpression: "#id = :id AND #status IN (:queued, :running)",
          ExpressionAttributeNames: names("id", "status", "result", "error", "polls", "updatedAt"),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  async setPush(id: string, push: PushTarget[]): Promise<void> {
    await this.update(id, "SET #push = :p", names("push"), { ":p": { S: JSON.stringify(push) } });
  }

  /** Atomic counters: one write, no read, however many deliveries run at once. */
  async recordCallback(id: string, delivered: boolean, status: number | undefined): Promise<void> {
    await this.update(
      id,
      `ADD #cbAttempts :one, #cbDelivered :delivered${status !== undefined ? " SET #cbLastStatus = :status" : ""}`,
      names("cbAttempts", "cbDelivered", ...(status !== undefined ? ["cbLastStatus"] : [])),
      { ":one": { N: "1" }, ":delivered": { N: delivered ? "1" : "0" }, ...(status !== undefined ? { ":status": { N: String(status) } } : {}) },
    );
  }

  /**
   * Newest first: a query on the index of the owner's jobs or of all of them (infra/schema.ts), for
   * the keys of one page, then the jobs themselves in one batch read.
   */
  async list(owner: string | undefined, limit: number, after?: string): Promise<JobPage> {
    const [partition, value] = owner ? ["owner", owner] : ["listed", LISTED];
    const from = after ? decodeCursor(after) : undefined;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: owner ? "byOwner" : "recent",
        KeyConditionExpression: "#partition = :value",
        ExpressionAttributeNames: { "#partition": partition },
        ExpressionAttributeValues: { ":value": { S: value } },
        ScanIndexForward: false,
        Limit: limit,
        ...(from ? { ExclusiveStartKey: { [partition]: { S: value }, createdAt: { S: from.createdAt }, pk: { S: from.key } } } : {}),
      }),
    );
    const keys = (out.Items ?? []).map((item) => item.pk!.S!);
    const items = await this.getMany(keys);
    const jobs = keys.flatMap((key) => {
      const item = items.get(key);
      const job = item && fromJobItem(item);
      return job ? [job] : []; // expired since the index was read
    });
    const last = out.LastEvaluatedKey;
    return { jobs, ...(last ? { next: encodeCursor({ createdAt: last.createdAt!.S!, key: last.pk!.S! }) } : {}) };
  }

  /** Items by key, in batches, until DynamoDB has returned every one it still has. */
  private async getMany(keys: string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    let pending = keys.map((pk) => ({ pk: { S: pk } }));
    while (pending.length > 0) {
      const batch = pending.slice(0, BATCH_GET_MAX);
      const out = await this.db.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: batch } } }));
      for (const item of out.Responses?.[this.table] ?? []) found.set(item.pk!.S!, item);
      pending = [...(out.UnprocessedKeys?.[this.table]?.Keys ?? []), ...pending.slice(BATCH_GET_MAX)] as typeof pending;
    }
    return found;
  }

  private async update(id: string, expression: string, attributeNames: Record<string, string>, values: Item): Promise<void> {
    const ref = parseAnyJobId(id);
    if (!ref) return;
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: { S: taskKey(ref.agent, ref.taskId) } },
        UpdateExpression: expression,
        // A later turn of the task has replaced this job: nothing of it is left to update.
        ConditionExpression: "#id = :id",
        ExpressionAttributeNames: { ...attributeNames, ...names("id") },
        ExpressionAttributeValues: { ...values, ":id": { S: id } },
      }),
    ).catch((e: unknown) => {
      if (!isConditionFailed(e)) throw e;
    });
  }
}
