/**
 * ListTasks (A2A 1.0 §3.1.4) for a key: only its own tasks, "scoped to the caller's authorized
 * access boundaries" (§13), paged with the gateway's own cursor. An agent lists every task it
 * has; the gateway reads its pages, keeps the caller's tasks, and hands back a sealed cursor that
 * only this key can open and that shows nothing of the agent's own tokens, ids or timestamps.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { AppDeps } from "../deps.ts";
import { RpcCode, RpcError } from "../protocol/jsonrpc.ts";
import { callAgent, resultOf } from "./agent-rpc.ts";
import { ownerOf } from "./keys.ts";
import { contextSeal } from "./contexts.ts";
import { admit } from "./tenancy.ts";
import type { A2AVersion } from "../protocol/methods.ts";
import type { A2ACall } from "./proxy.ts";
import type { Obj } from "./shape.ts";


/** Where the next page starts: the agent's page token, and how many of that page's tasks were read. */
interface Cursor {
  token: string;
  skip: number;
}

/** §3.1.4: 50 when unset, at most 100. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;
/** Agent pages read per call at most, when other keys' tasks crowd the caller's out. */
const AGENT_PAGES_PER_CALL = 4;

const invalidToken = () => new RpcError(RpcCode.InvalidParams, "Invalid pageToken: pass the nextPageToken of this key's previous ListTasks");

/** `version`: the one the agent speaks (ListTasks is 1.0's: a 0.3 agent answers it as unsupported). */
export async function listOwnTasks(call: A2ACall, version: A2AVersion, deps: AppDeps): Promise<unknown> {
  // Its context filter becomes the caller's own context (./contexts.ts): another key's lists nothing of theirs.
  const { params } = await admit({ agent: call.agent.name, principal: call.principal, op: "listTasks", version: call.callerVersion, params: call.params }, deps.tasks, contextSeal(deps.config.masterKey));
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(params.pageSize ?? DEFAULT_PAGE_SIZE)));
  const page = (tasks: unknown[], next?: Cursor) => ({ tasks, nextPageToken: next ? seal(next, call, deps) : "", pageSize, totalSize: tasks.length });

  const agentPage = async (token: string) =>
    resultOf(
      await callAgent(
        { agent: call.agent, version, op: "listTasks", params: { ...params, pageSize, pageToken: token }, trace: call.trace, timeoutMs: deps.config.syncBudgetMs, ...(call.signal ? { signal: call.signal } : {}) },
        deps.upstream,
      ),
    ) as { tasks?: Obj[]; nextPageToken?: string };
  // The master key sees the agent's own listing.
  if (call.principal.kind === "master") return agentPage(typeof params.pageToken === "string" ? params.pageToken : "");

  const me = ownerOf(call.principal);
  let cursor: Cursor = typeof params.pageToken === "string" && params.pageToken ? open(params.pageToken, call, deps) : { token: "", skip: 0 };
  const own: Obj[] = [];
  for (let read = 0; read < AGENT_PAGES_PER_CALL; read++) {
    const { tasks = [], nextPageToken = "" } = await agentPage(cursor.token);
    const owners = await Promise.all(tasks.map((t) => (typeof t.id === "string" ? deps.tasks.owner({ agent: call.agent.name, kind: "task", id: t.id }) : undefined)));
    for (let i = cursor.skip; i < tasks.length; i++) {
      if (owners[i] === me) own.push(tasks[i]!);
      if (own.length === pageSize) {
        const rest: Cursor | undefined = i + 1 < tasks.length ? { token: cursor.token, skip: i + 1 } : nextPageToken ? { token: nextPageToken, skip: 0 } : undefined;
        return page(own, rest);
      }
    }
    if (!nextPageToken) return page(own);
    cursor = { token: nextPageToken, skip: 0 };
  }
  return page(own, cursor);
}

/** AES-256-GCM under a key derived from the master key; the key and agent are bound in as associated data. */
const cursorKey = (deps: AppDeps) => createHmac("sha256", deps.config.masterKey).update("list-tasks-cursor").digest();
const boundTo = (call: A2ACall) => Buffer.from(`${ownerOf(call.principal)}\n${call.agent.name}`);

function seal(cursor: Cursor, call: A2ACall, deps: AppDeps): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", cursorKey(deps), iv).setAAD(boundTo(call));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(cursor)), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

function open(token: string, call: A2ACall, deps: AppDeps): Cursor {
  const raw = Buffer.from(token, "base64url");
  if (raw.length < 29) throw invalidToken();
  try {
    const decipher = createDecipheriv("aes-256-gcm", cursorKey(deps), raw.subarray(0, 12)).setAAD(boundTo(call));
    decipher.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")) as Cursor;
  } catch {
    throw invalidToken();
  }
}
