/**
 * Translation between A2A 0.3 and A2A 1.0 payloads (JSON-RPC binding): JSON in, JSON out, no I/O.
 *
 * Rules that hold throughout:
 * - `from === to` returns the input itself: no copy, no work (the hot path).
 * - Only what differs between the versions is rewritten: `kind` discriminators, enum spellings,
 *   renamed, moved or re-nested fields. Every other field, including ones neither spec defines, is
 *   carried over verbatim: receivers ignore fields they do not know (1.0 §5.7), and extensions rely
 *   on theirs surviving the trip.
 * - Nothing throws. Input of an unexpected shape is returned as is, or mapped as far as it goes:
 *   validation is the job of the schemas in ./a2a.ts, not of the translator.
 *
 * Section numbers are those of the 1.0 specification unless marked 0.3.
 */
import type { JsonRpcErrorObject } from "./jsonrpc.ts";
import type { A2AVersion, Operation } from "./methods.ts";

export type Json = Record<string, unknown>;
export type Translate = (value: unknown) => unknown;
/** One translator per target version; with two versions and `from !== to`, the target names the direction. */
export type Translators = Record<A2AVersion, Translate>;

// ---------------------------------------------------------------------------------------------
// Helpers (./proto-v03.ts shares them)
// ---------------------------------------------------------------------------------------------

export const isRecord = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** A shallow copy of `base` with `changes` applied; a change to `undefined` removes the key. */
export function patch(base: Json, changes: Json): Json {
  const result: Json = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete result[key];
    else result[key] = value;
  }
  return result;
}

/** Lifts a translator of objects to one of any value: whatever is not an object passes through. */
export function onRecord<R>(translate: (record: Json) => R): <T>(value: T) => T | R {
  return (value) => (isRecord(value) ? translate(value) : value);
}

export const mapItems = (value: unknown, translate: Translate): unknown => (Array.isArray(value) ? value.map(translate) : value);

export const mapValues = (value: unknown, translate: Translate): unknown =>
  isRecord(value) ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, translate(item)])) : value;

/** Splits an object into the fields named in `keys` and the rest. */
function partition(record: Json, keys: ReadonlySet<string>): [inside: Json, outside: Json] {
  const entries = Object.entries(record);
  return [Object.fromEntries(entries.filter(([key]) => keys.has(key))), Object.fromEntries(entries.filter(([key]) => !keys.has(key)))];
}

const identity: Translate = (value) => value;

// ---------------------------------------------------------------------------------------------
// Enums: one table each, 0.3 spelling -> 1.0 spelling, read in both directions
// ---------------------------------------------------------------------------------------------

/** Unknown values pass through unchanged, so a newer enum value is not lost. */
export function enumMapping(v03ToV10: Record<string, string>): Translators {
  const toV10 = new Map(Object.entries(v03ToV10));
  const toV03 = new Map(Object.entries(v03ToV10).map(([v03, v10]) => [v10, v03]));
  return {
    "1.0": (value) => (typeof value === "string" ? (toV10.get(value) ?? value) : value),
    "0.3": (value) => (typeof value === "string" ? (toV03.get(value) ?? value) : value),
  };
}

/** TaskState (0.3 §6.3, §4.1.3): ProtoJSON enum names in 1.0 (§5.5); 0.3's "unknown" is 1.0's UNSPECIFIED. */
export const TASK_STATE_NAMES = {
  submitted: "TASK_STATE_SUBMITTED",
  working: "TASK_STATE_WORKING",
  "input-required": "TASK_STATE_INPUT_REQUIRED",
  completed: "TASK_STATE_COMPLETED",
  canceled: "TASK_STATE_CANCELED",
  failed: "TASK_STATE_FAILED",
  rejected: "TASK_STATE_REJECTED",
  "auth-required": "TASK_STATE_AUTH_REQUIRED",
  unknown: "TASK_STATE_UNSPECIFIED",
};
const taskState = enumMapping(TASK_STATE_NAMES);

/** Role (§4.1.5). */
export const role = enumMapping({ user: "ROLE_USER", agent: "ROLE_AGENT" });

// ---------------------------------------------------------------------------------------------
// Versions (§3.6): only Major.Minor counts
// ---------------------------------------------------------------------------------------------

/** A declared protocol version's family: "0.3.0" is 0.3, "1.0" is 1.0, and no version at all means 0.3 (§3.6.2). */
const FAMILY_BY_MAJOR = new Map<string, A2AVersion>([
  ["0", "0.3"],
  ["1", "1.0"],
]);

