/** The agent HTTP client's handling of kept-alive sockets. */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpUpstream } from "../../shared/adapters/upstream.ts";
import { UpstreamError } from "../../shared/errors.ts";

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/**
 * An agent that closes a kept-alive connection the moment the next request arrives on it, as a
 * server whose idle timeout fires just as the client reuses the socket does; `always` does it
 * to every request, fresh connections included.
 */
async function agentDroppingReusedSockets(always = false) {
  const served = new WeakMap<Socket, number>();
  const seen = { requests: 0, dropped: 0 };
  server = createServer((req, res) => {
    seen.requests++;
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (always || count > 1) {
      seen.dropped++;
      req.socket.destroy();
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end('{"jsonrpc":"2.0","id":1,"result":{"ok":true}}');
  });
  await new Promise<void>((ok) => server!.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, seen };
}

const call = (url: string) => ({ urls: [url], headers: {}, body: '{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"t"}}', timeoutMs: 5_000 });

describe("HttpUpstream", () => {
  it("retries once on a fresh socket when the agent closed the kept-alive one", async () => {
    const agent = await agentDroppingReusedSockets();
    const upstream = new HttpUpstream(true);

    const first = await upstream.post(call(agent.url));
    const second = await upstream.post(call(agent.url));

    expect(first).toMatchObject({ kind: "json", status: 200 });
    expect(second).toMatchObject({ kind: "json", status: 200 });
    expect(agent.seen).toEqual({ requests: 3, dropped: 1 });
  });

  it("does not retry a connection that was fresh: the agent's failure is reported", async () => {
    const agent = await agentDroppingReusedSockets(true);
    const upstream = new HttpUpstream(true);

    const failure = await upstream.post(call(agent.url)).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as UpstreamError).message).toBe("Connection to agent failed (ECONNRESET)");
    expect(agent.seen.requests).toBe(1);
  });
});
