// Agents: the registry, each agent's health through the gateway, register, card, edit, delete.
import { api } from "./api.js";
import { badge, chip, confirmDialog, errorBox, field, fmtMs, h, jsonBlock, loading, modal, showError, submitOnCtrlEnter, timeAgo, viewHeader } from "./ui.js";

const enc = encodeURIComponent;
const LITELLM_EXAMPLE = JSON.stringify({ agent_name: "my-agent", litellm_params: { url: "http://127.0.0.1:10001" } }, null, 2);

/** "Name: value" lines into a headers object; throws on a line that is not one. */
function parseHeaders(text) {
  const headers = {};
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^\s*([^:\s]+)\s*:\s?(.*)$/.exec(line);
    if (!m) throw new Error(`Headers, line ${i + 1}: write "Name: value"`);
    headers[m[1]] = m[2];
  });
  return headers;
}

/**
 * `master`: the master key manages agents. A virtual key sees the gateway's view of its agents
 * (no upstream URL or headers) and may read their cards, nothing more.
 */
export default function agentsView(root, { master }) {
  const abort = new AbortController();
  const list = h("div", {}, loading());
  const count = h("span", { class: "count" });
  root.append(
    viewHeader(h("span", {}, "Agents ", count),
      master
        ? "The A2A agents behind this gateway. Health is checked by fetching the card the gateway serves for each agent."
        : "The agents this key may call, with their health through the gateway. Registering and changing agents needs the master key.",
      h("button", { type: "button", class: "btn", onclick: () => load() }, "Refresh")),
    list,
  );
  if (master) root.append(registerForm(() => load()));

  async function load() {
    try {
      const { data } = await api("/v1/agents", { signal: abort.signal });
      count.textContent = `(${data.length})`;
      list.replaceChildren(data.length ? table(data) : h("p", { class: "empty" }, master ? "No agent yet: register one below." : "This key may call no agent."));
    } catch (err) {
      if (err.name !== "AbortError") showError(list, err, "Could not list agents");
    }
  }

  function table(agents) {
    return h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Agent", master && "URL", "Health", "Capabilities", "Protocols", "Registered", h("span", { class: "sr-only" }, "Actions")].filter(Boolean).map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, agents.map(row))));
  }

  function row(a) {
    const health = h("td", { "data-col": "health" }, badge("checking…", "neutral"));
    checkHealth(a.name, health);
    return h("tr", { "data-agent": a.name },
      h("th", { scope: "row" }, h("div", { class: "name" }, a.name), a.description && h("div", { class: "muted small clamp" }, a.description)),
      master && upstream(a),
      health,
      h("td", { "data-col": "capabilities" }, h("div", { class: "chips" },
        chip(a.capabilities.streaming ? "streaming" : "no streaming", !a.capabilities.streaming),
        chip(a.capabilities.pushNotifications ? "push" : "no push", !a.capabilities.pushNotifications))),
      h("td", { "data-col": "protocols" }, h("div", { class: "chips" }, a.protocolVersions.map((v) => chip(`A2A ${v}`)))),
      h("td", { class: "nowrap" }, timeAgo(a.createdAt)),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "btn small", onclick: () => showCard(a) }, "Card", h("span", { class: "sr-only" }, ` of ${a.name}`)),
        master && h("button", { type: "button", class: "btn small", onclick: () => edit(a) }, "Edit", h("span", { class: "sr-only" }, ` ${a.name}`)),
        master && h("button", { type: "button", class: "btn small danger-text", onclick: () => remove(a) }, "Delete", h("span", { class: "sr-only" }, ` ${a.name}`))));
  }

  /** Where calls go: the master key's view of an agent only. */
  function upstream(a) {
    const headerNames = Object.keys(a.headers ?? {});
    return h("td", {}, h("code", { class: "url", title: a.urls.join("\n") }, a.url),
      a.urls.length > 1 ? h("div", { class: "muted small" }, `+${a.urls.length - 1} fallback URL(s)`) : null,
      headerNames.length ? h("div", { class: "muted small" }, `headers: ${headerNames.join(", ")} (redacted)`) : null);
  }

  // The gateway probes the agent itself (its own card, fetched now from where calls go).
  async function checkHealth(name, cell) {
    try {
      const probe = await api(`/v1/agents/${enc(name)}/health`, { signal: abort.signal });
      if (probe.reachable) {
        cell.replaceChildren(badge("reachable", "ok", `The agent answered the gateway in ${fmtMs(probe.latencyMs)}`), h("div", { class: "muted small" }, fmtMs(probe.latencyMs)));
      } else {
        cell.replaceChildren(badge("unreachable", "bad"), h("div", { class: "muted small" }, probe.error));
      }
    } catch (err) {
      if (err.name === "AbortError") return;
      cell.replaceChildren(badge("unknown", "bad"),
        h("div", { class: "muted small" }, `${err.status ? `HTTP ${err.status} · ` : ""}${err.code !== undefined ? `${err.code}: ` : ""}${err.message}`));
    }
  }

  async function showCard(a) {
    const body = h("div", { class: "stack" }, loading("Fetching the card…"));
    const url = `/a2a/${enc(a.name)}/.well-known/agent-card.json`;
    const opened = modal(`Card of ${a.name}, as the gateway serves it`, () => body);
    try {
      const card = await api(url);
      body.replaceChildren(h("p", { class: "muted" }, "GET ", h("code", {}, url)), jsonBlock(card));
    } catch (err) {
      showError(body, err, `GET ${url}`);
    }
    return opened;
  }

  function edit(a) {
    const description = h("input", { type: "text", value: a.description ?? "", maxlength: 2000 });
    const url = h("input", { type: "text", value: a.url, inputmode: "url", required: true, spellcheck: "false" });
    const headers = h("textarea", { rows: 3, spellcheck: "false", placeholder: "Authorization: Bearer …" });
    const out = h("div", { "aria-live": "polite" });
    const names = Object.keys(a.headers ?? {});
    return modal(`Edit ${a.name}`, (close) => h("form", {
      class: "stack",
      onsubmit: async (e) => {
        e.preventDefault();
        const patch = {};
        if (description.value !== (a.description ?? "")) patch.description = description.value;
        if (url.value.trim() !== a.url) patch.url = url.value.trim();
        try {
          if (headers.value.trim()) patch.headers = parseHeaders(headers.value);
        } catch (err) {
          return out.replaceChildren(errorBox(err, "Not sent"));
        }
        if (!Object.keys(patch).length) return close();
        try {
          await api(`/v1/agents/${enc(a.name)}`, { method: "PATCH", body: patch });
          close(true);
          load();
        } catch (err) {
          out.replaceChildren(errorBox(err, `PATCH /v1/agents/${a.name}`));
        }
      },
    },
      field("Description", description),
      field("URL", url, "A new URL fetches the agent's card again."),
      field("Headers sent to the agent", submitOnCtrlEnter(headers),
        `One "Name: value" per line; replaces all headers. Leave empty to keep ${names.length ? `the current ones (${names.join(", ")})` : "none"}.`),
      out,
      h("div", { class: "actions end" },
        h("button", { type: "button", class: "btn", onclick: () => close() }, "Cancel"),
        h("button", { type: "submit", class: "btn primary" }, "Save"))));
  }

  async function remove(a) {
    const ok = await confirmDialog(`Delete ${a.name}?`, `Calls to a2a/${a.name} will answer 404 at once. Keys that list it keep the name.`, "Delete agent");
    if (!ok) return;
    try {
      await api(`/v1/agents/${enc(a.name)}`, { method: "DELETE" });
      load();
    } catch (err) {
      list.prepend(errorBox(err, `DELETE /v1/agents/${a.name}`));
    }
  }

  load();
  return () => abort.abort();
}

