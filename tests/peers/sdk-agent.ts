// A real @a2a-js/sdk 1.x agent (A2A protocol 1.0 over JSON-RPC, or over HTTP+JSON only), optionally
// also accepting 0.3 clients through the SDK's compat layer, or serving only 0.3's HTTP+JSON
// through the SDK's legacy REST router. Its behaviour is
// scripted by the user's text so tests can pick a scenario per message.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
// express ships without type declarations here (no @types/express), so the
// few members used are typed locally below; ts-ignore keeps working if types appear.
// @ts-ignore TS7016: untyped module
import expressUntyped from "express";
import { A2A_PROTOCOL_VERSION, AGENT_CARD_PATH, Role, TaskState } from "@a2a-js/sdk";
import type { AgentCard, AgentInterface, Message, Part, Task } from "@a2a-js/sdk";
import {
  AgentEvent,
  DefaultPushNotificationSender,
  DefaultRequestHandler,
  InMemoryPushNotificationStore,
  InMemoryTaskStore,
  type AgentExecutor,
  type ExecutionEventBus,
  type PushNotificationSender,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import { duplicateInterfacesForLegacy } from "@a2a-js/sdk/compat/v0_3";
import { createLegacyAwarePushNotificationSender } from "@a2a-js/sdk/compat/v0_3/server";
import { legacyAgentCardRouter, legacyRestRouter } from "@a2a-js/sdk/compat/v0_3/server/express";
import { closeServer, listen, pause, recordRequest, resolveCardUrl, type CardUrlOption, type PeerHandle, type RecordedRequest } from "./http-peer.ts";

type ParsedRequest = IncomingMessage & { body?: unknown };
type Next = (error?: unknown) => void;
type Middleware = (req: ParsedRequest, res: ServerResponse, next: Next) => void;
type ErrorMiddleware = (error: unknown, req: ParsedRequest, res: ServerResponse, next: Next) => void;
type ExpressApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  use(...handlers: Array<string | Middleware | ErrorMiddleware>): void;
};
type Express = {
  (): ExpressApp;
  json(options?: { verify?: (req: IncomingMessage, res: ServerResponse, buf: Buffer) => void }): Middleware;
};
const express = expressUntyped as Express;

export type SdkAgentOptions = {
  /** The one binding served and advertised: the SDK's JSON-RPC handler, or only its REST handler. Default "JSONRPC". */
  binding?: "JSONRPC" | "HTTP+JSON";
  /** Also accept A2A 0.3 clients (compat layer) and advertise a 0.3 JSON-RPC interface. Default false. */
  legacyCompat?: boolean;
  /** "0.3": serve and advertise nothing but 0.3 (the SDK's legacy routers; HTTP+JSON only). Default "1.0". */
  version?: "1.0" | "0.3";
  /** Card `capabilities.streaming`. Default true. */
  streaming?: boolean;
  /** Card `capabilities.pushNotifications`, with the SDK's store and sender wired. Default false. */
  pushNotifications?: boolean;
  /** URL advertised in the card's interfaces; default is the real base URL + "/". */
  cardUrl?: CardUrlOption;
  /** Gap between the three echo artifact chunks. Default 20 ms. */
  chunkDelayMs?: number;
  /** Port to listen on; default an ephemeral one. */
  port?: number;
};

export type SdkAgentHandle = PeerHandle & { card: AgentCard };