function versionFamily(declared: unknown): A2AVersion | undefined {
  if (declared === undefined || declared === "") return "0.3";
  const major = typeof declared === "string" ? /^\s*(\d+)(?:\.|\s*$)/.exec(declared)?.[1] : undefined;
  return major === undefined ? undefined : FAMILY_BY_MAJOR.get(major);
}

// ---------------------------------------------------------------------------------------------
// Parts (§4.1.6): 0.3 tells them apart by `kind`, 1.0 by which `content` member is set
// ---------------------------------------------------------------------------------------------

/**
 * 0.3 data parts hold an object only. The a2a-js SDK carries any other 1.0 `data` value to 0.3 as
 * `{ value }` with this metadata flag; we wrap and unwrap the same way so SDK peers agree with us.
 */
const WRAPPED_DATA_FLAG = "data_part_compat";

const partToV10 = onRecord((part) => {
  switch (part.kind) {
    case "text":
      return patch(part, { kind: undefined });
    case "file":
      return filePartToV10(part);
    case "data":
      return dataPartToV10(part);
    default:
      return part;
  }
});

/** `file.bytes` / `file.uri` become `raw` / `url`; `mimeType` and `name` move up as `mediaType` and `filename`. */
function filePartToV10(part: Json): Json {
  const { file } = part;
  if (!isRecord(file)) return part;
  const content = file.bytes !== undefined ? { raw: file.bytes } : { url: file.uri };
  return patch(part, { kind: undefined, file: undefined, ...content, mediaType: file.mimeType, filename: file.name });
}

function dataPartToV10(part: Json): Json {
  const { data, metadata } = part;
  const isWrapped =
    isRecord(metadata) && metadata[WRAPPED_DATA_FLAG] === true && isRecord(data) && Object.keys(data).length === 1 && Object.hasOwn(data, "value");
  if (!isWrapped) return patch(part, { kind: undefined });
  const ownMetadata = patch(metadata, { [WRAPPED_DATA_FLAG]: undefined });
  return patch(part, { kind: undefined, data: data.value, metadata: Object.keys(ownMetadata).length > 0 ? ownMetadata : undefined });
}

const partToV03 = onRecord((part) => {
  if (part.text !== undefined) return patch(part, { kind: "text" });
  if (part.raw !== undefined) return filePartToV03(part, { bytes: part.raw });
  if (part.url !== undefined) return filePartToV03(part, { uri: part.url });
  if (Object.hasOwn(part, "data")) return dataPartToV03(part);
  return part;
});

function filePartToV03(part: Json, content: Json): Json {
  const file = patch(content, { mimeType: part.mediaType, name: part.filename });
  return patch(part, { raw: undefined, url: undefined, mediaType: undefined, filename: undefined, kind: "file", file });
}

function dataPartToV03(part: Json): Json {
  if (isRecord(part.data)) return patch(part, { kind: "data" });
  const metadata = isRecord(part.metadata) ? part.metadata : {};
  return patch(part, { kind: "data", data: { value: part.data }, metadata: { ...metadata, [WRAPPED_DATA_FLAG]: true } });
}

// ---------------------------------------------------------------------------------------------
// Messages, artifacts, tasks (§4.1)
// ---------------------------------------------------------------------------------------------

const messageToV10 = onRecord((message) =>
  patch(message, { kind: undefined, role: role["1.0"](message.role), parts: mapItems(message.parts, partToV10) }),
);
const messageToV03 = onRecord((message) =>
  patch(message, { kind: "message", role: role["0.3"](message.role), parts: mapItems(message.parts, partToV03) }),
);

const artifactToV10 = onRecord((artifact) => patch(artifact, { parts: mapItems(artifact.parts, partToV10) }));
const artifactToV03 = onRecord((artifact) => patch(artifact, { parts: mapItems(artifact.parts, partToV03) }));

const statusToV10 = onRecord((status) =>
  patch(status, { state: taskState["1.0"](status.state), message: messageToV10(status.message) }),
);
const statusToV03 = onRecord((status) =>
  patch(status, { state: taskState["0.3"](status.state), message: messageToV03(status.message) }),
);

