/**
 * The bodies of A2A 0.3's HTTP+JSON binding: the ProtoJSON of 0.3's `a2a.proto`, as @a2a-js/sdk's
 * 0.3 REST client and server write them, to and from the 0.3 JSON-RPC objects the rest of the
 * gateway speaks. They differ in spelling only: no `kind` (a oneof is told by which member is set),
 * enums as `TASK_STATE_*` / `ROLE_*` (0.3's proto spells CANCELLED), a message's parts are its
 * `content`, a file's content is `fileWithUri` / `fileWithBytes`, a data part's object sits one
 * level down, a push config names its task in a resource `name`, results come wrapped as
 * `{ task }` or `{ message }`.
 *
 * As in ./translate.ts: nothing throws, fields neither side renames are carried over, and only the
 * lowerCamelCase JSON names every ProtoJSON printer writes are read.
 */
import type { Operation } from "./methods.ts";
import {
  enumMapping,
  isRecord,
  mapItems,
  mapValues,
  onRecord,
  patch,
  role as roleNames,
  securityRequirement,
  securityScheme,
  TASK_STATE_NAMES,
  type Translate,
  type Translators,
} from "./translate.ts";

/** Which way: to 0.3's JSON-RPC objects, or to ProtoJSON. */
export type ProtoSide = "rpc" | "proto";
type Codec = Record<ProtoSide, Translate>;

/** ProtoJSON spells enums as 1.0 does (1.0's JSON is ProtoJSON), so translate.ts's tables serve: its 1.0 side is ours. */
const fromTranslators = (t: Translators): Codec => ({ proto: t["1.0"], rpc: t["0.3"] });
const codec = (rpc: Translate, proto: Translate): Codec => ({ rpc, proto });

const state = fromTranslators(enumMapping({ ...TASK_STATE_NAMES, canceled: "TASK_STATE_CANCELLED" }));
const role = fromTranslators(roleNames);

// Parts and messages --------------------------------------------------------------------------

const part = codec(
  onRecord((p) => {
    if (p.text !== undefined) return patch(p, { kind: "text" });
    if (isRecord(p.file)) {
      const { fileWithUri, fileWithBytes, ...file } = p.file;
      return patch(p, { kind: "file", file: { ...file, ...(fileWithBytes !== undefined ? { bytes: fileWithBytes } : { uri: fileWithUri }) } });
    }
    if (isRecord(p.data)) return patch(p, { kind: "data", data: p.data.data ?? {} });
    return p;
  }),
  onRecord((p) => {
    if (p.kind === "data") return patch(p, { kind: undefined, data: { data: p.data } });
    if (p.kind !== "file" || !isRecord(p.file)) return patch(p, { kind: undefined });
    const { bytes, uri, ...file } = p.file;
    return patch(p, { kind: undefined, file: { ...file, ...(bytes !== undefined ? { fileWithBytes: bytes } : { fileWithUri: uri }) } });
  }),
);

const message = codec(
  onRecord((m) => patch(m, { kind: "message", role: role.rpc(m.role), content: undefined, parts: mapItems(m.content ?? [], part.rpc) })),
  onRecord((m) => patch(m, { kind: undefined, role: role.proto(m.role), parts: undefined, content: mapItems(m.parts, part.proto) })),
);

const artifact = codec(
  onRecord((a) => patch(a, { parts: mapItems(a.parts ?? [], part.rpc) })),
  onRecord((a) => patch(a, { parts: mapItems(a.parts, part.proto) })),
);

// Tasks and stream events ---------------------------------------------------------------------

/** ProtoJSON leaves out defaults: an unset state (UNSPECIFIED), an empty context id, a false `final`. */
const status = codec(
  onRecord((s) => patch(s, { state: state.rpc(s.state ?? "TASK_STATE_UNSPECIFIED"), message: message.rpc(s.message) })),
  onRecord((s) => patch(s, { state: state.proto(s.state), message: message.proto(s.message) })),
);

const task = codec(
  onRecord((t) =>
    patch(t, { kind: "task", contextId: t.contextId ?? "", status: status.rpc(t.status ?? {}), history: mapItems(t.history, message.rpc), artifacts: mapItems(t.artifacts, artifact.rpc) }),
  ),
  onRecord((t) => patch(t, { kind: undefined, status: status.proto(t.status), history: mapItems(t.history, message.proto), artifacts: mapItems(t.artifacts, artifact.proto) })),
);

const statusUpdate = codec(
  onRecord((e) => patch(e, { kind: "status-update", status: status.rpc(e.status ?? {}), final: e.final ?? false })),
  onRecord((e) => patch(e, { kind: undefined, status: status.proto(e.status) })),
);

const artifactUpdate = codec(
  onRecord((e) => patch(e, { kind: "artifact-update", artifact: artifact.rpc(e.artifact) })),
  onRecord((e) => patch(e, { kind: undefined, artifact: artifact.proto(e.artifact) })),
);

