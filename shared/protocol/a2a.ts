/**
 * A2A wire schemas for both protocol versions the gateway speaks, JSON-RPC binding.
 *
 * - `V03*`: A2A 0.3 (JSON Schema `specification/json/a2a.json` at tag v0.3.0). Objects carry a
 *   `kind` discriminator; enums are kebab-case strings.
 * - `V10*`: A2A 1.0 (`specification/a2a.proto`, ProtoJSON per spec §5.5). No `kind`; oneofs are
 *   told apart by which member is present; enums are `TASK_STATE_*` / `ROLE_*`.
 *
 * Every object is loose: unknown fields survive parsing, since receivers SHOULD ignore them (§5.7)
 * and the gateway must pass extensions through. Fields the spec marks required are required;
 * everything else is optional. Agent cards are looser still: only what the gateway needs to reach
 * the agent is required.
 */
import * as z from "zod/mini";
import "./zod-messages.ts";

const Metadata = z.record(z.string(), z.unknown());
const Strings = z.array(z.string());

/**
 * Ids a caller sends (tasks, contexts, push configs) become parts of DynamoDB keys, which hold
 * 2048 bytes: 512 characters leave room for any UTF-8 and the key's prefix. OpenAI caps metadata
 * values, where the bridge carries task and context ids, at the same length.
 */
export const MAX_ID_LENGTH = 512;
const Id = z.string().check(z.maxLength(MAX_ID_LENGTH));
/** Each referenced task is checked against the caller's key: a message names a few, not thousands. */
const ReferenceTaskIds = z.array(Id).check(z.maxLength(32));
/** The gateway's own cursors are a little longer than an id. */
const PageToken = z.string().check(z.maxLength(4 * MAX_ID_LENGTH));
const HistoryLength = z.int();

// ---------------------------------------------------------------------------------------------
// A2A 0.3
// ---------------------------------------------------------------------------------------------

export const V03TextPart = z.looseObject({ kind: z.literal("text"), text: z.string(), metadata: z.optional(Metadata) });
export type V03TextPart = z.infer<typeof V03TextPart>;

const V03FileBase = { mimeType: z.optional(z.string()), name: z.optional(z.string()) };
export const V03FileWithBytes = z.looseObject({ ...V03FileBase, bytes: z.string() });
export type V03FileWithBytes = z.infer<typeof V03FileWithBytes>;
export const V03FileWithUri = z.looseObject({ ...V03FileBase, uri: z.string() });
export type V03FileWithUri = z.infer<typeof V03FileWithUri>;

export const V03FilePart = z.looseObject({
  kind: z.literal("file"),
  file: z.union([V03FileWithBytes, V03FileWithUri]),
  metadata: z.optional(Metadata),
});
export type V03FilePart = z.infer<typeof V03FilePart>;

/** 0.3 data parts hold a JSON object, never a bare value. */
export const V03DataPart = z.looseObject({ kind: z.literal("data"), data: Metadata, metadata: z.optional(Metadata) });
export type V03DataPart = z.infer<typeof V03DataPart>;

export const V03Part = z.discriminatedUnion("kind", [V03TextPart, V03FilePart, V03DataPart]);
export type V03Part = z.infer<typeof V03Part>;

export const V03Role = z.enum(["user", "agent"]);
export type V03Role = z.infer<typeof V03Role>;

export const V03Message = z.looseObject({
  kind: z.literal("message"),
  messageId: z.string(),
  role: V03Role,
  parts: z.array(V03Part).check(z.minLength(1)),
  contextId: z.optional(Id),
  taskId: z.optional(Id),
  referenceTaskIds: z.optional(ReferenceTaskIds),
  extensions: z.optional(Strings),
  metadata: z.optional(Metadata),
});
export type V03Message = z.infer<typeof V03Message>;

export const V03TaskState = z.enum([
  "submitted",
  "working",
  "input-required",
  "completed",
  "canceled",
  "failed",
  "rejected",
  "auth-required",
  "unknown",
]);
export type V03TaskState = z.infer<typeof V03TaskState>;

export const V03TaskStatus = z.looseObject({ state: V03TaskState, message: z.optional(V03Message), timestamp: z.optional(z.string()) });
export type V03TaskStatus = z.infer<typeof V03TaskStatus>;

