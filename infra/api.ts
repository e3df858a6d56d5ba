/**
 * The functions and the one public front door. Written against sst@4.17.1's components (read
 * from .sst/platform/src/components/aws/{function,router,apigatewayv2,queue,
 * queue-lambda-subscriber}.ts, as `sst install` extracts them; `npm run typecheck` checks this
 * file against them).
 *
 * WHY THREE LAYERS
 * - API Gateway HTTP APIs buffer every response (and stop at 30 s), so they cannot carry SSE.
 *   The streaming functions (`stream: true` in the route table: a2a, openai) therefore get Lambda
 *   Function URLs in RESPONSE_STREAM mode (`streaming: true` + `url: true`; SST then sets the
 *   URL's `invokeMode` to RESPONSE_STREAM).
 * - The non-streaming routes (`fn: "api"`) go to an `sst.aws.ApiGatewayV2` HTTP API, one route
 *   per route-table entry, all integrated with the one `api` function (payload format 2.0).
 * - Clients need ONE base URL (an OpenAI SDK has a single `baseURL`; an A2A card names one
 *   host), so an `sst.aws.Router` (one CloudFront distribution) sits in front: the path prefixes
 *   of the streaming routes go to their Function URLs, `/ui` to the console (./console.ts),
 *   everything else to the HTTP API.
 *
 * HOW THE ROUTER ROUTES
 * - It is the KeyValueStore router: one distribution whose viewer-request CloudFront Function
 *   looks the request up in a KV store and sets the origin (`cf.updateRequestOrigin`). Routes are
 *   added with `router.route(prefix, url, args)` (the `routes` prop is deprecated). Matching is by
 *   path prefix on a segment boundary, longest prefix wins; there are no globs. So the prefixes
 *   are derived from the route table: a streaming route's leading literal segments
 *   (`POST /a2a/{agent}` → `/a2a`), checked below so that every route table entry reaches its own
 *   function (a deploy fails otherwise).
 * - We use `router.route()` rather than the Function's `url.router` option because `url.router`
 *   serves a function under one path, and a streaming function may need several prefixes (today
 *   `/a2a` and `/hooks/a2a`; `/v1/chat/completions` and `/v1/responses`).
 * - `readTimeout` is CloudFront's origin response timeout (SST's default 20 s). It bounds the wait
 *   for the first byte and between chunks: the A2A sync budget is 25 s and a stream emits a
 *   keep-alive after 10 s of silence, so streams get 60 s (CloudFront's maximum without a quota
 *   increase) and the HTTP API 35 s (it gives up at 30 s itself).
 * - Streaming passes through: the origin is the Function URL over HTTPS, and CloudFront relays a
 *   chunked response as it arrives; nothing is cached (the Router's cache policy has default and
 *   minimum TTL 0, and the functions send no shared-cache headers).
 * - The Router's CloudFront Function copies the viewer's Host into `x-forwarded-host` for every
 *   URL route, and its origin request policy (Managed-AllViewerExceptHostHeader) forwards all
 *   viewer headers. `Authorization` is the exception: AWS documents putting it in the cache key
 *   as the way to be sure it reaches the origin (an origin request policy cannot name it), so the
 *   cache policy is transformed to add `authorization` and `x-api-key`: keys are forwarded on
 *   every method, and a response that is cached at all is cached per caller.
 *
 * GATEWAY_PUBLIC_URL
 * - Set to the Router's URL in every function. There is no cycle: the Router's distribution does
 *   not depend on its routes (they are KV entries, each written by its own component after the
 *   function URLs exist), so Router → functions → routes is a plain chain. Without it the code
 *   would fall back to `x-forwarded-host`, which the Router sets anyway.
 *
 * PERMISSIONS
 * - Granted with `permissions`, not `link`: linking a Dynamo table grants `dynamodb:*` and a
 *   Queue `sqs:*`, far more than least privilege. The functions read plain environment
 *   variables and never import SST's `Resource`, so nothing needs a link.
 * - A public Function URL (`url: true`, authorization "none") gets SST's two public statements:
 *   `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` with `lambda:InvokedViaFunctionUrl`,
 *   so the function answers its URL but no other account can invoke it through the Lambda API.
 */
