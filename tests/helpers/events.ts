/** Lambda event factories shared by the tests and the benchmarks. */

/** An API Gateway v2 / Function URL event (payload format 2.0), as either would send it. */
export function apiEvent(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json", host: "gw.test", ...headers },
    requestContext: {
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "",
      timeEpoch: 0,
      accountId: "",
      apiId: "",
      domainName: "gw.test",
      domainPrefix: "gw",
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}
