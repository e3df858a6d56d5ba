/**
 * Listings and items on DynamoDB Local, behind the real AWS SDK client: `/v1/usage` with and
 * without filters and `/v1/tasks` newest first past 1,000 jobs, all through queries on the
 * schema's indexes (a Scan fails the test), and the item codec's binary, sets and big numbers.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { tables } from "../../infra/schema.ts";
import { ensureTables, localAwsConfig } from "../../infra/local/emulators.ts";
import { bufferedHandler } from "../../functions/lib/http.ts";
import { adminHandlers } from "../../shared/routes/admin.ts";
import { DynamoTaskStore } from "../../shared/adapters/dynamo/tasks.ts";
import { DynamoMeter } from "../../shared/adapters/dynamo/meter.ts";
import { fromItem, toItem } from "../../shared/adapters/dynamo/codec.ts";
import { jobId } from "../../shared/core/async/job-id.ts";
import { hashKey, newKeySecret } from "../../shared/core/keys.ts";
import type { Job, MeteredCall } from "../../shared/ports.ts";
import { apiEvent, memoryDeps, ScriptedUpstream } from "../helpers/memory-deps.ts";

/** Enough jobs that a listing read as "the first 1,000 items, sorted" would miss the newest. */
const JOBS = 1_100;
const OWN_JOBS = 30;

let db: DynamoDBClient;
const prefix = `ls${randomBytes(4).toString("hex")}_`;
/** Every command the stores sent; a Scan is refused outright. */
const sent: string[] = [];

beforeAll(async () => {
  db = new DynamoDBClient(localAwsConfig(inject("dynamoEndpoint")));
  await ensureTables(db, { [`${prefix}tasks`]: tables.tasks, [`${prefix}meter`]: tables.meter, [`${prefix}codec`]: { hashKey: "pk" } });
  const send = db.send.bind(db) as (command: object) => Promise<unknown>;
  (db as { send: unknown }).send = (command: object) => {
    sent.push(command.constructor.name);
    if (command instanceof ScanCommand) return Promise.reject(new Error(`Scan on ${String(command.input.TableName)}: listings must query an index`));
    return send(command);
  };
}, 60_000);

afterAll(() => db?.destroy());

function setup() {
  const tasks = new DynamoTaskStore(db, `${prefix}tasks`, 3600);
  const deps = memoryDeps(new ScriptedUpstream(() => ({ kind: "json", status: 200, body: {} })), {
    tasks,
    jobs: tasks,
    meter: new DynamoMeter(db, `${prefix}meter`),
  });
  const api = bufferedHandler(adminHandlers, () => deps);
  const get = async (url: string, key?: string) => {
    const [path, query = ""] = url.split("?");
    const event = { ...apiEvent("GET", path!, undefined, key ? { authorization: `Bearer ${key}` } : {}), rawQueryString: query, queryStringParameters: Object.fromEntries(new URLSearchParams(query)) };
    const reply = (await api(event as never)) as { statusCode: number; body: string };
    return { status: reply.statusCode, body: JSON.parse(reply.body) };
  };
  return { deps, tasks, get };
}

const usage = (keyId: string, agent: string, at: string, status = 200): MeteredCall => ({
  requestId: randomBytes(6).toString("hex"),
  keyId,
  agent,
  at: Date.parse(at),
  outcome: status >= 400 ? "error" : "ok",
  latencyMs: 10,
  cost: 0n,
});

describe("GET /v1/usage on DynamoDB Local", () => {
  it("filters by agent (a reserved word in DynamoDB), by key, by both, or by neither, with queries only", async () => {
    // Prepare: calls over three days by two keys to two agents, in the last week (older ones
    // would have expired: DynamoDB Local deletes them as DynamoDB does).
    const { deps, get } = setup();
    const weekAgo = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 7 * 86_400_000;
    const day = (d: number, h: number) => new Date(weekAgo + (d - 1) * 86_400_000 + h * 3600_000).toISOString();
    await Promise.all(
      [
        usage("k1", "agent", day(1, 10)),
        usage("k1", "agent", day(2, 10), 502),
        usage("k1", "other", day(2, 11)),
        usage("k2", "agent", day(3, 9)),
        usage("k2", "other", day(3, 23)),
        usage("k2", "other", day(5, 1)), // after the range
      ].map((r) => deps.meter.record(r)),
    );
    const range = `from=${encodeURIComponent(day(1, 0))}&to=${encodeURIComponent(day(4, 0))}`;
    sent.length = 0;
    // Act
    const [byAgent, byKey, byBoth, all] = await Promise.all([
      get(`/v1/usage?agent=agent&${range}`),
      get(`/v1/usage?keyId=k1&${range}`),
      get(`/v1/usage?keyId=k2&agent=other&${range}`),
      get(`/v1/usage?${range}`),
    ]);
    // Assess
    const rows = (r: { body: { data: { keyId: string; agent: string; requests: number; errors: number }[] } }) =>
      r.body.data.map(({ keyId, agent, requests, errors }) => `${keyId}/${agent}: ${requests} (${errors} errors)`).sort();
    expect(byAgent.status).toBe(200);
    expect(rows(byAgent)).toEqual(["k1/agent: 2 (1 errors)", "k2/agent: 1 (0 errors)"]);
    expect(rows(byKey)).toEqual(["k1/agent: 2 (1 errors)", "k1/other: 1 (0 errors)"]);
    expect(rows(byBoth)).toEqual(["k2/other: 1 (0 errors)"]);
    expect(rows(all)).toEqual(["k1/agent: 2 (1 errors)", "k1/other: 1 (0 errors)", "k2/agent: 1 (0 errors)", "k2/other: 1 (0 errors)"]);
    expect(new Set(sent)).toEqual(new Set(["QueryCommand"]));
  });
});

