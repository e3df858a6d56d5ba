/**
 * The A2A 0.3 <-> 1.0 protocol layer: method table, version detection and payload translation.
 *
 * Expected 1.0 JSON is written out by hand from the spec and, where the a2a-js SDK has a public
 * translator, checked against what the SDK itself produces: its JSON is what real 1.0 agents and
 * clients send.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as sdk from "@a2a-js/sdk";
import { ServerCallContext, type A2ARequestHandler } from "@a2a-js/sdk/server";
import { legacyJsonRpcToV1Method, legacyPushNotificationToV1StreamResponse } from "@a2a-js/sdk/compat/v0_3";
import { LegacyJsonRpcTransport, parseLegacyAgentCard } from "@a2a-js/sdk/compat/v0_3/client";
import { LegacyJsonRpcTransportHandler, V03PushNotificationSerializer } from "@a2a-js/sdk/compat/v0_3/server";
import * as a2a from "../../shared/protocol/a2a.ts";
import type { JsonRpcErrorObject } from "../../shared/protocol/jsonrpc.ts";
import { methodNames, paramsSchemas, resolveMethod, streamingOps, type A2AVersion, type Operation } from "../../shared/protocol/methods.ts";
import {
  cardVersion,
  gatewayError,
  translateCard,
  translateError,
  translateParams,
  translateResult,
  translateStreamEvent,
  versionAsked,
} from "../../shared/protocol/translate.ts";

type Json = Record<string, unknown>;
const OPERATIONS = Object.keys(methodNames) as Operation[];
const VERSIONS: A2AVersion[] = ["0.3", "1.0"];

// ---------------------------------------------------------------------------------------------
// Sample payloads, each pair saying the same thing in both versions
// ---------------------------------------------------------------------------------------------

const message03 = (parts: unknown[], extra: Json = {}): Json => ({ kind: "message", messageId: "m-1", role: "user", parts, ...extra });
const message10 = (parts: unknown[], extra: Json = {}): Json => ({ messageId: "m-1", role: "ROLE_USER", parts, ...extra });

const TASK_03 = {
  kind: "task",
  id: "task-1",
  contextId: "ctx-1",
  status: {
    state: "working",
    timestamp: "2025-10-28T10:30:00.000Z",
    message: { kind: "message", messageId: "m-2", role: "agent", parts: [{ kind: "text", text: "On it" }] },
  },
  history: [message03([{ kind: "text", text: "Summarise this" }, { kind: "file", file: { uri: "https://files.test/a.pdf", mimeType: "application/pdf" } }])],
  artifacts: [{ artifactId: "art-1", name: "summary", parts: [{ kind: "data", data: { words: 120 } }] }],
  metadata: { priority: "high" },
};
const TASK_10 = {
  id: "task-1",
  contextId: "ctx-1",
  status: {
    state: "TASK_STATE_WORKING",
    timestamp: "2025-10-28T10:30:00.000Z",
    message: { messageId: "m-2", role: "ROLE_AGENT", parts: [{ text: "On it" }] },
  },
  history: [message10([{ text: "Summarise this" }, { url: "https://files.test/a.pdf", mediaType: "application/pdf" }])],
  artifacts: [{ artifactId: "art-1", name: "summary", parts: [{ data: { words: 120 } }] }],
  metadata: { priority: "high" },
};

const PUSH_CONFIG_03 = {
  taskId: "task-1",
  pushNotificationConfig: { id: "cfg-1", url: "https://hooks.test/a2a", token: "tok", authentication: { schemes: ["Bearer"], credentials: "secret" } },
};
const PUSH_CONFIG_10 = {
  taskId: "task-1",
  id: "cfg-1",
  url: "https://hooks.test/a2a",
  token: "tok",
  authentication: { scheme: "Bearer", credentials: "secret" },
};

const CARD_03 = {
  protocolVersion: "0.3",
  name: "Summariser",
  description: "Summarises documents",
  url: "https://agent.test/a2a",
  preferredTransport: "JSONRPC",
  version: "2.1.0",
  provider: { organization: "Example", url: "https://example.test" },
  capabilities: { streaming: true, pushNotifications: false },
  supportsAuthenticatedExtendedCard: true,
  securitySchemes: { key: { type: "apiKey", in: "header", name: "X-API-Key" } },
  security: [{ key: [] }],
  defaultInputModes: ["text/plain"],
  defaultOutputModes: ["text/plain", "application/json"],
  skills: [{ id: "summarise", name: "Summarise", description: "Summarise a document", tags: ["text"], examples: ["Summarise this"] }],
};
const CARD_10 = {
  name: "Summariser",
  description: "Summarises documents",
  supportedInterfaces: [{ url: "https://agent.test/a2a", protocolBinding: "JSONRPC", protocolVersion: "0.3" }],
  version: "2.1.0",
  provider: { organization: "Example", url: "https://example.test" },
  capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: true },
  securitySchemes: { key: { apiKeySecurityScheme: { location: "header", name: "X-API-Key" } } },
  securityRequirements: [{ schemes: { key: {} } }],
  defaultInputModes: ["text/plain"],
  defaultOutputModes: ["text/plain", "application/json"],
  skills: [{ id: "summarise", name: "Summarise", description: "Summarise a document", tags: ["text"], examples: ["Summarise this"] }],
};

// ---------------------------------------------------------------------------------------------
// Method table and version detection
// ---------------------------------------------------------------------------------------------

describe("the method table", () => {
  it("names every operation in 1.0 and every one but ListTasks in 0.3", () => {
    expect(methodNames).toStrictEqual({
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
    });
  });

  it.each(OPERATIONS.filter((op) => methodNames[op]["0.3"]))("renames %s the way the SDK does", (op) => {
    expect(legacyJsonRpcToV1Method(methodNames[op]["0.3"]!)).toBe(methodNames[op]["1.0"]);
  });

  it("resolves every method name back to its operation and version", () => {
    for (const op of OPERATIONS) {
      for (const version of VERSIONS) {
        const method = methodNames[op][version];
        if (method) expect(resolveMethod(method)).toStrictEqual({ op, version });
      }
    }
  });

  it("resolves no unknown method, whatever its case", () => {
    expect(resolveMethod("sendMessage")).toBeUndefined();
    expect(resolveMethod("tasks/list")).toBeUndefined();
    expect(resolveMethod("")).toBeUndefined();
  });

  it("streams exactly the send-streaming and subscribe operations", () => {
    expect([...streamingOps].sort()).toStrictEqual(["stream", "subscribe"]);
  });

  it("has a params schema for exactly the methods that exist", () => {
    for (const op of OPERATIONS) {
      for (const version of VERSIONS) {
        expect(paramsSchemas[op][version] !== undefined, `${op} ${version}`).toBe(methodNames[op][version] !== undefined);
      }
    }
  });
});

describe("the params schemas", () => {
  it.each([
    ["a 0.3 message with no kind", { message: { messageId: "m", role: "user", parts: [{ kind: "text", text: "x" }] } }],
    ["a 0.3 message with no parts", { message: message03([]) }],
    ["a 0.3 message with a 1.0 role", { message: message03([{ kind: "text", text: "x" }], { role: "ROLE_USER" }) }],
    ["a 0.3 data part holding a bare value", { message: message03([{ kind: "data", data: 5 }]) }],
  ])("reject %s", (_, params) => {
    expect(paramsSchemas.send["0.3"]!.safeParse(params).success).toBe(false);
  });

  it.each([
    ["a 1.0 part with two contents", { message: message10([{ text: "x", url: "https://x.test" }]) }],
    ["a 1.0 part with no content", { message: message10([{ mediaType: "text/plain" }]) }],
    ["a 1.0 message with a 0.3 role", { message: message10([{ text: "x" }], { role: "user" }) }],
  ])("reject %s", (_, params) => {
    expect(paramsSchemas.send["1.0"]!.safeParse(params).success).toBe(false);
  });

  it("keep fields they do not know", () => {
    const params = { message: message03([{ kind: "text", text: "x", "x-ext": 1 }], { "x-trace": "t" }), "x-top": true };

    const parsed = paramsSchemas.send["0.3"]!.parse(params);

    expect(parsed).toStrictEqual(params);
  });

  it("accept the SDK's own samples", () => {
    expect(paramsSchemas.send["1.0"]!.safeParse(sdk.SendMessageRequest.toJSON(sdk.SendMessageRequest.fromJSON({ message: message10([{ text: "hi" }]) }))).success).toBe(true);
    expect(paramsSchemas.setPushConfig["1.0"]!.safeParse(PUSH_CONFIG_10).success).toBe(true);
    expect(paramsSchemas.setPushConfig["0.3"]!.safeParse(PUSH_CONFIG_03).success).toBe(true);
    expect(paramsSchemas.extendedCard["0.3"]!.safeParse(undefined).success).toBe(true);
    expect(paramsSchemas.extendedCard["1.0"]!.safeParse({}).success).toBe(true);
  });
});

describe("versionAsked (A2A 1.0 §3.6)", () => {
  it.each<[Record<string, string>, Record<string, string>, ReturnType<typeof versionAsked>]>([
    [{}, {}, { served: undefined }],
    [{ "a2a-version": "" }, {}, { served: undefined }],
    [{ "a2a-version": "  " }, {}, { served: undefined }],
    [{ "a2a-version": "0.3" }, {}, { served: "0.3" }],
    [{ "a2a-version": "1.0" }, {}, { served: "1.0" }],
    // Patch numbers do not count in negotiation (§3.6).
    [{ "a2a-version": "0.3.0" }, {}, { served: "0.3" }],
    [{ "a2a-version": " 1.0.7 " }, {}, { served: "1.0" }],
    // The query parameter stands in for the header (§3.6.1); the header wins when both are given.
    [{}, { "A2A-Version": "1.0" }, { served: "1.0" }],
    [{}, { "a2a-version": "0.3" }, { served: "0.3" }],
    [{ "a2a-version": "1.0" }, { "A2A-Version": "99.0" }, { served: "1.0" }],
    [{}, { "A2A-Version": "2.0" }, { unsupported: "2.0" }],
    [{ "a2a-version": "99.0" }, {}, { unsupported: "99.0" }],
    [{ "a2a-version": "0.2" }, {}, { unsupported: "0.2" }],
    [{ "a2a-version": "1.1" }, {}, { unsupported: "1.1" }],
    [{ "a2a-version": "1" }, {}, { unsupported: "1" }],
    [{ "a2a-version": "latest" }, {}, { unsupported: "latest" }],
  ])("reads headers %j and query %j as %j", (headers, query, expected) => {
    expect(versionAsked(headers, query)).toEqual(expected);
  });
});

describe("gatewayError: the gateway's own errors in the caller's version", () => {
  const error = { code: -32009, message: "A2A version 9.9 is not supported", data: { requestedVersion: "9.9" } };

  it("gives a 0.3 caller the error as it is", () => {
    expect(gatewayError(error, "0.3")).toBe(error);
  });

  it("gives a 1.0 caller the ErrorInfo of the code, holding the data as metadata (§9.5)", () => {
    expect(gatewayError(error, "1.0")).toEqual({
      code: -32009,
      message: error.message,
      data: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "VERSION_NOT_SUPPORTED", domain: "a2a-protocol.org", metadata: { requestedVersion: "9.9" } }],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Same version on both sides
// ---------------------------------------------------------------------------------------------

describe("between callers and agents of the same version", () => {
  it.each(VERSIONS)("returns the very payload it was given (%s)", (version) => {
    const payload = { anything: ["at", "all"] };
    const error = { code: -32001, message: "Task not found", data: { taskId: "t" } };

    for (const op of OPERATIONS) {
      expect(translateParams(op, payload, version, version)).toBe(payload);
      expect(translateResult(op, payload, version, version)).toBe(payload);
    }
    expect(translateStreamEvent(payload, version, version)).toBe(payload);
    expect(translateError(error, version, version)).toBe(error);
  });
});

// ---------------------------------------------------------------------------------------------
// Translation cases: each pair of payloads is the same thing in 0.3 and 1.0
// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  translate: (value: unknown, from: A2AVersion, to: A2AVersion) => unknown;
  v03: unknown;
  v10: unknown;
  /** A lossy case holds in one direction only; otherwise it holds both ways, so it round-trips. */
  only?: "to 1.0" | "to 0.3";
}

