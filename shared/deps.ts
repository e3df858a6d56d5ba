/** Everything the route handlers need, travelling as one object. Built by functions/lib/deps.ts. */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { AgentStore, Clock, DeadLetters, JobStore, KeyStore, Queue, RateLimiter, TaskStore, Upstream, UsageStore } from "./ports.ts";
import type { CallbackMessage, PollMessage } from "./core/async/messages.ts";
import type { Authenticator } from "./core/keys.ts";

export interface AppDeps {
  config: Config;
  agents: AgentStore;
  keys: KeyStore;
  tasks: TaskStore;
  jobs: JobStore;
  pollQueue: Queue<PollMessage>;
  callbackQueue: Queue<CallbackMessage>;
  /** Callbacks past their last attempt (only the api function is granted them). */
  deadCallbacks: DeadLetters;
  usage: UsageStore;
  limiter: RateLimiter;
  upstream: Upstream;
  auth: Authenticator;
  clock: Clock;
  log: Logger;
}
