// A raw A2A 0.3 JSON-RPC agent that behaves like Python's fasta2a / Pydantic AI
// `agent.to_a2a()`: strict pydantic-style validation, no streaming, and
// `message/send` always answers a `submitted` task that the client must poll.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { closeServer, resolveCardUrl, sendJson, startRecordingServer, type CardUrlOption, type PeerHandle } from "./http-peer.ts";
import {
  CARD_PATHS,
  RpcError,
  agentText,
  isRecord,
  rpcIdOf,
  sendRpcError,
  sendRpcResult,
  textOf,
  v03Card,
  type JsonRpcId,
  type V03Artifact,
  type V03Message,
  type V03Part,
  type V03Task,
} from "./v03.ts";

export type FastA2AAgentOptions = {
  /** The card's `url`; default is the real base URL + "/". */
  cardUrl?: CardUrlOption;
  /** Time from `message/send` to the final state; `working` from half of it. Default 50 ms. */
  completeAfterMs?: number;
  /** Data placed in the completed task's artifact. Default `{ result: { msg: "pong" } }`. */
  result?: unknown;
  /** Overrides the artifact parts of a completed turn. */
  reply?: (userText: string, task: V03Task) => V03Part[];
  /** First turn ends `input-required`; a follow-up on the same taskId completes with `Hello, <text>`. */
  inputRequired?: boolean;
  /** The task ends `failed` with status message "agent exploded". */
  fail?: boolean;
  /** The agent's clock; a test that asserts intermediate states drives it by hand. Default `Date.now`. */
  clock?: () => number;
};

export type FastA2AAgentHandle = PeerHandle & {
  /** Drops every stored task, so later `tasks/get` calls answer TaskNotFound. */
  forgetTasks(): void;
};

type Outcome =
  | { state: "completed"; parts: V03Part[] }
  | { state: "failed" | "input-required"; message: V03Message };

type StoredTask = {
  id: string;
  contextId: string;
  history: V03Message[];
  artifacts: V03Artifact[];
  status: V03Task["status"];
  /** The running turn: its final state is reached `completeAfterMs` after `startedAt`. */
  turn: { startedAt: number; outcome: Outcome; settled: boolean };
};

const TERMINAL_STATES = new Set(["completed", "canceled", "failed", "rejected"]);