const taskToV10 = onRecord((task) =>
  patch(task, {
    kind: undefined,
    status: statusToV10(task.status),
    history: mapItems(task.history, messageToV10),
    artifacts: mapItems(task.artifacts, artifactToV10),
  }),
);
const taskToV03 = onRecord((task) =>
  patch(task, {
    kind: "task",
    // Required in 0.3; ProtoJSON leaves an empty 1.0 contextId out.
    contextId: task.contextId ?? "",
    status: statusToV03(task.status),
    history: mapItems(task.history, messageToV03),
    artifacts: mapItems(task.artifacts, artifactToV03),
  }),
);

// ---------------------------------------------------------------------------------------------
// Streaming events (§3.2.3, §4.2)
// ---------------------------------------------------------------------------------------------

/**
 * 0.3 states whose status update is the last event of the interaction's stream (0.3 `final`).
 * 1.0 dropped the flag for stream closure, which comes at terminal states and at input-required
 * (§3.1.2). Not at auth-required: agents SHOULD keep streams open while they wait for credentials
 * out of band (§7.6.1), so a 0.3 client must not stop listening there.
 */
const STREAM_ENDING_STATES: ReadonlySet<unknown> = new Set(["completed", "canceled", "failed", "rejected", "input-required"]);

const statusUpdateToV10 = onRecord((event) =>
  patch(event, { kind: undefined, final: undefined, status: statusToV10(event.status) }),
);
const statusUpdateToV03 = onRecord((event) => {
  const status = statusToV03(event.status);
  return patch(event, { kind: "status-update", status, final: isRecord(status) && STREAM_ENDING_STATES.has(status.state) });
});

const artifactUpdateToV10 = onRecord((event) => patch(event, { kind: undefined, artifact: artifactToV10(event.artifact) }));
const artifactUpdateToV03 = onRecord((event) =>
  patch(event, { kind: "artifact-update", artifact: artifactToV03(event.artifact) }),
);

/** What a stream carries: the 0.3 `kind` of each object and the 1.0 StreamResponse member that wraps it. */
const STREAMED_OBJECTS = [
  { kind: "task", member: "task", toV10: taskToV10, toV03: taskToV03 },
  { kind: "message", member: "message", toV10: messageToV10, toV03: messageToV03 },
  { kind: "status-update", member: "statusUpdate", toV10: statusUpdateToV10, toV03: statusUpdateToV03 },
  { kind: "artifact-update", member: "artifactUpdate", toV10: artifactUpdateToV10, toV03: artifactUpdateToV03 },
] as const;

const streamEventToV10 = onRecord((event) => {
  const streamed = STREAMED_OBJECTS.find((object) => object.kind === event.kind);
  return streamed ? { [streamed.member]: streamed.toV10(event) } : event;
});
const streamEventToV03 = onRecord((event) => {
  const streamed = STREAMED_OBJECTS.find((object) => isRecord(event[object.member]));
  return streamed ? streamed.toV03(event[streamed.member]) : event;
});

// ---------------------------------------------------------------------------------------------
// Push notification configs (§4.3, 0.3 §6.8-6.10)
// ---------------------------------------------------------------------------------------------

/** 0.3 lists `schemes`, 1.0 names one `scheme` (§4.3.2): only the first 0.3 scheme survives. */
const authToV10 = onRecord((auth) =>
  patch(auth, { schemes: undefined, scheme: Array.isArray(auth.schemes) ? auth.schemes[0] : undefined }),
);
const authToV03 = onRecord((auth) => patch(auth, { scheme: undefined, schemes: auth.scheme === undefined ? [] : [auth.scheme] }));

/** A 0.3 PushNotificationConfig and the same fields of a 1.0 TaskPushNotificationConfig differ only in `authentication`. */
const pushConfigToV10 = onRecord((config) => patch(config, { authentication: authToV10(config.authentication) }));
const pushConfigToV03 = onRecord((config) => patch(config, { authentication: authToV03(config.authentication) }));

/** Fields 0.3 nests under `pushNotificationConfig`; 1.0 puts them next to `taskId`. */
const NESTED_PUSH_CONFIG_FIELDS: ReadonlySet<string> = new Set(["id", "url", "token", "authentication"]);

const taskPushConfigToV10 = onRecord((config) => {
  const { pushNotificationConfig: nested, ...outer } = config;
  return isRecord(nested) ? { ...pushConfigToV10(nested), ...outer } : config;
});
const taskPushConfigToV03 = onRecord((config) => {
  const [nested, outer] = partition(config, NESTED_PUSH_CONFIG_FIELDS);
  return { ...outer, pushNotificationConfig: pushConfigToV03(nested) };
});

