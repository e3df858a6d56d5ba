/**
 * Plumbing shared by the reliability suite: waiting for a condition, agents that report when the
 * gateway lets go of their connection, SQS records built by hand, and a memory sampler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { SQSRecord } from "aws-lambda";

/** Polls `check` until it returns something other than undefined, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(every);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Races `work` against a timer: a hang becomes a rejection naming what hung. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming agents that watch their own connections
// ---------------------------------------------------------------------------------------------

export interface WatchedStreamAgent {
  url: string;
  /** Streams opened by the gateway so far. */
  opened: number;
  /** Streams whose connection was closed (by either side) so far. */
  closed: number;
  /** Events written so far, over all streams. */
  written: number;
  close(): Promise<void>;
}

/**
 * An A2A 0.3 agent whose `message/stream` never ends on its own: `endless` writes an event every
 * 10 ms, `silent` writes one event and then nothing. Either way only the caller can end it, so a
 * closed connection here proves the gateway closed it. Every other method answers a message.
 */
export async function startWatchedStreamAgent(mode: "endless" | "silent"): Promise<WatchedStreamAgent> {
  const state = { opened: 0, closed: 0, written: 0 };
  let url = "";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET") {
        return json(res, { name: `watched-${mode}`, url: `${url}/`, protocolVersion: "0.3.0", version: "1", capabilities: { streaming: true }, skills: [] });
      }
      let body: { id?: unknown; method?: unknown } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
      } catch {
        /* answered below like any other call */
      }
      const id = typeof body.id === "number" || typeof body.id === "string" ? body.id : null;
      if (body.method !== "message/stream") return json(res, { jsonrpc: "2.0", id, result: message("pong", 0) });
      state.opened++;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.flushHeaders();
      let n = 0;
      const write = () => {
        state.written++;
        res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", id, result: message(`tick ${n}`, n++) })}\n\n`);
      };
      write();
      const timer = mode === "endless" ? setInterval(write, 10) : undefined;
      res.on("close", () => {
        clearInterval(timer);
        state.closed++;
      });
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get opened() {
      return state.opened;
    },
    get closed() {
      return state.closed;
    },
    get written() {
      return state.written;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

const message = (text: string, n: number) => ({ kind: "message", role: "agent", messageId: `tick-${n}`, parts: [{ kind: "text", text }] });

function json(res: ServerResponse, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// ---------------------------------------------------------------------------------------------
// SQS records, as Lambda's event source mapping hands them over
// ---------------------------------------------------------------------------------------------

let nextMessage = 0;

/** One SQS record carrying `body` (a string is sent as is, anything else as JSON), on its n-th receive. */
export function sqsRecord(body: unknown, receiveCount = 1, messageId = `msg-${++nextMessage}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}-${receiveCount}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: "000000000000",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:tasks",
    awsRegion: "us-east-1",
  };
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

/** A full garbage collection, when V8 lets us ask for one (it does unless the flag is locked). */
export function collectGarbage(): boolean {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) {
    exposed();
    return true;
  }
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as (() => void) | undefined;
    gc?.();
    return typeof gc === "function";
  } catch {
    return false;
  }
}

export interface MemorySample {
  heapUsed: number;
  rss: number;
}

/** Samples heap and RSS every `everyMs` until stopped; keeps the peaks. */
export function sampleMemory(everyMs = 100) {
  const peak: MemorySample = { heapUsed: 0, rss: 0 };
  let samples = 0;
  const take = () => {
    const { heapUsed, rss } = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, heapUsed);
    peak.rss = Math.max(peak.rss, rss);
    samples++;
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak: { ...peak }, samples };
    },
  };
}

export const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
