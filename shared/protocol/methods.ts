/**
 * The A2A JSON-RPC methods of both versions, as one table of operations. 1.0 names come from the
 * spec's method mapping (§5.3); 0.3 names from the 0.3 spec (§7).
 */
import type * as z from "zod/mini";
import * as a2a from "./a2a.ts";

export type A2AVersion = "0.3" | "1.0";

export type Operation =
  | "send"
  | "stream"
  | "getTask"
  | "listTasks"
  | "cancelTask"
  | "subscribe"
  | "setPushConfig"
  | "getPushConfig"
  | "listPushConfigs"
  | "deletePushConfig"
  | "extendedCard";

/** `undefined`: the version has no such method (0.3 exposed `tasks/list` only over gRPC and REST). */
export const methodNames: Record<Operation, Record<A2AVersion, string | undefined>> = {
  send: { "0.3": "message/send", "1.0": "SendMessage" },
  stream: { "0.3": "message/stream", "1.0": "SendStreamingMessage" },
  getTask: { "0.3": "tasks/get", "1.0": "GetTask" },
  listTasks: { "0.3": undefined, "1.0": "ListTasks" },
  cancelTask: { "0.3": "tasks/cancel", "1.0": "CancelTask" },
  subscribe: { "0.3": "tasks/resubscribe", "1.0": "SubscribeToTask" },
  setPushConfig: { "0.3": "tasks/pushNotificationConfig/set", "1.0": "CreateTaskPushNotificationConfig" },
  getPushConfig: { "0.3": "tasks/pushNotificationConfig/get", "1.0": "GetTaskPushNotificationConfig" },
  listPushConfigs: { "0.3": "tasks/pushNotificationConfig/list", "1.0": "ListTaskPushNotificationConfigs" },
  deletePushConfig: { "0.3": "tasks/pushNotificationConfig/delete", "1.0": "DeleteTaskPushNotificationConfig" },
  extendedCard: { "0.3": "agent/getAuthenticatedExtendedCard", "1.0": "GetExtendedAgentCard" },
};

const methodIndex = new Map<string, { op: Operation; version: A2AVersion }>();
for (const [op, names] of Object.entries(methodNames) as [Operation, Record<A2AVersion, string | undefined>][]) {
  for (const [version, method] of Object.entries(names) as [A2AVersion, string | undefined][]) {
    if (method) methodIndex.set(method, { op, version });
  }
}

/** The operation and version a JSON-RPC method name belongs to; the two versions share no name. */
export function resolveMethod(method: string): { op: Operation; version: A2AVersion } | undefined {
  return methodIndex.get(method);
}

/** Operations answered with a Server-Sent Events stream rather than one JSON-RPC response. */
export const streamingOps: ReadonlySet<Operation> = new Set<Operation>(["stream", "subscribe"]);

export const paramsSchemas: Record<Operation, Record<A2AVersion, z.ZodMiniType | undefined>> = {
  send: { "0.3": a2a.V03MessageSendParams, "1.0": a2a.V10SendMessageRequest },
  stream: { "0.3": a2a.V03MessageSendParams, "1.0": a2a.V10SendMessageRequest },
  getTask: { "0.3": a2a.V03TaskQueryParams, "1.0": a2a.V10GetTaskRequest },
  listTasks: { "0.3": undefined, "1.0": a2a.V10ListTasksRequest },
  cancelTask: { "0.3": a2a.V03TaskIdParams, "1.0": a2a.V10CancelTaskRequest },
  subscribe: { "0.3": a2a.V03TaskIdParams, "1.0": a2a.V10SubscribeToTaskRequest },
  setPushConfig: { "0.3": a2a.V03TaskPushNotificationConfig, "1.0": a2a.V10CreateTaskPushNotificationConfigRequest },
  getPushConfig: { "0.3": a2a.V03GetTaskPushNotificationConfigParams, "1.0": a2a.V10GetTaskPushNotificationConfigRequest },
  listPushConfigs: { "0.3": a2a.V03ListTaskPushNotificationConfigParams, "1.0": a2a.V10ListTaskPushNotificationConfigsRequest },
  deletePushConfig: { "0.3": a2a.V03DeleteTaskPushNotificationConfigParams, "1.0": a2a.V10DeleteTaskPushNotificationConfigRequest },
  extendedCard: { "0.3": a2a.V03GetAuthenticatedExtendedCardParams, "1.0": a2a.V10GetExtendedAgentCardRequest },
};