/** 0.3 answers `list` with a bare array; 1.0 with `{ configs, nextPageToken }`, omitting an empty `configs` (ProtoJSON). */
const configListToV10: Translate = (list) => (Array.isArray(list) ? { configs: list.map(taskPushConfigToV10) } : list);
const configListToV03 = onRecord((response) => mapItems(response.configs ?? [], taskPushConfigToV03));

// ---------------------------------------------------------------------------------------------
// Request params (§3.2, §9.4)
// ---------------------------------------------------------------------------------------------

/**
 * 0.3 `blocking` and 1.0 `returnImmediately` are one flag with opposite polarity (§3.2.2). Unset
 * stays unset: 1.0 then blocks, and so do the 0.3 reference servers (a2a-js, a2a-python).
 */
const negate = (flag: unknown): boolean | undefined => (typeof flag === "boolean" ? !flag : undefined);

const sendConfigToV10 = onRecord((config) =>
  patch(config, {
    blocking: undefined,
    returnImmediately: negate(config.blocking),
    pushNotificationConfig: undefined,
    taskPushNotificationConfig: pushConfigToV10(config.pushNotificationConfig),
  }),
);
const sendConfigToV03 = onRecord((config) =>
  patch(config, {
    returnImmediately: undefined,
    blocking: negate(config.returnImmediately),
    taskPushNotificationConfig: undefined,
    pushNotificationConfig: pushConfigToV03(config.taskPushNotificationConfig),
  }),
);

const sendParamsToV10 = onRecord((params) =>
  patch(params, { message: messageToV10(params.message), configuration: sendConfigToV10(params.configuration) }),
);
const sendParamsToV03 = onRecord((params) =>
  patch(params, { message: messageToV03(params.message), configuration: sendConfigToV03(params.configuration) }),
);

/** For Get and Delete, 0.3 names the task `id` and the config `pushNotificationConfigId`; 1.0 names them `taskId` and `id`. */
const configRefToV10 = onRecord((params) =>
  patch(params, { taskId: params.id, id: params.pushNotificationConfigId, pushNotificationConfigId: undefined }),
);
const configRefToV03 = onRecord((params) => patch(params, { id: params.taskId, taskId: undefined, pushNotificationConfigId: params.id }));

/** For List, 0.3 names the task `id`, 1.0 `taskId`. */
const taskRefToV10 = onRecord((params) => patch(params, { taskId: params.id, id: undefined }));
const taskRefToV03 = onRecord((params) => patch(params, { id: params.taskId, taskId: undefined }));

const listTasksParams = {
  "1.0": onRecord((params) => patch(params, { status: taskState["1.0"](params.status) })),
  "0.3": onRecord((params) => patch(params, { status: taskState["0.3"](params.status) })),
};

/** 0.3 takes no params; 1.0 SDK servers read a params object, so always send one. A 1.0 `tenant` has no 0.3 equivalent. */
const extendedCardParams: Translators = {
  "1.0": (params) => (isRecord(params) ? params : {}),
  "0.3": () => undefined,
};

// ---------------------------------------------------------------------------------------------
// Agent cards (§4.4, §8; 0.3 §5.5-5.6)
// ---------------------------------------------------------------------------------------------

/** The binding the gateway serves and calls agents over. */
const JSON_RPC = "JSONRPC";

const interfacesOf = (card: Json): Json[] => (Array.isArray(card.supportedInterfaces) ? card.supportedInterfaces.filter(isRecord) : []);

/** 0.3 `type` of a security scheme and the member of the 1.0 SecurityScheme oneof that holds it (§4.5.1). */
const SECURITY_SCHEME_MEMBERS = new Map([
  ["apiKey", "apiKeySecurityScheme"],
  ["http", "httpAuthSecurityScheme"],
  ["oauth2", "oauth2SecurityScheme"],
  ["openIdConnect", "openIdConnectSecurityScheme"],
  ["mutualTLS", "mtlsSecurityScheme"],
]);

