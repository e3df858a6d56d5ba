/** Streams are never silent long enough for a proxy to cut them (CloudFront: 60 s at most). */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SSE_KEEPALIVE, withKeepAlive } from "../../functions/lib/http.ts";

/** A source that yields `chunk` after `delayMs`, then ends; it records being closed. */
function slowSource(delayMs: number, chunk: string) {
  const state = { closed: false };
  async function* source() {
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      yield chunk;
    } finally {
      state.closed = true;
    }
  }
  return { source: source(), state };
}

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

describe("withKeepAlive", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends a comment for every interval the stream is silent, the wait for the first event included", async () => {
    const { source } = slowSource(25_000, "data: 1\n\n");

    const done = collect(withKeepAlive(source, 10_000));
    await vi.advanceTimersByTimeAsync(25_000);

    expect(await done).toEqual([SSE_KEEPALIVE, SSE_KEEPALIVE, "data: 1\n\n"]);
  });

  it("adds nothing to a stream that keeps talking", async () => {
    async function* chatty() {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 9_000));
        yield `data: ${i}\n\n`;
      }
    }

    const done = collect(withKeepAlive(chatty(), 10_000));
    await vi.advanceTimersByTimeAsync(45_000);

    expect((await done).filter((c) => c === SSE_KEEPALIVE)).toHaveLength(0);
  });

  it("closes the source when the reader stops early", async () => {
    const { source, state } = slowSource(1_000, "data: 1\n\n");
    const stream = withKeepAlive(source, 10_000);

    const first = stream.next();
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await first).value).toBe("data: 1\n\n");
    await stream.return(undefined);

    expect(state.closed).toBe(true);
  });

  it("is a comment line, which SSE parsers ignore", () => {
    expect(SSE_KEEPALIVE).toMatch(/^:[^\n]*\n\n$/);
  });
});
