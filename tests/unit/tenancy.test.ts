/**
 * The tenancy rule (shared/core/tenancy.ts), over in-memory stores: params rebuilt from what each
 * method has, every task and context they name checked, and a refusal that does the same work
 * whether another key holds the id or nobody does.
 */
import { describe, expect, it } from "vitest";
import { MemoryTaskStore } from "../../shared/adapters/memory.ts";
import { admit, recordOwnership, type CallToAdmit } from "../../shared/core/tenancy.ts";
import { contextSeal, openContext, sealContext } from "../../shared/core/contexts.ts";
import { listOwnTasks } from "../../shared/core/task-list.ts";
import type { Principal } from "../../shared/core/keys.ts";
import type { OwnedRef } from "../../shared/ports.ts";
import { memoryDeps, ScriptedUpstream, v03Agent } from "../helpers/memory-deps.ts";

const key = (id: string): Principal => ({ kind: "key", key: { id, hash: "", createdAt: "" } });
const alice = key("alice");
const bob = key("bob");

/** A task store that remembers every read, to compare the work two refusals do. */
class CountingStore extends MemoryTaskStore {
  readonly reads: string[] = [];
  override async owner(ref: OwnedRef) {
    this.reads.push(`${ref.kind}:${ref.id}`);
    return super.owner(ref);
  }
}

async function storeWith(owned: [OwnedRef["kind"], string, string][]) {
  const store = new CountingStore();
  for (const [kind, id, owner] of owned) await store.claim({ agent: "a", kind, id }, owner);
  store.reads.length = 0;
  return store;
}

const SEAL = contextSeal("sk-master-test");
const message03 = (ids: Record<string, unknown> = {}) => ({ kind: "message", messageId: "m", role: "user", parts: [{ kind: "text", text: "hi" }], ...ids });
const call = (principal: Principal, op: CallToAdmit["op"], params: unknown, version: CallToAdmit["version"] = "0.3"): CallToAdmit => ({ agent: "a", principal, op, version, params });

describe("the agent receives exactly what was checked", () => {
  it("drops every field a method does not have: a second task id, ProtoJSON spellings, a caller's tenant", async () => {
    const store = await storeWith([["task", "t-bob", "bob"]]);
    const { params, refused } = await admit(call(bob, "getTask", { id: "t-bob", taskId: "t-alice", task_id: "t-alice", tenant: "alice", historyLength: 2 }, "1.0"), store, SEAL);
    expect(refused).toBeUndefined();
    expect(params).toEqual({ id: "t-bob", historyLength: 2 });
  });

  it("rebuilds a message: no unknown fields, no push config naming another task", async () => {
    const store = await storeWith([]);
    const { params } = await admit(
      call(bob, "send", {
        message: { ...message03(), messageId: "m", task_id: "t-alice", context_id: "c-alice", extra: 1 },
        configuration: { blocking: false, pushNotificationConfig: { url: "http://x/", taskId: "t-alice" } },
        tenant: "t",
        metadata: { note: "kept" },
      }),
      store,
      SEAL,
    );
    expect(params).toEqual({
      message: message03(),
      configuration: { blocking: false, pushNotificationConfig: { url: "http://x/" } },
      metadata: { note: "kept" },
    });
  });

  it("leaves out a message's empty ids (ProtoJSON's unset strings) rather than checking or forwarding them", async () => {
    const store = await storeWith([]);
    const { params, refused } = await admit(call(bob, "send", { message: message03({ taskId: "", contextId: "", referenceTaskIds: [""] }) }), store, SEAL);
    expect(refused).toBeUndefined();
    expect(params.message).toEqual(message03());
    expect(store.reads).toEqual([]);
  });

  it("checks the task field each push-config method names, in each version", async () => {
    const store = await storeWith([["task", "t-alice", "alice"]]);
    const cases: [CallToAdmit["op"], CallToAdmit["version"], unknown, string][] = [
      ["setPushConfig", "0.3", { taskId: "t-alice", pushNotificationConfig: { url: "http://x/" } }, "taskId"],
      ["getPushConfig", "0.3", { id: "t-alice", pushNotificationConfigId: "p" }, "id"],
      ["listPushConfigs", "0.3", { id: "t-alice" }, "id"],
      ["deletePushConfig", "0.3", { id: "t-alice", pushNotificationConfigId: "p" }, "id"],
      ["setPushConfig", "1.0", { taskId: "t-alice", url: "http://x/" }, "taskId"],
      ["getPushConfig", "1.0", { taskId: "t-alice", id: "p" }, "taskId"],
      ["listPushConfigs", "1.0", { taskId: "t-alice" }, "taskId"],
      ["deletePushConfig", "1.0", { taskId: "t-alice", id: "p" }, "taskId"],
    ];
    for (const [op, version, params, field] of cases) {
      expect((await admit(call(bob, op, params, version), store, SEAL)).refused, `${op} ${version}`).toEqual({ kind: "task", id: "t-alice", field });
      expect((await admit(call(alice, op, params, version), store, SEAL)).refused, `${op} ${version}`).toBeUndefined();
    }
  });
});