export const V03Artifact = z.looseObject({
  artifactId: z.string(),
  parts: z.array(V03Part),
  name: z.optional(z.string()),
  description: z.optional(z.string()),
  extensions: z.optional(Strings),
  metadata: z.optional(Metadata),
});
export type V03Artifact = z.infer<typeof V03Artifact>;

export const V03Task = z.looseObject({
  kind: z.literal("task"),
  id: z.string(),
  contextId: z.string(),
  status: V03TaskStatus,
  history: z.optional(z.array(V03Message)),
  artifacts: z.optional(z.array(V03Artifact)),
  metadata: z.optional(Metadata),
});
export type V03Task = z.infer<typeof V03Task>;

export const V03TaskStatusUpdateEvent = z.looseObject({
  kind: z.literal("status-update"),
  taskId: z.string(),
  contextId: z.string(),
  status: V03TaskStatus,
  /** "If true, this is the final event in the stream for this interaction." */
  final: z.boolean(),
  metadata: z.optional(Metadata),
});
export type V03TaskStatusUpdateEvent = z.infer<typeof V03TaskStatusUpdateEvent>;

export const V03TaskArtifactUpdateEvent = z.looseObject({
  kind: z.literal("artifact-update"),
  taskId: z.string(),
  contextId: z.string(),
  artifact: V03Artifact,
  append: z.optional(z.boolean()),
  lastChunk: z.optional(z.boolean()),
  metadata: z.optional(Metadata),
});
export type V03TaskArtifactUpdateEvent = z.infer<typeof V03TaskArtifactUpdateEvent>;

/** `message/send` result. */
export const V03SendMessageResult = z.discriminatedUnion("kind", [V03Task, V03Message]);
export type V03SendMessageResult = z.infer<typeof V03SendMessageResult>;

/** One `message/stream` / `tasks/resubscribe` SSE event's `result`. */
export const V03StreamEvent = z.discriminatedUnion("kind", [V03Task, V03Message, V03TaskStatusUpdateEvent, V03TaskArtifactUpdateEvent]);
export type V03StreamEvent = z.infer<typeof V03StreamEvent>;

export const V03PushNotificationAuthenticationInfo = z.looseObject({ schemes: Strings, credentials: z.optional(z.string()) });
export type V03PushNotificationAuthenticationInfo = z.infer<typeof V03PushNotificationAuthenticationInfo>;

export const V03PushNotificationConfig = z.looseObject({
  url: z.string(),
  id: z.optional(Id),
  token: z.optional(z.string()),
  authentication: z.optional(V03PushNotificationAuthenticationInfo),
});
export type V03PushNotificationConfig = z.infer<typeof V03PushNotificationConfig>;

/** `tasks/pushNotificationConfig/set` params, and the result of `set` and `get`. */
export const V03TaskPushNotificationConfig = z.looseObject({ taskId: Id, pushNotificationConfig: V03PushNotificationConfig });
export type V03TaskPushNotificationConfig = z.infer<typeof V03TaskPushNotificationConfig>;

export const V03MessageSendConfiguration = z.looseObject({
  acceptedOutputModes: z.optional(Strings),
  blocking: z.optional(z.boolean()),
  historyLength: z.optional(HistoryLength),
  pushNotificationConfig: z.optional(V03PushNotificationConfig),
});
export type V03MessageSendConfiguration = z.infer<typeof V03MessageSendConfiguration>;

/** `message/send` and `message/stream` params. */
export const V03MessageSendParams = z.looseObject({
  message: V03Message,
  configuration: z.optional(V03MessageSendConfiguration),
  metadata: z.optional(Metadata),
});
export type V03MessageSendParams = z.infer<typeof V03MessageSendParams>;

// 0.3's HTTP+JSON bodies are the ProtoJSON of 0.3's proto (read by ../protocol/proto-v03.ts into
// the objects above, which check them); these describe them for /openapi.json.

const V03ProtoPart = z.union([
  z.looseObject({ text: z.string() }),
  z.looseObject({ file: z.looseObject({ fileWithUri: z.optional(z.string()), fileWithBytes: z.optional(z.string()), mimeType: z.optional(z.string()) }) }),
  z.looseObject({ data: z.looseObject({ data: Metadata }) }),
]);

