/**
 * Every measured party runs in its own process (agent, proxy, gateway, load generator), so none
 * of them shares an event loop with another: what one measures is not another's queueing.
 * Parent and child talk over the fork IPC channel: the child announces itself once ready, then
 * answers numbered requests.
 */
import { fork, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Proc<Ready> {
  ready: Ready;
  request<T>(body: unknown): Promise<T>;
  stop(): Promise<void>;
}

type Reply = { id: number; value?: unknown; error?: string };

const PROCS_DIR = fileURLToPath(new URL("../procs/", import.meta.url));
/** Children's stdout and stderr (the gateway's request and error logs): kept out of the report, not lost. */
export const LOG_DIR = fileURLToPath(new URL("../results/logs/", import.meta.url));
const STOP_GRACE_MS = 5_000;
/** The local stack starts a JVM: generous, but a child that never gets ready must not hold the run. */
const START_TIMEOUT_MS = 120_000;

export interface ProcOptions {
  /** Names the log file; defaults to the script's name. */
  label?: string;
  /** More node flags, e.g. `--cpu-prof`. */
  execArgv?: string[];
}

/** Forks `bench/procs/<name>.ts` under tsx and waits for its first message; output goes to `<LOG_DIR>/<label>.log`. */
export function startProc<Ready>(name: string, args: string[] = [], opts: ProcOptions = {}): Promise<Proc<Ready>> {
  const label = opts.label ?? name;
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = `${LOG_DIR}${label}.log`;
  const log = openSync(logFile, "w");
  const child = fork(`${PROCS_DIR}${name}.ts`, args, {
    execArgv: [...(opts.execArgv ?? []), "--import", "tsx"],
    stdio: ["ignore", log, log, "ipc"],
  });
  closeSync(log);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  return new Promise((resolve, reject) => {
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code}) before it was ready; see ${logFile}`));
    };
    const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
    child.once("exit", onEarlyExit);
    child.once("message", (ready) => {
      clearTimeout(timer);
      child.off("exit", onEarlyExit);
      child.on("message", (m) => {
        const reply = m as Reply;
        const p = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.error !== undefined) p?.reject(new Error(`${label}: ${reply.error}`));
        else p?.resolve(reply.value);
      });
      child.on("exit", (code) => {
        for (const p of pending.values()) p.reject(new Error(`${label} exited (${code}); see ${logFile}`));
        pending.clear();
      });
      resolve({
        ready: ready as Ready,
        request: <T>(body: unknown) =>
          new Promise<T>((ok, fail) => {
            const id = next++;
            pending.set(id, { resolve: ok as (v: unknown) => void, reject: fail });
            child.send({ id, body });
          }),
        stop: () => stopChild(child),
      });
    });
  });
}

/** Asks the child to leave (closing the channel), and kills it if it does not. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  child.disconnect();
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Asked of any child: the CPU its process has used so far (µs, user and system). */
export const CPU_REQUEST = { op: "cpu" } as const;

/** Child side: announce readiness, answer requests (`CPU_REQUEST` for every child), and clean up when the parent goes away. */
const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

export function serveParent(ready: unknown, handle: (body: unknown) => Promise<unknown>, cleanup: () => Promise<void> = async () => {}): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error("not started by bench/lib/procs.ts");
  process.on("message", (m) => {
    const { id, body } = m as { id: number; body: unknown };
    const answer = (body as { op?: unknown } | null)?.op === CPU_REQUEST.op ? Promise.resolve(cpuUs()) : handle(body);
    answer.then(
      (value) => send({ id, value }),
      (e: unknown) => send({ id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  process.once("disconnect", () => {
    cleanup().finally(() => process.exit(0));
  });
  send(ready);
}
