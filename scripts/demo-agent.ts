/**
 * `npm run demo-agent [-- --port N]`: a real A2A agent (the official SDK, speaking 1.0 and 0.3) to
 * try the gateway with, on http://127.0.0.1:9100 unless `--port`, `PORT` or `DEMO_AGENT_PORT`
 * says otherwise. What it does is chosen by the text it is sent (listed when it starts).
 */
import { parseArgs } from "node:util";
import { startSdkAgent } from "../tests/peers/sdk-agent.ts";

const DEFAULT_PORT = 9100;

/** The texts the demo agent understands (tests/peers/sdk-agent.ts `ScriptedExecutor`). */
const COMMANDS: [string, string][] = [
  ["<anything else>", "echoes it back in three streamed chunks"],
  ["slow:<ms>", "works that long first (e.g. slow:40000, to see async hand-off and polling)"],
  ["ask", "asks for your name (input-required); the next message on the task completes it"],
  ["data", "answers with a data part {\"answer\": 42}"],
  ["message", "answers with a plain message, no task"],
  ["fail", "fails the task on purpose"],
];

function portFromArgs(): number {
  const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    process.stdout.write("usage: npm run demo-agent [-- --port N]   (or PORT / DEMO_AGENT_PORT)\n");
    process.exit(0);
  }
  const raw = values.port ?? process.env.PORT ?? process.env.DEMO_AGENT_PORT;
  const port = raw === undefined ? DEFAULT_PORT : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`demo-agent: "${raw}" is not a port number (0-65535)\n`);
    process.exit(2);
  }
  return port;
}

const port = portFromArgs();
const agent = await startSdkAgent({ legacyCompat: true, port, chunkDelayMs: 150 }).catch((e: NodeJS.ErrnoException) => {
  const why = e.code === "EADDRINUSE" ? `port ${port} is already in use (another demo agent?)` : e.message;
  process.stderr.write(`demo-agent: cannot listen: ${why}. Pick another with: npm run demo-agent -- --port ${port + 1}\n`);
  process.exit(1);
});
const width = Math.max(...COMMANDS.map(([c]) => c.length));
process.stdout.write(
  `Demo A2A agent (A2A 1.0 and 0.3) on ${agent.url}  (Ctrl-C to stop)\nSend it:\n` +
    COMMANDS.map(([command, effect]) => `  ${command.padEnd(width)}  ${effect}\n`).join(""),
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void agent.close().finally(() => process.exit(0)));