/** The body of 0.3's `POST /v1/message:send` and `:stream`. */
export const V03ProtoSendMessageRequest = z.looseObject({
  message: z.looseObject({
    messageId: z.string(),
    role: z.enum(["ROLE_USER", "ROLE_AGENT"]),
    content: z.array(V03ProtoPart),
    contextId: z.optional(Id),
    taskId: z.optional(Id),
    extensions: z.optional(Strings),
    metadata: z.optional(Metadata),
  }),
  configuration: z.optional(
    z.looseObject({ acceptedOutputModes: z.optional(Strings), pushNotification: z.optional(V03PushNotificationConfig), historyLength: z.optional(HistoryLength), blocking: z.optional(z.boolean()) }),
  ),
  metadata: z.optional(Metadata),
});

/** The body of 0.3's `POST /v1/tasks/{taskId}/pushNotificationConfigs`: `name` is `tasks/{taskId}/pushNotificationConfigs/{id}`. */
export const V03ProtoTaskPushNotificationConfig = z.looseObject({ name: z.optional(z.string()), pushNotificationConfig: V03PushNotificationConfig });

/** `tasks/get` params. */
export const V03TaskQueryParams = z.looseObject({ id: Id, historyLength: z.optional(HistoryLength), metadata: z.optional(Metadata) });
export type V03TaskQueryParams = z.infer<typeof V03TaskQueryParams>;

/** `tasks/cancel` and `tasks/resubscribe` params. */
export const V03TaskIdParams = z.looseObject({ id: Id, metadata: z.optional(Metadata) });
export type V03TaskIdParams = z.infer<typeof V03TaskIdParams>;

/** `tasks/pushNotificationConfig/get` params: `id` is the task's id; the config id is optional in 0.3. */
export const V03GetTaskPushNotificationConfigParams = z.looseObject({
  id: Id,
  pushNotificationConfigId: z.optional(Id),
  metadata: z.optional(Metadata),
});
export type V03GetTaskPushNotificationConfigParams = z.infer<typeof V03GetTaskPushNotificationConfigParams>;

/** `tasks/pushNotificationConfig/list` params: `id` is the task's id. */
export const V03ListTaskPushNotificationConfigParams = V03TaskIdParams;
export type V03ListTaskPushNotificationConfigParams = z.infer<typeof V03ListTaskPushNotificationConfigParams>;

/** `tasks/pushNotificationConfig/delete` params: `id` is the task's id. */
export const V03DeleteTaskPushNotificationConfigParams = z.looseObject({
  id: Id,
  pushNotificationConfigId: Id,
  metadata: z.optional(Metadata),
});
export type V03DeleteTaskPushNotificationConfigParams = z.infer<typeof V03DeleteTaskPushNotificationConfigParams>;

/** `agent/getAuthenticatedExtendedCard` takes no params. */
export const V03GetAuthenticatedExtendedCardParams = z.optional(z.looseObject({}));
export type V03GetAuthenticatedExtendedCardParams = z.infer<typeof V03GetAuthenticatedExtendedCardParams>;

export const V03AgentInterface = z.looseObject({ url: z.string(), transport: z.string() });
export type V03AgentInterface = z.infer<typeof V03AgentInterface>;

export const V03AgentExtension = z.looseObject({
  uri: z.string(),
  description: z.optional(z.string()),
  required: z.optional(z.boolean()),
  params: z.optional(Metadata),
});
export type V03AgentExtension = z.infer<typeof V03AgentExtension>;

export const V03AgentCapabilities = z.looseObject({
  streaming: z.optional(z.boolean()),
  pushNotifications: z.optional(z.boolean()),
  stateTransitionHistory: z.optional(z.boolean()),
  extensions: z.optional(z.array(V03AgentExtension)),
});
export type V03AgentCapabilities = z.infer<typeof V03AgentCapabilities>;

/** `{ schemeName: scopes[] }`. */
export const V03SecurityRequirement = z.record(z.string(), Strings);
export type V03SecurityRequirement = z.infer<typeof V03SecurityRequirement>;

/** OpenAPI-style scheme, told apart by `type` ("apiKey", "http", "oauth2", "openIdConnect", "mutualTLS"). */
export const V03SecurityScheme = z.looseObject({ type: z.string(), description: z.optional(z.string()) });
export type V03SecurityScheme = z.infer<typeof V03SecurityScheme>;

