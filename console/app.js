// The console shell: the key, the navigation and hash routing (#/agents, #/keys, ...).
import { api, forgetKey, getKey, maskKey, setKey } from "./api.js";
import { errorBox, field, h, viewHeader } from "./ui.js";
import agents from "./agents.js";
import keys from "./keys.js";
import usage from "./usage.js";
import tasks from "./tasks.js";
import playground from "./playground.js";

const views = { agents, keys, usage, tasks, playground };
/** Views whose routes answer 403 to a virtual key, and what they are for. */
const MASTER_ONLY = { keys: "Creating, listing and revoking keys", usage: "Usage across keys and agents" };
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let leave = () => {};
let master = false; // whether the key in use is the master key, learnt when it is checked

/**
 * Checks the key and learns what it may do: only the master key may list keys, so a virtual key
 * is refused that (403) and a wrong key is unknown (401, thrown as the API said it).
 */
async function isMasterKey() {
  try {
    await api("/v1/keys");
    return true;
  } catch (err) {
    if (err.status === 403) return false;
    throw err;
  }
}

function signIn(failure) {
  const input = h("input", { type: "password", name: "key", required: true, autocomplete: "off", spellcheck: "false", placeholder: "sk-…" });
  const out = h("div", { "aria-live": "polite" }, failure && errorBox(failure, "Could not check the key this tab kept"));
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
        master = await isMasterKey();
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
  // A virtual key is not offered what it cannot use.
  for (const a of nav.querySelectorAll("a")) a.hidden = !master && a.getAttribute("href").slice(2) in MASTER_ONLY;
  const kind = master ? "the master key" : "a virtual key";
  who.replaceChildren(
    h("span", { class: "muted", title: `The key this tab uses (${kind})` }, h("span", { class: "sr-only" }, `Signed in with ${kind}: `), h("code", {}, maskKey(key))),
    h("button", { type: "button", class: "btn small ghost", onclick: () => (forgetKey(), route()) }, "Forget key"));
}

/** What a virtual key sees at a master-only view's address (a bookmark, a shared link). */
function masterOnly(root, title, what) {
  root.append(
    viewHeader(title),
    h("p", { class: "empty" }, `${what} needs the gateway's master key. This tab is signed in with a virtual key: it sees and calls ` +
      "its agents and follows its tasks (Agents, Tasks, Playground). Forget the key to sign in with another."));
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
  const title = `${name[0].toUpperCase()}${name.slice(1)}`;
  document.title = `${title} · A2A Gateway console`;
  const root = h("div", { class: "view", "data-view": name });
  main.replaceChildren(root);
  if (master || !(name in MASTER_ONLY)) leave = views[name](root, { master }) ?? (() => {});
  else masterOnly(root, title, MASTER_ONLY[name]);
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
// A key kept from earlier in this tab is checked again: it may have been revoked since.
async function start() {
  if (getKey()) {
    try {
      master = await isMasterKey();
    } catch (err) {
      forgetKey();
      return signIn(err);
    }
  }
  route();
}
start();
