/**
 * Calls agents over HTTP. Built on node:http rather than fetch for two reasons: the URL guard runs
 * inside `lookup`, on the address actually connected to; and a keep-alive agent per container
 * keeps the added latency of the gateway near the floor of a bare proxy.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { createParser } from "eventsource-parser";
import { UpstreamError } from "../errors.ts";
import type { AgentCall, AgentReply, Upstream } from "../ports.ts";
import { assertCallableUrl, guardedLookup, type Resolver } from "../core/url-guard.ts";

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface StreamLimits {
  eventBytes: number;
  streamBytes: number;
}

/**
 * One streamed event may be as large as a whole JSON answer; a whole stream is generous for
 * hours of progress, and bounded so that one agent cannot fill a container.
 */
const STREAM_LIMITS: StreamLimits = { eventBytes: MAX_RESPONSE_BYTES, streamBytes: 100 * 1024 * 1024 };
const MAX_CHECKED_URLS = 1024;
const STALE_SOCKET_ERRORS = new Set(["ECONNRESET", "EPIPE"]);

/** Errors meaning "this URL cannot be reached": safe to try another URL of the same agent. */
const CONNECT_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRREFUSED_BY_GUARD"]);

export class HttpUpstream implements Upstream {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private next = 0;
  /** Agent URLs already checked: the same few are called over and over. */
  private readonly checked = new Map<string, URL>();

  constructor(
    private readonly allowPrivate: boolean,
    resolve?: Resolver,
  ) {
    const lookup = guardedLookup(allowPrivate, resolve) as unknown as http.AgentOptions["lookup"];
    const options = { keepAlive: true, maxSockets: 256, lookup };
    this.agents = { http: new http.Agent(options), https: new https.Agent(options) };
  }

  /** The URL's form is checked once per URL (its address, for names, at every connect). */
  private checkedUrl(raw: string): URL {
    let url = this.checked.get(raw);
    if (!url) {
      url = assertCallableUrl(raw, this.allowPrivate);
      if (this.checked.size >= MAX_CHECKED_URLS) this.checked.clear();
      this.checked.set(raw, url);
    }
    return url;
  }

  async post(call: AgentCall): Promise<AgentReply> {
    const n = call.urls.length;
    // Spread calls over the agent's URLs; fail over on connection errors only, since a request
    // that reached an agent may have started work there.
    const start = this.next++ % n;
    let lastError: unknown;
    for (let i = 0; i < n; i++) {
      const url = call.urls[(start + i) % n]!;
      try {
        return await this.send(call.method ?? "POST", url, call.headers, call.body, call.timeoutMs, call.signal);
      } catch (e) {
        lastError = e;
        if (!(e instanceof UpstreamError && e.failure === "unreachable")) throw e;
      }
    }
    throw lastError;
  }

  async get(url: string, headers: Record<string, string>, timeoutMs: number) {
    const reply = await this.send("GET", url, headers, undefined, timeoutMs);
    if (reply.kind !== "json") {
      reply.close();
      throw new UpstreamError("Expected JSON, got an event stream", "invalid_response");
    }
    return reply;
  }

  private send(
    method: string,
    rawUrl: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
    retried = false,
  ): Promise<AgentReply> {
    const url = this.checkedUrl(rawUrl);
    const secure = url.protocol === "https:";
    return new Promise<AgentReply>((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        method,
        agent: secure ? this.agents.https : this.agents.http,
        headers: {
          accept: "application/json, text/event-stream",
          ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
          ...headers,
        },
      });
      let settled = false;
      let answered = false;
      const fail = (e: UpstreamError) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        req.destroy();
        if (!settled) {
          settled = true;
          reject(e);
        }
      };
      const timer = setTimeout(() => fail(new UpstreamError(`Agent did not answer within ${timeoutMs} ms`, "timeout")), timeoutMs);
      const onAbort = () => fail(new UpstreamError("Caller went away", "unreachable"));
      signal?.addEventListener("abort", onAbort, { once: true });