export const V03AgentSkill = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.optional(z.string()),
  tags: z.optional(Strings),
  examples: z.optional(Strings),
  inputModes: z.optional(Strings),
  outputModes: z.optional(Strings),
  security: z.optional(z.array(V03SecurityRequirement)),
});
export type V03AgentSkill = z.infer<typeof V03AgentSkill>;

export const V03AgentCard = z.looseObject({
  name: z.string(),
  url: z.string(),
  protocolVersion: z.optional(z.string()),
  preferredTransport: z.optional(z.string()),
  additionalInterfaces: z.optional(z.array(V03AgentInterface)),
  description: z.optional(z.string()),
  version: z.optional(z.string()),
  capabilities: z.optional(V03AgentCapabilities),
  supportsAuthenticatedExtendedCard: z.optional(z.boolean()),
  securitySchemes: z.optional(z.record(z.string(), V03SecurityScheme)),
  security: z.optional(z.array(V03SecurityRequirement)),
  defaultInputModes: z.optional(Strings),
  defaultOutputModes: z.optional(Strings),
  skills: z.optional(z.array(V03AgentSkill)),
});
export type V03AgentCard = z.infer<typeof V03AgentCard>;

// ---------------------------------------------------------------------------------------------
// A2A 1.0
// ---------------------------------------------------------------------------------------------

/** The members of `Part.content`, a proto oneof (§4.1.6): exactly one is set. */
export const V10_PART_CONTENT = ["text", "raw", "url", "data"] as const;

export const V10Part = z
  .looseObject({
    text: z.optional(z.string()),
    /** Base64, as ProtoJSON encodes `bytes`. */
    raw: z.optional(z.string()),
    url: z.optional(z.string()),
    data: z.optional(z.unknown()),
    metadata: z.optional(Metadata),
    filename: z.optional(z.string()),
    mediaType: z.optional(z.string()),
  })
  .check(
    z.refine((part) => V10_PART_CONTENT.filter((member) => part[member] !== undefined).length === 1, {
      message: "a part carries exactly one of text, raw, url or data",
    }),
  );
export type V10Part = z.infer<typeof V10Part>;

export const V10Role = z.enum(["ROLE_USER", "ROLE_AGENT"]);
export type V10Role = z.infer<typeof V10Role>;

export const V10Message = z.looseObject({
  messageId: z.string(),
  role: V10Role,
  parts: z.array(V10Part).check(z.minLength(1)),
  contextId: z.optional(Id),
  taskId: z.optional(Id),
  referenceTaskIds: z.optional(ReferenceTaskIds),
  extensions: z.optional(Strings),
  metadata: z.optional(Metadata),
});
export type V10Message = z.infer<typeof V10Message>;

export const V10TaskState = z.enum([
  "TASK_STATE_UNSPECIFIED",
  "TASK_STATE_SUBMITTED",
  "TASK_STATE_WORKING",
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_REJECTED",
  "TASK_STATE_AUTH_REQUIRED",
]);
export type V10TaskState = z.infer<typeof V10TaskState>;

export const V10TaskStatus = z.looseObject({ state: V10TaskState, message: z.optional(V10Message), timestamp: z.optional(z.string()) });
export type V10TaskStatus = z.infer<typeof V10TaskStatus>;

export const V10Artifact = z.looseObject({
  artifactId: z.string(),
  parts: z.array(V10Part).check(z.minLength(1)),
  name: z.optional(z.string()),
  description: z.optional(z.string()),
  extensions: z.optional(Strings),
  metadata: z.optional(Metadata),
});
export type V10Artifact = z.infer<typeof V10Artifact>;

export const V10Task = z.looseObject({
  id: z.string(),
  contextId: z.optional(z.string()),
  status: V10TaskStatus,
  artifacts: z.optional(z.array(V10Artifact)),
  history: z.optional(z.array(V10Message)),
  metadata: z.optional(Metadata),
});
export type V10Task = z.infer<typeof V10Task>;

/** No `final` flag in 1.0: the binding's stream closure says the interaction is over. */
export const V10TaskStatusUpdateEvent = z.looseObject({
  taskId: z.string(),
  contextId: z.string(),
  status: V10TaskStatus,
  metadata: z.optional(Metadata),
});
export type V10TaskStatusUpdateEvent = z.infer<typeof V10TaskStatusUpdateEvent>;

