/** Markdown for the terminal: tables, numbers, and pass/miss marks. */

export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export const ms = (v: number | undefined, digits = 2) => (v === undefined || !Number.isFinite(v) ? "—" : `${v.toFixed(digits)} ms`);
export const signedMs = (v: number | undefined, digits = 2) =>
  v === undefined || !Number.isFinite(v) ? "—" : `${v >= 0 ? "+" : ""}${v.toFixed(digits)} ms`;
export const us = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : `${v.toFixed(0)} µs`);
export const int = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : Math.round(v).toLocaleString("en-US"));
export const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : `${(v * 100).toFixed(1)} %`);
export const kb = (bytes: number | undefined) => (bytes === undefined ? "—" : `${(bytes / 1024).toFixed(1)} KB`);
export const usd = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : `$${v < 0.01 && v > 0 ? v.toFixed(4) : v.toFixed(2)}`);

export const mark = (pass: boolean | undefined) => (pass === undefined ? "n/a" : pass ? "✅ pass" : "❌ miss");