describe("GET /v1/tasks on DynamoDB Local", () => {
  let jobs: Job[];
  let own: Job[];
  let key: string;
  let get: ReturnType<typeof setup>["get"];

  beforeAll(async () => {
    // Prepare: 1,100 jobs of the master key and 30 of a virtual key, a second apart, written in a shuffled order.
    const { deps, tasks, get: getter } = setup();
    get = getter;
    const secret = newKeySecret();
    key = secret.key;
    await deps.keys.create({ id: secret.id, hash: hashKey(secret.key), createdAt: new Date(0).toISOString() });
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const job = (i: number, owner: string): Job => ({
      id: jobId("chat.completion", "agent", `t${i}`),
      kind: "chat.completion",
      agent: "agent",
      taskId: `t${i}`,
      owner,
      status: "in_progress",
      polls: 0,
      push: [],
      callbacks: { attempts: 0, delivered: 0 },
      createdAt: at(i),
      updatedAt: at(i),
    });
    jobs = Array.from({ length: JOBS }, (_, i) => job(i, "master"));
    own = Array.from({ length: OWN_JOBS }, (_, i) => job(JOBS + i * 7, secret.id));
    const all = [...jobs, ...own].sort(() => Math.random() - 0.5);
    for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map((j) => tasks.create(j)));
  }, 120_000);

  it("lists the newest jobs first, and pages through all of them with the cursor, with queries only", async () => {
    sent.length = 0;
    // Act
    const first = await get("/v1/tasks?limit=5");
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`/v1/tasks?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.data.map((j: Job) => j.id));
      cursor = page.body.next_cursor;
      expect(page.body.has_more).toBe(cursor !== undefined);
    } while (cursor);
    // Assess
    const newestFirst = [...jobs, ...own].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((j) => j.id);
    expect(first.body.data.map((j: Job) => j.id)).toEqual(newestFirst.slice(0, 5));
    expect(ids).toEqual(newestFirst);
    expect(new Set(sent)).toEqual(new Set(["QueryCommand", "BatchGetItemCommand"]));
  });

  it("shows a virtual key its own jobs only, newest first, in pages", async () => {
    const first = await get("/v1/tasks?limit=20", key);
    const second = await get(`/v1/tasks?limit=20&cursor=${first.body.next_cursor}`, key);
    const ids = [...first.body.data, ...second.body.data].map((j: Job) => j.id);
    expect(ids).toEqual([...own].reverse().map((j) => j.id));
    expect(second.body.has_more).toBe(false);
  });

  it("answers a cursor that is not one with 400, naming the parameter", async () => {
    const reply = await get("/v1/tasks?cursor=bm90LWEtY3Vyc29y");
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain("Invalid cursor");
  });
});

describe("the item codec on DynamoDB Local", () => {
  it("round-trips binary, string and number sets, nested values and integers beyond 2^53 (as bigint)", async () => {
    // Prepare
    const value = {
      pk: "codec-1",
      bytes: new Uint8Array([0, 1, 254, 255]),
      tags: new Set(["a", "b"]),
      sizes: new Set([1, 2.5]),
      nested: { list: [1, "two", null, { three: true }] },
      big: 2n ** 64n + 1n,
      skipped: undefined,
    };
    // Act
    await db.send(new PutItemCommand({ TableName: `${prefix}codec`, Item: toItem(value) }));
    const { Item } = await db.send(new GetItemCommand({ TableName: `${prefix}codec`, Key: { pk: { S: "codec-1" } } }));
    // Assess
    const { skipped: _skipped, ...stored } = value;
    expect(fromItem(Item!)).toEqual(stored);
    expect(Item!.big).toEqual({ N: "18446744073709551617" });
  });

  it("refuses a JS number beyond 2^53, whose digits are already lost, rather than storing a wrong value", () => {
    expect(() => toItem({ n: 2 ** 53 + 2 })).toThrow(/MAX_SAFE_INTEGER/);
    expect(toItem({ n: Number.MAX_SAFE_INTEGER })).toEqual({ n: { N: "9007199254740991" } });
  });
});
