/** The A2A proxy, behind a response-streaming front: JSON-RPC calls, SSE streams and agent cards. */
import { a2aHandlers } from "../shared/routes/a2a.ts";
import { depsOnce } from "./lib/deps.ts";
import { sqsQueues } from "./lib/queues.ts";
import { streamingHandler } from "./lib/http.ts";

export const handler = streamingHandler(a2aHandlers, depsOnce(sqsQueues));