export async function startFastA2AAgent(opts: FastA2AAgentOptions = {}): Promise<FastA2AAgentHandle> {
  const completeAfterMs = opts.completeAfterMs ?? 50;
  const clock = opts.clock ?? Date.now;
  const tasks = new Map<string, StoredTask>();
  let cardUrl = "";

  // State is derived from elapsed time on every read, so no timer runs between calls.
  function refresh(task: StoredTask, now = clock()): void {
    const { turn } = task;
    if (turn.settled) return;
    const elapsed = now - turn.startedAt;
    if (elapsed >= completeAfterMs) {
      const timestamp = new Date(turn.startedAt + completeAfterMs).toISOString();
      if (turn.outcome.state === "completed") {
        task.artifacts.push({ artifactId: randomUUID(), name: "result", parts: turn.outcome.parts });
        task.status = { state: "completed", timestamp };
      } else {
        task.status = { state: turn.outcome.state, message: turn.outcome.message, timestamp };
      }
      turn.settled = true;
    } else if (elapsed >= completeAfterMs / 2) {
      task.status = { state: "working", timestamp: new Date(turn.startedAt + completeAfterMs / 2).toISOString() };
    }
  }

  function snapshot(task: StoredTask, historyLength?: number): V03Task {
    // Like fasta2a, a falsy historyLength means "all of it".
    const history = historyLength ? task.history.slice(-historyLength) : task.history;
    const view: V03Task = {
      kind: "task",
      id: task.id,
      contextId: task.contextId,
      status: task.status,
      history,
      ...(task.artifacts.length > 0 && { artifacts: task.artifacts }),
    };
    // A copy, so a caller mutating a response cannot change the stored task.
    return structuredClone(view);
  }

  function completion(userText: string, task: StoredTask, fallback: V03Part[]): Outcome {
    return { state: "completed", parts: opts.reply ? opts.reply(userText, snapshot(task)) : fallback };
  }

  function startTask(message: V03Message): V03Task {
    const now = clock();
    const task: StoredTask = {
      id: randomUUID(),
      contextId: message.contextId ?? randomUUID(),
      history: [message],
      artifacts: [],
      status: { state: "submitted", timestamp: new Date(now).toISOString() },
      turn: { startedAt: now, outcome: { state: "completed", parts: [] }, settled: false },
    };
    const ids = { contextId: task.contextId, taskId: task.id };
    if (opts.fail) {
      task.turn.outcome = { state: "failed", message: agentText("agent exploded", ids) };
    } else if (opts.inputRequired) {
      task.turn.outcome = { state: "input-required", message: agentText("What is your name?", ids) };
    } else {
      task.turn.outcome = completion(textOf(message), task, [{ kind: "data", data: opts.result ?? { result: { msg: "pong" } } }]);
    }
    tasks.set(task.id, task);
    return snapshot(task);
  }

  /** A follow-up on an `input-required` task starts a new turn that greets the user. */
  function continueTask(res: ServerResponse, id: JsonRpcId, task: StoredTask, message: V03Message): void {
    refresh(task);
    if (task.status.state !== "input-required") {
      sendRpcError(res, id, RpcError.invalidParams, `Task ${task.id} is ${task.status.state} and does not accept new messages`);
      return;
    }
    const now = clock();
    if (task.status.message) task.history.push(task.status.message);
    task.history.push(message);
    const userText = textOf(message);
    task.status = { state: "submitted", timestamp: new Date(now).toISOString() };
    task.turn = { startedAt: now, outcome: completion(userText, task, [{ kind: "text", text: `Hello, ${userText}` }]), settled: false };
    sendRpcResult(res, id, snapshot(task));
  }

  function handleRpc(res: ServerResponse, body: unknown): void {
    const id = rpcIdOf(body);
    if (typeof body === "string") return sendRpcError(res, null, RpcError.parse, "Invalid JSON");
    if (!isRecord(body) || body.jsonrpc !== "2.0" || typeof body.method !== "string") {
      return sendRpcError(res, id, RpcError.invalidRequest, "Invalid Request");
    }
    const method = body.method;
    const params = body.params;
    switch (method) {
      case "message/send": {
        const invalid = validateSendParams(method, params);
        if (invalid) return sendRpcError(res, id, RpcError.invalidParams, invalid);
        const message = (params as { message: V03Message }).message;
        if (message.taskId === undefined) return sendRpcResult(res, id, startTask(message));
        const task = tasks.get(message.taskId);
        if (!task) return sendRpcError(res, id, RpcError.taskNotFound, "Task not found");
        return continueTask(res, id, task, message);
      }
      case "tasks/get":
      case "tasks/cancel": {
        if (!isRecord(params) || typeof params.id !== "string") {
          return sendRpcError(res, id, RpcError.invalidParams, `${method}.params.id Field required`);
        }
        const task = tasks.get(params.id);
        if (!task) return sendRpcError(res, id, RpcError.taskNotFound, "Task not found");
        refresh(task);
        if (method === "tasks/get") {
          const historyLength = typeof params.historyLength === "number" ? params.historyLength : undefined;
          return sendRpcResult(res, id, snapshot(task, historyLength));
        }
        if (TERMINAL_STATES.has(task.status.state)) {
          return sendRpcError(res, id, RpcError.taskNotCancelable, "Task is not cancelable");
        }
        task.status = { state: "canceled", timestamp: new Date().toISOString() };
        task.turn.settled = true;
        return sendRpcResult(res, id, snapshot(task));
      }
      case "message/stream":
      case "tasks/resubscribe":
        return sendRpcError(res, id, RpcError.unsupportedOperation, `Method ${method} not implemented.`);
      case "tasks/pushNotificationConfig/set":
      case "tasks/pushNotificationConfig/get":
      case "tasks/pushNotificationConfig/list":
      case "tasks/pushNotificationConfig/delete":
        return sendRpcError(res, id, RpcError.pushNotificationNotSupported, "Push notifications are not supported");
      default:
        return sendRpcError(res, id, RpcError.methodNotFound, `Method not found: ${method}`);
    }
  }

  const { server, port, url, requests } = await startRecordingServer((req, res, body) => {
    const path = new URL(req.url ?? "/", "http://peer").pathname;
    if (req.method === "GET" && CARD_PATHS.includes(path)) {
      return sendJson(res, 200, v03Card({ name: "fasta2a-agent", description: "A Pydantic AI agent exposed with fasta2a", url: cardUrl, streaming: false }));
    }
    if (req.method === "POST" && path === "/") return handleRpc(res, body);
    sendJson(res, 404, { detail: "Not Found" });
  });
  cardUrl = resolveCardUrl(opts.cardUrl, port, `${url}/`);

  return {
    url,
    port,
    requests,
    forgetTasks: () => tasks.clear(),
    close: () => closeServer(server),
  };
}

