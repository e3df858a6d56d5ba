/**
 * One error hierarchy for the gateway. Each surface (admin JSON, A2A JSON-RPC, OpenAI) has a
 * single mapper from these to its wire format; anything else is an internal error, logged and
 * never echoed.
 */

export abstract class GatewayError extends Error {
  abstract readonly status: number;
  /** Stable machine-readable code for the admin and OpenAI surfaces. */
  abstract readonly code: string;
  constructor(
    message: string,
    /** Safe, caller-visible details. */
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends GatewayError {
  readonly status = 400;
  readonly code = "invalid_request";
  constructor(
    message: string,
    readonly param?: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}

export class UnauthorizedError extends GatewayError {
  readonly status = 401;
  readonly code = "invalid_api_key";
}

export class ForbiddenError extends GatewayError {
  readonly status = 403;
  readonly code = "forbidden";
}

export class NotFoundError extends GatewayError {
  readonly status = 404;
  readonly code = "not_found";
}

export class MethodNotAllowedError extends GatewayError {
  readonly status = 405;
  readonly code = "method_not_allowed";
}

export class ConflictError extends GatewayError {
  readonly status = 409;
  readonly code = "conflict";
}

export class PayloadTooLargeError extends GatewayError {
  readonly status = 413;
  readonly code = "payload_too_large";
}

export class RateLimitError extends GatewayError {
  readonly status = 429;
  readonly code = "rate_limit_exceeded";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A key's hard budget for the period is spent: refused before the call reaches an agent. */
export class BudgetExceededError extends GatewayError {
  readonly status = 429;
  readonly code = "budget_exceeded";
  constructor(
    message: string,
    details: { budget: string; spent: string; period: string; resetsAt: string },
    readonly retryAfterSeconds: number,
  ) {
    super(message, details);
  }
}

export type UpstreamFailure = "unreachable" | "timeout" | "bad_status" | "invalid_response";

/** The agent could not be reached or answered something that is not a usable reply. */
export class UpstreamError extends GatewayError {
  readonly code = "upstream_error";
  get status(): number {
    return this.failure === "timeout" ? 504 : 502;
  }
  constructor(
    message: string,
    readonly failure: UpstreamFailure,
    readonly upstreamStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, { upstream: failure, ...(upstreamStatus ? { status: upstreamStatus } : {}) }, options);
  }
}

export const isGatewayError = (e: unknown): e is GatewayError => e instanceof GatewayError;

/** The agent ran the task and it failed, was rejected or canceled: its reason, passed on. */
export class AgentFailedError extends GatewayError {
  readonly status = 502;
  readonly code = "agent_failed";
}

/** The agent did not finish within the synchronous budget. */
export class AgentTimeoutError extends GatewayError {
  readonly status = 504;
  readonly code = "agent_timeout";
}
