/** Child process: the fast A2A agent. */
import { serveParent } from "../lib/procs.ts";
import { startFastAgent } from "../lib/servers.ts";

const agent = await startFastAgent();
serveParent({ url: agent.url }, async () => undefined, agent.close);