/** Where 0.3's API key scheme has `in`, 1.0's has `location`. */
const securitySchemeToV10 = onRecord((scheme) => {
  const member = typeof scheme.type === "string" ? SECURITY_SCHEME_MEMBERS.get(scheme.type) : undefined;
  if (!member) return scheme;
  return { [member]: patch(scheme, { type: undefined, in: undefined, location: scheme.in, flows: oauthFlowsToV10(scheme.flows) }) };
});
const securitySchemeToV03 = onRecord((scheme) => {
  for (const [type, member] of SECURITY_SCHEME_MEMBERS) {
    const inner = scheme[member];
    if (isRecord(inner)) return patch(inner, { type, location: undefined, in: inner.location, flows: oauthFlowsToV03(inner.flows) });
  }
  return scheme;
});

/** In the order the SDK picks one: 1.0's OAuthFlows is a oneof (§4.5.7), 0.3 allowed several flows at once. */
const OAUTH_FLOWS = ["authorizationCode", "clientCredentials", "deviceCode", "implicit", "password"];

const oauthFlowsToV10 = onRecord((flows) => {
  const flow = OAUTH_FLOWS.find((name) => flows[name] !== undefined);
  return flow ? { [flow]: flows[flow] } : flows;
});
/** 0.3 has no device code flow. */
const oauthFlowsToV03 = onRecord((flows) => patch(flows, { deviceCode: undefined }));

/** 0.3 `{ scheme: scopes }`; 1.0 `{ schemes: { scheme: { list: scopes } } }`, where ProtoJSON leaves out an empty list. */
const scopeListToV10: Translate = (scopes) => (Array.isArray(scopes) && scopes.length === 0 ? {} : { list: scopes });
const securityRequirementToV10 = onRecord((requirement) => ({ schemes: mapValues(requirement, scopeListToV10) }));
const securityRequirementToV03 = onRecord((requirement) =>
  mapValues(requirement.schemes ?? {}, (scopes) => (isRecord(scopes) ? (scopes.list ?? []) : scopes)),
);

/** Both, in 0.3's JSON and in ProtoJSON (1.0's, and the card of 0.3's HTTP+JSON binding, ./proto-v03.ts). */
export const securityScheme: Translators = { "1.0": securitySchemeToV10, "0.3": securitySchemeToV03 };
export const securityRequirement: Translators = { "1.0": securityRequirementToV10, "0.3": securityRequirementToV03 };

// Cards are converted without knowing their source version (translateCard has no `from`), so each
// direction keeps a field the card already has in the target spelling.

const skillToV10 = onRecord((skill) =>
  patch(skill, {
    security: undefined,
    securityRequirements: skill.securityRequirements ?? mapItems(skill.security, securityRequirementToV10),
  }),
);
const skillToV03 = onRecord((skill) =>
  patch(skill, {
    securityRequirements: undefined,
    security: skill.security ?? mapItems(skill.securityRequirements, securityRequirementToV03),
  }),
);

/** 0.3's main `url` + `preferredTransport` and its `additionalInterfaces`, all at the card's one protocol version. */
function legacyInterfacesToV10(card: Json): unknown {
  if (card.url === undefined) return undefined;
  const protocolVersion = card.protocolVersion ?? "0.3";
  const main = { url: card.url, protocolBinding: card.preferredTransport ?? JSON_RPC, protocolVersion };
  const additional = mapItems(
    card.additionalInterfaces ?? [],
    onRecord((i) => patch(i, { transport: undefined, protocolBinding: i.transport, protocolVersion })),
  );
  return [main, ...(Array.isArray(additional) ? additional : [])];
}

/** 0.3 declares one version for the whole card, so prefer the interfaces declared at 0.3. */
function legacyEndpointFields(interfaces: Json[]): Json {
  const legacy = interfaces.filter((i) => versionFamily(i.protocolVersion) === "0.3");
  const [main, ...additional] = legacy.length > 0 ? legacy : interfaces;
  if (!main) return {};
  return {
    url: main.url,
    preferredTransport: main.protocolBinding,
    protocolVersion: main.protocolVersion,
    additionalInterfaces:
      additional.length > 0
        ? additional.map((i) => patch(i, { protocolBinding: undefined, protocolVersion: undefined, transport: i.protocolBinding }))
        : undefined,
  };
}

