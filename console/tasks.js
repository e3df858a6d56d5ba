// Tasks: what the gateway is running or ran for callers: state, timings, polls, callbacks, result.
import { api } from "./api.js";
import { badge, fmtMs, h, jsonBlock, loading, showError, timeAgo, viewHeader } from "./ui.js";

const TONE = { queued: "neutral", in_progress: "info", completed: "ok", failed: "bad", cancelled: "warn" };
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const KIND = { "chat.completion": "chat completion", response: "response", a2a: "A2A" };

export default function tasksView(root) {
  const abort = new AbortController();
  const out = h("div", {}, loading());
  const count = h("span", { class: "count" });
  const auto = h("input", { type: "checkbox" });
  let timer;
  auto.addEventListener("change", () => {
    clearInterval(timer);
    if (auto.checked) timer = setInterval(load, 3000);
  });
  root.append(
    viewHeader(h("span", {}, "Tasks ", count), "Work the gateway tracks for callers, most recent first: state, how long it took, how often the caller polled, and webhook deliveries.",
      h("label", { class: "check" }, auto, "Refresh every 3 s"),
      h("button", { type: "button", class: "btn", onclick: () => load() }, "Refresh")),
    out);

  async function load() {
    try {
      const { data } = await api("/v1/tasks", { signal: abort.signal });
      count.textContent = `(${data.length})`;
      // Keep open results open across refreshes.
      const open = new Set([...out.querySelectorAll("details[open]")].map((d) => d.dataset.task));
      out.replaceChildren(data.length ? table(data, open) : h("p", { class: "empty" }, "No task yet."));
    } catch (err) {
      if (err.name !== "AbortError") showError(out, err, "GET /v1/tasks");
    }
  }

  const table = (tasks, open) =>
    h("div", { class: "table-wrap" }, h("table", { class: "tasks-table" },
      h("thead", {}, h("tr", {}, ["State", "Task", "Agent", "Key", "Age", "Duration", "Polls", "Callbacks", "Result"].map((c, i) => h("th", { scope: "col", class: i === 6 ? "num" : undefined }, c)))),
      h("tbody", {}, tasks.map((t) => {
        const done = TERMINAL.has(t.status);
        const ms = (done ? Date.parse(t.updatedAt) : Date.now()) - Date.parse(t.createdAt);
        const cb = t.callbacks ?? { delivered: 0, attempts: 0 };
        const result = t.result !== undefined ? jsonBlock(t.result, "Show JSON") : h("span", { class: "muted" }, done ? "none" : "pending");
        if (result.tagName === "DETAILS") (result.dataset.task = t.id), (result.open = open.has(t.id));
        return h("tr", { "data-task": t.id, "data-status": t.status },
          h("td", {}, badge(t.status.replace("_", " "), TONE[t.status] ?? "neutral")),
          h("th", { scope: "row" }, h("code", { class: "id", title: t.id }, t.id), h("div", { class: "muted small" }, KIND[t.kind] ?? t.kind)),
          h("td", {}, t.agent),
          h("td", {}, h("code", {}, t.keyId)),
          h("td", { class: "nowrap" }, timeAgo(t.createdAt)),
          h("td", { class: "nowrap" }, done ? fmtMs(ms) : h("span", { class: "muted" }, `running ${fmtMs(ms)}`)),
          h("td", { class: "num" }, String(t.polls ?? 0)),
          h("td", { class: "nowrap" }, cb.attempts
            ? h("span", { title: `${cb.attempts} attempt(s)` }, `${cb.delivered}/${cb.attempts} delivered`, cb.lastStatus ? h("div", { class: "muted small" }, `last HTTP ${cb.lastStatus}`) : null)
            : h("span", { class: "muted" }, "—")),
          h("td", { class: "result" }, result));
      }))));

  load();
  return () => (abort.abort(), clearInterval(timer));
}
