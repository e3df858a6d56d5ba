import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites each start their own local stack; two cores, so keep the fan-out small.
    maxWorkers: 2,
    // Request logs of passing tests are noise; a failing test shows its own.
    silent: "passed-only",
    fileParallelism: true,
  },
});
