// Tasks: what the gateway is running or ran for callers: state, timings, polls, callbacks, result.
import { api } from "./api.js";
import deadLettersSection from "./dead-letters.js";
import { badge, fmtMs, h, jsonBlock, loading, showError, timeAgo, viewHeader } from "./ui.js";

const TONE = { queued: "neutral", in_progress: "info", completed: "ok", failed: "bad", cancelled: "warn" };
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const KIND = { "chat.completion": "chat completion", response: "response", a2a: "A2A" };

export default function tasksView(root, { master } = {}) {
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
    viewHeader(h("span", {}, "Tasks ", count), "Work the gateway tracks for callers, most recent first: state, how long it took, how many times the gateway polled the agent for it (tasks/get), and webhook deliveries.",
      h("label", { class: "check" }, auto, "Refresh every 3 s"),
      h("button", { type: "button", class: "btn", onclick: () => load() }, "Refresh")),
    out);
  // Only the master key sees callbacks that could not be delivered (they are every key's).
  if (master) root.append(deadLettersSection(abort.signal));

  const open = new Set(); // results left open stay open across refreshes

  async function load() {
    try {
      const { data } = await api("/v1/tasks", { signal: abort.signal });
      count.textContent = `(${data.length})`;
      out.replaceChildren(data.length ? table(data) : h("p", { class: "empty" }, "No task yet."));
    } catch (err) {
      if (err.name !== "AbortError") showError(out, err, "GET /v1/tasks");
    }
  }

  const table = (tasks) =>
    h("div", { class: "table-wrap" }, h("table", { class: "tasks-table" },
      h("thead", {}, h("tr", {}, ["State", "Task", "Agent", "Key", "Age", "Duration", "Agent polls", "Callbacks", "Result"].map((c, i) => h("th", { scope: "col", class: i === 6 ? "num" : undefined }, c)))),
      h("tbody", {}, tasks.map(rows))));

  function rows(t) {
    const done = TERMINAL.has(t.status);
    const ms = (done ? Date.parse(t.updatedAt) : Date.now()) - Date.parse(t.createdAt);
    const cb = t.callbacks ?? { delivered: 0, attempts: 0 };
    const detailId = `result-${t.id.replace(/[^\w-]/g, "_")}`;
    const detail = t.result !== undefined
      ? h("tr", { class: "detail", id: detailId, hidden: !open.has(t.id) }, h("td", { colspan: 9 }, jsonBlock(t.result)))
      : null;
    const toggle = detail && h("button", {
      type: "button",
      class: "btn small",
      "aria-expanded": String(open.has(t.id)),
      "aria-controls": detailId,
      onclick: () => {
        const show = detail.hidden;
        detail.hidden = !show;
        toggle.setAttribute("aria-expanded", String(show));
        toggle.firstChild.textContent = show ? "Hide result" : "Show result";
        show ? open.add(t.id) : open.delete(t.id);
      },
    }, h("span", {}, open.has(t.id) ? "Hide result" : "Show result"));
    return [
      h("tr", { "data-task": t.id, "data-status": t.status },
        h("td", {}, badge(t.status.replace("_", " "), TONE[t.status] ?? "neutral")),
        h("th", { scope: "row" }, h("code", { class: "id", title: t.id }, t.id),
          h("div", { class: "muted small" }, KIND[t.kind] ?? t.kind, t.taskId ? h("span", { title: `The agent's task id: ${t.taskId}` }, ` · task ${t.taskId.slice(0, 8)}…`) : null)),
        h("td", {}, t.agent),
        h("td", {}, h("code", {}, t.keyId)),
        h("td", { class: "nowrap" }, timeAgo(t.createdAt)),
        h("td", { class: "nowrap" }, done ? fmtMs(ms) : h("span", { class: "muted" }, `running ${fmtMs(ms)}`)),
        h("td", { class: "num" }, String(t.polls ?? 0)),
        h("td", { class: "nowrap" }, cb.attempts
          ? h("span", { title: `${cb.attempts} attempt(s)` }, `${cb.delivered}/${cb.attempts} delivered`, cb.lastStatus ? h("div", { class: "muted small" }, `last HTTP ${cb.lastStatus}`) : null)
          : h("span", { class: "muted" }, "—")),
        h("td", { class: "result" },
          t.error ? h("div", { class: "bad-text small" }, h("code", {}, t.error.code), ` ${t.error.message}`) : null,
          toggle ?? (t.error ? null : h("span", { class: "muted" }, done ? "none" : "pending")))),
      detail,
    ];
  }

  load();
  return () => (abort.abort(), clearInterval(timer));
}