const event = translateStreamEvent;
const params = (op: Operation) => (value: unknown, from: A2AVersion, to: A2AVersion) => translateParams(op, value, from, to);
const result = (op: Operation) => (value: unknown, from: A2AVersion, to: A2AVersion) => translateResult(op, value, from, to);
const send = params("send");

/** A message event with one part each side. */
const partCase = (name: string, part03: unknown, part10: unknown, only?: Case["only"]): Case => ({
  name,
  translate: event,
  v03: message03([part03]),
  v10: { message: message10([part10]) },
  ...(only ? { only } : {}),
});

const CASES: Case[] = [
  // Parts (§4.1.6)
  partCase("text part", { kind: "text", text: "hi", metadata: { lang: "en" } }, { text: "hi", metadata: { lang: "en" } }),
  partCase(
    "file part with bytes",
    { kind: "file", file: { bytes: "aGVsbG8=", mimeType: "text/plain", name: "hello.txt" } },
    { raw: "aGVsbG8=", mediaType: "text/plain", filename: "hello.txt" },
  ),
  partCase("file part with a URI", { kind: "file", file: { uri: "https://files.test/a.png" } }, { url: "https://files.test/a.png" }),
  partCase("data part", { kind: "data", data: { city: "Paris" } }, { data: { city: "Paris" } }),
  partCase(
    "1.0 data part holding an array, wrapped as the SDK does",
    { kind: "data", data: { value: [1, 2] }, metadata: { data_part_compat: true } },
    { data: [1, 2] },
  ),
  partCase(
    "1.0 data part holding null, keeping its metadata",
    { kind: "data", data: { value: null }, metadata: { source: "db", data_part_compat: true } },
    { data: null, metadata: { source: "db" } },
  ),
  partCase("1.0 text part with a media type", { kind: "text", text: "# Hi", mediaType: "text/markdown" }, { text: "# Hi", mediaType: "text/markdown" }),
  partCase("part of an unknown kind", { kind: "video", stream: "rtsp://x" }, { kind: "video", stream: "rtsp://x" }),

  // Messages (§4.1.4, §4.1.5)
  {
    name: "agent message with its ids, references, extensions and unknown fields",
    translate: event,
    v03: {
      kind: "message",
      messageId: "m-9",
      role: "agent",
      contextId: "ctx-1",
      taskId: "task-1",
      referenceTaskIds: ["task-0"],
      extensions: ["https://ext.test/v1"],
      metadata: { a: 1 },
      "x-vendor": { b: 2 },
      parts: [{ kind: "text", text: "done" }],
    },
    v10: {
      message: {
        messageId: "m-9",
        role: "ROLE_AGENT",
        contextId: "ctx-1",
        taskId: "task-1",
        referenceTaskIds: ["task-0"],
        extensions: ["https://ext.test/v1"],
        metadata: { a: 1 },
        "x-vendor": { b: 2 },
        parts: [{ text: "done" }],
      },
    },
  },

  // Tasks and events (§4.1.1, §4.2)
  { name: "task with status message, history and artifacts", translate: event, v03: TASK_03, v10: { task: TASK_10 } },
  {
    name: "1.0 task without a contextId, which 0.3 requires",
    translate: event,
    v03: { kind: "task", id: "t", contextId: "", status: { state: "submitted" } },
    v10: { task: { id: "t", status: { state: "TASK_STATE_SUBMITTED" } } },
    only: "to 0.3",
  },
  {
    name: "status update that does not end the stream",
    translate: event,
    v03: { kind: "status-update", taskId: "t", contextId: "c", status: { state: "working" }, final: false, metadata: { step: 2 } },
    v10: { statusUpdate: { taskId: "t", contextId: "c", status: { state: "TASK_STATE_WORKING" }, metadata: { step: 2 } } },
  },
  {
    name: "status update that ends the stream",
    translate: event,
    v03: { kind: "status-update", taskId: "t", contextId: "c", status: { state: "completed" }, final: true },
    v10: { statusUpdate: { taskId: "t", contextId: "c", status: { state: "TASK_STATE_COMPLETED" } } },
  },
  {
    name: "0.3 final flag, which 1.0 does not have",
    translate: event,
    v03: { kind: "status-update", taskId: "t", contextId: "c", status: { state: "working" }, final: true },
    v10: { statusUpdate: { taskId: "t", contextId: "c", status: { state: "TASK_STATE_WORKING" } } },
    only: "to 1.0",
  },
  {
    name: "artifact update chunk",
    translate: event,
    v03: { kind: "artifact-update", taskId: "t", contextId: "c", append: true, lastChunk: false, artifact: { artifactId: "a", parts: [{ kind: "text", text: "…" }] } },
    v10: { artifactUpdate: { taskId: "t", contextId: "c", append: true, lastChunk: false, artifact: { artifactId: "a", parts: [{ text: "…" }] } } },
  },
  { name: "stream event of an unknown kind", translate: event, v03: { kind: "heartbeat" }, v10: { kind: "heartbeat" } },

  // SendMessage params (§3.2.1, §3.2.2)
  {
    name: "blocking send",
    translate: send,
    v03: { message: message03([{ kind: "text", text: "hi" }]), configuration: { blocking: true, historyLength: 0 } },
    v10: { message: message10([{ text: "hi" }]), configuration: { returnImmediately: false, historyLength: 0 } },
  },
  {
    name: "non-blocking send",
    translate: send,
    v03: { message: message03([{ kind: "text", text: "hi" }]), configuration: { blocking: false, historyLength: 5, acceptedOutputModes: ["text/plain"] } },
    v10: { message: message10([{ text: "hi" }]), configuration: { returnImmediately: true, historyLength: 5, acceptedOutputModes: ["text/plain"] } },
  },
  {
    name: "send that leaves blocking to the default",
    translate: send,
    v03: { message: message03([{ kind: "text", text: "hi" }]), configuration: { acceptedOutputModes: [] }, metadata: { m: 1 } },
    v10: { message: message10([{ text: "hi" }]), configuration: { acceptedOutputModes: [] }, metadata: { m: 1 } },
  },
  {
    name: "send registering a push notification config",
    translate: send,
    v03: { message: message03([{ kind: "text", text: "hi" }]), configuration: { pushNotificationConfig: PUSH_CONFIG_03.pushNotificationConfig } },
    v10: {
      message: message10([{ text: "hi" }]),
      configuration: { taskPushNotificationConfig: { id: "cfg-1", url: "https://hooks.test/a2a", token: "tok", authentication: { scheme: "Bearer", credentials: "secret" } } },
    },
  },
  {
    name: "1.0 tenant, which 0.3 servers ignore",
    translate: send,
    v03: { tenant: "acme", message: message03([{ kind: "text", text: "hi" }]) },
    v10: { tenant: "acme", message: message10([{ text: "hi" }]) },
  },
  {
    name: "0.3 authentication listing several schemes",
    translate: params("setPushConfig"),
    v03: { taskId: "t", pushNotificationConfig: { url: "https://h.test", authentication: { schemes: ["Bearer", "Basic"] } } },
    v10: { taskId: "t", url: "https://h.test", authentication: { scheme: "Bearer" } },
    only: "to 1.0",
  },
  {
    name: "1.0 authentication without a scheme",
    translate: params("setPushConfig"),
    v03: { taskId: "t", pushNotificationConfig: { url: "https://h.test", authentication: { schemes: [], credentials: "c" } } },
    v10: { taskId: "t", url: "https://h.test", authentication: { credentials: "c" } },
  },

  // Task params (§9.4)
  { name: "get task params", translate: params("getTask"), v03: { id: "t", historyLength: 3 }, v10: { id: "t", historyLength: 3 } },
  { name: "get task params asking for no history", translate: params("getTask"), v03: { id: "t", historyLength: 0 }, v10: { id: "t", historyLength: 0 } },
  { name: "cancel task params", translate: params("cancelTask"), v03: { id: "t", metadata: { why: "user" } }, v10: { id: "t", metadata: { why: "user" } } },
  { name: "subscribe params", translate: params("subscribe"), v03: { id: "t" }, v10: { id: "t" } },
  {
    name: "list tasks params, best effort for a 0.3 peer",
    translate: params("listTasks"),
    v03: { contextId: "c", status: "input-required", pageSize: 10 },
    v10: { contextId: "c", status: "TASK_STATE_INPUT_REQUIRED", pageSize: 10 },
  },

  // Push notification config params and results (§3.1.7-3.1.10)
  { name: "set push config params", translate: params("setPushConfig"), v03: PUSH_CONFIG_03, v10: PUSH_CONFIG_10 },
  {
    name: "get push config params",
    translate: params("getPushConfig"),
    v03: { id: "task-1", pushNotificationConfigId: "cfg-1" },
    v10: { taskId: "task-1", id: "cfg-1" },
  },
  { name: "get push config params without a config id", translate: params("getPushConfig"), v03: { id: "task-1" }, v10: { taskId: "task-1" } },
  {
    name: "delete push config params",
    translate: params("deletePushConfig"),
    v03: { id: "task-1", pushNotificationConfigId: "cfg-1" },
    v10: { taskId: "task-1", id: "cfg-1" },
  },
  { name: "list push configs params", translate: params("listPushConfigs"), v03: { id: "task-1" }, v10: { taskId: "task-1" } },
  { name: "set push config result", translate: result("setPushConfig"), v03: PUSH_CONFIG_03, v10: PUSH_CONFIG_10 },
  { name: "get push config result", translate: result("getPushConfig"), v03: PUSH_CONFIG_03, v10: PUSH_CONFIG_10 },
  { name: "list push configs result", translate: result("listPushConfigs"), v03: [PUSH_CONFIG_03], v10: { configs: [PUSH_CONFIG_10] } },
  { name: "empty list of push configs", translate: result("listPushConfigs"), v03: [], v10: { configs: [] } },
  {
    name: "1.0 list of push configs with ProtoJSON's empty list left out and a next page",
    translate: result("listPushConfigs"),
    v03: [],
    v10: { nextPageToken: "p2" },
    only: "to 0.3",
  },
  { name: "delete push config result", translate: result("deletePushConfig"), v03: null, v10: null },
  { name: "1.0 delete result as ProtoJSON's Empty", translate: result("deletePushConfig"), v03: null, v10: {}, only: "to 0.3" },

  // Results (§9.4)
  { name: "send result that is a task", translate: result("send"), v03: TASK_03, v10: { task: TASK_10 } },
  {
    name: "send result that is a message",
    translate: result("send"),
    v03: message03([{ kind: "text", text: "hello" }], { role: "agent" }),
    v10: { message: message10([{ text: "hello" }], { role: "ROLE_AGENT" }) },
  },
  { name: "get task result", translate: result("getTask"), v03: TASK_03, v10: TASK_10 },
  { name: "cancel task result", translate: result("cancelTask"), v03: TASK_03, v10: TASK_10 },
  {
    name: "list tasks result, best effort for a 0.3 peer",
    translate: result("listTasks"),
    v03: { tasks: [TASK_03], nextPageToken: "", pageSize: 50, totalSize: 1 },
    v10: { tasks: [TASK_10], nextPageToken: "", pageSize: 50, totalSize: 1 },
  },
  { name: "extended card params", translate: params("extendedCard"), v03: undefined, v10: {} },
  { name: "1.0 tenant of the extended card call", translate: params("extendedCard"), v03: undefined, v10: { tenant: "acme" }, only: "to 0.3" },
  { name: "extended card result", translate: result("extendedCard"), v03: CARD_03, v10: CARD_10 },
];

