/** Child process: the bare pass-through proxy in front of the agent at argv[2]. */
import { serveParent } from "../lib/procs.ts";
import { startBareProxy } from "../lib/servers.ts";

const upstream = process.argv[2];
if (!upstream) throw new Error("usage: proxy.ts <agent url>");
const proxy = await startBareProxy(upstream);
serveParent({ url: proxy.url }, async () => undefined, proxy.close);
