/**
 * Tenant isolation (SPEC §4), in one place: a task and a context belong to the key that created
 * them. Every field of a request that names one is checked here against the caller's key, and the
 * agent receives exactly what was checked: params are rebuilt from the fields each method has in
 * A2A 0.3 and 1.0, so nothing unchecked rides along (a `taskId` beside `id`, ProtoJSON's
 * `task_id` beside `taskId`, a caller's own `tenant` at the agent). Every surface comes through
 * here: A2A calls of both versions, the OpenAI bridges' continuations, ListTasks' context filter.
 */
import type { OwnedRef, TaskStore } from "../ports.ts";
import type { A2AVersion, Operation } from "../protocol/methods.ts";
import { ownerOf, type Principal } from "./keys.ts";
import { sealContext, type ContextSeal } from "./contexts.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { isObj, type Obj } from "./shape.ts";


/** The fields an object keeps: `true` keeps a value as it came (validated already), a shape rebuilds it. */
type Shape = { readonly [field: string]: true | Shape };

const PUSH_CONFIG = { url: true, id: true, token: true, authentication: true } as const;
const MESSAGE_10 = { messageId: true, role: true, parts: true, contextId: true, taskId: true, referenceTaskIds: true, extensions: true, metadata: true } as const;
const MESSAGE_03 = { kind: true, ...MESSAGE_10 } as const;

const SEND: Record<A2AVersion, Shape> = {
  "0.3": { message: MESSAGE_03, configuration: { acceptedOutputModes: true, blocking: true, historyLength: true, pushNotificationConfig: PUSH_CONFIG }, metadata: true },
  "1.0": { message: MESSAGE_10, configuration: { acceptedOutputModes: true, returnImmediately: true, historyLength: true, taskPushNotificationConfig: PUSH_CONFIG }, metadata: true },
};
const both = (shape: Shape): Record<A2AVersion, Shape> => ({ "0.3": shape, "1.0": shape });
const CONFIG_REF: Record<A2AVersion, Shape> = { "0.3": { id: true, pushNotificationConfigId: true, metadata: true }, "1.0": { taskId: true, id: true } };

/** What each method's params may hold (0.3 §7, 1.0 §9.4); a 1.0 `tenant` is the gateway's to set, not the caller's. */
const SHAPES: Record<Operation, Record<A2AVersion, Shape>> = {
  send: SEND,
  stream: SEND,
  getTask: { "0.3": { id: true, historyLength: true, metadata: true }, "1.0": { id: true, historyLength: true } },
  listTasks: both({ contextId: true, status: true, pageSize: true, pageToken: true, historyLength: true, statusTimestampAfter: true, includeArtifacts: true }),
  cancelTask: both({ id: true, metadata: true }),
  subscribe: { "0.3": { id: true, metadata: true }, "1.0": { id: true } },
  setPushConfig: { "0.3": { taskId: true, pushNotificationConfig: PUSH_CONFIG }, "1.0": { taskId: true, ...PUSH_CONFIG } },
  getPushConfig: CONFIG_REF,
  listPushConfigs: { "0.3": { id: true, metadata: true }, "1.0": { taskId: true, pageSize: true, pageToken: true } },
  deletePushConfig: CONFIG_REF,
  extendedCard: both({}),
};


function rebuild(value: unknown, shape: Shape): Obj {
  const source = isObj(value) ? value : {};
  const out: Obj = {};
  for (const [field, inner] of Object.entries(shape)) {
    const v = Object.hasOwn(source, field) ? source[field] : undefined;
    if (v !== undefined) out[field] = inner === true ? v : rebuild(v, inner);
  }
  return out;
}

/** A reference to a task or context, and the field of the params that holds it. */
export interface Reference {
  kind: OwnedRef["kind"];
  id: string;
  field: string;
}

/** Where a method names its task: the one field the agent acts on. */
function taskField(op: Operation, version: A2AVersion): string | undefined {
  switch (op) {
    case "getTask":
    case "cancelTask":
    case "subscribe":
      return "id";
    case "setPushConfig":
      return "taskId";
    case "getPushConfig":
    case "listPushConfigs":
    case "deletePushConfig":
      return version === "0.3" ? "id" : "taskId";
    default:
      return undefined;
  }
}

/** Every task and context the (rebuilt) params name: tasks first, so a refusal never depends on which one is looked at. */
function referencesOf(op: Operation, version: A2AVersion, params: Obj): Reference[] {
  if (op === "send" || op === "stream") {
    const message = params.message as Obj;
    const refs: Reference[] = [];
    if (typeof message.taskId === "string") refs.push({ kind: "task", id: message.taskId, field: "message.taskId" });
    (message.referenceTaskIds as string[] | undefined)?.forEach((id, i) => refs.push({ kind: "task", id, field: `message.referenceTaskIds[${i}]` }));
    if (typeof message.contextId === "string") refs.push({ kind: "context", id: message.contextId, field: "message.contextId" });
    return refs;
  }
  if (op === "listTasks") return typeof params.contextId === "string" ? [{ kind: "context", id: params.contextId, field: "contextId" }] : [];
  const field = taskField(op, version);
  return field && typeof params[field] === "string" ? [{ kind: "task", id: params[field] as string, field }] : [];
}

