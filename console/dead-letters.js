// Undelivered callbacks: webhooks and A2A pushes that failed every attempt (about 30 hours of
// them) and wait in the callbacks dead-letter queue for two weeks. The master key sees them under
// Tasks and sends them again, one or all; the receiver gets the same webhook-id as before.
import { api } from "./api.js";
import { badge, h, loading, showError, timeAgo } from "./ui.js";

export default function deadLettersSection(signal) {
  const out = h("div", {}, loading());
  const all = h("button", { type: "button", class: "btn", hidden: true, onclick: () => redrive() }, "Send all again");
  const status = h("p", { class: "muted small", role: "status" });
  const section = h("section", { class: "dead-letters", "aria-labelledby": "dead-letters-title" },
    h("div", { class: "view-head" },
      h("div", {}, h("h2", { id: "dead-letters-title" }, "Undelivered callbacks"),
        h("p", { class: "muted" }, "Webhooks and push notifications that every attempt failed to deliver (the gateway retries for about 30 hours). " +
          "Sending one again starts its attempts afresh; the receiver sees the same webhook-id, so it can tell a repeat.")),
      h("div", { class: "actions" }, all, h("button", { type: "button", class: "btn", onclick: () => load() }, "Refresh"))),
    status, out);

  async function load() {
    try {
      const { data } = await api("/v1/callbacks/dead-letters", { signal });
      all.hidden = data.length === 0;
      out.replaceChildren(data.length ? table(data) : h("p", { class: "empty" }, "None: every callback was delivered or is still being tried."));
    } catch (err) {
      if (err.name !== "AbortError") showError(out, err, "GET /v1/callbacks/dead-letters");
    }
  }

  async function redrive(ids) {
    try {
      const { redriven } = await api("/v1/callbacks/dead-letters/redrive", { method: "POST", body: ids ? { ids } : {}, signal });
      status.textContent = `${redriven.length} callback${redriven.length === 1 ? "" : "s"} sent again.`;
      await load();
    } catch (err) {
      if (err.name !== "AbortError") showError(out, err, "POST /v1/callbacks/dead-letters/redrive");
    }
  }

  const table = (letters) =>
    h("div", { class: "table-wrap" }, h("table", { class: "dead-letters-table" },
      h("thead", {}, h("tr", {}, ["Callback", "Task", "Agent", "Key", "First sent", "Last answer", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, letters.map(row))));

  const row = (l) =>
    h("tr", { "data-letter": l.id },
      h("th", { scope: "row" }, l.unreadable !== undefined
        ? h("span", { class: "muted" }, "not a callback message")
        : [badge(l.target === "push" ? "A2A push" : "webhook", "warn"), l.type ? h("div", { class: "muted small" }, l.type) : null, l.url ? h("div", { class: "muted small" }, l.url) : null]),
      h("td", {}, l.jobId ? h("code", { class: "id", title: l.jobId }, l.jobId) : "—"),
      h("td", {}, l.agent ?? "—"),
      h("td", {}, l.keyId ? h("code", {}, l.keyId) : "—"),
      h("td", { class: "nowrap" }, timeAgo(l.sentAt)),
      h("td", {}, l.lastStatus ? `HTTP ${l.lastStatus}` : h("span", { class: "muted" }, "no answer")),
      h("td", {}, h("button", { type: "button", class: "btn small", onclick: () => redrive([l.id]) }, "Send again")));

  load();
  return section;
}