import { MAIN_FIELDS, NEVER_LOADED } from "./bundle.ts";
import { httpFunctions, routeKey, routes, type HttpFunctionName } from "../shared/routes/table.ts";
import { frontPrefixes } from "./front.ts";
import { queues as queueDefs, type QueueName } from "./schema.ts";
import { consumerOf, deadLetterEnvVar, functionDefs, queueEnvVar, REDRIVE_ACTIONS, SEND_ACTIONS, TABLE_ACTIONS, tableEnvVar, type FunctionDef, type FunctionName } from "./functions.ts";
import { masterKey } from "./secrets.ts";
import { pascal, tables } from "./storage.ts";
import { deadLetterQueues, queueNames, queues } from "./queues.ts";

// ---------------------------------------------------------------------------------------------
// The Router
// ---------------------------------------------------------------------------------------------

export const router = new sst.aws.Router("Router", {
  transform: {
    // SST's own policy (router.ts, `${name}ServerCachePolicy`) with two headers added to the key:
    // CloudFront forwards `Authorization` on GET/HEAD only when it is in the cache key.
    cachePolicy: {
      parametersInCacheKeyAndForwardedToOrigin: {
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: {
          headerBehavior: "whitelist",
          headers: { items: ["x-open-next-cache-key", "x-forwarded-host", "authorization", "x-api-key"] },
        },
        queryStringsConfig: { queryStringBehavior: "all" },
        enableAcceptEncodingBrotli: true,
        enableAcceptEncodingGzip: true,
      },
    },
  },
});

// ---------------------------------------------------------------------------------------------
// What every function gets
// ---------------------------------------------------------------------------------------------

/** Optional settings taken from the deploying shell when set (shared/config.ts reads them). */
const PASS_THROUGH = ["GATEWAY_SYNC_BUDGET_MS", "GATEWAY_TASK_TTL_S", "GATEWAY_CACHE_TTL_MS"] as const;

/** Settings every function shares. */
const common: Record<string, $util.Input<string>> = {
  GATEWAY_MASTER_KEY: masterKey.value,
  GATEWAY_PUBLIC_URL: router.url,
  GATEWAY_ALLOW_PRIVATE_URLS: "false",
};
for (const key of PASS_THROUGH) {
  const value = process.env[key];
  if (value) common[key] = value;
}

/** A function learns the names of only the tables and queues it is granted (as it does locally). */
function environmentFor({ tables: tableAccess, send, consume, redrive = [] }: FunctionDef): Record<string, $util.Input<string>> {
  const env = { ...common };
  for (const name of tableAccess) env[tableEnvVar(name)] = tables[name].name;
  for (const name of new Set([...send, ...(consume ? [consume] : []), ...redrive])) env[queueEnvVar(name)] = queues[name].url;
  for (const name of redrive) env[deadLetterEnvVar(name)] = deadLetterQueues[name].url;
  return env;
}

function permissionsFor({ tables: tableAccess, send, redrive = [] }: FunctionDef): sst.aws.FunctionPermissionArgs[] {
  const permissions: sst.aws.FunctionPermissionArgs[] = [];
  if (tableAccess.length) {
    // Listings query the tables' indexes, whose ARNs are the table's plus `/index/<name>`.
    permissions.push({ actions: [...TABLE_ACTIONS], resources: tableAccess.flatMap((name) => [tables[name].arn, $interpolate`${tables[name].arn}/index/*`]) });
  }
  if (send.length || redrive.length) {
    permissions.push({ actions: [...SEND_ACTIONS], resources: [...new Set([...send, ...redrive])].map((name) => queues[name].arn) });
  }
  if (redrive.length) {
    permissions.push({ actions: [...REDRIVE_ACTIONS], resources: redrive.map((name) => deadLetterQueues[name].arn) });
  }
  return permissions;
}

