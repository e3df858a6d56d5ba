/**
 * IAM, locally: a proxy in front of the DynamoDB and SQS emulators that lets each function do
 * only what infra/functions.ts grants it, and answers anything else with the
 * `AccessDeniedException` AWS sends. Each function signs with its own access key id (its name),
 * which the proxy reads from the SigV4 `Credential=` of the Authorization header. The emulators
 * check no signature, so the request is passed on as it came.
 */
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONSUME_ACTIONS, REDRIVE_ACTIONS, SEND_ACTIONS, TABLE_ACTIONS, type FunctionDef, type FunctionName } from "../functions.ts";
import type { QueueName, TableName } from "../schema.ts";
import { readAll } from "./http.ts";

const REGION = "us-east-1";
const ACCOUNT = "000000000000";
const DYNAMODB_TARGET = "DynamoDB_20120810.";
const SQS_TARGET = "AmazonSQS.";

export interface AccessProxyOptions {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  grants: Record<FunctionName, FunctionDef>;
  /** Deployed (prefixed) names of the tables and queues, to map a request back to what is granted. */
  tableNames: Record<TableName, string>;
  queueNames: Record<QueueName, string>;
  /** Each queue's dead-letter queue, by the queue's name. */
  deadLetterQueueNames: Record<QueueName, string>;
}

export interface AccessProxy {
  /** The endpoint every function's DynamoDB and SQS clients are pointed at. */
  endpoint: string;
  stop(): Promise<void>;
}

/** One IAM action on one resource, as a policy evaluates it. */
export interface Permission {
  action: string;
  /** The resource's name as the request gives it (table name, queue name). */
  resource: string;
  service: "dynamodb" | "sqs";
}

/** What a denied request is answered, in the service's own JSON protocol. */
export interface Denial {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function startAccessProxy(opts: AccessProxyOptions): Promise<AccessProxy> {
  const check = accessCheck(opts);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    readAll(req)
      .then((body) => {
        const target = String(req.headers["x-amz-target"] ?? "");
        const denial = check(principalOf(req.headers.authorization), target, body);
        if (denial) {
          res.writeHead(denial.status, denial.headers);
          return void res.end(denial.body);
        }
        forward(target.startsWith(SQS_TARGET) ? opts.sqsEndpoint : opts.dynamoEndpoint, req, body, res, agent);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * The policy check: `undefined` when every permission the request needs is granted to the
 * signing function, else AWS's answer to the first one missing.
 */
export function accessCheck({ grants, tableNames, queueNames, deadLetterQueueNames }: Pick<AccessProxyOptions, "grants" | "tableNames" | "queueNames" | "deadLetterQueueNames">) {
  const tableOf = inverse(tableNames);
  const queueOf = inverse(queueNames);
  const deadLettersOf = inverse(deadLetterQueueNames);
  const allows = (def: FunctionDef, { service, action, resource }: Permission): boolean => {
    if (service === "dynamodb") {
      const table = tableOf.get(resource);
      return (TABLE_ACTIONS as readonly string[]).includes(action) && table !== undefined && def.tables.includes(table);
    }
    const deadLettersOfQueue = deadLettersOf.get(resource);
    if (deadLettersOfQueue !== undefined) return (REDRIVE_ACTIONS as readonly string[]).includes(action) && (def.redrive ?? []).includes(deadLettersOfQueue);
    const queue = queueOf.get(resource);
    if (queue === undefined) return false;
    const sends = def.send.includes(queue) || (def.redrive ?? []).includes(queue);
    return ((SEND_ACTIONS as readonly string[]).includes(action) && sends) || ((CONSUME_ACTIONS as readonly string[]).includes(action) && def.consume === queue);
  };
  return (principal: string | undefined, target: string, body: Buffer): Denial | undefined => {
    if (!principal || !(principal in grants)) return unrecognizedClient(target);
    let permissions: Permission[];
    try {
      permissions = permissionsOf(target, JSON.parse(body.toString("utf8") || "{}"));
    } catch {
      return undefined; // not a request we can read: the emulator answers it as AWS would
    }
    const missing = permissions.find((p) => !allows(grants[principal as FunctionName], p));
    return missing && accessDenied(principal, missing);
  };
}

/**
 * The IAM permissions a request needs. DynamoDB: its action on every table it names (batch
 * requests on each table of `RequestItems`; transactions need the item action of each part).
 * SQS: the action (a batch needs its single form) on the queue of `QueueUrl`.
 */
export function permissionsOf(target: string, input: Record<string, any>): Permission[] {
  if (target.startsWith(DYNAMODB_TARGET)) {
    const operation = target.slice(DYNAMODB_TARGET.length);
    const on = (action: string, table: string): Permission => ({ service: "dynamodb", action: `dynamodb:${action}`, resource: table });
    if (input.RequestItems) return Object.keys(input.RequestItems).map((table) => on(operation, table));
    if (Array.isArray(input.TransactItems)) {
      return input.TransactItems.flatMap((item: Record<string, { TableName: string }>) =>
        Object.entries(item).map(([part, { TableName }]) => on(TRANSACT_PART_ACTIONS[part] ?? part, TableName)),
      );
    }
    return [on(operation, input.TableName ?? "*")];
  }
  const operation = target.slice(SQS_TARGET.length).replace(/Batch$/, "");
  const queue = typeof input.QueueUrl === "string" ? (new URL(input.QueueUrl).pathname.split("/").pop() ?? "") : (input.QueueName ?? "*");
  return [{ service: "sqs", action: `sqs:${operation}`, resource: queue }];
}

const TRANSACT_PART_ACTIONS: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
};

/**
 * AWS's words, with the function's role as the principal. DynamoDB answers 400; SQS (JSON
 * protocol) 403, with the query-compatible code the SDK maps to `AccessDenied`.
 */
function accessDenied(fn: string, { service, action, resource }: Permission): Denial {
  const arn = service === "dynamodb" ? `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${resource}` : `arn:aws:sqs:${REGION}:${ACCOUNT}:${resource}`;
  const message = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${fn}/${fn} is not authorized to perform: ${action} on resource: ${arn} because no identity-based policy allows the ${action} action`;
  const body = JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException", message });
  if (service === "dynamodb") return { status: 400, headers: { "content-type": "application/x-amz-json-1.0" }, body };
  return { status: 403, headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": "AccessDenied;Sender" }, body };
}

function unrecognizedClient(target: string): Denial {
  const body = JSON.stringify({ __type: "com.amazon.coral.service#UnrecognizedClientException", message: "The security token included in the request is invalid." });
  const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.0" };
  if (target.startsWith(SQS_TARGET)) headers["x-amzn-query-error"] = "InvalidClientTokenId;Sender";
  return { status: 400, headers, body };
}

/** The access key id of a SigV4 Authorization header: `... Credential=<key>/<date>/<region>/...`. */
function principalOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? "")?.[1];
}

function forward(endpoint: string, req: IncomingMessage, body: Buffer, res: ServerResponse, agent: Agent): void {
  const upstream = request(new URL(req.url ?? "/", endpoint), { method: req.method, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => res.destroy());
  upstream.end(body);
}

const inverse = <K extends string>(names: Record<K, string>): Map<string, K> =>
  new Map(Object.entries<string>(names).map(([logical, deployed]) => [deployed, logical as K]));
