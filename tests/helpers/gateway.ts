/**
 * The gateway's three HTTP functions in process over the given deps, for tests that follow calls
 * from the caller to the meter: each call its own request id, as API Gateway gives it.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { installAwsLambdaGlobal } from "../../infra/local/awslambda.ts";
import type { AppDeps } from "../../shared/deps.ts";
import { apiEvent } from "./events.ts";

installAwsLambdaGlobal();
const { bufferedHandler, streamingHandler } = await import("../../functions/lib/http.ts");
const { a2aHandlers } = await import("../../shared/routes/a2a.ts");
const { openaiHandlers } = await import("../../shared/routes/openai.ts");
const { adminHandlers } = await import("../../shared/routes/admin.ts");

/** A response stream that keeps what it is sent; `leaveAfter` bytes in, the caller goes away. */
class Capture extends Writable {
  text = "";
  meta?: { statusCode: number; headers?: Record<string, string> };
  constructor(private readonly leaveAfter?: number) {
    super();
  }
  setMeta(meta: { statusCode: number; headers?: Record<string, string> }) {
    this.meta = meta;
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
    if (this.leaveAfter !== undefined && this.text.length >= this.leaveAfter) this.destroy();
  }
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: any;
}

const parse = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export function gatewayOf(deps: AppDeps) {
  const api = bufferedHandler(adminHandlers as never, () => deps);
  const streaming = { a2a: streamingHandler(a2aHandlers, () => deps), openai: streamingHandler(openaiHandlers, () => deps) };

  function event(method: string, path: string, key: string | undefined, body?: unknown, requestId: string = randomUUID(), headers: Record<string, string> = {}) {
    const [rawPath, query = ""] = path.split("?");
    const e = apiEvent(method, rawPath!, body === undefined ? undefined : JSON.stringify(body), { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) });
    return { ...e, rawQueryString: query, ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}), requestContext: { ...e.requestContext, requestId } };
  }

  return {
    /** A call to the A2A or OpenAI function (streaming, behind a Function URL). */
    async call(path: string, key: string | undefined, body: unknown, opts: { requestId?: string; leaveAfter?: number; headers?: Record<string, string> } = {}): Promise<Reply> {
      const out = new Capture(opts.leaveAfter);
      const fn = path.startsWith("/a2a/") ? streaming.a2a : streaming.openai;
      await fn(event("POST", path, key, body, opts.requestId, opts.headers) as never, out, {} as never);
      return { status: out.meta?.statusCode ?? 0, headers: out.meta?.headers ?? {}, text: out.text, body: parse(out.text) };
    },
    /** An admin route (buffered, behind the HTTP API). */
    async admin(method: string, path: string, key: string, body?: unknown): Promise<Reply> {
      const reply = (await api(event(method, path, key, body) as never)) as { statusCode: number; headers?: Record<string, string>; body?: string };
      return { status: reply.statusCode, headers: reply.headers ?? {}, text: reply.body ?? "", body: parse(reply.body ?? "") };
    },
  };
}
