/**
 * Prices and spend, exactly. Amounts are currency-free decimals held as bigint counts of 10^-12
 * (a "pico"): a price has at most 9 decimals, so a token's share of a per-1K price and a
 * millisecond's share of a per-second price are whole picos too, and a sum over millions of calls
 * never drifts the way floats do. DynamoDB stores them as exact decimal numbers.
 */
import { BadRequestError } from "../errors.ts";

const SCALE = 12;
const PRICE_DECIMALS = 9;
const ONE = 10n ** BigInt(SCALE);

/** What an agent charges; each part optional, kept as the decimal string it was given. */
export interface Pricing {
  perRequest?: string;
  perInputTokens1K?: string;
  perOutputTokens1K?: string;
  perAgentSecond?: string;
}
export const PRICING_FIELDS = ["perRequest", "perInputTokens1K", "perOutputTokens1K", "perAgentSecond"] as const;

const DECIMAL = new RegExp(`^(\\d{1,15})(?:\\.(\\d{1,${PRICE_DECIMALS}}))?$`);

/**
 * A non-negative decimal (`"0.002"`, or the number `0.002`) in its canonical form, or undefined.
 * A number is read by its shortest decimal form, which is how it was written: `0.1` is "0.1".
 */
export function canonicalDecimal(value: string | number): string | undefined {
  const m = DECIMAL.exec(typeof value === "number" ? String(value) : value.trim());
  return m ? formatAmount(BigInt(m[1]!) * ONE + BigInt((m[2] ?? "").padEnd(SCALE, "0"))) : undefined;
}

/** Parses a canonical (or any valid) decimal to picos; the caller names the field in the 400. */
export function toPicos(value: string, field = "amount"): bigint {
  const m = DECIMAL.exec(value);
  if (!m) throw new BadRequestError(`${field} must be a non-negative decimal with at most ${PRICE_DECIMALS} decimals`, field);
  return BigInt(m[1]!) * ONE + BigInt((m[2] ?? "").padEnd(SCALE, "0"));
}

/** Picos as a decimal string, trailing zeros trimmed: 2_500_000_000n is "0.0025". */
export function formatAmount(picos: bigint): string {
  const sign = picos < 0n ? "-" : "";
  const abs = picos < 0n ? -picos : picos;
  const frac = (abs % ONE).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${sign}${abs / ONE}${frac ? "." + frac : ""}`;
}

/** What one call measured, for its price. */
export interface CallMeasure {
  inputTokens?: number;
  outputTokens?: number;
  agentMs?: number;
}

const whole = (n: number | undefined) => BigInt(Math.max(0, Math.round(n ?? 0)));

/** One call's cost in picos: exact, since every price has at most 9 decimals. */
export function callCost(pricing: Pricing | undefined, m: CallMeasure): bigint {
  if (!pricing) return 0n;
  const p = (v: string | undefined) => (v ? toPicos(v) : 0n);
  return (
    p(pricing.perRequest) +
    (p(pricing.perInputTokens1K) * whole(m.inputTokens)) / 1000n +
    (p(pricing.perOutputTokens1K) * whole(m.outputTokens)) / 1000n +
    (p(pricing.perAgentSecond) * whole(m.agentMs)) / 1000n
  );
}