describe("every task and context a message names is the caller's", () => {
  it("sends another key's context and an unknown one as the caller's own (sealed to it), and its own as they are", async () => {
    const store = await storeWith([["context", "c-alice", "alice"], ["context", "c-bob", "bob"], ["context", sealContext(SEAL, "bob", "c-opened"), "bob"]]);
    const contextOf = async (principal: Principal, contextId: string) =>
      ((await admit(call(principal, "send", { message: message03({ contextId }) }), store, SEAL)).params.message as { contextId: string }).contextId;
    const [foreign, unknown, own, opened, hers] = await Promise.all([contextOf(bob, "c-alice"), contextOf(bob, "c-none"), contextOf(bob, "c-bob"), contextOf(bob, "c-opened"), contextOf(alice, "c-alice")]);
    // Another key's and an unknown one: Bob's own new context of that name, which only he can open.
    expect(foreign).toBe(sealContext(SEAL, "bob", "c-alice"));
    expect(unknown).toBe(sealContext(SEAL, "bob", "c-none"));
    expect(openContext(SEAL, "bob", foreign)).toBe("c-alice");
    expect(openContext(SEAL, "alice", foreign)).toBeUndefined();
    expect(foreign).not.toContain("c-alice");
    // His own, made by the agent or opened by him before; hers, for her.
    expect([own, opened, hers]).toEqual(["c-bob", sealContext(SEAL, "bob", "c-opened"), "c-alice"]);
  });

  it("checks referenced tasks too, and tasks before contexts whatever the order of the fields", async () => {
    const store = await storeWith([["task", "t-bob", "bob"], ["task", "t-alice", "alice"]]);
    const refs = await admit(call(bob, "send", { message: message03({ contextId: "c-none", referenceTaskIds: ["t-bob", "t-alice"], taskId: "t-bob" }) }), store, SEAL);
    expect(refs.refused).toEqual({ kind: "task", id: "t-alice", field: "message.referenceTaskIds[1]" });
  });

  it("lets the master key through without a read", async () => {
    const store = await storeWith([["task", "t-alice", "alice"]]);
    expect((await admit(call({ kind: "master" }, "getTask", { id: "t-alice" }), store, SEAL)).refused).toBeUndefined();
    expect(store.reads).toEqual([]);
  });
});

describe("a refusal costs the same whoever holds the id", () => {
  it("reads the store the same way, with the same wait, for another key's task and for an unknown one", async () => {
    // Prepare
    const store = await storeWith([["task", "t-alice", "alice"], ["context", "c-alice", "alice"]]);
    const timed = async (params: unknown) => {
      store.reads.length = 0;
      const started = performance.now();
      const { refused } = await admit(call(bob, "send", params), store, SEAL);
      return { refused: refused && { kind: refused.kind, field: refused.field }, reads: store.reads.map((r) => r.split(":")[0]), ms: performance.now() - started };
    };
    // Act
    const foreign = await timed({ message: message03({ taskId: "t-alice", contextId: "c-alice" }) });
    const unknown = await timed({ message: message03({ taskId: "t-none", contextId: "c-none" }) });
    // Assess: the same answer, the same reads in the same order, and both past the claim grace.
    expect(foreign.refused).toEqual(unknown.refused);
    expect(foreign.reads).toEqual(unknown.reads);
    expect(foreign.reads).toEqual(["task", "context", "context", "task", "context", "context"]);
    expect(Math.min(foreign.ms, unknown.ms)).toBeGreaterThanOrEqual(95);
  });

  it("finds a claim written just after the task was created (the grace the wait is for)", async () => {
    const store = await storeWith([]);
    setTimeout(() => void store.claim({ agent: "a", kind: "task", id: "t-new" }, "bob"), 20);
    expect((await admit(call(bob, "getTask", { id: "t-new" }), store, SEAL)).refused).toBeUndefined();
  });
});

