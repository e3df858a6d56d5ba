/** Reads a server-sent event stream as it arrives: each `data:` payload parsed, with its arrival time. */
export interface Arrival<T = any> {
  at: number;
  data: T;
}

export async function readSse<T = any>(res: Response, started = Date.now()): Promise<Arrival<T>[]> {
  const arrivals: Arrival<T>[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim())
        .join("\n");
      if (data && data !== "[DONE]") arrivals.push({ at: Date.now() - started, data: JSON.parse(data) });
    }
  }
  return arrivals;
}
