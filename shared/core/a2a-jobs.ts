/**
 * A2A callers' long-running work (SPEC §5): a `message/send` that carries a push-notification
 * config, or asks not to block, becomes a job the poller drives to its end; push configs are kept
 * by the gateway and honoured whether or not the agent supports push; `tasks/get` answers from the
 * stored task once the agent has forgotten it.
 */
import { randomBytes } from "node:crypto";
import type { AppDeps } from "../deps.ts";
import { isFinished, type Agent, type Job, type PushTarget } from "../ports.ts";
import { RpcCode, RpcError } from "../protocol/jsonrpc.ts";
import type { A2AVersion, Operation } from "../protocol/methods.ts";
import { translateResult } from "../protocol/translate.ts";
import { handOff } from "./async/handoff.ts";
import { eventIdFor } from "./async/announce.ts";
import { jobId } from "./async/job-id.ts";
import { ownerOf, type Principal } from "./keys.ts";
import { recordOwnership } from "./tenancy.ts";
import { isSettled, normalizeState } from "./task-state.ts";
import { assertCallableUrl } from "./url-guard.ts";
import type { Obj } from "./shape.ts";

const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});

/** The push config of a config object in either version, as the gateway keeps it. */
export function pushTarget(config: Obj, version: A2AVersion, allowPrivate: boolean): PushTarget {
  const url = String(config.url ?? "");
  assertCallableUrl(url, allowPrivate, "pushNotificationConfig.url");
  const auth = obj(config.authentication);
  const scheme = version === "0.3" ? (Array.isArray(auth.schemes) ? String(auth.schemes[0] ?? "Bearer") : "Bearer") : String(auth.scheme ?? "Bearer");
  return {
    id: typeof config.id === "string" && config.id ? config.id : randomBytes(8).toString("hex"),
    url,
    ...(typeof config.token === "string" ? { token: config.token } : {}),
    ...(typeof auth.credentials === "string" ? { authorization: `${scheme} ${auth.credentials}` } : {}),
    version,
  };
}

/** A push target as the caller's version shows it (credentials never echoed). */
export function pushConfigView(taskId: string, t: PushTarget, version: A2AVersion): Obj {
  const config = { id: t.id, url: t.url, ...(t.token ? { token: t.token } : {}) };
  return version === "0.3" ? { taskId, pushNotificationConfig: config } : { ...config, taskId };
}

/** What a `message/send` asks of the gateway: a push target, and whether to hand off. */
export function sendConfig(params: Obj, version: A2AVersion, allowPrivate: boolean): { push?: PushTarget; handOff: boolean; forward: Obj } {
  const configuration = obj(params.configuration);
  const pushKey = version === "0.3" ? "pushNotificationConfig" : "taskPushNotificationConfig";
  const raw = configuration[pushKey];
  const nonBlocking = version === "0.3" ? configuration.blocking === false : configuration.returnImmediately === true;
  if (!raw && !nonBlocking) return { handOff: false, forward: params };
  const push = raw ? pushTarget(obj(raw), version, allowPrivate) : undefined;
  // The gateway delivers push notifications itself: the agent never sees the caller's URL.
  const { [pushKey]: _gone, ...rest } = configuration;
  return { ...(push ? { push } : {}), handOff: true, forward: { ...params, configuration: rest } };
}

/**
 * Records the task a `message/send` started or continued as a job (0.3 form result), unless it is
 * a bare message. Push configs belong to the task: a turn that continues one keeps those set before.
 */