/** 0.3 flags the extended card on the card, 1.0 among the capabilities. */
const cardToV10 = onRecord((card) => {
  const { capabilities } = card;
  return patch(card, {
    url: undefined,
    preferredTransport: undefined,
    additionalInterfaces: undefined,
    protocolVersion: undefined,
    supportedInterfaces: card.supportedInterfaces ?? legacyInterfacesToV10(card),
    supportsAuthenticatedExtendedCard: undefined,
    capabilities: isRecord(capabilities)
      ? patch(capabilities, { extendedAgentCard: card.supportsAuthenticatedExtendedCard ?? capabilities.extendedAgentCard })
      : capabilities,
    securitySchemes: mapValues(card.securitySchemes, securitySchemeToV10),
    security: undefined,
    securityRequirements: card.securityRequirements ?? mapItems(card.security, securityRequirementToV10),
    skills: mapItems(card.skills, skillToV10),
  });
});
const cardToV03 = onRecord((card) => {
  const { capabilities } = card;
  return patch(card, {
    supportedInterfaces: undefined,
    ...legacyEndpointFields(interfacesOf(card)),
    capabilities: isRecord(capabilities) ? patch(capabilities, { extendedAgentCard: undefined }) : capabilities,
    supportsAuthenticatedExtendedCard:
      card.supportsAuthenticatedExtendedCard ?? (isRecord(capabilities) ? capabilities.extendedAgentCard : undefined),
    securitySchemes: mapValues(card.securitySchemes, securitySchemeToV03),
    securityRequirements: undefined,
    security: card.security ?? mapItems(card.securityRequirements, securityRequirementToV03),
    skills: mapItems(card.skills, skillToV03),
  });
});

/** The gateway's own endpoint, in the fields each version declares it with. 0.3's schema spells its version "0.3.0". */
const GATEWAY_ENDPOINT: Record<A2AVersion, (url: string) => Json> = {
  "1.0": (url) => ({ supportedInterfaces: [{ url, protocolBinding: JSON_RPC, protocolVersion: "1.0" }] }),
  "0.3": (url) => ({ url, preferredTransport: JSON_RPC, protocolVersion: "0.3.0", additionalInterfaces: undefined }),
};

// ---------------------------------------------------------------------------------------------
// Errors (§5.4, §9.5; 0.3 §8)
// ---------------------------------------------------------------------------------------------

/**
 * A2A error codes, numbered alike in both versions, with the `ErrorInfo.reason` 1.0 pairs them with
 * (the error's name in UPPER_SNAKE_CASE, §10.6). -32007 was "AuthenticatedExtendedCardNotConfigured"
 * in 0.3, same meaning. -32008 and -32009 are new in 1.0; 0.3 leaves -32000..-32099 to servers, so
 * codes pass unchanged both ways.
 */
const ERROR_REASONS = new Map<number, string>([
  [-32001, "TASK_NOT_FOUND"],
  [-32002, "TASK_NOT_CANCELABLE"],
  [-32003, "PUSH_NOTIFICATION_NOT_SUPPORTED"],
  [-32004, "UNSUPPORTED_OPERATION"],
  [-32005, "CONTENT_TYPE_NOT_SUPPORTED"],
  [-32006, "INVALID_AGENT_RESPONSE"],
  [-32007, "EXTENDED_AGENT_CARD_NOT_CONFIGURED"],
  [-32008, "EXTENSION_SUPPORT_REQUIRED"],
  [-32009, "VERSION_NOT_SUPPORTED"],
]);

/** The A2A code an `ErrorInfo.reason` names (HTTP+JSON errors carry no code of their own, §11.6). */
export const errorCodeOfReason = (reason: string): number | undefined => [...ERROR_REASONS].find(([, r]) => r === reason)?.[0];

const ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo";
/** ProtoJSON `Any` of a `google.protobuf.Value`: how arbitrary 0.3 `data` travels in 1.0's typed list. */
const VALUE_TYPE = "type.googleapis.com/google.protobuf.Value";
const A2A_ERROR_DOMAIN = "a2a-protocol.org";

/** 1.0 `data` is a list of typed details, each with an `@type` (§9.5). `Array.from` fills holes `every` would skip. */
const isErrorDetails = (data: unknown): data is Json[] =>
  Array.isArray(data) && data.length > 0 && Array.from(data).every((detail) => isRecord(detail) && typeof detail["@type"] === "string");

const isStringMap = (value: unknown): value is Record<string, string> =>
  isRecord(value) && Object.keys(value).length > 0 && Object.values(value).every((v) => typeof v === "string");

/**
 * An A2A error gets the ErrorInfo 1.0 requires, holding 0.3 `data` as its metadata when that is a
 * string map (the spec's own migration example); any other `data` rides along as a Value detail.
 */
