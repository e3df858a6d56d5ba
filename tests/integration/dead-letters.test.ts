/**
 * Callbacks past their last attempt (issue 14): the callbacks queue's dead-letter queue, listed and
 * sent again through the admin API by the api function under the runtime client, with only the
 * grants infra/functions.ts gives it (the local IAM proxy refuses anything else).
 *
 * A webhook's ~30 hours of attempts cannot pass in a test: the letter is put in the dead-letter
 * queue as SQS moves it there after the last receive (the same body, which names the event id),
 * after the first attempt really failed against a receiver that is down.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startFastA2AAgent, startWebhookReceiver, type PeerHandle, type WebhookReceiverHandle } from "../peers/index.ts";
import { call, createKey, registerAgent, startTestStack } from "../helpers/stack.ts";

let stack: LocalStack;
let agent: PeerHandle;
let receiver: WebhookReceiverHandle;
let key: { id: string; key: string; webhookSecret?: string };
const DEAD = "/v1/callbacks/dead-letters";

beforeAll(async () => {
  [stack, agent, receiver] = await Promise.all([startTestStack(), startFastA2AAgent({ completeAfterMs: 200 }), startWebhookReceiver()]);
  await registerAgent(stack, "fasta2a", agent.url);
  key = await createKey(stack, { name: "dead-letters", webhookUrl: `${receiver.url}/hooks` });
}, 60_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), agent?.close(), receiver?.close()]);
});

const bury = (body: unknown) =>
  stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrls.callbacks.dlqUrl, MessageBody: typeof body === "string" ? body : JSON.stringify(body) }));
const master = (method: string, path: string, body?: unknown) => call(stack, stack.masterKey, method, path, body);

describe("dead callbacks", () => {
  it("are listed with their job, and a redriven one reaches the receiver with the webhook-id of every earlier attempt", async () => {
    // Prepare: a job whose webhook the receiver refused.
    receiver.setDown(true);
    const started = await call(stack, key.key, "POST", "/v1/chat/completions", { model: "a2a/fasta2a", messages: [{ role: "user", content: "ping" }] }, { prefer: "respond-async" });
    const jobId: string = started.body.id;
    const refused = await receiver.waitFor((r) => r.path === "/hooks" && r.status === 503 && (r.body as any)?.data?.id === jobId, 30_000);
    const eventId = refused.headers["webhook-id"] as string;
    await bury({ jobId, target: "webhook", type: "chat.completion.completed", eventId });
    await bury("not a callback at all");

    // Act
    const listed = await master("GET", DEAD);

    // Assess: the letter, with what the operator needs to judge it; the junk as it is.
    expect(listed.status).toBe(200);
    const letter = listed.body.data.find((l: any) => l.jobId === jobId);
    expect(letter).toMatchObject({ target: "webhook", type: "chat.completion.completed", eventId, keyId: key.id, agent: "fasta2a", lastStatus: 503 });
    expect(letter.id).toEqual(expect.any(String));
    expect(Date.parse(letter.sentAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(listed.body.data.find((l: any) => l.unreadable === "not a callback at all")).toBeDefined();

    // Act: the receiver is back; the operator sends that one letter again.
    receiver.setDown(false);
    const redriven = await master("POST", `${DEAD}/redrive`, { ids: [letter.id] });

    // Assess: moved, delivered with the same webhook-id and a valid signature; the junk stays.
    expect(redriven).toMatchObject({ status: 200, body: { redriven: [letter.id] } });
    const delivered = await receiver.waitFor((r) => r.path === "/hooks" && r.status === 200 && r.headers["webhook-id"] === eventId, 30_000);
    const event = await new OpenAI({ apiKey: "unused" }).webhooks.unwrap(delivered.rawBody, delivered.headers as Record<string, string>, key.webhookSecret);
    expect(event).toMatchObject({ type: "chat.completion.completed", data: { id: jobId } });
    const after = await master("GET", DEAD);
    expect(after.body.data.map((l: any) => l.id)).not.toContain(letter.id);
    expect(after.body.data.find((l: any) => l.unreadable === "not a callback at all")).toBeDefined();
  }, 90_000);

  it("are listed past SQS's 10 per read, oldest first, and all sent again when no ids are given", async () => {
    const before = (await master("GET", `${DEAD}?limit=100`)).body.data.length;
    for (let i = 0; i < 14; i++) await bury({ jobId: `job-${i}`, target: "push", pushId: "p1", eventId: `evt-${i}` });

    const listed = await master("GET", `${DEAD}?limit=100`);
    const few = await master("GET", `${DEAD}?limit=3`);

    expect(listed.body.data).toHaveLength(before + 14);
    const sentAt = listed.body.data.map((l: any) => l.sentAt);
    expect(sentAt).toEqual([...sentAt].sort());
    expect(few.body.data).toHaveLength(3);
    // Listing moved nothing: every letter is still there to read again.
    expect((await master("GET", `${DEAD}?limit=100`)).body.data).toHaveLength(before + 14);

    const all = await master("POST", `${DEAD}/redrive`, {});
    expect(all.body.redriven).toHaveLength(before + 14);
    expect((await master("GET", DEAD)).body.data).toEqual([]);
  }, 60_000);

  it("are the master key's alone, and bad requests say what is wrong", async () => {
    const [asKey, noKey, badLimit, badIds, extra] = await Promise.all([
      call(stack, key.key, "GET", DEAD),
      call(stack, undefined, "POST", `${DEAD}/redrive`, {}),
      master("GET", `${DEAD}?limit=0`),
      master("POST", `${DEAD}/redrive`, { ids: [] }),
      master("POST", `${DEAD}/redrive`, { all: true }),
    ]);
    expect(asKey.status).toBe(403);
    expect(noKey.status).toBe(401);
    for (const res of [badLimit, badIds, extra]) {
      expect(res.status).toBe(400);
      expect(res.body.error.message).toEqual(expect.any(String));
    }
    expect(badLimit.body.error.param ?? badLimit.body.error.message).toMatch(/limit/);
  });
});
