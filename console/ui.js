// Small DOM helpers. Text always goes in as text: agent cards and errors are never parsed as HTML.
import { ApiError } from "./api.js";

/** `h("button", {class: "x", onclick}, "label", child)`: attributes, `on*` handlers, children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value" || k === "checked") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  el.append(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  el.append(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

/** Where a view says what it is: a heading that takes focus on navigation, and optional actions. */
export const viewHeader = (title, intro, ...actions) =>
  h("div", { class: "view-head" },
    h("div", {}, h("h1", { tabindex: "-1" }, title), intro && h("p", { class: "muted" }, intro)),
    actions.length ? h("div", { class: "actions" }, actions) : null);

/** An API error as the API said it: HTTP status, code (and type, param), message, details. */
export function errorBox(err, context) {
  if (!(err instanceof ApiError)) err = new ApiError({ status: 0, message: String(err?.message ?? err) });
  const head = [];
  if (err.status) head.push(`HTTP ${err.status}`);
  if (err.rpc) head.push(`JSON-RPC error ${err.code}`);
  else if (err.code !== undefined) head.push(h("span", {}, "code ", h("code", { class: "err-code" }, String(err.code))));
  if (err.type) head.push(h("span", {}, "type ", h("code", {}, err.type)));
  if (err.param) head.push(h("span", {}, "param ", h("code", {}, err.param)));
  return h("div", { class: "error", role: "alert" },
    h("div", { class: "error-head" }, context ? h("strong", {}, context) : null, join(head, " · ")),
    h("p", { class: "err-message" }, err.message),
    err.detail !== undefined ? jsonBlock(err.detail, "details") : null);
}

const join = (items, sep) => items.flatMap((x, i) => (i ? [sep, x] : [x]));

/** Replaces a slot's content with an error box (the common case for a failed load). */
export function showError(slot, err, context) {
  slot.replaceChildren(errorBox(err, context));
}

export const pretty = (v) => (typeof v === "string" ? v : JSON.stringify(v, null, 2));

/** Pretty JSON in a scrollable block; with a summary it is folded in a <details>. */
export function jsonBlock(value, summary) {
  const pre = h("pre", { class: "json" }, pretty(value));
  return summary ? h("details", { class: "json-details" }, h("summary", {}, summary), pre) : pre;
}

/** A button that copies a value and says so (to screen readers too). */
export function copyButton(value, label = "Copy") {
  const status = h("span", { class: "sr-live", "aria-live": "polite" });
  const btn = h("button", {
    type: "button",
    class: "btn small",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(value);
      } catch {
        // Clipboard API refused (insecure context, no permission): select a copy instead.
        const ta = h("textarea", { class: "offscreen", readonly: true }, value);
        document.body.append(ta);
        ta.select();
        document.execCommand("copy");
        ta.remove();
      }
      btn.textContent = "Copied";
      status.textContent = "Copied to the clipboard";
      setTimeout(() => ((btn.textContent = label), (status.textContent = "")), 2000);
    },
  }, label);
  return h("span", {}, btn, status);
}

export const badge = (text, tone = "neutral", title) => h("span", { class: `badge ${tone}`, title }, text);
export const chip = (text, off = false) => h("span", { class: off ? "chip off" : "chip" }, text);

/** "850 ms", "4.2 s", "3 min", "5 h", "2 d". */
export function fmtMs(ms) {
  if (ms == null || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(ms < 36_000_000 ? 1 : 0)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

export function fmtAgo(iso) {
  const ms = Date.now() - Date.parse(iso);
  if (Number.isNaN(ms)) return "—";
  if (ms < 0) return `in ${fmtMs(-ms)}`;
  return ms < 5000 ? "just now" : `${fmtMs(ms)} ago`;
}

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
export const fmtInt = (n) => (n ?? 0).toLocaleString();

/** A <time> showing an age, with the exact date on hover. */
export const timeAgo = (iso) => (iso ? h("time", { datetime: iso, title: fmtTime(iso) }, fmtAgo(iso)) : "—");

/**
 * A modal dialog (native <dialog>: focus stays inside, Esc closes). `body` gets a `close(value)`;
 * resolves with that value, or undefined when dismissed.
 */
export function modal(title, build) {
  return new Promise((resolve) => {
    let result;
    const dlg = h("dialog", { class: "modal", "aria-labelledby": "dlg-title" });
    const close = (value) => ((result = value), dlg.close());
    dlg.append(
      h("div", { class: "modal-head" },
        h("h2", { id: "dlg-title" }, title),
        h("button", { type: "button", class: "btn ghost small", "aria-label": "Close", onclick: () => close(undefined) }, "✕")),
      build(close),
    );
    dlg.addEventListener("close", () => (dlg.remove(), resolve(result)));
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** "Are you sure?" with the safe choice focused first. */
export const confirmDialog = (title, text, confirmLabel) =>
  modal(title, (close) =>
    h("form", { method: "dialog", class: "stack", onsubmit: (e) => (e.preventDefault(), close(true)) },
      h("p", {}, text),
      h("div", { class: "actions end" },
        h("button", { type: "button", class: "btn", autofocus: true, onclick: () => close(false) }, "Cancel"),
        h("button", { type: "submit", class: "btn danger" }, confirmLabel)))).then(Boolean);

/** A labelled form field. `input` is the control; its id ties the label to it. */
let fieldSeq = 0;
export function field(label, input, hint) {
  input.id ||= `f${++fieldSeq}`;
  const hintEl = hint ? h("small", { class: "hint", id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input, hintEl);
}

export const loading = (what = "Loading…") => h("p", { class: "muted loading", role: "status" }, what);

/** Ctrl/⌘+Enter submits a textarea's form; plain Enter in a single-line field does so natively. */
export function submitOnCtrlEnter(textarea) {
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) (e.preventDefault(), textarea.form?.requestSubmit());
  });
  return textarea;
}