/** Cases keyed by name, for test titles in full. */
const named = (cases: Case[]) => cases.map((c) => [c.name, c] as const);

describe("from 0.3 to 1.0, the translator rewrites a", () => {
  it.each(named(CASES.filter((c) => c.only !== "to 0.3")))("%s", (_, { translate, v03, v10 }) => {
    expect(translate(v03, "0.3", "1.0")).toStrictEqual(v10);
  });
});

describe("from 1.0 to 0.3, the translator rewrites a", () => {
  it.each(named(CASES.filter((c) => c.only !== "to 1.0")))("%s", (_, { translate, v03, v10 }) => {
    expect(translate(v10, "1.0", "0.3")).toStrictEqual(v03);
  });
});

const STATES: [string, string][] = [
  ["submitted", "TASK_STATE_SUBMITTED"],
  ["working", "TASK_STATE_WORKING"],
  ["input-required", "TASK_STATE_INPUT_REQUIRED"],
  ["completed", "TASK_STATE_COMPLETED"],
  ["canceled", "TASK_STATE_CANCELED"],
  ["failed", "TASK_STATE_FAILED"],
  ["rejected", "TASK_STATE_REJECTED"],
  ["auth-required", "TASK_STATE_AUTH_REQUIRED"],
  ["unknown", "TASK_STATE_UNSPECIFIED"],
];

