/** The shape of bench/results/latest.json, shared by the run, the checks and the report. */
import type { ColdStartResult } from "../cases/cold-start.ts";
import type { CostRow } from "../cases/async-cost.ts";
import type { TargetSummary } from "../cases/http.ts";
import type { HandlerCpuResult } from "./handler-cpu.ts";
import type { PutLatency } from "../procs/gateway.ts";
import type { Price } from "./pricing.ts";

export type Outcome<T> = T | { error: string };
/** The results of a case that could not run carry only its error. */
export const failed = <T extends object>(o: Outcome<T> | undefined): o is { error: string } | undefined => o === undefined || "error" in o;

export const TARGETS = {
  direct: "direct",
  proxy: "bare proxy",
  gateway: "gateway",
  runtime: "gateway, Lambda runtime client",
  memory: "gateway, in-memory stores",
} as const;

export interface Check {
  name: string;
  goal: string;
  measured: string;
  pass: boolean | undefined;
}

export interface BenchResults {
  meta: {
    startedAt: string;
    durationS: number;
    node: string;
    cpus: number;
    cpuModel: string;
    loadAvgAtStart: number[];
    loadAvgAtEnd: number[];
    rounds: number;
    profiles: Record<string, unknown>;
  };
  send: Outcome<{ c1: TargetSummary[]; c32: TargetSummary[] }>;
  stream: Outcome<{ c1: TargetSummary[] }>;
  /** A PutItem on the local stack's DynamoDB emulator, timed alone: the claim the gateway awaits. */
  storagePut: Outcome<PutLatency>;
  /** Case 5 as budgeted: in-memory stores. */
  handlerCpu: Outcome<HandlerCpuResult>;
  /** The same with the two DynamoDB writes through the AWS SDK (stub transport): what Lambda pays. */
  handlerCpuSdk: Outcome<HandlerCpuResult>;
  coldStart: Outcome<ColdStartResult>;
  cost: { asOf: string; region: string; prices: Record<string, Price>; rows: CostRow[] };
  checks: Check[];
}
