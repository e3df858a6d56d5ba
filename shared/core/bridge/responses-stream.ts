/**
 * Responses API streams (SPEC §5): a response told as OpenAI's stream events, numbered from 0 by
 * `sequence_number`: `response.created`, `response.in_progress`, the message item and its text
 * part added, the text in `response.output_text.delta`s, text, part and item done, and the end:
 * `response.completed`, or `response.failed` for a response that failed or was cancelled (the
 * Responses API has no stream event for a cancel). Nothing an agent does is `response.incomplete`,
 * whose reasons are token limits and content filters; a foreground stream that outlives its time
 * ends with it (see `turnEvents`).
 *
 * A foreground stream shows the agent's text as it comes. A background response's stream, and a
 * resumed one, is told from the stored job alone, so a stream cut after event N and resumed with
 * `starting_after=N` goes on with exactly the events it missed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../../config.ts";
import type { AppDeps } from "../../deps.ts";
import { SSE_HEADERS, sseEvent, type StreamResponse } from "../../http.ts";
import { randomId } from "../../random.ts";
import { isFinished, type Job } from "../../ports.ts";
import { openaiErrorResponse } from "../../routes/errors.ts";
import { metaOf } from "../async/finish.ts";
import { agentFailure, finishedResponse, responseObject, type ResponseObject, type TurnMeta } from "./objects.ts";
import type { RunEvent } from "./run.ts";
import type { Obj } from "../shape.ts";

export type ResponseEvent = Obj & { type: string; sequence_number: number };

/** How often a stream that follows a job reads it: the poller stores its end in one write. */
const JOB_READ_MS = 1_000;

/** Time kept, at the end of a stream's life, to hand its turn to the queue and say so. */
const HAND_OFF_MS = 5_000;

/**
 * How long a foreground stream waits for its agent: as long as a stream may run (A2A streams
 * too), the edge's keep-alives covering the silences, less the time to hand the turn off.
 */
export const streamBudgetMs = (config: Config) => Math.max(0, config.maxStreamMs - HAND_OFF_MS);

/** Events on the wire: each an SSE frame named by its type. */
export function eventStream(events: AsyncIterable<ResponseEvent>): StreamResponse {
  return { status: 200, headers: SSE_HEADERS, stream: frames(events) };
}

async function* frames(events: AsyncIterable<ResponseEvent>): AsyncGenerator<string> {
  for await (const event of events) yield sseEvent(JSON.stringify(event), event.type);
}

/** A response's events, numbered in order; the reply is one message item with one text part. */
class ResponseEvents {
  private sequence = 0;
  private item?: { id: string; text: string };

  constructor(private readonly pending: ResponseObject) {}

  start(): ResponseEvent[] {
    return [this.event("response.created", { response: this.pending }), this.event("response.in_progress", { response: this.pending })];
  }

  /** Text added to the reply, its item and part opened first. */
  text(delta: string, itemId = `msg_${randomId(12)}`): ResponseEvent[] {
    const opened = this.item ? [] : this.open(itemId);
    this.item!.text += delta;
    return [...opened, this.event("response.output_text.delta", { ...this.at(), delta, logprobs: [] })];
  }

  /** The end: the reply's text completed and its item closed, then the response as it ended. */
  end(final: ResponseObject): ResponseEvent[] {
    const message = final.output[0];
    if (!message) return [this.terminal(final)];
    const text = message.content[0]!.text;
    const events = this.item ? [] : this.open(message.id);
    // Text already shown cannot be taken back: a final text that does not extend it is in `done`.
    const shown = this.item!.text;
    if (text.length > shown.length && text.startsWith(shown)) events.push(...this.text(text.slice(shown.length)));
    const item = { ...message, id: this.item!.id };
    events.push(
      this.event("response.output_text.done", { ...this.at(), text, logprobs: [] }),
      this.event("response.content_part.done", { ...this.at(), part: item.content[0] }),
      this.event("response.output_item.done", { output_index: 0, item }),
      this.terminal({ ...final, output: [item] }),
    );
    return events;
  }