/**
 * Mimics pydantic's validation of `message/send` params; returns every
 * error found (one per line, "<path> <reason>") or undefined when valid.
 */
function validateSendParams(method: string, params: unknown): string | undefined {
  const errors: string[] = [];
  const at = (path: string, reason: string) => errors.push(`${method}.${path} ${reason}`);
  const requireString = (obj: Record<string, unknown>, key: string, path: string) => {
    if (!(key in obj)) at(`${path}.${key}`, "Field required");
    else if (typeof obj[key] !== "string") at(`${path}.${key}`, "Input should be a valid string");
  };
  const optionalString = (obj: Record<string, unknown>, key: string, path: string) => {
    if (key in obj && typeof obj[key] !== "string") at(`${path}.${key}`, "Input should be a valid string");
  };

  if (params === undefined) return `${method}.params Field required`;
  if (!isRecord(params)) return `${method}.params Input should be a valid dictionary`;
  const message = params.message;
  if (message === undefined) return `${method}.params.message Field required`;
  if (!isRecord(message)) return `${method}.params.message Input should be a valid dictionary`;

  const path = "params.message";
  if (!("kind" in message)) at(`${path}.kind`, "Field required");
  else if (message.kind !== "message") at(`${path}.kind`, "Input should be 'message'");
  if (!("role" in message)) at(`${path}.role`, "Field required");
  else if (message.role !== "user" && message.role !== "agent") at(`${path}.role`, "Input should be 'user' or 'agent'");
  requireString(message, "messageId", path);
  optionalString(message, "contextId", path);
  optionalString(message, "taskId", path);

  const parts = message.parts;
  if (parts === undefined) at(`${path}.parts`, "Field required");
  else if (!Array.isArray(parts)) at(`${path}.parts`, "Input should be a valid list");
  else if (parts.length === 0) at(`${path}.parts`, "List should have at least 1 item after validation, not 0");
  else parts.forEach((part: unknown, i) => validatePart(part, `${path}.parts.${i}`, at, requireString));

  return errors.length > 0 ? errors.join("\n") : undefined;
}

function validatePart(
  part: unknown,
  path: string,
  at: (path: string, reason: string) => void,
  requireString: (obj: Record<string, unknown>, key: string, path: string) => void,
): void {
  if (!isRecord(part)) return at(path, "Input should be a valid dictionary");
  switch (part.kind) {
    case "text":
      return requireString(part, "text", path);
    case "data":
      if (!("data" in part)) return at(`${path}.data`, "Field required");
      if (!isRecord(part.data)) return at(`${path}.data`, "Input should be a valid dictionary");
      return;
    case "file":
      if (!("file" in part)) return at(`${path}.file`, "Field required");
      if (!isRecord(part.file)) return at(`${path}.file`, "Input should be a valid dictionary");
      return;
    case undefined:
      return at(path, "Unable to extract tag using discriminator 'kind'");
    default:
      return at(path, `Input tag '${String(part.kind)}' found using 'kind' does not match any of the expected tags: 'text', 'data', 'file'`);
  }
}
