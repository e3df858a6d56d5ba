// Loaded with `--require` before aws-lambda-ric in every local Lambda container.
//
// The runtime client's native `rapid-client.node` is built by its install script (cmake), which
// this project skips. With AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1=true the client already
// fetches invocations and streams responses over node:http; only a buffered answer (`done`) and
// an invocation error (`error`) still go through the native module. This stands in for it with
// the same two calls posted to the same Runtime API routes, so everything else is AWS's own code.
//
// The native calls block until the Runtime API has the answer; these return at once, so the
// runtime's next `/next` may arrive first: the local Runtime API holds it until the answer is in.
//
// Plain CommonJS: it runs in a bare `node`, before any loader.
"use strict";
const Module = require("node:module");
const http = require("node:http");

const [hostname, port] = (process.env.AWS_LAMBDA_RUNTIME_API || "").split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(path, body, headers) {
  const req = http.request(
    { hostname, port, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers } },
    (res) => res.resume(),
  );
  // Unreachable Runtime API: the container is being torn down; the invocation is settled there.
  req.on("error", () => {});
  req.end(body);
}

const rapidClient = {
  done(id, body) {
    post(`/2018-06-01/runtime/invocation/${id}/response`, body);
  },
  error(id, body) {
    let errorType = "Unhandled";
    try {
      errorType = JSON.parse(body).errorType || errorType;
    } catch {}
    post(`/2018-06-01/runtime/invocation/${id}/error`, body, { "Lambda-Runtime-Function-Error-Type": errorType });
  },
  next() {
    throw new Error("the local Lambda container runs aws-lambda-ric's HTTP client (AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1=true)");
  },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request.endsWith("rapid-client.node") ? rapidClient : load.call(this, request, ...rest);
};

// The stack holds this process's stdin: when the stack's process goes, however it goes, so does this one.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
