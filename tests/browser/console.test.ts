/**
 * The admin console (`console/`, served at `/ui`): its static file handler, then the real page in
 * Debian's Chromium against the local stack and real agents, driven as a person would: sign in,
 * register agents, create a key, chat with a streaming agent, send raw A2A, read usage and tasks;
 * then every view at 1400 px and at 420 px wide, signed in with the master key and with a virtual
 * key. Screenshots of each view go to test-artifacts/ (not committed). Skipped when /usr/bin/chromium is absent
 * (scripts/install-chromium.sh installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LocalStack } from "../../infra/local/stack.ts";
import { consoleStaticHandler } from "../../infra/local/console.ts";
import { startFastA2AAgent, startSdkAgent, startWebhookReceiver, type PeerHandle, type WebhookReceiverHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, startTestStack } from "../helpers/stack.ts";
import { startConsoleFront, type ConsoleFront } from "./front.ts";

const CHROMIUM = "/usr/bin/chromium";
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const consoleDir = join(repoRoot, "console");
const artifacts = join(repoRoot, "test-artifacts");

let stack: LocalStack;
let front: ConsoleFront;
let echoAgent: PeerHandle;
let fastAgent: PeerHandle;
let hooks: WebhookReceiverHandle;

beforeAll(async () => {
  [stack, echoAgent, fastAgent, hooks] = await Promise.all([
    startTestStack(),
    startSdkAgent({ chunkDelayMs: 200 }),
    startFastA2AAgent({ completeAfterMs: 0 }),
    startWebhookReceiver(),
  ]);
  front = await startConsoleFront(stack.url, consoleDir);
});

afterAll(async () => {
  await front?.close();
  await Promise.all([stack?.stop(), echoAgent?.close(), fastAgent?.close(), hooks?.close()]);
});

/** A request sent as written: no URL normalisation, so `..` reaches the server as it is. */
function rawRequest(path: string, method = "GET", headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(front.url);
  return new Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }>((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Polls until `check` returns something, or fails after `ms`. */
async function eventually<T>(check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("consoleStaticHandler serves the console under /ui", () => {
  it("serves the page at /ui and /ui/, uncached, as HTML that loads its modules from /ui/", async () => {
    // Act
    const [bare, slash] = await Promise.all([rawRequest("/ui"), rawRequest("/ui/?from=bookmark")]);

    // Assess
    for (const res of [bare, slash]) {
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.body).toContain('<script type="module" src="/ui/app.js">');
    }
  });

  it("serves each file with its content type", async () => {
    // Act
    const [js, css] = await Promise.all([rawRequest("/ui/app.js"), rawRequest("/ui/style.css")]);

    // Assess
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["x-content-type-options"]).toBe("nosniff");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(css.headers["cache-control"]).toBe("no-cache");
  });

  it("answers HEAD without a body and revalidation with 304", async () => {
    // Prepare
    const first = await rawRequest("/ui/app.js");

    // Act
    const [head, again] = await Promise.all([rawRequest("/ui/app.js", "HEAD"), rawRequest("/ui/app.js", "GET", { "if-none-match": String(first.headers.etag) })]);

    // Assess
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(Number(head.headers["content-length"])).toBe(Buffer.byteLength(first.body));
    expect(again.status).toBe(304);
  });

  it("answers 404 in the admin API's error shape for a missing file", async () => {
    // Act
    const res = await rawRequest("/ui/nope.js");

    // Assess
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: { code: "not_found", message: "No console file at /ui/nope.js" } });
  });

  it.each([
    "/ui/../package.json",
    "/ui/%2e%2e/package.json",
    "/ui/%2E%2E%2Fpackage.json",
    "/ui/..%2f..%2fetc/passwd",
    "/ui/views/../../package.json",
    "/ui/..%5cpackage.json",
    "/ui/.%2e/infra/routes.ts",
  ])("refuses to leave the console folder: %s", async (path) => {
    // Act
    const res = await rawRequest(path);

    // Assess
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("invalid_request");
    expect(res.body).not.toContain("devDependencies");
  });

  it("owns /ui only for reading: other methods answer 405", async () => {
    // Act
    const res = await rawRequest("/ui/app.js", "POST");

    // Assess
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD");
  });

  it("states its true size in index.html: the files it serves, added up", () => {
    // Prepare
    const files = readdirSync(consoleDir).filter((f) => f !== "README.md");
    const total = files.reduce((n, f) => n + statSync(join(consoleDir, f)).size, 0);

    // Act
    const stated = /Size: (\d+) bytes in (\d+) files/.exec(readFileSync(join(consoleDir, "index.html"), "utf8"));

    // Assess
    expect(stated?.slice(1).map(Number), "update the size comment in console/index.html (and console/README.md)").toEqual([total, files.length]);
  });

  it("leaves every other path to the gateway (returns false without touching the response)", async () => {
    // Prepare
    const handler = consoleStaticHandler(consoleDir);
    const untouched = new Proxy({}, { get: () => { throw new Error("the response was touched"); } }) as ServerResponse;

    // Act
    const handled = ["/health", "/uix", "/v1/agents", "/a2a/ui/.well-known/agent-card.json"].map((url) =>
      handler({ method: "GET", url, headers: {} } as IncomingMessage, untouched));
    const health = await rawRequest("/health");

    // Assess
    expect(handled).toEqual([false, false, false, false]);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
  });
});

