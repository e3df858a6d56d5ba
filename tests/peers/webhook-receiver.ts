// A push-notification webhook that records every delivery and can be
// switched "down" (HTTP 503) to exercise the sender's retry path.
import { createServer } from "node:http";
import { closeServer, describeRequest, listen, parseBody, readBody, type PeerHandle, type RecordedRequest } from "./http-peer.ts";

export type WebhookRequest = RecordedRequest & {
  rawBody: string;
  /** The status the receiver answered with (503 while down). */
  status: number;
};

export type WebhookReceiverHandle = Omit<PeerHandle, "requests"> & {
  requests: WebhookRequest[];
  setDown(down: boolean): void;
  /** Resolves with the first recorded request matching `predicate`, polling every 20 ms. */
  waitFor(predicate: (request: WebhookRequest) => boolean, timeoutMs?: number): Promise<WebhookRequest>;
};

const POLL_MS = 20;

export async function startWebhookReceiver(): Promise<WebhookReceiverHandle> {
  const requests: WebhookRequest[] = [];
  let down = false;

  const server = createServer((req, res) => {
    readBody(req)
      .then((rawBody) => {
        const status = down ? 503 : 200;
        requests.push({ ...describeRequest(req, parseBody(rawBody)), rawBody, status });
        res.writeHead(status, { "Content-Type": "text/plain" });
        res.end(down ? "Service Unavailable" : "OK");
      })
      .catch(() => res.destroy());
  });
  const port = await listen(server);

  function waitFor(predicate: (request: WebhookRequest) => boolean, timeoutMs = 2_000): Promise<WebhookRequest> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = () => {
        const match = requests.find(predicate);
        if (match) return resolve(match);
        if (Date.now() >= deadline) {
          return reject(new Error(`webhook: no matching request within ${timeoutMs} ms (${requests.length} received)`));
        }
        setTimeout(poll, POLL_MS);
      };
      poll();
    });
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setDown: (value) => {
      down = value;
    },
    waitFor,
    close: () => closeServer(server),
  };
}
