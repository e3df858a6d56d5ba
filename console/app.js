// The console shell: the key, the navigation and hash routing (#/agents, #/keys, ...).
import { api, forgetKey, getKey, maskKey, setKey } from "./api.js";
import { errorBox, field, h } from "./ui.js";
import agents from "./agents.js";
import keys from "./keys.js";
import usage from "./usage.js";
import tasks from "./tasks.js";
import playground from "./playground.js";

const views = { agents, keys, usage, tasks, playground };
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let leave = () => {};

function signIn() {
  const input = h("input", { type: "password", name: "key", required: true, autocomplete: "off", spellcheck: "false", placeholder: "sk-…" });
  const out = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn primary" }, "Continue");
  const form = h("form", {
    class: "card stack signin",
    method: "post",
    onsubmit: async (e) => {
      e.preventDefault();
      const key = input.value.trim();
      submit.disabled = true;
      out.replaceChildren();
      setKey(key);
      try {
        // Any key may list agents: a wrong one answers 401, which is shown as it is.
        await api("/v1/agents");
        route();
      } catch (err) {
        forgetKey();
        out.replaceChildren(errorBox(err, "The gateway refused this key"));
        input.focus();
      } finally {
        submit.disabled = false;
      }
    },
  },
    h("h1", { tabindex: "-1" }, "Sign in"),
    h("p", { class: "muted" }, "Enter the gateway's master key to manage agents and keys, or a virtual key to list and call its agents. " +
      "The key stays in this tab's session storage and is sent only to this gateway, in the Authorization header."),
    field("Gateway key", input),
    h("div", { class: "actions" }, submit),
    out);
  main.replaceChildren(form);
  nav.hidden = true;
  who.replaceChildren();
  input.focus();
}

function header(key) {
  nav.hidden = false;
  who.replaceChildren(
    h("span", { class: "muted", title: "The key this tab uses" }, h("span", { class: "sr-only" }, "Signed in with "), h("code", {}, maskKey(key))),
    h("button", { type: "button", class: "btn small ghost", onclick: () => (forgetKey(), route()) }, "Forget key"));
}

function route() {
  leave();
  leave = () => {};
  const key = getKey();
  if (!key) return signIn();
  const name = /^#\/([\w-]+)/.exec(location.hash)?.[1];
  if (!views[name]) return void location.replace("#/agents");
  header(key);
  for (const a of nav.querySelectorAll("a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${name[0].toUpperCase()}${name.slice(1)} · A2A Gateway console`;
  const root = h("div", { class: "view", "data-view": name });
  main.replaceChildren(root);
  leave = views[name](root) ?? (() => {});
  // Keyboard and screen-reader users land on the new view's heading.
  root.querySelector("h1")?.focus({ preventScroll: true });
}

addEventListener("hashchange", () => {
  if (location.hash.startsWith("#/")) route();
});
document.getElementById("skip").addEventListener("click", (e) => {
  e.preventDefault();
  (main.querySelector("h1") ?? main).focus();
});
route();