/** Register with the native form or a pasted JSON body (LiteLLM's shape works as it is). */
function registerForm(done) {
  const out = h("div", { "aria-live": "polite" });
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off", spellcheck: "false", placeholder: "echo" });
  const url = h("input", { type: "text", name: "url", required: true, inputmode: "url", spellcheck: "false", placeholder: "http://127.0.0.1:9999" });
  const description = h("input", { type: "text", name: "description" });
  const headers = h("textarea", { name: "headers", rows: 2, spellcheck: "false", placeholder: "Authorization: Bearer …" });
  const json = h("textarea", { name: "json", rows: 7, spellcheck: "false", class: "mono" }, LITELLM_EXAMPLE);

  const nativeFields = h("div", { class: "grid2" },
    field("Name", name, "Letters, digits, . _ -; callers use it as a2a/<name>."),
    field("URL", url, "Where the agent listens; its card is fetched from there."),
    field("Description (optional)", description),
    field("Headers sent to the agent (optional)", submitOnCtrlEnter(headers), 'One "Name: value" per line. Stored, never shown again.'));
  const jsonFields = h("div", { hidden: true },
    field("JSON body", submitOnCtrlEnter(json), "Sent as it is: {name, url, urls?, headers?, card?, description?} or LiteLLM's {agent_name, agent_card_params, litellm_params: {url}}. Ctrl+Enter sends."));

  let mode = "form";
  const tab = (id, label) => h("button", { type: "button", class: "seg", "aria-pressed": String(id === mode), "data-mode": id, onclick: () => setMode(id) }, label);
  const tabs = h("div", { class: "segmented", role: "group", "aria-label": "Registration input" }, tab("form", "Form"), tab("json", "JSON (LiteLLM or native)"));
  function setMode(m) {
    mode = m;
    for (const b of tabs.children) b.setAttribute("aria-pressed", String(b.dataset.mode === m));
    nativeFields.hidden = m !== "form";
    jsonFields.hidden = m !== "json";
    for (const el of nativeFields.querySelectorAll("input")) el.required = m === "form" && el !== description;
  }

  const submit = h("button", { type: "submit", class: "btn primary" }, "Register agent");
  return h("section", { class: "card", "aria-labelledby": "reg-title" },
    h("div", { class: "card-head" }, h("h2", { id: "reg-title" }, "Register an agent"), tabs),
    h("form", {
      class: "stack",
      onsubmit: async (e) => {
        e.preventDefault();
        out.replaceChildren();
        let body;
        if (mode === "json") body = json.value;
        else {
          body = { name: name.value.trim(), url: url.value.trim() };
          if (description.value.trim()) body.description = description.value.trim();
          try {
            if (headers.value.trim()) body.headers = parseHeaders(headers.value);
          } catch (err) {
            return out.replaceChildren(errorBox(err, "Not sent"));
          }
        }
        submit.disabled = true;
        try {
          const agent = await api("/v1/agents", { method: "POST", body });
          out.replaceChildren(h("p", { class: "success", role: "status" }, `Registered ${agent.name} (A2A ${agent.protocolVersions.join(", ")}).`));
          if (mode === "form") for (const el of [name, url, description, headers]) el.value = "";
          done();
        } catch (err) {
          out.replaceChildren(errorBox(err, "POST /v1/agents"));
        } finally {
          submit.disabled = false;
        }
      },
    }, nativeFields, jsonFields, h("div", { class: "actions" }, submit), out));
}
