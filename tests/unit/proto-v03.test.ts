/**
 * 0.3's HTTP+JSON bodies (shared/protocol/proto-v03.ts): ProtoJSON as @a2a-js/sdk's 0.3 REST client
 * and server write it, read into 0.3's JSON-RPC objects and written back unchanged; the spellings
 * that differ; and what ProtoJSON leaves out (defaults) read as 0.3 means it.
 */
import { describe, expect, it } from "vitest";
import { protoParams, protoResult } from "../../shared/protocol/proto-v03.ts";
import { restParams, restReply, restRequest, restBindings, type RestBinding } from "../../shared/protocol/rest.ts";

const TASK_03 = {
  kind: "task",
  id: "t1",
  contextId: "c1",
  status: {
    state: "canceled",
    message: { kind: "message", messageId: "m2", role: "agent", parts: [{ kind: "text", text: "stopped" }] },
    timestamp: "2026-01-01T00:00:00Z",
  },
  history: [
    {
      kind: "message",
      messageId: "m1",
      role: "user",
      taskId: "t1",
      parts: [
        { kind: "file", file: { uri: "https://x.test/a.png", mimeType: "image/png" } },
        { kind: "file", file: { bytes: "aGk=", name: "hi.txt" } },
        { kind: "data", data: { answer: 42 } },
      ],
    },
  ],
  artifacts: [{ artifactId: "a1", parts: [{ kind: "text", text: "done" }] }],
};

const TASK_PROTO = {
  id: "t1",
  contextId: "c1",
  status: {
    state: "TASK_STATE_CANCELLED",
    message: { messageId: "m2", role: "ROLE_AGENT", content: [{ text: "stopped" }] },
    timestamp: "2026-01-01T00:00:00Z",
  },
  history: [
    {
      messageId: "m1",
      role: "ROLE_USER",
      taskId: "t1",
      content: [
        { file: { fileWithUri: "https://x.test/a.png", mimeType: "image/png" } },
        { file: { fileWithBytes: "aGk=", name: "hi.txt" } },
        { data: { data: { answer: 42 } } },
      ],
    },
  ],
  artifacts: [{ artifactId: "a1", parts: [{ text: "done" }] }],
};

const binding = (op: string, version = "0.3") => restBindings.find((b) => b.op === op && b.version === version) as RestBinding;

