/** Test factories for the local stack and calls to it. */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "../../infra/local/stack.ts";

/**
 * A local stack on the shared emulators, with its own tables and a known master key, running the
 * run's bundles under the Lambda runtime client unless `runtime: "in-process"` is asked.
 */
export function startTestStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    dynamoEndpoint: inject("dynamoEndpoint"),
    sqsEndpoint: inject("sqsEndpoint"),
    bundleDir: inject("bundles").dir,
    prefix: `t${randomBytes(4).toString("hex")}_`,
    masterKey: `sk-master-test-${randomBytes(8).toString("hex")}`,
    ...opts,
  });
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A JSON call to the gateway with a key; the body is parsed when it is JSON. */
export async function call<T = any>(
  stack: { url: string },
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(stack.url + path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Registers an agent with the master key and returns its name. */
export async function registerAgent(stack: LocalStack, name: string, url: string, extra: Record<string, unknown> = {}) {
  const res = await call(stack, stack.masterKey, "POST", "/v1/agents", { name, url, ...extra });
  if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates a virtual key with the master key. */
export async function createKey(stack: LocalStack, body: Record<string, unknown> = {}) {
  const res = await call(stack, stack.masterKey, "POST", "/v1/keys", body);
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; key: string; webhookSecret?: string };
}

/** A 0.3 `message/send` request, as curl users write it. */
export const sendV03 = (text: string, extra: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id: randomBytes(4).toString("hex"),
  method: "message/send",
  params: {
    message: { kind: "message", messageId: randomBytes(8).toString("hex"), role: "user", parts: [{ kind: "text", text }], ...extra },
  },
});