export async function handOffA2A(
  agent: Agent,
  result03: Obj,
  principal: Principal,
  { push, continued }: { push: PushTarget | undefined; continued: boolean },
  deps: AppDeps,
): Promise<void> {
  if (result03.kind !== "task" || typeof result03.id !== "string") return;
  // Only a continuation can have a previous turn: a new task costs no read.
  const previous = continued ? await deps.jobs.byTask(agent.name, result03.id) : undefined;
  const kept = previous?.kind === "a2a" && previous.owner === ownerOf(principal) ? previous.push.filter((t) => t.id !== push?.id) : [];
  const now = new Date(deps.clock.now()).toISOString();
  const settled = isSettled(normalizeState(obj(result03.status).state));
  const job: Job = {
    id: jobId("a2a", agent.name, result03.id),
    kind: "a2a",
    agent: agent.name,
    taskId: result03.id,
    ...(typeof result03.contextId === "string" ? { contextId: result03.contextId } : {}),
    owner: ownerOf(principal),
    status: settled ? "completed" : "in_progress",
    ...(settled ? { result: result03 } : {}),
    polls: 0,
    push: push ? [...kept, push] : kept,
    callbacks: { attempts: 0, delivered: 0 },
    createdAt: now,
    updatedAt: now,
  };
  await handOff(job, deps, agent);
  // The job makes the task the caller's; its context is claimed beside it.
  await recordOwnership(agent.name, { contextId: job.contextId }, principal, deps.tasks);
}

/**
 * The push-config methods, answered by the gateway from its own records (never forwarded): the
 * gateway is the one that delivers them. Ownership was checked before.
 */
export async function pushConfigCall(op: Operation, params: Obj, version: A2AVersion, agent: string, principal: Principal, deps: AppDeps): Promise<unknown> {
  const taskId = String(version === "0.3" ? (op === "setPushConfig" ? params.taskId : params.id) : params.taskId);
  const job = await deps.jobs.byTask(agent, taskId);
  const targets = job?.push ?? [];
  const configId = String((version === "0.3" ? params.pushNotificationConfigId : params.id) ?? "");
  const notFound = () => new RpcError(RpcCode.TaskNotFound, "Push notification config not found");

  switch (op) {
    case "setPushConfig": {
      const target = pushTarget(version === "0.3" ? obj(params.pushNotificationConfig) : params, version, deps.config.allowPrivateUrls);
      const push = [...targets.filter((t) => t.id !== target.id), target];
      if (!job) {
        await handOff(newJob(agent, taskId, principal, push, deps), deps);
      } else {
        await deps.jobs.setPush(job.id, push);
        // Already over: this target still hears how it ended.
        if (isFinished(job.status)) await deps.callbackQueue.send({ jobId: job.id, target: "push", pushId: target.id, eventId: eventIdFor(job.id, `push:${target.id}`) });
      }
      return pushConfigView(taskId, target, version);
    }
    case "getPushConfig": {
      const target = configId ? targets.find((t) => t.id === configId) : targets[0];
      if (!target) throw notFound();
      return pushConfigView(taskId, target, version);
    }
    case "listPushConfigs": {
      const views = targets.map((t) => pushConfigView(taskId, t, version));
      return version === "0.3" ? views : { configs: views };
    }
    case "deletePushConfig": {
      if (!job || !targets.some((t) => t.id === configId)) throw notFound();
      await deps.jobs.setPush(job.id, targets.filter((t) => t.id !== configId));
      return version === "0.3" ? null : {};
    }
    default:
      throw new Error(`not a push-config operation: ${op}`);
  }
}

function newJob(agent: string, taskId: string, principal: Principal, push: PushTarget[], deps: AppDeps): Job {
  const now = new Date(deps.clock.now()).toISOString();
  return { id: jobId("a2a", agent, taskId), kind: "a2a", agent, taskId, owner: ownerOf(principal), status: "in_progress", polls: 0, push, callbacks: { attempts: 0, delivered: 0 }, createdAt: now, updatedAt: now };
}

/** The stored task of a finished job, in the caller's version, for an agent that forgot it. */
export async function storedTask(agent: string, taskId: string, version: A2AVersion, deps: AppDeps): Promise<unknown | undefined> {
  const job = await deps.jobs.byTask(agent, taskId);
  if (job?.kind !== "a2a" || !job.result) return undefined;
  return translateResult("getTask", job.result, "0.3", version);
}

