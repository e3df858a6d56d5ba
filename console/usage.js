// Usage: requests, errors, spend and latency per key and agent, over the last hour, day or week.
import { api } from "./api.js";
import { fillSeries, latencyChart, requestsChart } from "./chart.js";
import { field, fmtInt, fmtMs, h, loading, showError, viewHeader } from "./ui.js";

const RANGES = { "1h": ["Last hour", 3_600_000], "24h": ["Last 24 h", 86_400_000], "7d": ["Last 7 days", 7 * 86_400_000] };
const filters = { keyId: "", agent: "", range: "1h" }; // kept while the tab lives

export default function usageView(root) {
  const abort = new AbortController();
  let seq = 0;
  const keyNames = new Map([["master", "master key"]]);
  const keySel = h("select", { name: "keyId" }, h("option", { value: "" }, "All keys"), h("option", { value: "master" }, "master key"));
  const agentSel = h("select", { name: "agent" }, h("option", { value: "" }, "All agents"));
  const ranges = h("fieldset", { class: "segmented radios" }, h("legend", { class: "sr-only" }, "Time range"),
    Object.entries(RANGES).map(([id, [text]]) =>
      h("label", { class: "seg" }, h("input", { type: "radio", name: "range", value: id, checked: filters.range === id }), text)));
  const out = h("div", { class: "stack" }, loading());
  const form = h("form", {
    class: "filters",
    onsubmit: (e) => (e.preventDefault(), load(true)),
    onchange: () => load(true),
  },
    field("Key", keySel), field("Agent", agentSel),
    h("div", { class: "field" }, h("span", { class: "label", "aria-hidden": "true" }, "Range"), ranges),
    h("button", { type: "submit", class: "btn" }, "Refresh"));
  root.append(viewHeader("Usage", "Calls through the gateway (A2A and chat completions), counted per hour after each response; spend at the agents' prices. Calls that reached no agent (refused) are counted under the key alone."), form, out);

  async function load(fromForm = false) {
    if (fromForm) {
      filters.keyId = keySel.value;
      filters.agent = agentSel.value;
      filters.range = form.elements.range.value || "1h";
    }
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[filters.range][1]);
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    if (filters.keyId) q.set("keyId", filters.keyId);
    if (filters.agent) q.set("agent", filters.agent);
    const mine = ++seq; // only the latest answer is drawn
    out.setAttribute("aria-busy", "true");
    try {
      const u = await api(`/v1/usage?${q}`, { signal: abort.signal });
      if (mine === seq) render(u);
    } catch (err) {
      if (err.name !== "AbortError" && mine === seq) showError(out, err, "GET /v1/usage");
    } finally {
      out.removeAttribute("aria-busy");
    }
  }

  function render(u) {
    const requests = u.data.reduce((n, r) => n + r.requests, 0);
    const errors = u.data.reduce((n, r) => n + r.errors, 0);
    const spend = sumAmounts(u.data.map((r) => r.spend));
    const points = fillSeries(u.series, u.from, u.to, u.interval);
    const perAgent = new Map();
    for (const r of u.data) if (r.agent) perAgent.set(r.agent, (perAgent.get(r.agent) ?? 0) + r.requests);
    const busiest = [...perAgent].map(([agent, requests]) => ({ agent, requests })).sort((a, b) => b.requests - a.requests)[0];
    const stat = (label, value, sub) => h("div", { class: "stat" }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, value), sub && h("div", { class: "muted small" }, sub));
    out.replaceChildren(
      h("div", { class: "stats" },
        stat("Requests", fmtInt(requests)),
        stat("Errors", fmtInt(errors), requests ? `${((errors / requests) * 100).toFixed(1)} % of requests` : null),
        stat("Spend", spend, "at the agents' prices"),
        stat("Slowest p95", u.data.length ? fmtMs(Math.max(...u.data.map((r) => r.p95Ms))) : "—", "per key and agent"),
        busiest ? stat("Busiest agent", busiest.agent, `${fmtInt(busiest.requests)} request(s)`) : stat("Busiest agent", "—")),
      h("div", { class: "charts" }, requestsChart(points, u.interval), latencyChart(points, u.interval)),
      u.data.length
        ? h("div", { class: "table-wrap" }, h("table", { class: "usage-table" },
            h("caption", { class: "sr-only" }, "Usage per key and agent"),
            h("thead", {}, h("tr", {}, ["Key", "Agent", "Requests", "Errors", "Spend", "p50", "p95"].map((c, i) => h("th", { scope: "col", class: i > 1 ? "num" : undefined }, c)))),
            h("tbody", {}, u.data.map((r) => h("tr", {},
              h("td", {}, keyNames.get(r.keyId) ?? r.keyId, keyNames.has(r.keyId) && r.keyId !== "master" ? h("div", { class: "muted small" }, h("code", {}, r.keyId)) : null),
              h("td", {}, r.agent ?? h("span", { class: "muted" }, "no agent")),
              h("td", { class: "num" }, fmtInt(r.requests)),
              h("td", { class: `num${r.errors ? " bad-text" : ""}` }, fmtInt(r.errors)),
              h("td", { class: "num" }, r.spend),
              h("td", { class: "num" }, fmtMs(r.p50Ms)),
              h("td", { class: "num" }, fmtMs(r.p95Ms)))))))
        : h("p", { class: "empty" }, "No request in this range."));
  }

  // The filters' choices; the numbers load at once and again when they arrive.
  Promise.allSettled([api("/v1/keys", { signal: abort.signal }), api("/v1/agents", { signal: abort.signal })]).then(([keys, agents]) => {
    if (keys.status === "fulfilled") for (const k of keys.value.data) {
      keyNames.set(k.id, k.name || k.id);
      keySel.append(h("option", { value: k.id }, k.name ? `${k.name} (${k.id})` : k.id));
    }
    if (agents.status === "fulfilled") for (const a of agents.value.data) agentSel.append(h("option", { value: a.name }, a.name));
    keySel.value = filters.keyId;
    agentSel.value = filters.agent;
    // A remembered key or agent that is gone: show what the form now says.
    if (keySel.value !== filters.keyId || agentSel.value !== filters.agent) load(true);
  });
  load();
  return () => abort.abort();
}

/** Adds the API's exact decimal strings exactly (as integers of 10^-12), never as floats. */
function sumAmounts(amounts) {
  const SCALE = 12;
  const total = amounts.reduce((sum, a) => {
    const [whole, frac = ""] = String(a ?? "0").split(".");
    return sum + BigInt(whole) * 10n ** BigInt(SCALE) + BigInt(frac.padEnd(SCALE, "0").slice(0, SCALE));
  }, 0n);
  const frac = (total % 10n ** BigInt(SCALE)).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${total / 10n ** BigInt(SCALE)}${frac ? "." + frac : ""}`;
}
