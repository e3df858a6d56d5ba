/**
 * Job ids name the agent and its task, so a job is found with one read and no index: the id a
 * caller holds is the key of the record (ownership is checked on it like on any task). A task
 * goes on over several turns (input-required, then the caller's answer), each its own job: a
 * random turn suffix tells them apart, and the task's record holds its latest turn.
 */
import { createHash } from "node:crypto";
import type { JobKind } from "../../ports.ts";
import { randomId } from "../../random.ts";

const PREFIX: Record<JobKind, string> = { "chat.completion": "chatcmpl-", response: "resp_", a2a: "a2atask_" };

export function jobId(kind: JobKind, agent: string, taskId: string): string {
  return `${PREFIX[kind]}${Buffer.from(`${agent}/${taskId}`).toString("base64url")}.${randomId(6, "base64url")}`;
}

/** The agent and task of a job id of the given kind, or undefined when it is not one. */
export function parseJobId(kind: JobKind, id: string): { agent: string; taskId: string } | undefined {
  if (!id.startsWith(PREFIX[kind])) return undefined;
  // base64url has no ".": what follows one is the turn (ids made before turns have none).
  const task = id.slice(PREFIX[kind].length).split(".", 1)[0]!;
  const decoded = Buffer.from(task, "base64url").toString("utf8");
  const cut = decoded.indexOf("/");
  if (cut <= 0 || cut === decoded.length - 1) return undefined;
  return { agent: decoded.slice(0, cut), taskId: decoded.slice(cut + 1) };
}

export function parseAnyJobId(id: string): { kind: JobKind; agent: string; taskId: string } | undefined {
  for (const kind of Object.keys(PREFIX) as JobKind[]) {
    const parsed = parseJobId(kind, id);
    if (parsed) return { kind, ...parsed };
  }
  return undefined;
}

/** A stable W3C trace id per job, so every call made for one job shows up as one trace. */
export function jobTrace(id: string) {
  const traceId = createHash("sha256").update(id).digest("hex").slice(0, 32);
  return { traceId, traceparent: `00-${traceId}-${randomId(8)}-01` };
}
