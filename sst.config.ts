/**
 * SST v3 app: composes infra/*.ts, which build everything from shared/routes/table.ts and
 * infra/schema.ts. Design notes: infra/README.md. Types for offline checking:
 * `npx tsc --noEmit -p infra/tsconfig.sst.json` (infra/sst-env.d.ts).
 *
 * The infra modules create resources at import time using SST's globals, so they are imported
 * dynamically inside run(), never at the top of this file.
 */
export default $config({
  app(input) {
    return {
      name: "a2a-gateway",
      removal: input?.stage === "production" ? "retain" : "remove",
      home: "aws",
      providers: { aws: { region: process.env.AWS_REGION ?? "us-east-1" } },
    };
  },
  async run() {
    await import("./infra/storage.ts");
    await import("./infra/queues.ts");
    await import("./infra/secrets.ts");
    const { router, httpApi } = await import("./infra/api.ts");
    const { consoleSite } = await import("./infra/console.ts");

    return {
      url: router.url,
      api: httpApi.url,
      console: consoleSite?.url,
    };
  },
});
