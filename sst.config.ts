/// <reference path="./.sst/platform/config.d.ts" />
/**
 * SST app (sst@4.17.1, pinned in package.json): composes infra/*.ts, which build everything from
 * shared/routes/table.ts and infra/schema.ts. Design notes: infra/README.md. `npm run typecheck`
 * checks this file and infra/ against the types `sst install` generates in .sst/platform
 * (scripts/check-infra.ts), offline.
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
      providers: {
        // The @pulumi/aws that sst@4.17.1's platform is built against, pinned so that a deploy and
        // the type-check use the same provider (unpinned, `sst install` takes the latest).
        aws: { version: "7.20.0", region: process.env.AWS_REGION ?? "us-east-1" },
      },
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
