/** The admin API behind API Gateway's HTTP API: health, keys, agents. */
import { adminHandlers } from "../shared/routes/admin.ts";
import { appDeps } from "./lib/deps.ts";
import { bufferedHandler } from "./lib/http.ts";

export const handler = bufferedHandler(adminHandlers, appDeps);
