/**
 * Stream normalisation (SPEC §4, seed 004): no event with an empty `parts` array leaves the gateway,
 * and no two message events of one stream share a `messageId`. Content is never changed: an
 * empty message event is dropped, an empty status message is removed from its status update, and
 * a repeated id gets a suffix.
 */
import type { A2AVersion } from "../protocol/methods.ts";
import { isObj, type Obj } from "./shape.ts";

const hasParts = (m: Obj) => Array.isArray(m.parts) && m.parts.length > 0;

export async function* normalizeStream(events: AsyncIterable<unknown> | Iterable<unknown>, version: A2AVersion): AsyncGenerator<unknown> {
  const seen = new Map<string, number>();
  for await (const event of events) {
    const out = normalizeEvent(event, version, seen);
    if (out !== undefined) yield out;
  }
}

/** Where an event carries a message: the event itself, or its (task's) status. */
function locate(event: Obj, version: A2AVersion): { standalone: Obj } | { inStatus: Obj; rewrap: (status: Obj) => Obj } | undefined {
  if (version === "0.3") {
    if (event.kind === "message") return { standalone: event };
    if ((event.kind === "status-update" || event.kind === "task") && isObj(event.status)) {
      return { inStatus: event.status, rewrap: (status) => ({ ...event, status }) };
    }
    return undefined;
  }
  if (isObj(event.message)) return { standalone: event.message };
  for (const key of ["statusUpdate", "task"] as const) {
    const inner = event[key];
    if (isObj(inner) && isObj(inner.status)) {
      return { inStatus: inner.status, rewrap: (status) => ({ ...event, [key]: { ...inner, status } }) };
    }
  }
  return undefined;
}

export function normalizeEvent(event: unknown, version: A2AVersion, seen: Map<string, number>): unknown | undefined {
  if (!isObj(event)) return event;
  const where = locate(event, version);
  if (!where) return event;

  if ("standalone" in where) {
    if (!hasParts(where.standalone)) return undefined;
    const message = uniqueId(where.standalone, seen);
    if (message === where.standalone) return event;
    return version === "0.3" ? message : { ...event, message };
  }

  const message = where.inStatus.message;
  if (!isObj(message)) return event;
  if (!hasParts(message)) {
    const { message: _dropped, ...status } = where.inStatus;
    return where.rewrap(status);
  }
  const unique = uniqueId(message, seen);
  return unique === message ? event : where.rewrap({ ...where.inStatus, message: unique });
}

function uniqueId(message: Obj, seen: Map<string, number>): Obj {
  const id = message.messageId;
  if (typeof id !== "string") return message;
  const count = seen.get(id) ?? 0;
  seen.set(id, count + 1);
  return count === 0 ? message : { ...message, messageId: `${id}-${count}` };
}

/** The task and context an event (or a SendMessage result, which has the same shape) belongs to, if any. */
export function refsOfEvent(event: unknown, version: A2AVersion): { taskId?: string; contextId?: string } {
  if (!isObj(event)) return {};
  // 0.3 tags the object with `kind`; 1.0 wraps it in the member that names its type.
  const object = version === "0.3" ? event : [event.task, event.statusUpdate, event.artifactUpdate, event.message].find(isObj);
  if (!isObj(object)) return {};
  const isTask = version === "0.3" ? object.kind === "task" : object === event.task;
  const pick = (key: string) => (typeof object[key] === "string" ? { [key === "id" ? "taskId" : key]: object[key] as string } : {});
  return { ...pick(isTask ? "id" : "taskId"), ...pick("contextId") };
}

export const taskIdOfEvent = (event: unknown, version: A2AVersion): string | undefined => refsOfEvent(event, version).taskId;