describe("task states", () => {
  it.each(STATES)("spell %s as %s in 1.0, and back", (v03State, v10State) => {
    const task03 = { kind: "task", id: "t", contextId: "c", status: { state: v03State } };
    const task10 = { id: "t", contextId: "c", status: { state: v10State } };

    expect(translateResult("getTask", task03, "0.3", "1.0")).toStrictEqual(task10);
    expect(translateResult("getTask", task10, "1.0", "0.3")).toStrictEqual(task03);
  });

  it("are the spec's full lists in both versions", () => {
    expect(STATES.map(([v03]) => v03).sort()).toStrictEqual([...a2a.V03TaskState.options].sort());
    expect(STATES.map(([, v10]) => v10).sort()).toStrictEqual([...a2a.V10TaskState.options].sort());
  });

  it.each<[string, boolean]>([
    ["TASK_STATE_COMPLETED", true],
    ["TASK_STATE_FAILED", true],
    ["TASK_STATE_CANCELED", true],
    ["TASK_STATE_REJECTED", true],
    ["TASK_STATE_INPUT_REQUIRED", true],
    ["TASK_STATE_AUTH_REQUIRED", false],
    ["TASK_STATE_WORKING", false],
    ["TASK_STATE_SUBMITTED", false],
    ["TASK_STATE_UNSPECIFIED", false],
  ])("mark a 1.0 status update in %s as final=%s for 0.3", (state, final) => {
    const update = { statusUpdate: { taskId: "t", contextId: "c", status: { state } } };

    const translated = translateStreamEvent(update, "1.0", "0.3") as Json;

    expect(translated.final).toBe(final);
  });

  it("pass through a state neither version knows", () => {
    expect(translateResult("getTask", { id: "t", status: { state: "TASK_STATE_PAUSED" } }, "1.0", "0.3")).toMatchObject({ status: { state: "TASK_STATE_PAUSED" } });
  });
});

// ---------------------------------------------------------------------------------------------
// Errors (§5.4, §9.5)
// ---------------------------------------------------------------------------------------------

const errorInfo = (reason: string, metadata?: Record<string, string>) => ({
  "@type": "type.googleapis.com/google.rpc.ErrorInfo",
  reason,
  domain: "a2a-protocol.org",
  ...(metadata ? { metadata } : {}),
});
const carriedValue = (value: unknown) => ({ "@type": "type.googleapis.com/google.protobuf.Value", value });

describe("errors", () => {
  it.each([
    ["an A2A error without data", { code: -32001, message: "Task not found" }, { code: -32001, message: "Task not found", data: [errorInfo("TASK_NOT_FOUND")] }],
    [
      "an A2A error with string fields, as the spec's migration example",
      { code: -32001, message: "Task not found", data: { taskId: "123" } },
      { code: -32001, message: "Task not found", data: [errorInfo("TASK_NOT_FOUND", { taskId: "123" })] },
    ],
    [
      "an A2A error with any other data",
      { code: -32005, message: "Incompatible content types", data: { accepted: ["text/plain"] } },
      { code: -32005, message: "Incompatible content types", data: [errorInfo("CONTENT_TYPE_NOT_SUPPORTED"), carriedValue({ accepted: ["text/plain"] })] },
    ],
    [
      "0.3's extended card error, renamed in 1.0",
      { code: -32007, message: "Authenticated Extended Card not configured" },
      { code: -32007, message: "Authenticated Extended Card not configured", data: [errorInfo("EXTENDED_AGENT_CARD_NOT_CONFIGURED")] },
    ],
    ["a JSON-RPC error without data", { code: -32603, message: "Internal error" }, { code: -32603, message: "Internal error" }],
    ["a JSON-RPC error with data", { code: -32602, message: "Invalid params", data: "message.parts" }, { code: -32602, message: "Invalid params", data: [carriedValue("message.parts")] }],
    ["a server-defined error", { code: -32050, message: "Busy", data: { retry: 5 } }, { code: -32050, message: "Busy", data: [carriedValue({ retry: 5 })] }],
  ])("carry %s from 0.3 to 1.0 and back", (_, v03, v10) => {
    expect(translateError(v03, "0.3", "1.0")).toStrictEqual(v10);
    expect(translateError(v10, "1.0", "0.3")).toStrictEqual(v03);
  });

  it.each([-32001, -32002, -32003, -32004, -32005, -32006, -32007, -32008, -32009, -32700, -32600, -32601, -32602, -32603])(
    "keep code %i, numbered alike in both versions",
    (code) => {
      expect(translateError({ code, message: "m" }, "0.3", "1.0").code).toBe(code);
      expect(translateError({ code, message: "m" }, "1.0", "0.3").code).toBe(code);
    },
  );

  it("hand a 0.3 caller typed 1.0 details it has no place for as they are", () => {
    const badRequest = { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "message.parts", description: "At least one part is required" }] };

    const translated = translateError({ code: -32602, message: "Invalid parameters", data: [badRequest] }, "1.0", "0.3");

    expect(translated).toStrictEqual({ code: -32602, message: "Invalid parameters", data: [badRequest] });
  });

  it("keep 1.0 details a 0.3 agent already sent", () => {
    const details = [errorInfo("TASK_NOT_FOUND", { taskId: "t" })];

    expect(translateError({ code: -32001, message: "m", data: details }, "0.3", "1.0")).toStrictEqual({ code: -32001, message: "m", data: details });
  });
});

// ---------------------------------------------------------------------------------------------
// Agent cards (§4.4, §8)
// ---------------------------------------------------------------------------------------------

const GATEWAY = "https://gateway.test/a2a/summariser";

