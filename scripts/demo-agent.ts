/**
 * `npm run demo-agent`: a real A2A agent (the official SDK, speaking 1.0 and 0.3) on
 * http://127.0.0.1:9100 (DEMO_AGENT_PORT), to try the gateway with. It echoes what it is told,
 * in three streamed chunks; `slow:<ms>` makes it work that long first.
 */
import { startSdkAgent } from "../tests/peers/sdk-agent.ts";

const port = Number(process.env.DEMO_AGENT_PORT ?? 9100);
const agent = await startSdkAgent({ legacyCompat: true, port, chunkDelayMs: 150 });
process.stdout.write(`Demo A2A agent on ${agent.url} (Ctrl-C to stop)\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void agent.close().finally(() => process.exit(0)));