  /** A turn that broke off: the response failed, saying why as an error object would. */
  failed(e: unknown): ResponseEvent {
    const { error } = openaiErrorResponse(agentFailure(e)).body as { error: { code: string; message: string } };
    return this.terminal({ ...this.pending, status: "failed", error: { code: error.code, message: error.message } });
  }

  /** The turn goes on in the background as `job`: the stream ends, naming it to fetch or resume. */
  handedOff(job: Job): ResponseEvent {
    return this.event("response.incomplete", { response: responseObject(metaOf(job), "in_progress") });
  }

  private terminal(response: ResponseObject): ResponseEvent {
    return this.event(response.status === "completed" ? "response.completed" : "response.failed", { response });
  }

  private open(id: string): ResponseEvent[] {
    this.item = { id, text: "" };
    return [
      this.event("response.output_item.added", { output_index: 0, item: { type: "message", id, status: "in_progress", role: "assistant", content: [] } }),
      this.event("response.content_part.added", { ...this.at(), part: { type: "output_text", text: "", annotations: [] } }),
    ];
  }

  private at() {
    return { item_id: this.item!.id, output_index: 0, content_index: 0 };
  }

  private event(type: string, fields: Obj): ResponseEvent {
    return { type, ...fields, sequence_number: this.sequence++ };
  }
}

/**
 * A foreground turn's events, the text as the agent streams it. A turn still running when the
 * stream's time is up is handed to the queue (`handOff`) and the stream ends with
 * `response.incomplete` naming the background response that goes on.
 */
export async function* turnEvents(
  first: IteratorResult<RunEvent>,
  run: AsyncGenerator<RunEvent>,
  meta: TurnMeta,
  handOff: (result: Obj) => Promise<Job>,
): AsyncGenerator<ResponseEvent> {
  const events = new ResponseEvents(responseObject(meta, "in_progress"));
  yield* events.start();
  try {
    for (let next = first; !next.done; next = await run.next()) {
      const event = next.value;
      // JSON asked for comes whole, as JSON text.
      if (event.type === "delta" && !meta.wantsJson) yield* events.text(event.text);
      else if (event.type === "end") yield* event.settled ? events.end(finishedResponse(meta, event.result)) : [events.handedOff(await handOff(event.result))];
    }
  } catch (e) {
    // Headers are gone: the failure is the stream's end.
    yield events.failed(e);
  } finally {
    await run.return(undefined);
  }
}

/**
 * A background response's events, those after `startingAfter`: made from the job's record alone,
 * the same whenever they are asked for. A pending job is read until it ends (or the caller leaves).
 */
export async function* jobEvents(job: Job, startingAfter: number, deps: Pick<AppDeps, "jobs">, signal?: AbortSignal): AsyncGenerator<ResponseEvent> {
  const meta = metaOf(job);
  const events = new ResponseEvents(responseObject(meta, "in_progress"));
  const after = (list: ResponseEvent[]) => list.filter((e) => e.sequence_number > startingAfter);
  yield* after(events.start());
  const ended = await endedJob(job, deps, signal);
  if (!ended) return;
  const final = (ended.result as ResponseObject | undefined) ?? responseObject(meta, "failed", undefined, ended.error ?? { code: "task_failed", message: "The agent task failed" });
  yield* after(events.end(final));
}

/** The job once it has ended, read again every second; undefined when the caller left first (or it expired). */
async function endedJob(job: Job, deps: Pick<AppDeps, "jobs">, signal?: AbortSignal): Promise<Job | undefined> {
  let current: Job | undefined = job;
  while (current && !isFinished(current.status)) {
    try {
      await sleep(JOB_READ_MS, undefined, signal ? { signal } : {});
    } catch {
      return undefined;
    }
    current = await deps.jobs.get(job.id);
  }
  return current;
}
