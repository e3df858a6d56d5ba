// The gateway's public API, same origin, with the key the user typed in (sessionStorage only).
const KEY_SLOT = "a2a-console.key";

export const getKey = () => sessionStorage.getItem(KEY_SLOT) ?? "";
export const setKey = (key) => sessionStorage.setItem(KEY_SLOT, key);
export const forgetKey = () => sessionStorage.removeItem(KEY_SLOT);
/** Enough of a key to recognise it, never enough to use it. */
export const maskKey = (key) => (key.length > 14 ? `${key.slice(0, 10)}…${key.slice(-4)}` : "••••");

/**
 * An error exactly as the API said it, whatever the surface: the admin API's `{error: {code,
 * message, param?, details?}}`, OpenAI's `{error: {message, type, param, code}}`, a JSON-RPC
 * `{error: {code, message, data?}}`, or a body that is none of these (kept as text).
 */
export class ApiError extends Error {
  constructor({ status, message, code, type, param, detail, rpc = false }) {
    super(message);
    Object.assign(this, { status, code, type, param, detail, rpc });
  }
}

export function errorFrom(status, body, text) {
  const e = body && typeof body === "object" ? body.error : undefined;
  if (e && typeof e === "object") {
    const rpc = typeof e.code === "number";
    return new ApiError({
      status,
      rpc,
      message: String(e.message ?? ""),
      code: e.code ?? undefined,
      type: e.type ?? undefined,
      param: e.param ?? undefined,
      detail: rpc ? e.data : e.details,
    });
  }
  const message = body && typeof body.message === "string" ? body.message : text || `HTTP ${status} with an empty body`;
  return new ApiError({ status, message });
}

function init(method, body, headers, signal) {
  const key = getKey();
  const h = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers };
  if (body !== undefined) h["content-type"] ??= "application/json";
  return {
    method,
    headers: h,
    cache: "no-store",
    ...(signal ? { signal } : {}),
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  };
}

/** A fetch that never throws for network trouble without saying so in the API's terms. */
export async function send(path, { method = "GET", body, headers = {}, signal } = {}) {
  try {
    return await fetch(path, init(method, body, headers, signal));
  } catch (e) {
    if (e?.name === "AbortError") throw e;
    throw new ApiError({ status: 0, message: `Network error: ${e?.message ?? e}` });
  }
}

/** Reads a whole response: its parsed JSON (or undefined) and its text. */
export async function readBody(res) {
  const text = await res.text();
  try {
    return { text, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { text, body: undefined };
  }
}

/** JSON in, JSON out; a non-2xx answer throws the API's error. */
export async function api(path, opts = {}) {
  const res = await send(path, opts);
  const { text, body } = await readBody(res);
  if (!res.ok) throw errorFrom(res.status, body, text);
  return body;
}

/**
 * Server-sent events as they arrive: `{event, data, id}` per event, `:` comment lines ignored,
 * multi-line `data:` joined with newlines. Ends when the body ends.
 */
export async function* sseEvents(res) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const parse = (block) => {
    const ev = { event: "message", data: [], id: undefined };
    for (const line of block.split(/\r?\n|\r/)) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") ev.data.push(value);
      else if (field === "event") ev.event = value;
      else if (field === "id") ev.id = value;
    }
    return ev.data.length ? { ...ev, data: ev.data.join("\n") } : undefined;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let m;
      while ((m = /\r?\n\r?\n|\r\r/.exec(buffer))) {
        const ev = parse(buffer.slice(0, m.index));
        buffer = buffer.slice(m.index + m[0].length);
        if (ev) yield ev;
      }
    }
    const last = parse(buffer);
    if (last) yield last;
  } finally {
    // Leaving early (a `[DONE]`, a view change) closes the connection too.
    reader.cancel().catch(() => {});
  }
}
