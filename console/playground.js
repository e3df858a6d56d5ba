// Playground: chat with an agent through /v1/chat/completions (streamed), or send raw A2A JSON-RPC.
import { api, errorFrom, getKey, maskKey, readBody, send, sseEvents } from "./api.js";
import { errorBox, field, fmtMs, h, loading, pretty, submitOnCtrlEnter, viewHeader } from "./ui.js";

const hex = (n) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");
const uuid = () => { const x = hex(16); return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`; };

/** The request each method starts from: 0.3 names with `kind`s; `SendMessage` is 1.0's shape. */
const METHODS = {
  "message/send": { v1: false, params: () => ({ message: { kind: "message", messageId: uuid(), role: "user", parts: [{ kind: "text", text: "hello" }] } }) },
  "message/stream": { v1: false, params: () => ({ message: { kind: "message", messageId: uuid(), role: "user", parts: [{ kind: "text", text: "hello" }] } }) },
  "tasks/get": { v1: false, params: (task) => ({ id: task ?? "<task id>" }) },
  "tasks/cancel": { v1: false, params: (task) => ({ id: task ?? "<task id>" }) },
  SendMessage: { v1: true, params: () => ({ message: { messageId: uuid(), role: "ROLE_USER", parts: [{ text: "hello" }] } }) },
};

export default function playgroundView(root, { master }) {
  const abort = new AbortController();
  const model = h("select", { name: "model" });
  const picker = h("div", { class: "picker" }, loading("Loading models…"));
  const onModel = []; // what a change of agent resets
  const inflight = new Set();
  const track = () => { const c = new AbortController(); inflight.add(c); return c; };
  const agentName = () => model.value.replace(/^a2a\//, "");
  root.append(
    viewHeader("Playground", "Talk to an agent the way callers do: an OpenAI chat completion streamed from it, or raw A2A JSON-RPC."),
    picker,
    h("div", { class: "play" }, chatPanel(), rawPanel()));

  api("/v1/models", { signal: abort.signal }).then(({ data }) => {
    if (!data.length) return picker.replaceChildren(h("p", { class: "empty" }, master ? "No agent to talk to: register one in Agents." : "No agent to talk to: this key may call none."));
    model.append(...data.map((m) => h("option", { value: m.id }, m.id)));
    model.addEventListener("change", () => onModel.forEach((f) => f()));
    picker.replaceChildren(field("Agent (model)", model, "From GET /v1/models. Changing it starts a new chat."));
  }, (err) => err.name !== "AbortError" && picker.replaceChildren(errorBox(err, "GET /v1/models")));

  function chatPanel() {
    const log = h("ol", { class: "transcript", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    const input = h("textarea", { name: "message", rows: 2, required: true, placeholder: "Say something…", autocomplete: "off" });
    const sendBtn = h("button", { type: "submit", class: "btn primary" }, "Send");
    const stopBtn = h("button", { type: "button", class: "btn", disabled: true, onclick: () => current?.abort() }, "Stop");
    const newBtn = h("button", { type: "button", class: "btn ghost", onclick: () => reset() }, "New chat");
    let messages = [], metadata, current;
    const reset = () => (current?.abort(), (messages = []), (metadata = undefined), log.replaceChildren(h("li", { class: "empty" }, "Messages go to the agent through POST /v1/chat/completions with stream: true.")));
    onModel.push(reset);
    reset();
    // Enter sends; Shift+Enter is a new line.
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) (e.preventDefault(), input.form.requestSubmit());
    });

    async function chat(text) {
      log.querySelector(".empty")?.remove();
      messages.push({ role: "user", content: text });
      log.append(h("li", { class: "msg user" }, h("span", { class: "who" }, "You"), h("div", { class: "bubble" }, text)));
      const reply = document.createTextNode("");
      const meta = h("div", { class: "msg-meta muted small" }, "waiting for the first chunk…");
      const bubble = h("div", { class: "bubble", "data-state": "streaming" }, reply);
      const item = h("li", { class: "msg agent" }, h("span", { class: "who" }, model.value), bubble, meta);
      log.append(item);
      item.scrollIntoView({ block: "nearest" });
      current = track();
      sendBtn.disabled = true;
      stopBtn.disabled = false;
      const t0 = performance.now();
      let first, chunks = 0, a2a, finish;
      try {
        const body = { model: model.value, messages, stream: true, ...(metadata ? { metadata } : {}) };
        const res = await send("/v1/chat/completions", { method: "POST", body, signal: current.signal });
        if (!res.ok || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
          const { text: t, body: b } = await readBody(res);
          if (!res.ok) throw errorFrom(res.status, b, t);
          reply.data = b?.choices?.[0]?.message?.content ?? t; // a buffered answer
          a2a = b?.a2a;
        } else {
          for await (const ev of sseEvents(res)) {
            if (ev.data === "[DONE]") break;
            let chunk;
            try { chunk = JSON.parse(ev.data); } catch { continue; }
            if (chunk.error) throw errorFrom(0, chunk, ev.data); // after the 200: an event in the stream
            const choice = chunk.choices?.[0];
            if (choice?.delta?.content) {
              first ??= performance.now() - t0;
              chunks++;
              reply.data += choice.delta.content;
              meta.textContent = `streaming… ${chunks} chunk(s)`;
            }
            finish = choice?.finish_reason ?? finish;
            a2a = chunk.a2a ?? a2a;
          }
        }
        messages.push({ role: "assistant", content: reply.data });
        bubble.dataset.state = "done";
        // The next turn continues the agent's context (and its task, when it asked for input).
        if (a2a?.context_id) metadata = { a2a_context_id: a2a.context_id, ...(a2a.state === "input-required" && a2a.task_id ? { a2a_task_id: a2a.task_id } : {}) };
        meta.textContent = [first != null && `first chunk ${fmtMs(first)}`, `total ${fmtMs(performance.now() - t0)}`, chunks && `${chunks} chunk(s)`, a2a?.state && `task ${a2a.state}`, finish && `finish: ${finish}`].filter(Boolean).join(" · ");
      } catch (err) {
        messages.pop();
        if (messages.at(-1)?.role === "user") messages.pop();
        bubble.dataset.state = err.name === "AbortError" ? "stopped" : "error";
        meta.textContent = err.name === "AbortError" ? "stopped" : "";
        if (err.name !== "AbortError") item.append(errorBox(err, err.status === 0 && err.code !== undefined ? "Error event in the stream" : "POST /v1/chat/completions"));
        if (!reply.data) bubble.remove();
      } finally {
        inflight.delete(current);
        sendBtn.disabled = false;
        stopBtn.disabled = true;
        item.scrollIntoView({ block: "nearest" });
      }
    }

    return h("section", { class: "card chat", "aria-labelledby": "chat-title" },
      h("div", { class: "card-head" }, h("h2", { id: "chat-title" }, "Chat"), newBtn),
      log,
      h("form", {
        class: "composer",
        onsubmit: (e) => {
          e.preventDefault();
          const text = input.value.trim();
          if (!text || !model.value || sendBtn.disabled) return;
          input.value = "";
          chat(text);
        },
      }, h("label", { for: "chat-input", class: "sr-only" }, "Message"), Object.assign(input, { id: "chat-input" }),
        h("div", { class: "actions" }, sendBtn, stopBtn),
        h("small", { class: "hint" }, "Enter sends · Shift+Enter for a new line")));
  }

  function rawPanel() {
    let lastTask;
    const method = h("select", { name: "method" }, Object.keys(METHODS).map((m) => h("option", { value: m }, m === "SendMessage" ? "SendMessage (A2A 1.0)" : `${m} (A2A 0.3)`)));
    const v1 = h("input", { type: "checkbox", name: "v1" });
    const body = h("textarea", { name: "body", rows: 12, class: "mono", spellcheck: "false" });
    const out = h("div", { class: "exchange" });
    const sendBtn = h("button", { type: "submit", class: "btn primary" }, "Send request");
    const fill = () => {
      const m = METHODS[method.value];
      v1.checked = m.v1;
      body.value = pretty({ jsonrpc: "2.0", id: hex(4), method: method.value, params: m.params(lastTask) });
    };
    method.addEventListener("change", fill);
    fill();

    async function call() {
      const agent = agentName();
      if (!agent) return;
      const path = `/a2a/${encodeURIComponent(agent)}`;
      const headers = { "content-type": "application/json", ...(v1.checked ? { "A2A-Version": "1.0" } : {}) };
      const events = h("ol", { class: "events", "aria-label": "Events as they arrived" });
      const status = h("div", { class: "status-line", role: "status" }, "sending…");
      const response = h("div", { class: "stack" });
      out.replaceChildren(
        h("h3", {}, "Request"),
        h("pre", { class: "json request" }, `POST ${path}\nAuthorization: Bearer ${maskKey(getKey())}\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${body.value}`),
        h("h3", {}, "Response"), status, response);
      const c = track();
      sendBtn.disabled = true;
      const t0 = performance.now();
      try {
        const res = await send(path, { method: "POST", body: body.value, headers, signal: c.signal });
        const type = res.headers.get("content-type") ?? "";
        const head = `HTTP ${res.status} · ${type || "no content-type"} · x-request-id ${res.headers.get("x-request-id") ?? "—"}`;
        status.textContent = head;
        if (type.includes("text/event-stream")) {
          response.append(events);
          let n = 0;
          for await (const ev of sseEvents(res)) {
            let data = ev.data;
            try { data = JSON.parse(ev.data); } catch { /* shown as text */ }
            remember(data);
            events.append(h("li", { class: "event" },
              h("div", { class: "muted small" }, `#${++n} · +${fmtMs(performance.now() - t0)}${ev.event !== "message" ? ` · event: ${ev.event}` : ""}`),
              data?.error ? errorBox(errorFrom(0, data, ev.data), "Error event in the stream") : null,
              h("pre", { class: "json" }, pretty(data))));
            status.textContent = `${head} · ${n} event(s), streaming…`;
          }
          status.textContent = `${head} · ${n} event(s) in ${fmtMs(performance.now() - t0)}`;
        } else {
          const { text, body: b } = await readBody(res);
          status.textContent = `${head} · ${fmtMs(performance.now() - t0)}`;
          remember(b);
          if (!res.ok || b?.error) response.append(errorBox(errorFrom(res.status, b, text)));
          response.append(h("pre", { class: "json response" }, b !== undefined ? pretty(b) : text || "(empty body)"));
        }
      } catch (err) {
        if (err.name === "AbortError") status.textContent += " · stopped";
        else response.append(errorBox(err, `POST ${path}`));
      } finally {
        inflight.delete(c);
        sendBtn.disabled = false;
      }
    }
    /** The last task id seen, so tasks/get and tasks/cancel start from it. */
    function remember(msg) {
      const r = msg?.result;
      const id = r?.task?.id ?? (r?.kind === "task" || r?.status ? r?.id : undefined) ?? r?.taskId;
      if (typeof id === "string") lastTask = id;
    }

    return h("section", { class: "card raw", "aria-labelledby": "raw-title" },
      h("div", { class: "card-head" }, h("h2", { id: "raw-title" }, "Raw A2A JSON-RPC")),
      h("form", { class: "stack", onsubmit: (e) => (e.preventDefault(), call()) },
        h("div", { class: "grid2 tight" },
          field("Method", method, "Picks a starting request; edit it freely."),
          h("label", { class: "check" }, v1, "Send header A2A-Version: 1.0")),
        field("Request body", submitOnCtrlEnter(body), "Sent as it is to POST /a2a/{agent}. Ctrl+Enter sends."),
        h("div", { class: "actions" }, sendBtn, h("button", { type: "button", class: "btn ghost", onclick: fill }, "Reset body"))),
      out);
  }

  return () => (abort.abort(), inflight.forEach((c) => c.abort()));
}