export async function startSdkAgent(opts: SdkAgentOptions = {}): Promise<SdkAgentHandle> {
  const legacyCompat = opts.legacyCompat ?? false;
  const requests: RecordedRequest[] = [];
  const app = express();
  const server = createServer(app);
  const port = await listen(server, opts.port);
  const url = `http://127.0.0.1:${port}`;

  const card = agentCard({
    rpcUrl: resolveCardUrl(opts.cardUrl, port, `${url}/`),
    binding: opts.binding ?? "JSONRPC",
    version: opts.version ?? "1.0",
    legacyCompat,
    streaming: opts.streaming ?? true,
    pushNotifications: opts.pushNotifications ?? false,
  });
  const executor = new ScriptedExecutor(opts.chunkDelayMs ?? 20);
  const pushStore = opts.pushNotifications ? new InMemoryPushNotificationStore() : undefined;
  let pushSender: PushNotificationSender | undefined;
  if (pushStore) {
    // The legacy-aware sender keeps v0.3-registered webhooks on v0.3 bodies.
    pushSender = legacyCompat
      ? createLegacyAwarePushNotificationSender(pushStore, { timeout: 2_000 })
      : new DefaultPushNotificationSender(pushStore, { timeout: 2_000 });
  }
  const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor, undefined, pushStore, pushSender);
  const compat = { enabled: legacyCompat };

  // Parse JSON ourselves so the request can be recorded before the SDK sees it;
  // the SDK's own body parser then skips the already-consumed stream.
  const rawBodies = new WeakMap<IncomingMessage, string>();
  app.use(express.json({ verify: (req, _res, buf) => rawBodies.set(req, buf.toString("utf8")) }));
  const record: Middleware = (req, _res, next) => {
    recordRequest(requests, req, req.body ?? rawBodies.get(req));
    next();
  };
  app.use(record, rejectUnparseableJson(requests, rawBodies));
  if (opts.version === "0.3") {
    app.use(`/${AGENT_CARD_PATH}`, legacyAgentCardRouter({ agentCardProvider: requestHandler }));
    app.use(legacyRestRouter({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
  } else {
    app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: requestHandler, legacyCompat: compat }));
    const serve = opts.binding === "HTTP+JSON" ? restHandler : jsonRpcHandler;
    app.use(serve({ requestHandler, userBuilder: UserBuilder.noAuthentication, legacyCompat: compat }));
  }

  return {
    url,
    port,
    requests,
    card,
    close: async () => {
      executor.shutdown();
      await closeServer(server);
    },
  };
}

/** Answers a body that is not JSON the way the SDK would (-32700), after recording it. */
function rejectUnparseableJson(requests: RecordedRequest[], rawBodies: WeakMap<IncomingMessage, string>): ErrorMiddleware {
  return (error, req, res, next) => {
    if (!(error instanceof SyntaxError)) return next(error);
    recordRequest(requests, req, rawBodies.get(req));
    const body = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Invalid JSON payload." } });
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(body);
  };
}