function errorDataToV10(code: unknown, data: unknown): unknown {
  if (isErrorDetails(data)) return data;
  const reason = typeof code === "number" ? ERROR_REASONS.get(code) : undefined;
  const metadata = reason !== undefined && isStringMap(data) ? data : undefined;
  const details = [
    ...(reason === undefined ? [] : [patch({ "@type": ERROR_INFO_TYPE, reason, domain: A2A_ERROR_DOMAIN }, { metadata })]),
    ...(data === undefined || metadata !== undefined ? [] : [{ "@type": VALUE_TYPE, value: data }]),
  ];
  return details.length > 0 ? details : undefined;
}

/** The reverse; typed details 0.3 has no place for are passed whole, as 0.3 `data` may be anything. */
function errorDataToV03(data: unknown): unknown {
  if (!isErrorDetails(data)) return data;
  const carried = data.find((detail) => detail["@type"] === VALUE_TYPE);
  if (carried) return carried.value;
  const others = data.filter((detail) => detail["@type"] !== ERROR_INFO_TYPE || detail.domain !== A2A_ERROR_DOMAIN);
  if (others.length > 0) return data;
  const metadata = data[0]?.metadata;
  return isRecord(metadata) && Object.keys(metadata).length > 0 ? metadata : undefined;
}

// ---------------------------------------------------------------------------------------------
// Operation tables
// ---------------------------------------------------------------------------------------------

const both = (translate: Translate): Translators => ({ "1.0": translate, "0.3": translate });

const task: Translators = { "1.0": taskToV10, "0.3": taskToV03 };
const streamEvent: Translators = { "1.0": streamEventToV10, "0.3": streamEventToV03 };
const taskPushConfig: Translators = { "1.0": taskPushConfigToV10, "0.3": taskPushConfigToV03 };
const configRef: Translators = { "1.0": configRefToV10, "0.3": configRefToV03 };
const card: Translators = { "1.0": cardToV10, "0.3": cardToV03 };

/**
 * Get, cancel and subscribe params are `{ id }` in both; 0.3 `metadata` and 1.0 `tenant` ride along.
 * `historyLength` (get and send) has the same name and place in both; 1.0 only clarified what its
 * values mean (§3.2.4), so they carry over as they are.
 */
const PARAMS: Record<Operation, Translators> = {
  send: { "1.0": sendParamsToV10, "0.3": sendParamsToV03 },
  stream: { "1.0": sendParamsToV10, "0.3": sendParamsToV03 },
  getTask: both(identity),
  listTasks: listTasksParams,
  cancelTask: both(identity),
  subscribe: both(identity),
  setPushConfig: taskPushConfig,
  getPushConfig: configRef,
  listPushConfigs: { "1.0": taskRefToV10, "0.3": taskRefToV03 },
  deletePushConfig: configRef,
  extendedCard: extendedCardParams,
};

/** A SendMessage result is the task-or-message part of a StreamResponse (§3.2.3), so one translator serves both. */
const RESULTS: Record<Operation, Translators> = {
  send: streamEvent,
  stream: streamEvent,
  getTask: task,
  listTasks: {
    "1.0": onRecord((response) => patch(response, { tasks: mapItems(response.tasks, taskToV10) })),
    "0.3": onRecord((response) => patch(response, { tasks: mapItems(response.tasks, taskToV03) })),
  },
  cancelTask: task,
  subscribe: streamEvent,
  setPushConfig: taskPushConfig,
  getPushConfig: taskPushConfig,
  listPushConfigs: { "1.0": configListToV10, "0.3": configListToV03 },
  // 0.3's result is `null`; 1.0's is google.protobuf.Empty, which the SDK sends as `null` as well.
  deletePushConfig: { "1.0": identity, "0.3": () => null },
  extendedCard: card,
};

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export function translateParams(op: Operation, params: unknown, from: A2AVersion, to: A2AVersion): unknown {
  return from === to ? params : PARAMS[op][to](params);
}

export function translateResult(op: Operation, result: unknown, from: A2AVersion, to: A2AVersion): unknown {
  return from === to ? result : RESULTS[op][to](result);
}

/** One SSE event's JSON-RPC `result`: a bare `kind`-tagged object in 0.3, a StreamResponse in 1.0. */
export function translateStreamEvent(event: unknown, from: A2AVersion, to: A2AVersion): unknown {
  return from === to ? event : streamEvent[to](event);
}

