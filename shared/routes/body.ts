/** Turning the once-parsed body into a typed value: one schema parse, with errors that name the field. */
import type * as z from "zod/mini";
import { BadRequestError } from "../errors.ts";
import type { GatewayRequest } from "../http.ts";

export function parseBody<S extends z.ZodMiniType>(req: GatewayRequest, schema: S): z.output<S> {
  if (req.body.kind === "invalid-json") throw new BadRequestError(`Request body is not valid JSON${req.body.reason ? `: ${req.body.reason}` : ""}`);
  if (req.body.kind !== "json") throw new BadRequestError("Request body is required");
  return parseValue(req.body.value, schema);
}

export function parseValue<S extends z.ZodMiniType>(value: unknown, schema: S): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const param = first?.path.map(String).join(".") || undefined;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  throw new BadRequestError(param ? `Invalid ${param}: ${first?.message}` : `Invalid request: ${first?.message}`, param, issues);
}
