/**
 * Reading an agent's event stream (HttpUpstream): events parsed per the SSE spec whatever the
 * chunking, and hostile streams (one endless event, an endless stream) refused quickly with a
 * clear error, reading no further than the limit.
 */
import { createServer, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpUpstream, readEvents } from "../../shared/adapters/upstream.ts";
import { UpstreamError } from "../../shared/errors.ts";

const MiB = 1024 * 1024;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An agent that answers every request with an event stream written by `write`; counts the bytes it got out. */
async function streamingAgent(write: (res: ServerResponse, sent: { bytes: number }) => Promise<void> | void) {
  const sent = { bytes: 0 };
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    void write(res, sent);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  closers.push(() => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, sent };
}

/** Writes `chunk` until `total` bytes went out or the reader hung up, honouring backpressure. */
async function writeRepeatedly(res: ServerResponse, chunk: Buffer, total: number, sent: { bytes: number }) {
  while (sent.bytes < total && !res.destroyed) {
    sent.bytes += chunk.length;
    if (!res.write(chunk)) await new Promise((ok) => (res.once("drain", ok), res.once("close", ok)));
  }
  res.end();
}

async function readAll(url: string) {
  const reply = await new HttpUpstream(true).post({ urls: [url], headers: {}, body: "{}", timeoutMs: 5_000 });
  if (reply.kind !== "sse") throw new Error("expected a stream");
  const events: unknown[] = [];
  try {
    for await (const event of reply.events) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

describe("the agent event-stream reader", () => {
  it("parses events split anywhere, CRLF line ends, multi-line data and comments, as the SSE spec says", async () => {
    // Prepare: one byte per write, so every boundary falls inside a chunk somewhere.
    const text = ': hello\r\n\r\ndata: {"n":1}\r\n\r\nevent: update\ndata: {"n":\ndata: 2}\nid: 7\n\n: keep-alive\n\ndata:{"n":3}\n\n';
    const agent = await streamingAgent(async (res) => {
      for (const ch of Buffer.from(text)) {
        res.write(Buffer.from([ch]));
        await new Promise((ok) => setImmediate(ok));
      }
      res.end();
    });
    // Act
    const { events, error } = await readAll(agent.url);
    // Assess
    expect(error).toBeUndefined();
    expect(events).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("refuses a 16 MB event with no boundary in well under a second, having read no more than the limit", async () => {
    // Prepare: "data: " and then 16 MB without a line break, in 64 KB writes.
    const agent = await streamingAgent((res, sent) => {
      res.write("data: ");
      return writeRepeatedly(res, Buffer.alloc(64 * 1024, "a"), 16 * MiB, sent);
    });
    // Act
    const started = performance.now();
    const { events, error } = await readAll(agent.url);
    const elapsedMs = performance.now() - started;
    // Assess
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: "invalid_response", message: "Agent sent an event larger than 10485760 bytes" });
    // About 0.3 s on an idle 2-core machine, mostly moving the 10 MB over loopback; the bound is
    // loose for a loaded one. Re-scanning the unfinished event on every chunk took 27 s.
    expect(elapsedMs).toBeLessThan(2_000);
    // The reader hung up at the limit: the rest was never sent.
    expect(agent.sent.bytes).toBeLessThan(16 * MiB);
    process.stdout.write(`[sse] 16 MB event refused after ${Math.round(elapsedMs)} ms, ${(agent.sent.bytes / MiB).toFixed(1)} MiB sent\n`);
  });

  it("refuses a stream past its limit in all, however small its events", async () => {
    // Prepare: 64 KiB events, forever, read with a 1 MiB stream limit.
    const event = Buffer.from(`data: ${JSON.stringify("x".repeat(64 * 1024 - 20))}\n\n`);
    const agent = await streamingAgent((res, sent) => writeRepeatedly(res, event, 16 * MiB, sent));
    // Act
    const { events, error } = await new Promise<Awaited<ReturnType<typeof readAll>>>((done) =>
      request(agent.url, { method: "POST" }, async (res) => {
        const events: unknown[] = [];
        try {
          for await (const e of readEvents(res, () => res.destroy(), { eventBytes: 128 * 1024, streamBytes: MiB })) events.push(e);
          done({ events });
        } catch (error) {
          done({ events, error });
        }
      }).end(),
    );
    // Assess
    expect(error).toMatchObject({ failure: "invalid_response", message: "Agent stream is larger than 1048576 bytes" });
    expect(events.length).toBeGreaterThanOrEqual(14);
    expect(events.length).toBeLessThanOrEqual(16);
  });

  it("ends with invalid_response on an event that is not JSON", async () => {
    const agent = await streamingAgent((res) => void res.end('data: {"n":1}\n\ndata: not json\n\n'));
    const { events, error } = await readAll(agent.url);
    expect(events).toEqual([{ n: 1 }]);
    expect(error).toMatchObject({ failure: "invalid_response", message: "Agent sent an event that is not JSON" });
  });
});