export const V10TaskArtifactUpdateEvent = z.looseObject({
  taskId: z.string(),
  contextId: z.string(),
  artifact: V10Artifact,
  append: z.optional(z.boolean()),
  lastChunk: z.optional(z.boolean()),
  metadata: z.optional(Metadata),
});
export type V10TaskArtifactUpdateEvent = z.infer<typeof V10TaskArtifactUpdateEvent>;

/** `SendMessage` result: a oneof, so exactly one member. */
export const V10SendMessageResponse = z.union([z.looseObject({ task: V10Task }), z.looseObject({ message: V10Message })]);
export type V10SendMessageResponse = z.infer<typeof V10SendMessageResponse>;

/** One streamed event (§3.2.3), also the push notification payload (§4.3.3). */
export const V10StreamResponse = z.union([
  z.looseObject({ task: V10Task }),
  z.looseObject({ message: V10Message }),
  z.looseObject({ statusUpdate: V10TaskStatusUpdateEvent }),
  z.looseObject({ artifactUpdate: V10TaskArtifactUpdateEvent }),
]);
export type V10StreamResponse = z.infer<typeof V10StreamResponse>;

export const V10AuthenticationInfo = z.looseObject({ scheme: z.string(), credentials: z.optional(z.string()) });
export type V10AuthenticationInfo = z.infer<typeof V10AuthenticationInfo>;

/** Flat in 1.0: the config and the task it belongs to are one object. */
export const V10TaskPushNotificationConfig = z.looseObject({
  url: z.string(),
  id: z.optional(Id),
  taskId: z.optional(Id),
  token: z.optional(z.string()),
  authentication: z.optional(V10AuthenticationInfo),
  tenant: z.optional(z.string()),
});
export type V10TaskPushNotificationConfig = z.infer<typeof V10TaskPushNotificationConfig>;

export const V10SendMessageConfiguration = z.looseObject({
  acceptedOutputModes: z.optional(Strings),
  taskPushNotificationConfig: z.optional(V10TaskPushNotificationConfig),
  historyLength: z.optional(HistoryLength),
  /** Unset means blocking (§3.2.2). */
  returnImmediately: z.optional(z.boolean()),
});
export type V10SendMessageConfiguration = z.infer<typeof V10SendMessageConfiguration>;

const Tenant = { tenant: z.optional(z.string()) };

/** `SendMessage` and `SendStreamingMessage` params. */
export const V10SendMessageRequest = z.looseObject({
  ...Tenant,
  message: V10Message,
  configuration: z.optional(V10SendMessageConfiguration),
  metadata: z.optional(Metadata),
});
export type V10SendMessageRequest = z.infer<typeof V10SendMessageRequest>;

export const V10GetTaskRequest = z.looseObject({ ...Tenant, id: Id, historyLength: z.optional(HistoryLength) });
export type V10GetTaskRequest = z.infer<typeof V10GetTaskRequest>;

export const V10ListTasksRequest = z.looseObject({
  ...Tenant,
  contextId: z.optional(Id),
  status: z.optional(V10TaskState),
  pageSize: z.optional(z.int()),
  pageToken: z.optional(PageToken),
  historyLength: z.optional(HistoryLength),
  statusTimestampAfter: z.optional(z.string()),
  includeArtifacts: z.optional(z.boolean()),
});
export type V10ListTasksRequest = z.infer<typeof V10ListTasksRequest>;

export const V10ListTasksResponse = z.looseObject({
  tasks: z.array(V10Task),
  nextPageToken: z.string(),
  pageSize: z.int(),
  totalSize: z.int(),
});
export type V10ListTasksResponse = z.infer<typeof V10ListTasksResponse>;

export const V10CancelTaskRequest = z.looseObject({ ...Tenant, id: Id, metadata: z.optional(Metadata) });
export type V10CancelTaskRequest = z.infer<typeof V10CancelTaskRequest>;

export const V10SubscribeToTaskRequest = z.looseObject({ ...Tenant, id: Id });
export type V10SubscribeToTaskRequest = z.infer<typeof V10SubscribeToTaskRequest>;

/** `CreateTaskPushNotificationConfig` params: the flat config, which must name its task. */
export const V10CreateTaskPushNotificationConfigRequest = z.extend(V10TaskPushNotificationConfig, { taskId: Id });
export type V10CreateTaskPushNotificationConfigRequest = z.infer<typeof V10CreateTaskPushNotificationConfigRequest>;