export function translateError(error: JsonRpcErrorObject, from: A2AVersion, to: A2AVersion): JsonRpcErrorObject {
  if (from === to || !isRecord(error)) return error;
  const data = to === "1.0" ? errorDataToV10(error.code, error.data) : errorDataToV03(error.data);
  return { code: error.code, message: error.message, ...(data === undefined ? {} : { data }) };
}

/**
 * The agent's card as the gateway serves it to a caller of version `to`: in that version's shape,
 * with the gateway's URL as its only (JSON-RPC) endpoint. The agent's signatures are dropped: they
 * cannot verify over a rewritten card (§8.4).
 */
export function translateCard(agentCard: unknown, to: A2AVersion, gatewayUrl: string): unknown {
  if (!isRecord(agentCard)) return agentCard;
  const shaped = to === "1.0" ? cardToV10(agentCard) : cardToV03(agentCard);
  return patch(shaped, { signatures: undefined, ...GATEWAY_ENDPOINT[to](gatewayUrl) });
}

/**
 * What an agent speaks over JSON-RPC, from its card: each 1.0 interface declares a version (§8.3.1),
 * a 0.3 card declares one for all its endpoints. A card doing both speaks both; 1.0 is preferred.
 */
export function cardVersion(agentCard: unknown): { versions: A2AVersion[]; preferred: A2AVersion } {
  const declared = isRecord(agentCard) ? declaredVersions(agentCard) : [];
  const versions = (["0.3", "1.0"] as const).filter((version) => declared.includes(version));
  if (versions.length === 0) return { versions: ["0.3"], preferred: "0.3" };
  return { versions, preferred: versions.includes("1.0") ? "1.0" : "0.3" };
}

function declaredVersions(agentCard: Json): (A2AVersion | undefined)[] {
  const interfaces = interfacesOf(agentCard);
  const jsonRpc = interfaces.filter((i) => i.protocolBinding === JSON_RPC);
  const perInterface = (jsonRpc.length > 0 ? jsonRpc : interfaces).map((i) => versionFamily(i.protocolVersion));
  // A bare `url` declares 0.3 only on a card without 1.0 interfaces: it may linger on 1.0 cards.
  const declaresCardWide = agentCard.protocolVersion !== undefined || (agentCard.url !== undefined && interfaces.length === 0);
  return declaresCardWide ? [...perInterface, versionFamily(agentCard.protocolVersion)] : perInterface;
}

/**
 * The interfaces a card offers, in its order of preference, as 1.0 AgentInterfaces: its own 1.0
 * `supportedInterfaces`, or a 0.3 card's `url` in its `preferredTransport` then its `additionalInterfaces`.
 */
export function cardInterfaces(agentCard: Json): Json[] {
  const interfaces = agentCard.supportedInterfaces ?? legacyInterfacesToV10(agentCard);
  return Array.isArray(interfaces) ? interfaces.filter(isRecord) : [];
}

/** What a request asks for with `A2A-Version`: a version the gateway serves, none, or one it does not serve. */
export type VersionAsked = { served: A2AVersion | undefined } | { unsupported: string };

export const SERVED_VERSIONS: readonly string[] = ["0.3", "1.0"] satisfies A2AVersion[];

/**
 * The `A2A-Version` service parameter of a request: a header (§9.2), or a query parameter of that
 * name (§3.6.1). Only Major.Minor counts, so "1.0.2" asks for 1.0 (§3.6). An absent or empty value
 * names no version; the spec reads that as 0.3 (§3.6.2).
 */
export function versionAsked(headers: Readonly<Record<string, string>>, query: Readonly<Record<string, string>>): VersionAsked {
  const queryName = Object.keys(query).find((name) => name.toLowerCase() === "a2a-version");
  const value = (headers["a2a-version"] ?? (queryName === undefined ? undefined : query[queryName]))?.trim();
  if (!value) return { served: undefined };
  const majorMinor = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(value);
  const version = majorMinor ? `${Number(majorMinor[1])}.${Number(majorMinor[2])}` : "";
  return SERVED_VERSIONS.includes(version) ? { served: version as A2AVersion } : { unsupported: value };
}

/**
 * An error the gateway raises itself, in the caller's version. Its `data`, if any, is what 0.3
 * carries as is; 1.0 wants it inside typed details with the ErrorInfo of its code (§9.5).
 */
export function gatewayError(error: JsonRpcErrorObject, to: A2AVersion): JsonRpcErrorObject {
  return translateError(error, "0.3", to);
}
