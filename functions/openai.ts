/** The OpenAI-compatible chat completions, behind a response-streaming front. */
import { openaiHandlers } from "../shared/routes/openai.ts";
import { depsOnce } from "./lib/deps.ts";
import { sqsQueues } from "./lib/queues.ts";
import { streamingHandler } from "./lib/http.ts";

export const handler = streamingHandler(openaiHandlers, depsOnce(sqsQueues));