      req.on("error", (e: NodeJS.ErrnoException) => {
        // A kept-alive socket the agent closed while it sat idle fails at once, with the request
        // unread. Node's documented remedy is to send it once more; the dead socket has left the
        // pool by then.
        if (!retried && !settled && !answered && req.reusedSocket && STALE_SOCKET_ERRORS.has(e.code ?? "")) {
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(this.send(method, rawUrl, headers, body, timeoutMs, signal, true));
          return;
        }
        const unreachable = e.code !== undefined && CONNECT_ERRORS.has(e.code);
        fail(
          new UpstreamError(
            unreachable ? `Agent unreachable (${e.code})` : `Connection to agent failed (${e.code ?? e.message})`,
            unreachable ? "unreachable" : "invalid_response",
            undefined,
            { cause: e },
          ),
        );
      });
      req.on("response", (res) => {
        answered = true;
        const type = res.headers["content-type"] ?? "";
        if (type.includes("text/event-stream") && res.statusCode === 200) {
          // A stream may run for as long as the agent works: no overall timeout once it has begun.
          clearTimeout(timer);
          settled = true;
          const close = () => {
            signal?.removeEventListener("abort", onAbort);
            req.destroy();
          };
          resolve({ kind: "sse", status: 200, events: readEvents(res, close), close, headers: res.headers });
          return;
        }
        readBody(res)
          .then((text) => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            settled = true;
            resolve({ kind: "json", status: res.statusCode ?? 0, body: parseJsonOrText(text), headers: res.headers });
          })
          .catch((e: unknown) =>
            fail(e instanceof UpstreamError ? e : new UpstreamError("Agent response was cut off", "invalid_response")),
          );
      });
      req.end(body);
    });
  }
}

/** Non-JSON bodies come back as `{ text }` so callers can report them without guessing. */
export const NOT_JSON = Symbol("not-json");
function parseJsonOrText(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { [NOT_JSON]: true, text: text.slice(0, 200) };
  }
}
export const isNotJson = (body: unknown): body is { text: string } =>
  typeof body === "object" && body !== null && NOT_JSON in body;

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_RESPONSE_BYTES) {
        res.destroy();
        reject(new UpstreamError("Agent response is too large", "invalid_response"));
      } else chunks.push(c);
    });
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
    res.on("aborted", () => reject(new UpstreamError("Agent response was cut off", "invalid_response")));
  });
}

/**
 * Server-sent events → parsed `data` payloads, parsed by eventsource-parser. An event whose data is
 * not JSON, or an event or a stream over its limit, ends the stream with an `invalid_response`
 * error; a connection dropped half-way ends it with `unreachable`.
 *
 * Bytes are decoded and handed to the parser only once a chunk brings a line break: the parser
 * re-reads its unfinished line on every feed, so feeding it a long line chunk by chunk would cost
 * time quadratic in the line's length.
 */
const [LF, CR] = [0x0a, 0x0d];
export async function* readEvents(res: IncomingMessage, close: () => void, limits = STREAM_LIMITS): AsyncGenerator<unknown> {
  const parsed: string[] = [];
  let ended = false; // an event or a comment (a keep-alive) ended since the last feed
  const parser = createParser({
    onEvent: (event) => (parsed.push(event.data), (ended = true)),
    onComment: () => (ended = true),
  });
  const decoder = new TextDecoder();
  const unbroken: Buffer[] = [];
  let streamBytes = 0;
  let eventBytes = 0;
  let completed = false;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      streamBytes += chunk.length;
      eventBytes += chunk.length;
      if (streamBytes > limits.streamBytes) throw new UpstreamError(`Agent stream is larger than ${limits.streamBytes} bytes`, "invalid_response");
      if (eventBytes > limits.eventBytes) throw new UpstreamError(`Agent sent an event larger than ${limits.eventBytes} bytes`, "invalid_response");
      if (chunk.indexOf(LF) === -1 && chunk.indexOf(CR) === -1) {
        unbroken.push(chunk);
        continue;
      }
      parser.feed(decoder.decode(unbroken.length ? Buffer.concat([...unbroken, chunk]) : chunk, { stream: true }));
      unbroken.length = 0;
      // Counted from the last event on: what follows it in this chunk is small next to the limit.
      if (ended) [eventBytes, ended] = [0, false];
      for (const data of parsed.splice(0)) {
        try {
          yield JSON.parse(data);
        } catch {
          throw new UpstreamError("Agent sent an event that is not JSON", "invalid_response");
        }
      }
    }
    completed = res.complete;
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    throw new UpstreamError("Agent stream was cut off", "unreachable");
  } finally {
    close();
  }
  if (!completed) throw new UpstreamError("Agent stream was cut off", "unreachable");
}