function agentCard(o: { rpcUrl: string; binding: "JSONRPC" | "HTTP+JSON"; version: "1.0" | "0.3"; legacyCompat: boolean; streaming: boolean; pushNotifications: boolean }): AgentCard {
  const served: AgentInterface = { url: o.rpcUrl, protocolBinding: o.binding, tenant: "", protocolVersion: o.version === "0.3" ? "0.3" : A2A_PROTOCOL_VERSION };
  return {
    name: "sdk-agent",
    description: "An @a2a-js/sdk agent whose behaviour is chosen by the message text",
    // Advertising a 0.3 twin of the interface is what opens it to 0.3 clients.
    supportedInterfaces: o.legacyCompat ? duplicateInterfacesForLegacy([served], [o.binding]) : [served],
    provider: undefined,
    version: "1.0.0",
    capabilities: { streaming: o.streaming, pushNotifications: o.pushNotifications, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ["text"],
    defaultOutputModes: ["text", "application/json"],
    skills: [
      {
        id: "scripted",
        name: "Scripted replies",
        description: "echo by default; 'slow:<ms>', 'message', 'fail', 'ask' and 'data' pick other scenarios",
        tags: ["test"],
        examples: ["hello", "slow:500", "message", "fail", "ask", "data"],
        inputModes: ["text"],
        outputModes: ["text", "application/json"],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

/**
 * Scenarios by user text: default echo (3 streamed chunks), `slow:<ms>`,
 * `message` (no task), `fail`, `ask` (input-required, then greets), `data`.
 */
class ScriptedExecutor implements AgentExecutor {
  private readonly running = new Map<string, AbortController>();
  private readonly contextIds = new Map<string, string>();

  constructor(private readonly chunkDelayMs: number) {}

  execute = async (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const { taskId, contextId } = ctx;
    const text = textOf(ctx.userMessage).trim();
    const abort = new AbortController();
    this.running.set(taskId, abort);
    this.contextIds.set(taskId, contextId);
    const signal = abort.signal;
    const events = new TaskEvents(bus, taskId, contextId);
    try {
      if (text === "message") {
        bus.publish(AgentEvent.message(agentMessage("hello from a message", contextId, "")));
        return;
      }
      // Every turn, follow-ups included, must open with a Task event.
      bus.publish(AgentEvent.task(ctx.task ?? submittedTask(taskId, contextId, ctx.userMessage)));

      if (ctx.task?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
        events.status(TaskState.TASK_STATE_WORKING);
        events.artifact([textPart(`Hello, ${text}`)]);
        return events.status(TaskState.TASK_STATE_COMPLETED);
      }
      if (text === "ask") return events.status(TaskState.TASK_STATE_INPUT_REQUIRED, "What is your name?");

      events.status(TaskState.TASK_STATE_WORKING);
      if (text === "fail") return events.status(TaskState.TASK_STATE_FAILED, "agent failed on purpose");
      if (text === "data") {
        events.artifact([dataPart({ answer: 42 })]);
        return events.status(TaskState.TASK_STATE_COMPLETED);
      }
      const slow = /^slow:(\d+)/.exec(text);
      if (slow) {
        const ms = Number(slow[1]);
        await pause(ms, signal);
        if (signal.aborted) return; // cancelTask already published `canceled`
        events.artifact([textPart(`done after ${ms}ms`)]);
        return events.status(TaskState.TASK_STATE_COMPLETED);
      }

      const artifactId = randomUUID();
      const chunks = splitInThree(`echo: ${text}`);
      for (const [i, chunk] of chunks.entries()) {
        await pause(this.chunkDelayMs, signal);
        if (signal.aborted) return;
        events.artifact([textPart(chunk)], { artifactId, append: i > 0, lastChunk: i === chunks.length - 1 });
      }
      events.status(TaskState.TASK_STATE_COMPLETED);
    } finally {
      this.running.delete(taskId);
    }
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    this.running.get(taskId)?.abort();
    new TaskEvents(bus, taskId, this.contextIds.get(taskId) ?? "").status(TaskState.TASK_STATE_CANCELED);
  };

  /** Stops every in-flight scenario so no timer outlives the server. */
  shutdown(): void {
    for (const abort of this.running.values()) abort.abort();
  }
}

/** Publishes status and artifact updates for one task. */
class TaskEvents {
  constructor(
    private readonly bus: ExecutionEventBus,
    private readonly taskId: string,
    private readonly contextId: string,
  ) {}

  status(state: TaskState, messageText?: string): void {
    const message = messageText === undefined ? undefined : agentMessage(messageText, this.contextId, this.taskId);
    this.bus.publish(
      AgentEvent.statusUpdate({
        taskId: this.taskId,
        contextId: this.contextId,
        status: { state, message, timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
  }

  artifact(parts: Part[], chunk: { artifactId?: string; append?: boolean; lastChunk?: boolean } = {}): void {
    this.bus.publish(
      AgentEvent.artifactUpdate({
        taskId: this.taskId,
        contextId: this.contextId,
        artifact: { artifactId: chunk.artifactId ?? randomUUID(), name: "result", description: "", parts, metadata: undefined, extensions: [] },
        append: chunk.append ?? false,
        lastChunk: chunk.lastChunk ?? true,
        metadata: undefined,
      }),
    );
  }
}

function submittedTask(taskId: string, contextId: string, userMessage: Message): Task {
  return {
    id: taskId,
    contextId,
    status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
    artifacts: [],
    history: [userMessage],
    metadata: undefined,
  };
}

function agentMessage(text: string, contextId: string, taskId: string): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function textPart(value: string): Part {
  return { content: { $case: "text", value }, metadata: undefined, filename: "", mediaType: "text/plain" };
}

function dataPart(value: unknown): Part {
  return { content: { $case: "data", value }, metadata: undefined, filename: "", mediaType: "application/json" };
}

function textOf(message: Message): string {
  return message.parts.flatMap((part) => (part.content?.$case === "text" ? [part.content.value] : [])).join("");
}

function splitInThree(text: string): string[] {
  const size = Math.ceil(text.length / 3);
  return [text.slice(0, size), text.slice(size, 2 * size), text.slice(2 * size)];
}
