/**
 * A stand-in for the local front with the console wired in: `consoleStaticHandler` first, and every
 * other request proxied to a running stack, bodies piped both ways so server-sent events stream.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { consoleStaticHandler } from "../../infra/local/console.ts";

export interface ConsoleFront {
  url: string;
  close(): Promise<void>;
}

export async function startConsoleFront(gatewayUrl: string, consoleDir: string): Promise<ConsoleFront> {
  const serveConsole = consoleStaticHandler(consoleDir);
  const gateway = new URL(gatewayUrl);
  const server = createServer((req, res) => {
    if (serveConsole(req, res)) return;
    const upstream = request(
      { host: gateway.hostname, port: gateway.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "bad_gateway", message: e.message } }));
    });
    // A caller that goes away (a stopped stream) closes the call behind it too.
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
