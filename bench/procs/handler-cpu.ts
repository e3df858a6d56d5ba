/**
 * Child process: the in-process handler measurement, alone in a fresh process. Run directly
 * (`node --import tsx bench/procs/handler-cpu.ts [memory|sdk]`, e.g. under `--cpu-prof`) it
 * measures with the defaults and prints the result as JSON.
 */
import { DEFAULT_HANDLER_CPU, measureHandlerCpu, type HandlerCpuOptions } from "../lib/handler-cpu.ts";
import { serveParent } from "../lib/procs.ts";

if (process.send) serveParent({}, (opts) => measureHandlerCpu(opts as HandlerCpuOptions));
else {
  // `handler-cpu.ts sdk`: with the writes through the AWS SDK.
  const stores = process.argv[2] === "sdk" ? "sdk" : "memory";
  console.log(JSON.stringify(await measureHandlerCpu({ ...DEFAULT_HANDLER_CPU, stores }), null, 2));
}
