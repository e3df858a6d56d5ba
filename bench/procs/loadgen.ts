/** Child process: runs one load job per request, so the client never shares a CPU queue with a server. */
import { runLoad, type LoadJob } from "../lib/load.ts";
import { serveParent } from "../lib/procs.ts";

serveParent({}, (job) => runLoad(job as LoadJob));