/** A 0.3 StreamResponse (and SendMessageResponse, its first two members): the member set says what it holds. */
const STREAMED = [
  { kind: "task", member: "task", codec: task },
  { kind: "message", member: "message", codec: message },
  { kind: "status-update", member: "statusUpdate", codec: statusUpdate },
  { kind: "artifact-update", member: "artifactUpdate", codec: artifactUpdate },
] as const;

const streamEvent = codec(
  onRecord((e) => {
    const streamed = STREAMED.find((s) => isRecord(e[s.member]));
    return streamed ? streamed.codec.rpc(e[streamed.member]) : e;
  }),
  onRecord((e) => {
    const streamed = STREAMED.find((s) => s.kind === e.kind);
    return streamed ? { [streamed.member]: streamed.codec.proto(e) } : e;
  }),
);

// Push configs, requests, cards ---------------------------------------------------------------

/** `name` is `tasks/{taskId}/pushNotificationConfigs/{configId}`; the config itself is spelt alike. */
const taskPushConfig = codec(
  onRecord(({ name, ...config }) => {
    const taskId = typeof name === "string" ? /^tasks\/([^/]+)/.exec(name)?.[1] : undefined;
    return taskId === undefined ? config : { taskId, ...config };
  }),
  onRecord(({ taskId, ...config }) => {
    const configId = isRecord(config.pushNotificationConfig) ? (config.pushNotificationConfig.id ?? "") : "";
    return { name: `tasks/${String(taskId)}/pushNotificationConfigs/${String(configId)}`, ...config };
  }),
);

const configList = codec(
  onRecord((response) => mapItems(response.configs ?? [], taskPushConfig.rpc)),
  (list) => (Array.isArray(list) ? { configs: list.map(taskPushConfig.proto) } : list),
);

/**
 * The push config is `pushNotification` in ProtoJSON. `blocking` is a plain proto bool, so unset
 * reads false once a configuration is sent (as the SDK's 0.3 server reads it), where 0.3's
 * JSON-RPC servers block: each side writes it out so the other reads what was meant.
 */
const sendConfig = codec(
  onRecord((c) => patch(c, { pushNotification: undefined, pushNotificationConfig: c.pushNotification, blocking: c.blocking ?? false })),
  onRecord((c) => patch(c, { pushNotificationConfig: undefined, pushNotification: c.pushNotificationConfig, blocking: c.blocking ?? true })),
);

const sendParams = codec(
  onRecord((p) => patch(p, { message: message.rpc(p.message), configuration: sendConfig.rpc(p.configuration) })),
  onRecord((p) => patch(p, { message: message.proto(p.message), configuration: sendConfig.proto(p.configuration) })),
);

/** 0.3's card in ProtoJSON: security schemes as the oneof's member, requirements as `{ schemes: { name: { list } } }`. */
const securityOf = (side: ProtoSide) => (side === "proto" ? "1.0" : "0.3");
const cardSide = (side: ProtoSide): Translate =>
  onRecord((c) =>
    patch(c, {
      securitySchemes: mapValues(c.securitySchemes, securityScheme[securityOf(side)]),
      security: mapItems(c.security, securityRequirement[securityOf(side)]),
      skills: mapItems(c.skills, onRecord((s) => patch(s, { security: mapItems(s.security, securityRequirement[securityOf(side)]) }))),
    }),
  );
const card = codec(cardSide("rpc"), cardSide("proto"));

const same: Codec = { rpc: (v) => v, proto: (v) => v };

/** What an operation's body holds beyond the path and query: only sends and new push configs have one (0.3 cancel takes none). */
const PARAMS: Partial<Record<Operation, Codec>> = { send: sendParams, stream: sendParams, setPushConfig: taskPushConfig };

/** Results. DeletePushConfig answers 204 without a body: 0.3's JSON-RPC result is `null`. */
const RESULTS: Record<Operation, Codec> = {
  send: streamEvent,
  stream: streamEvent,
  getTask: task,
  listTasks: same,
  cancelTask: task,
  subscribe: streamEvent,
  setPushConfig: taskPushConfig,
  getPushConfig: taskPushConfig,
  listPushConfigs: configList,
  deletePushConfig: { rpc: () => null, proto: () => undefined },
  extendedCard: card,
};

export const protoParams = (op: Operation, params: unknown, to: ProtoSide): unknown => (PARAMS[op] ?? same)[to](params);
export const protoResult = (op: Operation, result: unknown, to: ProtoSide): unknown => RESULTS[op][to](result);

/** A 0.3 HTTP+JSON error body, as the SDK's 0.3 REST server writes it: the JSON-RPC error object itself. */
export const isProtoErrorBody = (body: unknown): body is { code: number; message: string; data?: unknown } =>
  isRecord(body) && typeof body.code === "number" && typeof body.message === "string";