describe("0.3's ProtoJSON bodies", () => {
  it("a task reads as 0.3's task and writes back as it came (parts, CANCELLED, status message)", () => {
    expect(protoResult("getTask", TASK_PROTO, "rpc")).toStrictEqual(TASK_03);
    expect(protoResult("getTask", TASK_03, "proto")).toStrictEqual(TASK_PROTO);
  });

  it("results come wrapped, stream events by their member; a status update's left-out final is false", () => {
    const update = { taskId: "t1", contextId: "c1", status: { state: "TASK_STATE_WORKING" } };
    expect(protoResult("send", { task: TASK_PROTO }, "rpc")).toStrictEqual(TASK_03);
    expect(protoResult("stream", { statusUpdate: update }, "rpc")).toStrictEqual({ kind: "status-update", taskId: "t1", contextId: "c1", status: { state: "working" }, final: false });
    expect(protoResult("subscribe", { kind: "artifact-update", taskId: "t1", contextId: "c1", artifact: TASK_03.artifacts[0] }, "proto")).toStrictEqual({
      artifactUpdate: { taskId: "t1", contextId: "c1", artifact: TASK_PROTO.artifacts[0] },
    });
  });

  it("a push config names its task in `name`; a list is `{ configs }`; a delete has no body", () => {
    const config = { taskId: "t1", pushNotificationConfig: { id: "cfg", url: "https://hook.test", authentication: { schemes: ["Bearer"] } } };
    const proto = { name: "tasks/t1/pushNotificationConfigs/cfg", pushNotificationConfig: config.pushNotificationConfig };
    expect(protoResult("getPushConfig", config, "proto")).toStrictEqual(proto);
    expect(protoResult("getPushConfig", proto, "rpc")).toStrictEqual(config);
    expect(protoResult("listPushConfigs", { configs: [proto] }, "rpc")).toStrictEqual([config]);
    expect(protoResult("listPushConfigs", {}, "rpc")).toStrictEqual([]);
    expect(protoResult("deletePushConfig", undefined, "rpc")).toBeNull();
    expect(protoResult("deletePushConfig", null, "proto")).toBeUndefined();
  });

  it("a send's configuration: pushNotification is 0.3's pushNotificationConfig, and an unset blocking means what each side means by it", () => {
    const sent = { message: { messageId: "m", role: "ROLE_USER", content: [{ text: "hi" }] }, configuration: { pushNotification: { url: "https://hook.test" } } };
    // ProtoJSON leaves out a false bool: a configuration without it asks not to block, as the SDK's 0.3 server reads it.
    expect(protoParams("send", sent, "rpc")).toStrictEqual({
      message: { kind: "message", messageId: "m", role: "user", parts: [{ kind: "text", text: "hi" }] },
      configuration: { pushNotificationConfig: { url: "https://hook.test" }, blocking: false },
    });
    // 0.3's JSON-RPC servers block when it is unset: written out for a ProtoJSON agent.
    expect(protoParams("send", { message: { kind: "message", messageId: "m", role: "user", parts: [] }, configuration: {} }, "proto")).toMatchObject({ configuration: { blocking: true } });
  });

  it("the card's security in ProtoJSON's shapes, both ways", () => {
    const card = { name: "a", securitySchemes: { key: { type: "apiKey", name: "x-key", in: "header" } }, security: [{ key: [] }], skills: [{ id: "s", security: [{ key: ["read"] }] }] };
    const proto = {
      name: "a",
      securitySchemes: { key: { apiKeySecurityScheme: { name: "x-key", location: "header" } } },
      security: [{ schemes: { key: {} } }],
      skills: [{ id: "s", security: [{ schemes: { key: { list: ["read"] } } }] }],
    };
    expect(protoResult("extendedCard", card, "proto")).toStrictEqual(proto);
    expect(protoResult("extendedCard", proto, "rpc")).toStrictEqual(card);
  });
});

describe("0.3's rows of the binding table", () => {
  it("a request's path wins over the task a push config's name names", () => {
    const params = restParams(binding("setPushConfig"), { taskId: "mine" }, {}, { name: "tasks/theirs/pushNotificationConfigs/c", pushNotificationConfig: { url: "https://hook.test" } });
    expect(params).toStrictEqual({ taskId: "mine", pushNotificationConfig: { url: "https://hook.test" } });
  });

  it("an operation becomes the request the SDK's 0.3 server reads, and its answers the JSON-RPC responses they equal", () => {
    expect(restRequest("getPushConfig", "0.3", { id: "t/1", pushNotificationConfigId: "c" })).toStrictEqual({ method: "GET", path: "/v1/tasks/t%2F1/pushNotificationConfigs/c" });
    expect(restRequest("subscribe", "0.3", { id: "t1" })).toStrictEqual({ method: "GET", path: "/v1/tasks/t1:subscribe" });
    expect(JSON.parse(restRequest("setPushConfig", "0.3", { taskId: "t1", pushNotificationConfig: { id: "c", url: "https://hook.test" } }).body!)).toStrictEqual({
      name: "tasks/t1/pushNotificationConfigs/c",
      pushNotificationConfig: { id: "c", url: "https://hook.test" },
    });
    expect(restReply(201, { task: TASK_PROTO }, "send", "0.3")).toStrictEqual({ jsonrpc: "2.0", id: 1, result: TASK_03 });
    expect(restReply(404, { code: -32001, message: "Task not found" }, "getTask", "0.3")).toStrictEqual({ jsonrpc: "2.0", id: 1, error: { code: -32001, message: "Task not found" } });
    expect(restReply(502, "<html>", "getTask", "0.3")).toBeUndefined();
  });
});