describe.skipIf(!existsSync(CHROMIUM))("the console in a real browser", () => {
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), "console-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 860 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(8_000);
    page.on("request", (r) => {
      if (!r.url().startsWith(front.url + "/") && !r.url().startsWith("data:")) offOrigin.push(r.url());
    });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(artifacts, `console-${name}.png`), fullPage: true });
  const row = (attr: string, value: string) => page.locator(`tr[${attr}="${value}"]`);

  it("asks for a key, shows a wrong key's error as the API said it, and keeps the right one in sessionStorage only", async () => {
    // Prepare: signing in asks for the key list (which only the master key may read)
    const wrong = await call(stack, "sk-not-a-key", "GET", "/v1/keys");
    await page.goto(`${front.url}/ui`);

    // Act
    await page.getByLabel("Gateway key").fill("sk-not-a-key");
    await page.getByLabel("Gateway key").press("Enter");
    const error = page.locator(".error");
    await error.waitFor();
    const shown = { message: await error.locator(".err-message").textContent(), code: await error.locator(".err-code").textContent() };
    await page.getByLabel("Gateway key").fill(stack.masterKey);
    await page.getByLabel("Gateway key").press("Enter");
    await page.getByRole("heading", { level: 1, name: /Agents/ }).waitFor();

    // Assess
    expect(wrong.status).toBe(401);
    expect(shown).toEqual({ message: wrong.body.error.message, code: wrong.body.error.code });
    expect(page.url()).toBe(`${front.url}/ui#/agents`);
    const storage = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie }));
    expect(storage).toEqual({ session: [stack.masterKey], local: 0, cookie: "" });
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1");
  });

  it("registers agents from the form and from a LiteLLM JSON body, and lists their health, capabilities and protocols", async () => {
    // Act
    await page.getByLabel("Name", { exact: true }).fill("echo");
    await page.getByLabel("URL", { exact: true }).fill(echoAgent.url);
    await page.getByLabel("Description (optional)").fill("Echoes what it is told, in three streamed chunks");
    await page.getByLabel("URL", { exact: true }).press("Enter");
    await row("data-agent", "echo").waitFor();
    await page.getByRole("button", { name: "JSON (LiteLLM or native)" }).click();
    await page.getByLabel("JSON body").fill(JSON.stringify({ agent_name: "fast", litellm_params: { url: fastAgent.url } }));
    await page.getByLabel("JSON body").press("Control+Enter");
    await row("data-agent", "fast").waitFor();
    await expect.poll(() => page.locator('td[data-col="health"] .badge').allTextContents()).toEqual(["reachable", "reachable"]);

    // Assess
    const echo = row("data-agent", "echo"), fast = row("data-agent", "fast");
    expect(await echo.locator('[data-col="capabilities"]').textContent()).toBe("streamingno push");
    expect(await echo.locator('[data-col="protocols"]').textContent()).toBe("A2A 1.0");
    expect(await fast.locator('[data-col="capabilities"]').textContent()).toBe("no streamingno push");
    expect(await fast.locator('[data-col="protocols"]').textContent()).toBe("A2A 0.3");
    expect(await echo.textContent()).toContain("Echoes what it is told");
    await shot("agents");
  });

  it("shows a refused registration's error exactly as the API said it", async () => {
    // Prepare
    const expected = (await call(stack, stack.masterKey, "POST", "/v1/agents", { agent_name: "echo", litellm_params: { url: echoAgent.url } })).body.error;

    // Act
    await page.getByLabel("JSON body").fill(JSON.stringify({ agent_name: "echo", litellm_params: { url: echoAgent.url } }));
    await page.getByRole("button", { name: "Register agent" }).click();
    const error = page.locator("section .error");
    await error.waitFor();

    // Assess
    expect(expected.code).toBe("conflict");
    expect(await error.locator(".err-message").textContent()).toBe(expected.message);
    expect(await error.locator(".err-code").textContent()).toBe(expected.code);
    expect(await error.locator(".error-head").textContent()).toContain("HTTP 409");
  });

  it("shows the card the gateway serves, edits an agent and deletes one after confirmation", async () => {
    // Prepare
    await registerAgent(stack, "spare", fastAgent.url);
    await page.getByRole("button", { name: "Refresh" }).click();
    await row("data-agent", "spare").waitFor();

    // Act: the card
    await page.getByRole("button", { name: "Card of echo" }).click();
    const card = await page.locator("dialog pre.json").textContent();
    await page.keyboard.press("Escape");
    // Act: edit
    await page.getByRole("button", { name: "Edit echo" }).click();
    await page.locator("dialog").getByLabel("Description").fill("Echo agent, streaming");
    await page.locator("dialog").getByLabel("Description").press("Enter");
    await expect.poll(() => row("data-agent", "echo").textContent()).toContain("Echo agent, streaming");
    // Act: delete, cancelled then confirmed
    await page.getByRole("button", { name: "Delete spare" }).click();
    await page.locator("dialog").getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Delete spare" }).click();
    await page.locator("dialog").getByRole("button", { name: "Delete agent" }).click();
    await row("data-agent", "spare").waitFor({ state: "detached" });

    // Assess
    expect(JSON.parse(card!).url).toBe(`${stack.url}/a2a/echo`);
    expect((await call(stack, stack.masterKey, "GET", "/v1/agents/echo")).body.description).toBe("Echo agent, streaming");
    expect((await call(stack, stack.masterKey, "GET", "/v1/agents/spare")).status).toBe(404);
  });

  it("creates a key and shows it once, with a copy button, then lists and revokes keys", async () => {
    // Prepare: keyboard navigation to Keys
    await page.locator('nav a[href="#/keys"]').focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: /Keys/ }).waitFor();

    // Act
    await page.getByLabel("Name (optional)").fill("ci-bot");
    await page.getByRole("checkbox", { name: "echo" }).check();
    await page.getByLabel("Requests per minute (optional)").fill("600");
    await page.getByLabel("Webhook URL (optional)").fill("http://127.0.0.1:9/hooks");
    await page.getByLabel("Name (optional)").press("Enter");
    const key = (await page.locator("code.new-key").textContent())!;
    const webhookSecret = (await page.locator("code.new-webhook-secret").textContent())!;
    await page.locator(".once").getByRole("button", { name: "Copy" }).first().click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    await row("data-key", key.slice(3, 19)).waitFor();
    await shot("keys");

    // Assess: the key works, for its agent only, and is gone from the page once left
    expect(key).toMatch(/^sk-[0-9a-f]{16}_/);
    expect(webhookSecret).toMatch(/^whsec_/);
    expect(copied).toBe(key);
    const models = await call(stack, key, "GET", "/v1/models");
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual(["a2a/echo"]);
    await page.goto(`${front.url}/ui#/agents`);
    await page.goto(`${front.url}/ui#/keys`);
    await row("data-key", key.slice(3, 19)).waitFor();
    expect(await page.content()).not.toContain(key);
    expect(await page.content()).not.toContain(webhookSecret);

    // Act: revoke another key
    const temp = await createKey(stack, { name: "temp" });
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByRole("button", { name: "Revoke temp" }).click();
    await page.locator("dialog").getByRole("button", { name: "Revoke key" }).click();
    await row("data-key", temp.id).waitFor({ state: "detached" });

    // Assess
    expect((await call(stack, temp.key, "GET", "/v1/models")).status).toBe(401);
  });

  it("chats with a streaming agent and renders the reply as it arrives", async () => {
    // Prepare
    await page.goto(`${front.url}/ui#/playground`);
    await page.getByLabel("Agent (model)").selectOption("a2a/echo");
    // Every distinct text of the agent's bubble until the stream is done, sampled every 10 ms.
    const observed = page.evaluate(
      () =>
        new Promise<{ texts: string[]; final: string }>((resolve) => {
          const texts: string[] = [];
          const tick = () => {
            const bubble = [...document.querySelectorAll<HTMLElement>(".msg.agent .bubble")].at(-1);
            if (bubble?.dataset.state === "done") return resolve({ texts, final: bubble.textContent ?? "" });
            const text = bubble?.textContent ?? "";
            if (text && text !== texts.at(-1)) texts.push(text);
            setTimeout(tick, 10);
          };
          tick();
        }),
    );

    // Act
    await page.getByLabel("Message").fill("hello streaming world");
    await page.getByLabel("Message").press("Enter");
    const { texts, final } = await observed;

    // Assess: at least two growing observations before completion, then the whole echo
    expect(final).toBe("echo: hello streaming world");
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const [i, text] of texts.entries()) {
      expect(final.startsWith(text)).toBe(true);
      if (i > 0) expect(text.length).toBeGreaterThan(texts[i - 1]!.length);
    }
    expect(texts[0]!.length).toBeLessThan(final.length);
    expect(await page.locator(".msg.agent .msg-meta").last().textContent()).toMatch(/first chunk .* task completed · finish: stop/);
  });

  it("sends raw A2A JSON-RPC and shows the request, the response, and each streamed event as it arrives", async () => {
    // Act: message/send, prefilled
    await page.getByRole("button", { name: "Send request" }).click();
    await expect.poll(() => page.locator(".exchange .status-line").textContent()).toMatch(/^HTTP 200 · application\/json/);
    const sent = JSON.parse((await page.locator(".exchange pre.response").textContent())!);
    const request = await page.locator(".exchange pre.request").textContent();

    // Act: message/stream, counting events until the stream ends
    await page.getByLabel("Method").selectOption("message/stream");
    const counts = page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const seen: number[] = [];
          const tick = () => {
            const n = document.querySelectorAll(".exchange .event").length;
            if (n && n !== seen.at(-1)) seen.push(n);
            if (/event\(s\) in/.test(document.querySelector(".exchange .status-line")?.textContent ?? "")) return resolve(seen);
            setTimeout(tick, 10);
          };
          tick();
        }),
    );
    await page.getByLabel("Request body").press("Control+Enter");
    const eventCounts = await counts;
    const events = await page.locator(".exchange .event pre").allTextContents();

    // Act: tasks/get starts from the last task seen; SendMessage goes as A2A 1.0
    await page.getByLabel("Method").selectOption("tasks/get");
    const taskId = JSON.parse(await page.getByLabel("Request body").inputValue()).params.id;
    await page.getByRole("button", { name: "Send request" }).click();
    await expect.poll(() => page.locator(".exchange pre.response").textContent()).toContain(taskId);
    await page.getByLabel("Method").selectOption("SendMessage");
    const v1Checked = await page.getByLabel("Send header A2A-Version: 1.0").isChecked();
    await page.getByRole("button", { name: "Send request" }).click();
    await expect.poll(() => page.locator(".exchange pre.response").textContent()).toContain("TASK_STATE_COMPLETED");
    await shot("playground");

    // Assess
    expect(sent.result.status.state).toBe("completed");
    expect(request).toMatch(/^POST \/a2a\/echo\nAuthorization: Bearer sk-master-…[0-9a-f]{4}\n/);
    expect(request).not.toContain(stack.masterKey);
    expect(eventCounts.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.some((e) => e.includes('"kind": "artifact-update"'))).toBe(true);
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(v1Checked).toBe(true);
    expect(await page.locator(".exchange pre.request").textContent()).toContain("A2A-Version: 1.0");
  });

  it("shows the calls in usage: per key and agent in a table, over time in charts", async () => {
    // Prepare: one failing call too (an agent that does not exist answers 404: counted under the key alone, not under "nope")
    await call(stack, stack.masterKey, "POST", "/a2a/nope", { jsonrpc: "2.0", id: 1, method: "message/send", params: {} });
    const expected = await eventually(async () => {
      const { body } = await call(stack, stack.masterKey, "GET", "/v1/usage");
      return body.data.some((r: { agent: string | null; keyId: string }) => r.agent === null && r.keyId === "master") ? body : undefined;
    });

    // Act
    await page.goto(`${front.url}/ui#/usage`);
    await page.getByText("Last hour").click();
    const echoRow = page.locator(".usage-table tbody tr", { hasText: "echo" });
    await echoRow.waitFor();

    // Assess
    const echoUsage = expected.data.find((r: { agent: string; keyId: string }) => r.agent === "echo" && r.keyId === "master");
    expect(echoUsage.requests).toBeGreaterThanOrEqual(5);
    expect((await echoRow.locator("td").allTextContents()).slice(0, 3)).toEqual(["master key", "echo", String(echoUsage.requests)]);
    expect((await echoRow.locator("td").allTextContents())[4]).toBe(echoUsage.spend);
    const refused = expected.data.find((r: { agent: string | null; keyId: string }) => r.agent === null && r.keyId === "master");
    expect((await page.locator(".usage-table tbody tr", { hasText: "no agent" }).locator("td").allTextContents()).slice(1, 4)).toEqual(["no agent", String(refused.requests), String(refused.errors)]);
    expect(await page.locator(".usage-table", { hasText: "nope" }).count()).toBe(0);
    expect(await page.locator("svg.chart rect.bar").count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator("svg.chart rect.bar.err").count()).toBe(1);
    expect(await page.locator("svg.chart circle.dot").count()).toBeGreaterThanOrEqual(1);
    await shot("usage");
  });

  it("lists tasks with their state, timings, polls, callback deliveries and result", async () => {
    // Prepare: a background response for a key whose webhook hears when it is done
    const owner = await createKey(stack, { name: "async", webhookUrl: `${hooks.url}/hooks` });
    const started = await call(stack, owner.key, "POST", "/v1/responses", { model: "a2a/echo", input: "hello later", background: true });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const job = await eventually(async () => {
      const { body } = await call(stack, stack.masterKey, "GET", "/v1/tasks");
      const t = body.data?.find((x: { id: string }) => x.id === started.body.id);
      return t?.status === "completed" && t.callbacks.delivered >= 1 ? t : undefined;
    });

    // Act
    await page.goto(`${front.url}/ui#/tasks`);
    const task = row("data-task", job.id);
    await task.waitFor();
    await task.getByRole("button", { name: "Show result" }).click();

    // Assess
    const cells = await task.locator("td").allTextContents();
    expect(await task.getAttribute("data-status")).toBe("completed");
    expect(cells[0]).toBe("completed");
    expect(cells[1]).toBe("echo");
    expect(cells[2]).toBe(owner.id);
    expect(cells[5]).toBe(String(job.polls));
    expect(cells[6]).toContain(`${job.callbacks.delivered}/${job.callbacks.attempts} delivered`);
    expect(await task.getByRole("button", { name: "Hide result" }).getAttribute("aria-expanded")).toBe("true");
    expect(await page.locator("tr.detail:not([hidden]) pre").textContent()).toContain("echo: hello later");
    await shot("tasks");
  });

  it("shows callbacks that every attempt failed to deliver, and sends one again", async () => {
    // Prepare: a finished job, and its webhook as the callbacks queue dead-letters it after the last attempt
    const owner = await createKey(stack, { name: "dead-letter", webhookUrl: `${hooks.url}/hooks` });
    const started = await call(stack, owner.key, "POST", "/v1/responses", { model: "a2a/echo", input: "announce me", background: true });
    const eventId = `evt_dead_${Date.now()}`;
    await stack.sqs.send(new SendMessageCommand({
      QueueUrl: stack.queueUrls.callbacks.dlqUrl,
      MessageBody: JSON.stringify({ jobId: started.body.id, target: "webhook", type: "response.completed", eventId }),
    }));

    // Act (the tab is on Tasks already: loaded afresh)
    await page.goto(`${front.url}/ui#/tasks`);
    await page.reload();
    const section = page.getByRole("region", { name: "Undelivered callbacks" });
    const letter = section.locator("tr", { hasText: started.body.id });
    await letter.waitFor();
    const cells = await letter.locator("th, td").allTextContents();
    await shot("tasks-dead-letters");
    await letter.getByRole("button", { name: "Send again" }).click();

    // Assess: listed with its job, agent and key; sent again, it reaches the receiver with its webhook-id and leaves the list
    expect(cells[0]).toContain("webhook");
    expect(cells[0]).toContain("response.completed");
    expect(cells.slice(1, 4)).toEqual([started.body.id, "echo", owner.id]);
    await expect.poll(() => hooks.requests.some((r) => r.headers["webhook-id"] === eventId && r.status === 200), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => section.getByRole("status").textContent()).toBe("1 callback sent again.");
    expect(await section.locator("tr", { hasText: started.body.id }).count()).toBe(0);
  });

  it("loads nothing from another origin and throws no page error", async () => {
    // Act: the Agents view in the dark scheme, for the record
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${front.url}/ui#/agents`);
    await expect.poll(() => page.locator('td[data-col="health"] .badge').allTextContents()).toEqual(["reachable", "reachable"]);
    await shot("agents-dark");
    await page.emulateMedia({ colorScheme: "light" });

    // Assess
    expect(offOrigin).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  const layouts = [1400, 420].flatMap((width) => (["master", "virtual"] as const).map((key) => ({ width, key })));
  it.each(layouts)("at $width px with the $key key: no nav before sign-in, every view fits, nothing offered the key cannot use", async ({ width, key }) => {
    // Prepare: the master key or a virtual key for one agent, each owning a task
    const virtual = key === "virtual" ? await createKey(stack, { name: `viewer-${width}`, agents: ["echo"] }) : undefined;
    const background = await call(stack, virtual?.key ?? stack.masterKey, "POST", "/v1/responses", { model: "a2a/echo", input: "hi", background: true });
    expect(background.status).toBe(200);
    await page.setViewportSize({ width, height: 860 });
    await page.goto(`${front.url}/ui`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByLabel("Gateway key").waitFor();
    const navBeforeSignIn = await page.locator("nav").isVisible();
    await shot(`${width}-signin`);

    // Act: sign in, then reload (a kept key is checked again)
    await page.getByLabel("Gateway key").fill(virtual?.key ?? stack.masterKey);
    await page.getByLabel("Gateway key").press("Enter");
    await page.getByRole("heading", { level: 1, name: /Agents/ }).waitFor();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: /Agents/ }).waitFor();
    const nav = await page.locator("nav a:visible").allTextContents();

    // Act and assess: every view, loaded, within the width
    const seen: Record<string, { overflow: number; navClipped: boolean; errors: number; forms: number; columns: string[]; buttons: string[]; text: string }> = {};
    for (const view of ["agents", "keys", "usage", "tasks", "playground"]) {
      await page.goto(`${front.url}/ui#/${view}`);
      await page.locator(`[data-view="${view}"] h1`).waitFor();
      await expect.poll(() => page.locator("main .loading, main [aria-busy], td[data-col=health] .badge.neutral").count()).toBe(0);
      seen[view] = await page.evaluate(() => {
        const nav = document.querySelector("nav")!;
        return {
          overflow: document.documentElement.scrollWidth - innerWidth,
          navClipped: nav.scrollWidth > nav.clientWidth || [...nav.querySelectorAll("a")].some((a) => a.getBoundingClientRect().right > innerWidth),
          errors: document.querySelectorAll("main .error").length,
          forms: document.querySelectorAll("main form").length,
          columns: [...document.querySelectorAll("main thead th")].map((th) => th.textContent!),
          buttons: [...document.querySelectorAll("main button")].map((b) => b.textContent!),
          text: document.querySelector("main")!.textContent!,
        };
      });
      await shot(`${width}-${key}-${view}`);
    }

    // Assess
    expect(navBeforeSignIn).toBe(false);
    for (const [view, { overflow, navClipped, errors }] of Object.entries(seen)) {
      expect({ view, overflow: Math.max(0, overflow), navClipped, errors }).toEqual({ view, overflow: 0, navClipped: false, errors: 0 });
    }
    expect(seen.tasks!.text).toContain("how many times the gateway polled the agent for it (tasks/get)");
    expect(seen.tasks!.columns).toContain("Agent polls");
    if (!virtual) {
      expect(seen.tasks!.text).toContain("Undelivered callbacks");
      expect(nav).toEqual(["Agents", "Keys", "Usage", "Tasks", "Playground"]);
      expect(seen.keys!.text).toContain("Create a key");
      expect(seen.agents!.text).toContain("Register an agent");
      return;
    }
    // A virtual key is not offered keys, usage, or changing agents: it is told why at their address.
    expect(nav).toEqual(["Agents", "Tasks", "Playground"]);
    for (const view of ["keys", "usage"]) {
      expect(seen[view]!.forms, view).toBe(0);
      expect(seen[view]!.text, view).toContain("needs the gateway's master key");
    }
    expect(seen.agents!.forms).toBe(0);
    expect(seen.agents!.text).toContain("Registering and changing agents needs the master key");
    expect(seen.agents!.columns).not.toContain("URL");
    expect(new Set(seen.agents!.buttons)).toEqual(new Set(["Refresh", "Card of echo"]));
    expect(seen.tasks!.text).toContain(virtual.id);
    expect(seen.tasks!.text).not.toContain("Undelivered callbacks");

    // Act: the key is revoked; the tab that kept it asks for a key again, saying why
    await call(stack, stack.masterKey, "DELETE", `/v1/keys/${virtual.id}`);
    await page.reload();
    await page.getByLabel("Gateway key").waitFor();

    // Assess
    expect(await page.locator(".error .error-head").textContent()).toContain("HTTP 401");
    expect(await page.locator("nav").isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});
