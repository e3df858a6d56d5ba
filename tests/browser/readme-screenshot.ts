/**
 * Renders docs/console.png, the README's picture of the console: the Agents view with two real
 * agents (an @a2a-js/sdk agent speaking A2A 1.0 and a fasta2a-like one speaking 0.3).
 *
 *   npx tsx tests/browser/readme-screenshot.ts
 *
 * Needs /usr/bin/chromium (scripts/install-chromium.sh). Starts its own in-memory stack.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startLocalStack } from "../../infra/local/stack.ts";
import { startFastA2AAgent, startSdkAgent } from "../peers/index.ts";
import { startConsoleFront } from "./front.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const out = join(repoRoot, "docs", "console.png");

const stack = await startLocalStack({ port: 0, masterKey: "sk-master-readme-screenshot-0000" });
const [echo, fast] = await Promise.all([startSdkAgent(), startFastA2AAgent()]);
const front = await startConsoleFront(stack.url, join(repoRoot, "console"));
const profile = mkdtempSync(join(tmpdir(), "console-chromium-"));
try {
  const register = (body: unknown) =>
    fetch(`${stack.url}/v1/agents`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.masterKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.status === 201 || Promise.reject(new Error(`register: ${r.status}`)));
  await register({ name: "echo", url: echo.url, description: "Echoes what it is told, streamed in three chunks (@a2a-js/sdk)" });
  await register({ agent_name: "research", litellm_params: { url: fast.url } });

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1200, height: 640 },
    colorScheme: "light",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${front.url}/ui`);
  await page.getByLabel("Gateway key").fill(stack.masterKey);
  await page.getByLabel("Gateway key").press("Enter");
  await page.locator('td[data-col="health"] .badge.ok').nth(1).waitFor();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: out, fullPage: true });
  await context.close();
  console.log(`${out}: ${statSync(out).size} bytes`);
} finally {
  await front.close();
  await Promise.all([stack.stop(), echo.close(), fast.close()]);
  rmSync(profile, { recursive: true, force: true });
}
