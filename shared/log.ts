/**
 * Structured JSON logs, one object per line. Callers pass only safe fields: keys, secrets and
 * agent headers are never handed to the logger in the first place.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

type Sink = (line: string) => void;

export const stdoutSink: Sink = (line) => process.stdout.write(line + "\n");

export function jsonLogger(sink: Sink = stdoutSink): Logger {
  const emit = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    sink(JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields }));
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** What may be logged of an unexpected error: its type and message, never a stack or a cause chain. */
export const describeError = (e: unknown) =>
  e instanceof Error ? { error: e.name, message: e.message.slice(0, 200) } : { error: typeof e };