function functionArgs(name: FunctionName): sst.aws.FunctionArgs {
  const def = functionDefs[name];
  return {
    handler: `functions/${name}.handler`,
    description: `a2a-gateway ${name}`,
    runtime: "nodejs22.x",
    architecture: "arm64",
    // Bundled as `npm run build` bundles (infra/bundle.ts): the AWS SDK inside, split so code
    // loaded on first use stays out of a cold start. SST adds its own `require` banner to ESM.
    nodejs: { splitting: true, esbuild: { mainFields: MAIN_FIELDS, external: NEVER_LOADED } },
    memory: `${def.memoryMb} MB`,
    timeout: `${def.timeoutSeconds} seconds`,
    environment: environmentFor(def),
    permissions: permissionsFor(def),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP functions, the HTTP API, and the Router's routes
// ---------------------------------------------------------------------------------------------

export const functions = Object.fromEntries(
  (Object.keys(httpFunctions) as HttpFunctionName[]).map((name) => {
    const { stream } = httpFunctions[name];
    return [
      name,
      new sst.aws.Function(`${pascal(name)}Function`, {
        ...functionArgs(name),
        // A public Function URL; the gateway authenticates every request itself.
        ...(stream ? { streaming: true, url: true } : {}),
      }),
    ];
  }),
) as Record<HttpFunctionName, sst.aws.Function>;

export const httpApi = new sst.aws.ApiGatewayV2("HttpApi");

for (const route of routes) {
  if (httpFunctions[route.fn].stream) continue;
  // An ARN handler: SST integrates the existing function and grants API Gateway invoke rights.
  httpApi.route(routeKey(route), functions[route.fn].arn);
}

/** CloudFront's origin response timeout per target (see the header comment). */
const API_READ_TIMEOUT = "35 seconds";
const STREAM_READ_TIMEOUT = "60 seconds";

export const frontRoutes = frontPrefixes(routes);

for (const [prefix, target] of frontRoutes) {
  if (target === "console") continue; // added by the StaticSite itself (./console.ts)
  if (target === "http-api") router.route(prefix, httpApi.url, { readTimeout: API_READ_TIMEOUT });
  else router.route(prefix, functions[target].url, { readTimeout: STREAM_READ_TIMEOUT });
}

// ---------------------------------------------------------------------------------------------
// Queue consumers
// ---------------------------------------------------------------------------------------------

/**
 * One consumer per queue (infra/functions.ts names it). The concurrency caps keep background work
 * from starving the HTTP functions of the account's concurrency and bound the load on agents and
 * webhook receivers.
 */
const maxConcurrency: Record<QueueName, number> = { tasks: 10, callbacks: 5 };

export const subscriptions = Object.fromEntries(
  queueNames.map((queue) => {
    const fn = consumerOf(queue);
    const { timeoutSeconds } = functionDefs[fn];
    const def = queueDefs[queue];
    // Lambda refuses an SQS event source whose visibility timeout is shorter than the function's.
    if (timeoutSeconds > def.visibilityTimeout) {
      throw new Error(`Queue "${queue}": visibility timeout ${def.visibilityTimeout}s is shorter than ${fn}'s timeout ${timeoutSeconds}s`);
    }
    return [
      queue,
      // SST creates the function and adds receive, delete, change visibility, get attributes
      // and get URL on this queue to the permissions given here (queue-lambda-subscriber.ts).
      queues[queue].subscribe(functionArgs(fn), {
        batch: { size: def.batchSize, partialResponses: true },
        transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: maxConcurrency[queue] } } },
      }),
    ];
  }),
) as Record<QueueName, ReturnType<sst.aws.Queue["subscribe"]>>;
