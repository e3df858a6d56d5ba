// Keys: create virtual keys (the secret shown once), list them, revoke them.
import { api } from "./api.js";
import { badge, confirmDialog, copyButton, errorBox, field, fmtTime, h, loading, showError, timeAgo, viewHeader } from "./ui.js";

export default function keysView(root) {
  const abort = new AbortController();
  const list = h("div", {}, loading());
  const created = h("div", { "aria-live": "polite" });
  const count = h("span", { class: "count" });
  const agentChoices = h("fieldset", { class: "checks" }, h("legend", {}, "Agents this key may call"), loading("Loading agents…"));
  root.append(
    viewHeader(h("span", {}, "Keys ", count), "Virtual keys for callers. A key is shown once, when it is created; the gateway keeps only its hash.",
      h("button", { type: "button", class: "btn", onclick: () => load() }, "Refresh")),
    created,
    list,
    createForm(),
  );

  async function load() {
    try {
      const { data } = await api("/v1/keys", { signal: abort.signal });
      data.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      count.textContent = `(${data.length})`;
      list.replaceChildren(data.length ? table(data) : h("p", { class: "empty" }, "No key yet: create one below."));
    } catch (err) {
      if (err.name !== "AbortError") showError(list, err, "Could not list keys");
    }
  }

  function table(keys) {
    return h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Name", "Id", "Agents", "Rate limit", "Expires", "Webhook", "Created", h("span", { class: "sr-only" }, "Actions")].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, keys.map((k) => {
        const expired = k.expiresAt && Date.parse(k.expiresAt) < Date.now();
        return h("tr", { "data-key": k.id },
          h("th", { scope: "row" }, k.name || h("span", { class: "muted" }, "(unnamed)")),
          h("td", {}, h("code", {}, k.id)),
          h("td", {}, k.agents ? (k.agents.length ? k.agents.join(", ") : h("span", { class: "muted" }, "none")) : h("span", { class: "muted" }, "all agents")),
          h("td", { class: "num" }, k.rpm ? `${k.rpm.toLocaleString()}/min` : h("span", { class: "muted" }, "none")),
          h("td", {}, k.expiresAt ? h("span", { title: fmtTime(k.expiresAt) }, expired ? badge("expired", "bad") : timeAgo(k.expiresAt)) : h("span", { class: "muted" }, "never")),
          h("td", {}, k.webhookUrl ? h("code", { class: "url", title: k.webhookUrl }, k.webhookUrl) : h("span", { class: "muted" }, "—")),
          h("td", { class: "nowrap" }, timeAgo(k.createdAt)),
          h("td", { class: "row-actions" }, h("button", { type: "button", class: "btn small danger-text", onclick: () => revoke(k) }, "Revoke", h("span", { class: "sr-only" }, ` ${k.name || k.id}`))));
      }))));
  }

  async function revoke(k) {
    const ok = await confirmDialog(`Revoke ${k.name || k.id}?`, "Calls with this key fail with 401 from now on. This cannot be undone.", "Revoke key");
    if (!ok) return;
    try {
      await api(`/v1/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" });
      load();
    } catch (err) {
      list.prepend(errorBox(err, `DELETE /v1/keys/${k.id}`));
    }
  }

  function createForm() {
    const out = h("div", { "aria-live": "polite" });
    const name = h("input", { type: "text", name: "name", autocomplete: "off", maxlength: 200, placeholder: "billing-service" });
    const rpm = h("input", { type: "number", name: "rpm", min: 1, step: 1, inputmode: "numeric", placeholder: "unlimited" });
    const expires = h("input", { type: "datetime-local", name: "expiresAt" });
    const webhook = h("input", { type: "text", name: "webhookUrl", inputmode: "url", spellcheck: "false", placeholder: "https://example.com/a2a-callbacks" });
    const submit = h("button", { type: "submit", class: "btn primary" }, "Create key");
    return h("section", { class: "card", "aria-labelledby": "key-title" },
      h("div", { class: "card-head" }, h("h2", { id: "key-title" }, "Create a key")),
      h("form", {
        class: "stack",
        onsubmit: async (e) => {
          e.preventDefault();
          out.replaceChildren();
          const body = {};
          if (name.value.trim()) body.name = name.value.trim();
          const picked = [...agentChoices.querySelectorAll("input:checked")].map((c) => c.value);
          if (picked.length) body.agents = picked;
          if (rpm.value) body.rpm = Number(rpm.value);
          if (expires.value) body.expiresAt = new Date(expires.value).toISOString();
          if (webhook.value.trim()) body.webhookUrl = webhook.value.trim();
          submit.disabled = true;
          try {
            const key = await api("/v1/keys", { method: "POST", body });
            showOnce(key);
            e.target.reset();
            load();
          } catch (err) {
            out.replaceChildren(errorBox(err, "POST /v1/keys"));
          } finally {
            submit.disabled = false;
          }
        },
      },
        h("div", { class: "grid2" },
          field("Name (optional)", name),
          field("Requests per minute (optional)", rpm, "Over it, calls answer 429 with retry-after."),
          field("Expires (optional)", expires, "Your local time."),
          field("Webhook URL (optional)", webhook, "Task callbacks are signed with a secret shown once.")),
        agentChoices,
        h("div", { class: "actions" }, submit),
        out));
  }

  function showOnce(k) {
    const secret = (label, value, cls) => h("div", { class: "field" },
      h("span", { class: "label" }, label),
      h("div", { class: "secret-row" }, h("code", { class: `secret ${cls}` }, value), copyButton(value)));
    const panel = h("section", { class: "card once", role: "region", "aria-labelledby": "once-title" },
      h("div", { class: "card-head" },
        h("h2", { id: "once-title", tabindex: "-1" }, `Key ${k.name ? `“${k.name}” ` : ""}created`),
        h("button", { type: "button", class: "btn small", onclick: () => created.replaceChildren() }, "Done")),
      h("p", {}, h("strong", {}, "Copy it now: it is shown only this once."), " The gateway stores a hash and cannot show it again."),
      secret("Key", k.key, "new-key"),
      k.webhookSecret ? secret("Webhook secret", k.webhookSecret, "new-webhook-secret") : null);
    created.replaceChildren(panel);
    panel.querySelector("h2").focus();
  }

  (async () => {
    try {
      const { data } = await api("/v1/agents", { signal: abort.signal });
      agentChoices.replaceChildren(
        h("legend", {}, "Agents this key may call"),
        h("p", { class: "hint" }, "None checked: every agent, including ones registered later."),
        data.length
          ? h("div", { class: "check-grid" }, data.map((a) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "agents", value: a.name }), a.name)))
          : h("p", { class: "muted" }, "No agent registered yet."));
    } catch (err) {
      if (err.name !== "AbortError") agentChoices.replaceChildren(h("legend", {}, "Agents this key may call"), errorBox(err, "Could not list agents"));
    }
  })();
  load();
  return () => abort.abort();
}