/**
 * An empty id names nothing: ProtoJSON writes an unset string as "" (a2a-js 1.0 messages carry
 * `taskId: ""`), so a message's empty ids are left out rather than checked or forwarded.
 */
function withoutEmptyIds(params: Obj): Obj {
  const message = params.message as Obj;
  const { taskId, contextId, referenceTaskIds, ...rest } = message;
  const refs = (referenceTaskIds as string[] | undefined)?.filter((id) => id !== "");
  return {
    ...params,
    message: { ...rest, ...(taskId ? { taskId } : {}), ...(contextId ? { contextId } : {}), ...(refs?.length ? { referenceTaskIds: refs } : {}) },
  };
}

/** How long a claim may still be on its way: it is written while the creating response goes out. */
export const CLAIM_GRACE_MS = 100;

/**
 * Whether `me` owns a task or context. A claim may still be on its way (a caller fast enough to
 * follow up within milliseconds), so anything that is not the caller's is looked at once more
 * after the grace: another key's and an unknown id take the same reads and the same wait, so a
 * refusal takes the same time whoever holds the id.
 */
async function owns(ref: OwnedRef, me: string, tasks: TaskStore): Promise<boolean> {
  if ((await tasks.owner(ref)) === me) return true;
  await sleep(CLAIM_GRACE_MS);
  return (await tasks.owner(ref)) === me;
}

export interface CallToAdmit {
  agent: string;
  principal: Principal;
  op: Operation;
  /** The version the params are in. */
  version: A2AVersion;
  /** Validated against the method's params schema of that version. */
  params: unknown;
}

/** The params the agent may receive, or the first reference the caller does not own. */
export type Admission = { params: Obj; refused?: Reference };

/**
 * Checks a call against the caller's key: the params rebuilt from the method's fields, every task
 * they name owned by the caller, and every context they name made the caller's (./contexts.ts:
 * one the key does not hold goes to the agent as the key's own, never as another key's). The
 * master key owns everything.
 */
export async function admit(call: CallToAdmit, tasks: TaskStore, seal: ContextSeal): Promise<Admission> {
  const rebuilt = rebuild(call.params, SHAPES[call.op][call.version]);
  const params = call.op === "send" || call.op === "stream" ? withoutEmptyIds(rebuilt) : rebuilt;
  if (call.principal.kind === "master") return { params };
  const me = ownerOf(call.principal);
  const refs = referencesOf(call.op, call.version, params);
  const resolved = await Promise.all(
    refs.map((r) => (r.kind === "task" ? owns({ agent: call.agent, kind: "task", id: r.id }, me, tasks) : contextFor(call.agent, r.id, me, tasks, seal))),
  );
  const refused = refs[resolved.indexOf(false)];
  if (refused) return { params, refused };
  refs.forEach((r, i) => r.kind === "context" && setContext(params, r.field, resolved[i] as string));
  return { params };
}

/**
 * The agent-side id of a context the caller names: its own as it is (one the agent made for it, or
 * one it opened, sealed), else sealed to the caller. Another key's context and an unknown one take
 * the same reads and the same wait, and both become the caller's own new context.
 */
async function contextFor(agent: string, id: string, me: string, tasks: TaskStore, seal: ContextSeal): Promise<string> {
  const sealed = sealContext(seal, me, id);
  const mine = async () => {
    const [plain, own] = await Promise.all([tasks.owner({ agent, kind: "context", id }), tasks.owner({ agent, kind: "context", id: sealed })]);
    return plain === me ? id : own === me ? sealed : undefined;
  };
  return (await mine()) ?? (await sleep(CLAIM_GRACE_MS), await mine()) ?? sealed;
}

function setContext(params: Obj, field: string, id: string): void {
  if (field === "message.contextId") (params.message as Obj).contextId = id;
  else params[field] = id;
}

/**
 * Records the caller as the owner of the task and context an agent's answer names, after the
 * response has gone out: the claims start on the next turn of the event loop, so even the CPU the
 * AWS SDK spends on them comes after the caller's bytes. A context another key holds stays theirs.
 */
export function recordOwnership(agent: string, named: { taskId?: string | undefined; contextId?: string | undefined }, principal: Principal, tasks: TaskStore): Promise<unknown> {
  const refs: OwnedRef[] = [];
  if (named.taskId) refs.push({ agent, kind: "task", id: named.taskId });
  if (named.contextId) refs.push({ agent, kind: "context", id: named.contextId });
  if (!refs.length) return Promise.resolve();
  return new Promise((resolve) => setImmediate(resolve)).then(() => Promise.all(refs.map((ref) => tasks.claim(ref, ownerOf(principal)))));
}
