/** The non-streaming routes behind API Gateway's HTTP API: health, keys, agents, models. */
import { adminHandlers } from "../shared/routes/admin.ts";
import { openaiHandlers } from "../shared/routes/openai.ts";
import { depsOnce } from "./lib/deps.ts";
import { bufferedHandler } from "./lib/http.ts";

// The OpenAI routes it serves are the buffered ones (models); chat completions stream elsewhere.
export const handler = bufferedHandler({ ...adminHandlers, ...openaiHandlers }, depsOnce());
