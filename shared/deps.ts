/** Everything the route handlers need, travelling as one object. Built by functions/lib/deps.ts. */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { AgentStore, Clock, DeadLetters, JobStore, KeyStore, Queue, RateLimiter, TaskStore, Upstream, Meter } from "./ports.ts";
import type { PollMessage, QueuedCallback } from "./core/async/messages.ts";
import type { Authenticator } from "./core/keys.ts";

export interface AppDeps {
  config: Config;
  agents: AgentStore;
  keys: KeyStore;
  tasks: TaskStore;
  jobs: JobStore;
  pollQueue: Queue<PollMessage>;
  callbackQueue: Queue<QueuedCallback>;
  /** Callbacks past their last attempt (only the api function is granted them). */
  deadCallbacks: DeadLetters;
  meter: Meter;
  limiter: RateLimiter;
  upstream: Upstream;
  auth: Authenticator;
  clock: Clock;
  log: Logger;
}