describe("agent cards", () => {
  it("served to a 1.0 caller point only at the gateway, over JSON-RPC", () => {
    const agentCard = { ...CARD_03, additionalInterfaces: [{ url: "https://agent.test/grpc", transport: "GRPC" }], signatures: [{ protected: "e30", signature: "sig" }] };

    const served = translateCard(agentCard, "1.0", GATEWAY);

    expect(served).toStrictEqual({ ...CARD_10, supportedInterfaces: [{ url: GATEWAY, protocolBinding: "JSONRPC", protocolVersion: "1.0" }] });
    expect(a2a.V10AgentCard.safeParse(served).success).toBe(true);
  });

  it("served to a 0.3 caller point only at the gateway, over JSON-RPC", () => {
    const agentCard = {
      ...CARD_10,
      supportedInterfaces: [
        { url: "https://agent.test/a2a", protocolBinding: "JSONRPC", protocolVersion: "1.0" },
        { url: "https://agent.test/rest", protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      ],
      signatures: [{ protected: "e30", signature: "sig" }],
    };

    const served = translateCard(agentCard, "0.3", GATEWAY);

    expect(served).toStrictEqual({ ...CARD_03, url: GATEWAY, protocolVersion: "0.3.0" });
    expect(a2a.V03AgentCard.safeParse(served).success).toBe(true);
  });

  it("served in the agent's own version still point at the gateway", () => {
    const served = translateCard({ ...CARD_03, additionalInterfaces: [{ url: "https://agent.test/grpc", transport: "GRPC" }] }, "0.3", GATEWAY);

    expect(served).toStrictEqual({ ...CARD_03, url: GATEWAY, protocolVersion: "0.3.0" });
  });

  it("that declare both versions are read from their 1.0 interfaces", () => {
    const hybrid = { ...CARD_03, supportedInterfaces: [{ url: "https://agent.test/v1", protocolBinding: "JSONRPC", protocolVersion: "1.0" }] };

    const asV10 = translateResult("extendedCard", hybrid, "0.3", "1.0") as Json;

    expect(asV10.supportedInterfaces).toStrictEqual(hybrid.supportedInterfaces);
    expect(asV10.url).toBeUndefined();
  });

  it("offer a 0.3 caller the agent's 0.3 interfaces first", () => {
    const card = {
      ...CARD_10,
      supportedInterfaces: [
        { url: "https://agent.test/v1", protocolBinding: "JSONRPC", protocolVersion: "1.0" },
        { url: "https://agent.test/v03", protocolBinding: "JSONRPC", protocolVersion: "0.3" },
        { url: "https://agent.test/v03/rest", protocolBinding: "HTTP+JSON", protocolVersion: "0.3" },
      ],
    };

    const asV03 = translateResult("extendedCard", card, "1.0", "0.3");

    expect(asV03).toMatchObject({
      url: "https://agent.test/v03",
      preferredTransport: "JSONRPC",
      protocolVersion: "0.3",
      additionalInterfaces: [{ url: "https://agent.test/v03/rest", transport: "HTTP+JSON" }],
    });
  });

  it.each([
    ["API key", { type: "apiKey", in: "query", name: "key", description: "d" }, { apiKeySecurityScheme: { location: "query", name: "key", description: "d" } }],
    ["HTTP", { type: "http", scheme: "bearer", bearerFormat: "JWT" }, { httpAuthSecurityScheme: { scheme: "bearer", bearerFormat: "JWT" } }],
    [
      "OAuth 2",
      { type: "oauth2", flows: { authorizationCode: { authorizationUrl: "https://a.test", tokenUrl: "https://t.test", scopes: { read: "Read" } } }, oauth2MetadataUrl: "https://m.test" },
      { oauth2SecurityScheme: { flows: { authorizationCode: { authorizationUrl: "https://a.test", tokenUrl: "https://t.test", scopes: { read: "Read" } } }, oauth2MetadataUrl: "https://m.test" } },
    ],
    ["OpenID Connect", { type: "openIdConnect", openIdConnectUrl: "https://o.test" }, { openIdConnectSecurityScheme: { openIdConnectUrl: "https://o.test" } }],
    ["mutual TLS", { type: "mutualTLS" }, { mtlsSecurityScheme: {} }],
  ])("carry %s security schemes both ways", (_, v03Scheme, v10Scheme) => {
    const card03 = { ...CARD_03, securitySchemes: { s: v03Scheme } };
    const card10 = { ...CARD_10, securitySchemes: { s: v10Scheme } };

    expect(translateResult("extendedCard", card03, "0.3", "1.0")).toStrictEqual(card10);
    expect(translateResult("extendedCard", card10, "1.0", "0.3")).toStrictEqual(card03);
  });

  it("keep one OAuth flow for 1.0, whose flows are a oneof", () => {
    const flows = { clientCredentials: { tokenUrl: "https://t.test", scopes: {} }, implicit: { authorizationUrl: "https://a.test", scopes: {} } };

    const card = translateResult("extendedCard", { ...CARD_03, securitySchemes: { o: { type: "oauth2", flows } } }, "0.3", "1.0") as Json;

    expect(card.securitySchemes).toStrictEqual({ o: { oauth2SecurityScheme: { flows: { clientCredentials: flows.clientCredentials } } } });
  });

  it("drop the device code flow for 0.3, which has none", () => {
    const scheme = { oauth2SecurityScheme: { flows: { deviceCode: { deviceAuthorizationUrl: "https://d.test", tokenUrl: "https://t.test", scopes: {} } } } };

    const card = translateResult("extendedCard", { ...CARD_10, securitySchemes: { o: scheme } }, "1.0", "0.3") as Json;

    expect(card.securitySchemes).toStrictEqual({ o: { type: "oauth2", flows: {} } });
  });

  it("map skills' security requirements", () => {
    const card03 = { ...CARD_03, skills: [{ id: "s", name: "S", description: "d", tags: [], security: [{ oauth: ["read", "write"] }] }] };
    const card10 = { ...CARD_10, skills: [{ id: "s", name: "S", description: "d", tags: [], securityRequirements: [{ schemes: { oauth: { list: ["read", "write"] } } }] }] };

    expect(translateResult("extendedCard", card03, "0.3", "1.0")).toStrictEqual(card10);
    expect(translateResult("extendedCard", card10, "1.0", "0.3")).toStrictEqual(card03);
  });
});

describe("cardVersion", () => {
  const iface = (protocolVersion: string, protocolBinding = "JSONRPC") => ({ url: "https://agent.test", protocolBinding, protocolVersion });

  it.each<[string, unknown, A2AVersion[], A2AVersion]>([
    ["a 0.3 card", CARD_03, ["0.3"], "0.3"],
    ["a 0.3 card spelling its version with a patch", { ...CARD_03, protocolVersion: "0.3.0" }, ["0.3"], "0.3"],
    ["a 0.3 card without a version", { name: "n", url: "https://agent.test" }, ["0.3"], "0.3"],
    ["a 1.0 card", { name: "n", supportedInterfaces: [iface("1.0")] }, ["1.0"], "1.0"],
    ["a 1.0 card on a later minor version", { name: "n", supportedInterfaces: [iface("1.2")] }, ["1.0"], "1.0"],
    ["a 1.0 card with 0.3 and 1.0 interfaces", { name: "n", supportedInterfaces: [iface("0.3"), iface("1.0")] }, ["0.3", "1.0"], "1.0"],
    ["a card with both versions' fields", { ...CARD_03, supportedInterfaces: [iface("1.0")] }, ["0.3", "1.0"], "1.0"],
    ["a 1.0 card speaking 1.0 over gRPC only", { name: "n", supportedInterfaces: [iface("0.3"), iface("1.0", "GRPC")] }, ["0.3"], "0.3"],
    ["a 1.0 card keeping a bare url", { name: "n", url: "https://agent.test", supportedInterfaces: [iface("1.0")] }, ["1.0"], "1.0"],
    ["a card naming no version at all", { name: "n" }, ["0.3"], "0.3"],
    ["something that is not a card", "nonsense", ["0.3"], "0.3"],
  ])("reads %s", (_, card, versions, preferred) => {
    expect(cardVersion(card)).toStrictEqual({ versions, preferred });
  });
});

// ---------------------------------------------------------------------------------------------
// Checked against the a2a-js SDK's own translators
// ---------------------------------------------------------------------------------------------

interface ProtoJson<T = any> {
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

/** How the SDK's 0.3 transports call each operation, and the proto types of its params and result. */
interface SdkBinding {
  params: ProtoJson;
  call: (transport: LegacyJsonRpcTransport, params: any) => Promise<unknown>;
  resultToJson: (result: any) => unknown;
  resultFromJson: (json: any) => unknown;
}

const TASK_OR_MESSAGE: Pick<SdkBinding, "resultToJson" | "resultFromJson"> = {
  resultToJson: (r) => ("status" in r ? { task: sdk.Task.toJSON(r) } : { message: sdk.Message.toJSON(r) }),
  resultFromJson: (json) => (json.task ? sdk.Task.fromJSON(json.task) : sdk.Message.fromJSON(json.message)),
};
const proto = (type: ProtoJson): Pick<SdkBinding, "resultToJson" | "resultFromJson"> => ({ resultToJson: type.toJSON, resultFromJson: type.fromJSON });

const SDK_BINDINGS: Partial<Record<Operation, SdkBinding>> = {
  send: { params: sdk.SendMessageRequest, call: (t, p) => t.sendMessage(p), ...TASK_OR_MESSAGE },
  getTask: { params: sdk.GetTaskRequest, call: (t, p) => t.getTask(p), ...proto(sdk.Task) },
  cancelTask: { params: sdk.CancelTaskRequest, call: (t, p) => t.cancelTask(p), ...proto(sdk.Task) },
  setPushConfig: { params: sdk.TaskPushNotificationConfig, call: (t, p) => t.createTaskPushNotificationConfig(p), ...proto(sdk.TaskPushNotificationConfig) },
  getPushConfig: { params: sdk.GetTaskPushNotificationConfigRequest, call: (t, p) => t.getTaskPushNotificationConfig(p), ...proto(sdk.TaskPushNotificationConfig) },
  listPushConfigs: {
    params: sdk.ListTaskPushNotificationConfigsRequest,
    call: (t, p) => t.listTaskPushNotificationConfig(p),
    ...proto(sdk.ListTaskPushNotificationConfigsResponse),
  },
  deletePushConfig: {
    params: sdk.DeleteTaskPushNotificationConfigRequest,
    call: (t, p) => t.deleteTaskPushNotificationConfig(p),
    resultToJson: () => null,
    resultFromJson: () => undefined,
  },
  extendedCard: { params: sdk.GetExtendedAgentCardRequest, call: (t, p) => t.getExtendedAgentCard(p), ...proto(sdk.AgentCard) },
};

interface OracleCase {
  op: Operation;
  params03: unknown;
  params10: unknown;
  result03: unknown;
  result10: unknown;
}

const ORACLE_CASES: OracleCase[] = [
  {
    op: "send",
    params03: {
      message: message03([{ kind: "text", text: "hi" }], { contextId: "ctx-1" }),
      configuration: { blocking: false, acceptedOutputModes: ["text/plain"], historyLength: 2, pushNotificationConfig: PUSH_CONFIG_03.pushNotificationConfig },
      metadata: { a: 1 },
    },
    params10: {
      message: message10([{ text: "hi" }], { contextId: "ctx-1" }),
      configuration: {
        returnImmediately: true,
        acceptedOutputModes: ["text/plain"],
        historyLength: 2,
        taskPushNotificationConfig: { id: "cfg-1", url: "https://hooks.test/a2a", token: "tok", authentication: { scheme: "Bearer", credentials: "secret" } },
      },
      metadata: { a: 1 },
    },
    result03: TASK_03,
    result10: { task: TASK_10 },
  },
  { op: "getTask", params03: { id: "task-1", historyLength: 2 }, params10: { id: "task-1", historyLength: 2 }, result03: TASK_03, result10: TASK_10 },
  { op: "cancelTask", params03: { id: "task-1", metadata: { why: "user" } }, params10: { id: "task-1", metadata: { why: "user" } }, result03: TASK_03, result10: TASK_10 },
  { op: "setPushConfig", params03: PUSH_CONFIG_03, params10: PUSH_CONFIG_10, result03: PUSH_CONFIG_03, result10: PUSH_CONFIG_10 },
  {
    op: "getPushConfig",
    params03: { id: "task-1", pushNotificationConfigId: "cfg-1" },
    params10: { taskId: "task-1", id: "cfg-1" },
    result03: PUSH_CONFIG_03,
    result10: PUSH_CONFIG_10,
  },
  { op: "listPushConfigs", params03: { id: "task-1" }, params10: { taskId: "task-1" }, result03: [PUSH_CONFIG_03], result10: { configs: [PUSH_CONFIG_10] } },
  {
    op: "deletePushConfig",
    params03: { id: "task-1", pushNotificationConfigId: "cfg-1" },
    params10: { taskId: "task-1", id: "cfg-1" },
    result03: null,
    result10: null,
  },
  { op: "extendedCard", params03: undefined, params10: {}, result03: CARD_03, result10: CARD_10 },
];

/** One call through the SDK's own 0.3 client, against a 0.3 agent that answers `result03`. */
async function throughSdkClient(op: Operation, params10: unknown, result03: unknown) {
  const binding = SDK_BINDINGS[op]!;
  let sent: Json = {};
  const fetchImpl = (async (_url: unknown, init?: RequestInit) => {
    sent = JSON.parse(String(init?.body));
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: sent.id, result: result03 }), { headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  const transport = new LegacyJsonRpcTransport({ endpoint: "https://agent.test/a2a", fetchImpl });
  const result = await binding.call(transport, binding.params.fromJSON(params10));
  return { method: sent.method, params: sent.params, result: binding.resultToJson(result) };
}

/** One call from a 0.3 client through the SDK's own 0.3 server, to a handler answering `result10`. */
async function throughSdkServer(op: Operation, params03: unknown, result10: unknown) {
  const binding = SDK_BINDINGS[op]!;
  let received: unknown;
  const handler = new Proxy({} as A2ARequestHandler, {
    get: () => async (handed: unknown) => {
      received = handed;
      return binding.resultFromJson(result10);
    },
  });
  const request = { jsonrpc: "2.0", id: 1, method: methodNames[op]["0.3"], ...(params03 === undefined ? {} : { params: params03 }) };
  const response = (await new LegacyJsonRpcTransportHandler(handler).handle(request, new ServerCallContext())) as Json;
  return { params: binding.params.toJSON(received), result: response.result };
}

describe.each(ORACLE_CASES)("like the SDK's 0.3 compatibility layer, $op", ({ op, params03, params10, result03, result10 }) => {
  it("sends a 0.3 agent what the SDK's 0.3 client sends", async () => {
    const viaSdk = await throughSdkClient(op, params10, result03);

    expect(methodNames[op]["0.3"]).toBe(viaSdk.method);
    expect(translateParams(op, params10, "1.0", "0.3")).toStrictEqual(viaSdk.params);
  });

  it("reads a 0.3 agent's answer as the SDK's 0.3 client does", async () => {
    const viaSdk = await throughSdkClient(op, params10, result03);

    expect(translateResult(op, result03, "0.3", "1.0")).toStrictEqual(viaSdk.result);
  });

  it("hands a 1.0 agent what the SDK's 0.3 server hands its handler", async () => {
    const viaSdk = await throughSdkServer(op, params03, result10);

    expect(translateParams(op, params03, "0.3", "1.0")).toStrictEqual(viaSdk.params);
  });

  it("answers a 0.3 caller as the SDK's 0.3 server does", async () => {
    const viaSdk = await throughSdkServer(op, params03, result10);

    expect(translateResult(op, result10, "1.0", "0.3")).toStrictEqual(viaSdk.result);
  });
});

describe("stream events and cards, like the SDK", () => {
  const EVENTS_03: Json[] = [
    TASK_03,
    message03([{ kind: "file", file: { bytes: "aGk=", mimeType: "text/plain", name: "hi.txt" } }], { role: "agent", taskId: "task-1" }),
    { kind: "status-update", taskId: "task-1", contextId: "ctx-1", status: { state: "working", message: message03([{ kind: "text", text: "…" }], { role: "agent" }) }, final: false },
    { kind: "status-update", taskId: "task-1", contextId: "ctx-1", status: { state: "failed" }, final: true, metadata: { attempt: 3 } },
    { kind: "artifact-update", taskId: "task-1", contextId: "ctx-1", artifact: { artifactId: "a", parts: [{ kind: "data", data: { n: 1 } }] }, append: true, lastChunk: true },
  ];

  it.each(EVENTS_03)("reads the 0.3 $kind event as the SDK does", (v03) => {
    const viaSdk = sdk.StreamResponse.toJSON(legacyPushNotificationToV1StreamResponse(v03));

    expect(translateStreamEvent(v03, "0.3", "1.0")).toStrictEqual(viaSdk);
  });

  it.each(EVENTS_03)("writes the 0.3 $kind event as the SDK does", (v03) => {
    const v10 = translateStreamEvent(v03, "0.3", "1.0");

    const viaSdk = JSON.parse(new V03PushNotificationSerializer().serialize(sdk.StreamResponse.fromJSON(v10)).body);

    expect(translateStreamEvent(v10, "1.0", "0.3")).toStrictEqual(viaSdk);
  });

  it("reads a 0.3 card as the SDK does", () => {
    expect(translateResult("extendedCard", CARD_03, "0.3", "1.0")).toStrictEqual(sdk.AgentCard.toJSON(parseLegacyAgentCard(CARD_03)));
  });
});

describe("where it parts from the SDK, on purpose, it", () => {
  it("tells a 0.3 client that input-required ends the stream, as 1.0 streams close there", () => {
    const v10 = { statusUpdate: { taskId: "t", contextId: "c", status: { state: "TASK_STATE_INPUT_REQUIRED" } } };

    const viaSdk = JSON.parse(new V03PushNotificationSerializer().serialize(sdk.StreamResponse.fromJSON(v10)).body);

    expect(translateStreamEvent(v10, "1.0", "0.3")).toStrictEqual({ ...viaSdk, final: true });
  });

  it("lets a 0.3 send that does not say blocking block, as 0.3 servers did", async () => {
    const params03 = { message: message03([{ kind: "text", text: "hi" }]), configuration: { acceptedOutputModes: ["text/plain"] } };

    const viaSdk = await throughSdkServer("send", params03, { task: TASK_10 });

    expect(viaSdk.params).toMatchObject({ configuration: { returnImmediately: true } });
    expect(translateParams("send", params03, "0.3", "1.0")).toStrictEqual({ message: message10([{ text: "hi" }]), configuration: { acceptedOutputModes: ["text/plain"] } });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const RUNS = { numRuns: 2000 };

/** Payloads arrive as parsed JSON: plain objects only, as fast-check may otherwise make them without a prototype. */
const asJson = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T> => arbitrary.map((value) => JSON.parse(JSON.stringify(value)) as T);

const id = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-"), minLength: 1, maxLength: 12 });
/** A map key; not "constructor", which toStrictEqual would compare as the object's type. */
const key = id.filter((k) => k !== "constructor");
const text = fc.string({ maxLength: 16 });
const url = id.map((host) => `https://${host}.test/a2a`);
const base64 = fc.base64String({ maxLength: 16 });
const strings = fc.array(text, { maxLength: 2 });
const metadata = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 });
/** Any field neither spec defines, which must survive translation. */
const extension = fc.jsonValue({ maxDepth: 2 });

const v03File = fc.oneof(
  fc.record({ bytes: base64, mimeType: text, name: text }, { requiredKeys: ["bytes"] }),
  fc.record({ uri: url, mimeType: text, name: text }, { requiredKeys: ["uri"] }),
);
const v03Part = fc.oneof(
  fc.record({ kind: fc.constant("text"), text, metadata }, { requiredKeys: ["kind", "text"] }),
  fc.record({ kind: fc.constant("file"), file: v03File, metadata }, { requiredKeys: ["kind", "file"] }),
  fc.record({ kind: fc.constant("data"), data: metadata, metadata }, { requiredKeys: ["kind", "data"] }),
);
const v03Message = fc.record(
  {
    kind: fc.constant("message"),
    messageId: id,
    role: fc.constantFrom("user", "agent"),
    parts: fc.array(v03Part, { minLength: 1, maxLength: 3 }),
    contextId: id,
    taskId: id,
    referenceTaskIds: fc.array(id, { maxLength: 2 }),
    extensions: fc.array(url, { maxLength: 2 }),
    metadata,
    "x-extension": extension,
  },
  { requiredKeys: ["kind", "messageId", "role", "parts"] },
);
const v03State = fc.constantFrom(...STATES.map(([v03]) => v03));
const v03Status = fc.record({ state: v03State, message: v03Message, timestamp: fc.constant("2025-10-28T10:30:00.000Z") }, { requiredKeys: ["state"] });
const v03Artifact = fc.record(
  { artifactId: id, parts: fc.array(v03Part, { minLength: 1, maxLength: 3 }), name: text, description: text, extensions: strings, metadata },
  { requiredKeys: ["artifactId", "parts"] },
);
const v03Task = fc.record(
  {
    kind: fc.constant("task"),
    id,
    contextId: id,
    status: v03Status,
    history: fc.array(v03Message, { maxLength: 2 }),
    artifacts: fc.array(v03Artifact, { maxLength: 2 }),
    metadata,
    "x-extension": extension,
  },
  { requiredKeys: ["kind", "id", "contextId", "status"] },
);
/** `final` as the spec reads it: the last event of the interaction's stream. */
const v03StatusUpdate = fc
  .record({ kind: fc.constant("status-update"), taskId: id, contextId: id, status: v03Status, metadata }, { requiredKeys: ["kind", "taskId", "contextId", "status"] })
  .map((e) => ({ ...e, final: ["completed", "canceled", "failed", "rejected", "input-required"].includes(e.status.state) }));
const v03ArtifactUpdate = fc.record(
  { kind: fc.constant("artifact-update"), taskId: id, contextId: id, artifact: v03Artifact, append: fc.boolean(), lastChunk: fc.boolean(), metadata },
  { requiredKeys: ["kind", "taskId", "contextId", "artifact"] },
);
const v03Event = fc.oneof(v03Message, v03Task, v03StatusUpdate, v03ArtifactUpdate);

const v03PushConfig = fc.record(
  {
    url,
    id,
    token: text,
    // 1.0 keeps one scheme and requires it, so valid 0.3 configs that survive intact name exactly one.
    authentication: fc.record({ schemes: fc.tuple(fc.constantFrom("Bearer", "Basic")), credentials: text }, { requiredKeys: ["schemes"] }),
  },
  { requiredKeys: ["url"] },
);
const v03SendParams = fc.record(
  {
    message: v03Message,
    configuration: fc.record({ acceptedOutputModes: strings, blocking: fc.boolean(), historyLength: fc.nat(20), pushNotificationConfig: v03PushConfig }, { requiredKeys: [] }),
    metadata,
  },
  { requiredKeys: ["message"] },
);
const v03TaskPushConfig = fc.record({ taskId: id, pushNotificationConfig: v03PushConfig });

const v03SecurityScheme = fc.oneof(
  fc.record({ type: fc.constant("apiKey"), in: fc.constantFrom("header", "query", "cookie"), name: text, description: text }, { requiredKeys: ["type", "in", "name"] }),
  fc.record({ type: fc.constant("http"), scheme: fc.constantFrom("bearer", "basic"), bearerFormat: text }, { requiredKeys: ["type", "scheme"] }),
  fc.record({
    type: fc.constant("oauth2"),
    flows: fc.oneof(
      fc.record({ clientCredentials: fc.record({ tokenUrl: url, scopes: fc.dictionary(key, text, { maxKeys: 2 }) }) }),
      fc.record({ authorizationCode: fc.record({ authorizationUrl: url, tokenUrl: url, scopes: fc.dictionary(key, text, { maxKeys: 2 }) }) }),
    ),
  }),
  fc.record({ type: fc.constant("openIdConnect"), openIdConnectUrl: url }),
  fc.record({ type: fc.constant("mutualTLS") }),
);
const v03Security = fc.array(fc.dictionary(key, fc.array(id, { maxLength: 2 }), { maxKeys: 2 }), { maxLength: 2 });
const v03Card = fc.record(
  {
    protocolVersion: fc.constantFrom("0.3", "0.3.0"),
    name: text,
    description: text,
    url,
    version: text,
    preferredTransport: fc.constantFrom("JSONRPC", "HTTP+JSON", "GRPC"),
    additionalInterfaces: fc.array(fc.record({ url, transport: fc.constantFrom("JSONRPC", "HTTP+JSON", "GRPC") }), { minLength: 1, maxLength: 2 }),
    capabilities: fc.record({ streaming: fc.boolean(), pushNotifications: fc.boolean(), stateTransitionHistory: fc.boolean() }, { requiredKeys: [] }),
    supportsAuthenticatedExtendedCard: fc.boolean(),
    securitySchemes: fc.dictionary(key, v03SecurityScheme, { maxKeys: 2 }),
    security: v03Security,
    defaultInputModes: strings,
    defaultOutputModes: strings,
    skills: fc.array(fc.record({ id, name: text, description: text, tags: strings, security: v03Security }, { requiredKeys: ["id", "name", "description", "tags"] }), {
      maxLength: 2,
    }),
  },
  { requiredKeys: ["protocolVersion", "name", "description", "url", "version", "preferredTransport", "capabilities", "defaultInputModes", "defaultOutputModes", "skills"] },
);

const v10Part = fc.oneof(
  fc.record({ text, metadata, mediaType: text }, { requiredKeys: ["text"] }),
  fc.record({ raw: base64, filename: text, mediaType: text, metadata }, { requiredKeys: ["raw"] }),
  fc.record({ url, filename: text, mediaType: text, metadata }, { requiredKeys: ["url"] }),
  fc.record({ data: fc.jsonValue({ maxDepth: 2 }), mediaType: text, metadata }, { requiredKeys: ["data"] }),
);
const v10Message = fc.record(
  {
    messageId: id,
    role: fc.constantFrom("ROLE_USER", "ROLE_AGENT"),
    parts: fc.array(v10Part, { minLength: 1, maxLength: 3 }),
    contextId: id,
    taskId: id,
    referenceTaskIds: fc.array(id, { minLength: 1, maxLength: 2 }),
    extensions: fc.array(url, { minLength: 1, maxLength: 2 }),
    metadata,
  },
  { requiredKeys: ["messageId", "role", "parts"] },
);
const v10Status = fc.record(
  { state: fc.constantFrom(...STATES.map(([, v10]) => v10)), message: v10Message, timestamp: fc.constant("2025-10-28T10:30:00.000Z") },
  { requiredKeys: ["state"] },
);
const v10Artifact = fc.record({ artifactId: id, parts: fc.array(v10Part, { minLength: 1, maxLength: 3 }), name: text, metadata }, { requiredKeys: ["artifactId", "parts"] });
const v10StreamResponse = fc.oneof(
  fc.record({
    task: fc.record(
      { id, contextId: id, status: v10Status, history: fc.array(v10Message, { minLength: 1, maxLength: 2 }), artifacts: fc.array(v10Artifact, { minLength: 1, maxLength: 2 }), metadata },
      { requiredKeys: ["id", "contextId", "status"] },
    ),
  }),
  fc.record({ message: v10Message }),
  fc.record({ statusUpdate: fc.record({ taskId: id, contextId: id, status: v10Status, metadata }, { requiredKeys: ["taskId", "contextId", "status"] }) }),
  fc.record({
    artifactUpdate: fc.record({ taskId: id, contextId: id, artifact: v10Artifact, append: fc.boolean(), lastChunk: fc.boolean() }, { requiredKeys: ["taskId", "contextId", "artifact"] }),
  }),
);

const roundTrips = <T>(value: T, there: (v: T) => unknown, back: (v: unknown) => unknown) => {
  expect(back(there(value))).toStrictEqual(value);
};

describe("any valid payload", () => {
  it("of 0.3 stream events comes back unchanged from 1.0, having been valid 1.0 there", () => {
    fc.assert(
      fc.property(asJson(v03Event), (v03) => {
        const v10 = translateStreamEvent(v03, "0.3", "1.0");

        expect(a2a.V10StreamResponse.safeParse(v10).error).toBeUndefined();
        expect(translateStreamEvent(v10, "1.0", "0.3")).toStrictEqual(v03);
      }),
      RUNS,
    );
  });

  it("of 1.0 stream responses comes back unchanged from 0.3, having been valid 0.3 there", () => {
    fc.assert(
      fc.property(asJson(v10StreamResponse), (v10) => {
        const v03 = translateStreamEvent(v10, "1.0", "0.3");

        expect(a2a.V03StreamEvent.safeParse(v03).error).toBeUndefined();
        expect(translateStreamEvent(v03, "0.3", "1.0")).toStrictEqual(v10);
      }),
      RUNS,
    );
  });

  it("of 0.3 send params comes back unchanged from 1.0", () => {
    fc.assert(
      fc.property(asJson(v03SendParams), (v03) => {
        expect(a2a.V10SendMessageRequest.safeParse(translateParams("send", v03, "0.3", "1.0")).error).toBeUndefined();
        roundTrips(v03, (v) => translateParams("send", v, "0.3", "1.0"), (v) => translateParams("send", v, "1.0", "0.3"));
      }),
      RUNS,
    );
  });

  it("of 0.3 push notification configs comes back unchanged from 1.0", () => {
    fc.assert(
      fc.property(asJson(v03TaskPushConfig), fc.constantFrom<Operation>("setPushConfig", "getPushConfig"), (v03, op) => {
        roundTrips(v03, (v) => translateResult(op, v, "0.3", "1.0"), (v) => translateResult(op, v, "1.0", "0.3"));
        roundTrips([v03], (v) => translateResult("listPushConfigs", v, "0.3", "1.0"), (v) => translateResult("listPushConfigs", v, "1.0", "0.3"));
      }),
      RUNS,
    );
  });

  it("of 0.3 errors comes back unchanged from 1.0", () => {
    const code = fc.oneof(fc.integer({ min: -32099, max: -32000 }), fc.constantFrom(-32700, -32600, -32601, -32602, -32603), fc.integer());
    const error = fc.record({ code, message: text, data: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ["code", "message"] });

    fc.assert(
      fc.property(asJson(error), (v03) => {
        roundTrips(v03, (v) => translateError(v, "0.3", "1.0"), (v) => translateError(v as typeof v03, "1.0", "0.3"));
      }),
      RUNS,
    );
  });

  it("of 0.3 agent cards comes back unchanged from 1.0, having been a valid 1.0 card there", () => {
    fc.assert(
      fc.property(asJson(v03Card), (v03) => {
        const v10 = translateResult("extendedCard", v03, "0.3", "1.0");

        expect(a2a.V10AgentCard.safeParse(v10).error).toBeUndefined();
        expect(translateResult("extendedCard", v10, "1.0", "0.3")).toStrictEqual(v03);
      }),
      { numRuns: 500 },
    );
  });
});

/** Objects built from the field names and discriminators the translator looks at, holding anything. */
const FIELDS = [
  "kind", "text", "file", "bytes", "uri", "data", "raw", "url", "metadata", "data_part_compat", "value", "parts", "message", "status",
  "state", "history", "artifacts", "artifact", "task", "statusUpdate", "artifactUpdate", "role", "configuration", "blocking",
  "returnImmediately", "pushNotificationConfig", "taskPushNotificationConfig", "authentication", "schemes", "scheme", "configs", "tasks",
  "id", "taskId", "pushNotificationConfigId", "supportedInterfaces", "additionalInterfaces", "protocolVersion", "protocolBinding",
  "capabilities", "securitySchemes", "security", "securityRequirements", "skills", "flows", "type", "in", "location", "list",
  "apiKeySecurityScheme", "oauth2SecurityScheme", "@type", "domain", "code",
];
const TOKENS = ["text", "file", "data", "message", "task", "status-update", "artifact-update", "user", "ROLE_AGENT", "completed", "TASK_STATE_WORKING", "apiKey", "oauth2", "JSONRPC", "0.3", "1.0", "type.googleapis.com/google.rpc.ErrorInfo", "type.googleapis.com/google.protobuf.Value", "a2a-protocol.org"];
const { junk } = fc.letrec((tie) => ({
  junk: fc.oneof(
    { depthSize: "small" },
    fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true }),
    fc.constantFrom(...TOKENS),
    fc.array(tie("junk"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie("junk"), { maxKeys: 6 }),
  ),
}));

describe("any junk at all", () => {
  it("never makes a translator throw", () => {
    fc.assert(
      fc.property(junk, fc.constantFrom(...OPERATIONS), fc.constantFrom(...VERSIONS), (value, op, from) => {
        const to: A2AVersion = from === "0.3" ? "1.0" : "0.3";
        translateParams(op, value, from, to);
        translateResult(op, value, from, to);
        translateStreamEvent(value, from, to);
        translateError({ code: -32001, message: "m", data: value }, from, to);
        translateError(value as JsonRpcErrorObject, from, to);
        translateCard(value, to, GATEWAY);
        cardVersion(value);
      }),
      { numRuns: 5000 },
    );
  });

  it("never makes version detection throw", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), fc.string()), (headers, query) => {
        const asked = versionAsked(headers, query);
        if ("served" in asked && asked.served !== undefined) expect(VERSIONS).toContain(asked.served);
      }),
      RUNS,
    );
  });
});
