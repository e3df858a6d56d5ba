/** `npm start`: the whole gateway on http://127.0.0.1:4000 (PORT), data kept under .data/. */
import { startLocalStack } from "./stack.ts";

const port = Number(process.env.PORT ?? 4000);
const dataDir = process.env.GATEWAY_DATA_DIR ?? ".data";

process.stdout.write("Starting the A2A gateway\n");
const stack = await startLocalStack({ port, dataDir, progress: (line) => process.stdout.write(line + "\n") });
process.stdout.write(
  [
    `A2A gateway ready in ${stack.startedInMs} ms`,
    `  URL         ${stack.url}`,
    `  Master key  ${stack.masterKey}`,
    `  Data        ${dataDir}/`,
    `Try: curl -s ${stack.url}/health`,
    "",
  ].join("\n"),
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    stack.stop().finally(() => process.exit(0));
  });
}