/** Get and Delete: `taskId` is the task, `id` the config (0.3 called them `id` and `pushNotificationConfigId`). */
export const V10GetTaskPushNotificationConfigRequest = z.looseObject({ ...Tenant, taskId: Id, id: Id });
export type V10GetTaskPushNotificationConfigRequest = z.infer<typeof V10GetTaskPushNotificationConfigRequest>;

export const V10DeleteTaskPushNotificationConfigRequest = V10GetTaskPushNotificationConfigRequest;
export type V10DeleteTaskPushNotificationConfigRequest = z.infer<typeof V10DeleteTaskPushNotificationConfigRequest>;

export const V10ListTaskPushNotificationConfigsRequest = z.looseObject({
  ...Tenant,
  taskId: Id,
  pageSize: z.optional(z.int()),
  pageToken: z.optional(PageToken),
});
export type V10ListTaskPushNotificationConfigsRequest = z.infer<typeof V10ListTaskPushNotificationConfigsRequest>;

/** ProtoJSON leaves out an empty `configs`, so it is optional. */
export const V10ListTaskPushNotificationConfigsResponse = z.looseObject({
  configs: z.optional(z.array(V10TaskPushNotificationConfig)),
  nextPageToken: z.optional(z.string()),
});
export type V10ListTaskPushNotificationConfigsResponse = z.infer<typeof V10ListTaskPushNotificationConfigsResponse>;

/** `GetExtendedAgentCard` params may be left out entirely. */
export const V10GetExtendedAgentCardRequest = z.optional(z.looseObject({ ...Tenant }));
export type V10GetExtendedAgentCardRequest = z.infer<typeof V10GetExtendedAgentCardRequest>;

export const V10AgentInterface = z.looseObject({
  url: z.string(),
  /** "JSONRPC", "GRPC", "HTTP+JSON" or a custom binding's URI (§5.8). */
  protocolBinding: z.string(),
  protocolVersion: z.string(),
  tenant: z.optional(z.string()),
});
export type V10AgentInterface = z.infer<typeof V10AgentInterface>;

export const V10AgentExtension = V03AgentExtension;
export type V10AgentExtension = z.infer<typeof V10AgentExtension>;

export const V10AgentCapabilities = z.looseObject({
  streaming: z.optional(z.boolean()),
  pushNotifications: z.optional(z.boolean()),
  extensions: z.optional(z.array(V10AgentExtension)),
  extendedAgentCard: z.optional(z.boolean()),
});
export type V10AgentCapabilities = z.infer<typeof V10AgentCapabilities>;

/** `{ schemes: { schemeName: { list: scopes[] } } }`. */
export const V10SecurityRequirement = z.looseObject({
  schemes: z.optional(z.record(z.string(), z.looseObject({ list: z.optional(Strings) }))),
});
export type V10SecurityRequirement = z.infer<typeof V10SecurityRequirement>;

/** A oneof: one of `apiKeySecurityScheme`, `httpAuthSecurityScheme`, `oauth2SecurityScheme`, `openIdConnectSecurityScheme`, `mtlsSecurityScheme`. */
export const V10SecurityScheme = z.record(z.string(), z.unknown());
export type V10SecurityScheme = z.infer<typeof V10SecurityScheme>;

export const V10AgentSkill = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.optional(z.string()),
  tags: z.optional(Strings),
  examples: z.optional(Strings),
  inputModes: z.optional(Strings),
  outputModes: z.optional(Strings),
  securityRequirements: z.optional(z.array(V10SecurityRequirement)),
});
export type V10AgentSkill = z.infer<typeof V10AgentSkill>;

export const V10AgentCard = z.looseObject({
  name: z.string(),
  supportedInterfaces: z.array(V10AgentInterface).check(z.minLength(1)),
  description: z.optional(z.string()),
  version: z.optional(z.string()),
  capabilities: z.optional(V10AgentCapabilities),
  securitySchemes: z.optional(z.record(z.string(), V10SecurityScheme)),
  securityRequirements: z.optional(z.array(V10SecurityRequirement)),
  defaultInputModes: z.optional(Strings),
  defaultOutputModes: z.optional(Strings),
  skills: z.optional(z.array(V10AgentSkill)),
});
export type V10AgentCard = z.infer<typeof V10AgentCard>;
