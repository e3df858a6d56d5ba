/**
 * AWS list prices the gateway's bill is made of, us-east-1, on-demand, first volume tier, free
 * tiers left out (they do not change the marginal cost of the millionth request). Each price names
 * the AWS pricing page it is read from. Re-read those pages when `PRICES_AS_OF` grows old; the
 * Router (CloudFront), CloudWatch Logs and response-streaming figures were not re-checked on
 * that date and are the first to confirm.
 */
export const PRICES_AS_OF = "2026-11-22";
export const PRICE_REGION = "us-east-1";

export interface Price {
  usd: number;
  per: string;
  source: string;
}

export const prices = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: "GB-second of duration, arm64",
    source: "AWS Lambda pricing (aws.amazon.com/lambda/pricing), Arm, first 7.5 billion GB-s/month",
  },
  lambdaRequest: { usd: 0.2 / 1e6, per: "invocation", source: "AWS Lambda pricing, requests: $0.20 per 1M" },
  lambdaStreamedGb: {
    usd: 0.008,
    per: "GB of streamed response beyond the first 6 MB of a response",
    source: "AWS Lambda pricing, response streaming",
  },
  httpApiRequest: {
    usd: 1.0 / 1e6,
    per: "HTTP API request (each 512 KB)",
    source: "Amazon API Gateway pricing (aws.amazon.com/api-gateway/pricing), HTTP APIs, first 300M/month: $1.00 per 1M",
  },
  routerRequest: {
    usd: 0.01 / 10_000,
    per: "HTTPS request through the Router (CloudFront)",
    source: "Amazon CloudFront pricing (aws.amazon.com/cloudfront/pricing), United States, Mexico & Canada: $0.0100 per 10,000 HTTPS requests",
  },
  dynamoWrite: {
    usd: 0.625 / 1e6,
    per: "write request unit (1 KB)",
    source: "Amazon DynamoDB pricing for on-demand capacity (aws.amazon.com/dynamodb/pricing/on-demand), Standard table class: $0.625 per 1M WRU",
  },
  dynamoRead: {
    usd: 0.125 / 1e6,
    per: "read request unit (4 KB strongly consistent, or two eventually consistent reads)",
    source: "Amazon DynamoDB pricing for on-demand capacity, Standard table class: $0.125 per 1M RRU",
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    per: "SQS API request (each 64 KB), standard queue",
    source: "Amazon SQS pricing (aws.amazon.com/sqs/pricing), standard queues, first 100 billion requests/month: $0.40 per 1M",
  },
  logsIngestedGb: {
    usd: 0.5,
    per: "GB of CloudWatch Logs ingested",
    source: "Amazon CloudWatch pricing (aws.amazon.com/cloudwatch/pricing), Logs, standard ingestion: $0.50 per GB",
  },
} as const satisfies Record<string, Price>;

export type PriceList = { [K in keyof typeof prices]: Price };

/** What one unit of work (a call, a task) makes the gateway use. */
export interface UsageCounts {
  /** Lambda invocations by function, each with its billed duration (ms, rounded up) and memory. */
  invocations: { fn: string; count: number; billedMs: number; memoryMb: number }[];
  httpApiRequests: number;
  routerRequests: number;
  /** Request units, not calls: an eventually consistent read of ≤ 4 KB is 0.5 RRU. */
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  sqsRequests: number;
  logBytes: number;
  /** Streamed bytes beyond 6 MB per response (almost always 0). */
  streamedBytesOver6Mb?: number;
}

export interface Cost {
  lambdaRequests: number;
  lambdaDuration: number;
  httpApi: number;
  router: number;
  dynamo: number;
  sqs: number;
  logs: number;
  total: number;
}

const GB = 1024 ** 3;

/** The cost of `units` units of work with these counts each (USD). */
export function costOf(counts: UsageCounts, units = 1, p: PriceList = prices): Cost {
  const invocations = counts.invocations.reduce((n, i) => n + i.count, 0);
  const gbSeconds = counts.invocations.reduce((s, i) => s + i.count * (i.billedMs / 1000) * (i.memoryMb / 1024), 0);
  const parts = {
    lambdaRequests: invocations * p.lambdaRequest.usd,
    lambdaDuration: gbSeconds * p.lambdaArmGbSecond.usd + ((counts.streamedBytesOver6Mb ?? 0) / GB) * p.lambdaStreamedGb.usd,
    httpApi: counts.httpApiRequests * p.httpApiRequest.usd,
    router: counts.routerRequests * p.routerRequest.usd,
    dynamo: counts.dynamoWriteUnits * p.dynamoWrite.usd + counts.dynamoReadUnits * p.dynamoRead.usd,
    sqs: counts.sqsRequests * p.sqsRequest.usd,
    logs: (counts.logBytes / GB) * p.logsIngestedGb.usd,
  };
  const scaled = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v * units])) as Omit<Cost, "total">;
  return { ...scaled, total: Object.values(scaled).reduce((a, b) => a + b, 0) };
}

export const costPerMillion = (counts: UsageCounts, p: PriceList = prices): Cost => costOf(counts, 1e6, p);
