/** The non-streaming routes behind API Gateway's HTTP API: health, keys, agents, models, dead callbacks. */
import { adminHandlers } from "../shared/routes/admin.ts";
import { modelsHandler } from "../shared/routes/models.ts";
import { depsOnce } from "./lib/deps.ts";
import { sqsQueues } from "./lib/queues.ts";
import { bufferedHandler } from "./lib/http.ts";
import type { Handlers } from "../shared/routes/dispatch.ts";

const handlers: Handlers<"api"> = { ...adminHandlers, "GET /v1/models": modelsHandler };

export const handler = bufferedHandler(handlers, depsOnce(sqsQueues));
