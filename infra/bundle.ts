/**
 * How each function is bundled: one set of choices read by `scripts/build.ts`, by the SST
 * functions (`infra/api.ts`) and by the bench's profiles, so what is measured is what ships.
 *
 * The AWS SDK is bundled, not taken from the runtime: one pre-linked ESM file compiles in a
 * fraction of the time Node needs to resolve and load the runtime's hundreds of CommonJS files
 * (measured here: cold start net of node 210–250 ms → 125–175 ms; aws/aws-cdk#25492 reports the
 * same), and the SDK version is the lockfile's, not whatever the runtime carries that week.
 */

/** The ES module builds (`dist-es`) of the SDK tree-shake; the CommonJS ones do not. */
export const MAIN_FIELDS = ["module", "main"];

/**
 * Dynamically imported code that never runs in these functions, left out of the package. In
 * Lambda credentials come from the environment, the first provider of the SDK's chain, so the
 * chain's other providers (and the STS/SSO clients they bring) are never reached; should one
 * be, the runtime's own SDK provides it. DynamoDB and SQS have no event-stream operations, and
 * the browser user-agent parser is for browsers.
 */
export const NEVER_LOADED = [
  "@aws-sdk/credential-provider-http",
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-login",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-web-identity",
  "@aws-sdk/nested-clients",
  "@aws-sdk/token-providers",
  "@smithy/credential-provider-imds",
  "@smithy/core/event-streams",
  "bowser",
];

/** ESM bundles of CommonJS dependencies need a `require`. */
export const REQUIRE_BANNER = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";