describe("ownership records", () => {
  it("claims the task and the context an answer names, and leaves another key's context to it", async () => {
    const store = await storeWith([["context", "c-alice", "alice"]]);
    await recordOwnership("a", { taskId: "t-1", contextId: "c-1" }, bob, store);
    await recordOwnership("a", { contextId: "c-alice" }, bob, store);
    expect(await store.owner({ agent: "a", kind: "task", id: "t-1" })).toBe("bob");
    expect(await store.owner({ agent: "a", kind: "context", id: "c-1" })).toBe("bob");
    expect(await store.owner({ agent: "a", kind: "context", id: "c-alice" })).toBe("alice");
    // A task and a context of one id are two things.
    expect(await store.owner({ agent: "a", kind: "task", id: "c-1" })).toBeUndefined();
  });
});

describe("ListTasks", () => {
  /** An agent with tasks t0…t9, listed two to a page with its own token (an index in the clear). */
  function listingAgent() {
    const all = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, contextId: `c${i}`, status: { state: "TASK_STATE_COMPLETED", timestamp: `2020-01-0${i}T00:00:00Z` } }));
    return new ScriptedUpstream((_call, body) => {
      const from = Number(body.params.pageToken || 0);
      const next = from + 2 < all.length ? String(from + 2) : "";
      return { kind: "json", status: 200, body: { jsonrpc: "2.0", id: body.id, result: { tasks: all.slice(from, from + 2), nextPageToken: next, pageSize: 2, totalSize: all.length } } };
    });
  }
  const agent = v03Agent("a", { supportedInterfaces: [{ url: "http://127.0.0.1:9/", protocolBinding: "JSONRPC", protocolVersion: "1.0" }], protocolVersion: undefined, url: undefined });
  const listCall = (principal: Principal, params: Record<string, unknown>) => ({
    agent,
    principal,
    op: "listTasks" as const,
    callerVersion: "1.0" as const,
    params,
    trace: { traceId: "t", traceparent: "00-0-0-01" },
    waitUntil: () => {},
  });

  it("shows a key only its tasks, over the agent's pages, with a cursor that reveals nothing and opens for no other key", async () => {
    // Prepare: bob owns t1, t6 and t7; alice the rest.
    const deps = memoryDeps(listingAgent());
    for (let i = 0; i < 10; i++) await deps.tasks.claim({ agent: "a", kind: "task", id: `t${i}` }, [1, 6, 7].includes(i) ? "bob" : "alice");
    // Act
    const first = (await listOwnTasks(listCall(bob, { pageSize: 2 }), "1.0", deps)) as { tasks: { id: string }[]; nextPageToken: string };
    const second = (await listOwnTasks(listCall(bob, { pageSize: 2, pageToken: first.nextPageToken }), "1.0", deps)) as { tasks: { id: string }[]; nextPageToken: string };
    // Assess
    expect(first.tasks.map((t) => t.id)).toEqual(["t1", "t6"]);
    expect(second.tasks.map((t) => t.id)).toEqual(["t7"]);
    expect(second.nextPageToken).toBe("");
    // Sealed: noise, not the readable "<timestamp>|t6"-like cursor an agent would give (short fragments such as
    // "|" or "t6" turn up in random bytes by chance, so the test asks for no readable text instead).
    const bytes = Buffer.from(first.nextPageToken, "base64url");
    expect(bytes.toString("latin1")).not.toContain("alice");
    expect([...bytes].filter((b) => b >= 0x20 && b < 0x7f).length / bytes.length).toBeLessThan(0.8);
    await expect(listOwnTasks(listCall(alice, { pageSize: 2, pageToken: first.nextPageToken }), "1.0", deps)).rejects.toThrow(/Invalid pageToken/);
    await expect(listOwnTasks(listCall(bob, { pageToken: "dGltZXN0YW1wfHQz" }), "1.0", deps)).rejects.toThrow(/Invalid pageToken/);
  });

  it("lists only the key's own tasks for another key's context: the agent is asked about the key's own context of that name", async () => {
    const upstream = listingAgent();
    const deps = memoryDeps(upstream);
    await deps.tasks.claim({ agent: "a", kind: "context", id: "c1" }, "alice");
    await deps.tasks.claim({ agent: "a", kind: "task", id: "t1" }, "alice");
    const listed = (await listOwnTasks(listCall(bob, { contextId: "c1" }), "1.0", deps)) as { tasks: unknown[] };
    expect(listed.tasks).toEqual([]);
    expect(JSON.stringify(upstream.calls)).not.toContain('"c1"');
  });
});
