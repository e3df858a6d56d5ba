/** The OpenAI-compatible chat completions, behind a response-streaming front. */
import { openaiHandlers } from "../shared/routes/openai.ts";
import { appDeps } from "./lib/deps.ts";
import { streamingHandler } from "./lib/http.ts";

export const handler = streamingHandler(openaiHandlers, appDeps);
