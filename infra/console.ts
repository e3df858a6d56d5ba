/**
 * The admin console: the static files in `console/`, uploaded as they are (no build step) and
 * served by the Router under `/ui`.
 *
 * In SST 4.17 a StaticSite joins a Router through its `router` prop: the files go to S3 under
 * `ui/`, and the Router's CloudFront Function maps `/ui`, `/ui/` and `/ui/<file>` onto them
 * (platform/src/components/aws/static-site.ts, router.ts `routeSite`). The site has no
 * distribution of its own. Pages must reference their assets under `/ui/` (absolute paths, or
 * `<base href="/ui/">`), since `/ui` without the trailing slash is served too.
 *
 * StaticSite fails a deploy on a missing path, so without the folder no site is created and the
 * `console` output is empty.
 */
import { existsSync } from "node:fs";
import { router } from "./api.ts";
import { CONSOLE_PATH } from "./front.ts";

/** Relative to the project root, where SST runs the config. */
const CONSOLE_DIR = "console";

export const consoleSite = existsSync(CONSOLE_DIR)
  ? new sst.aws.StaticSite("Console", {
      path: CONSOLE_DIR,
      // Plain files: nothing to run under `sst dev`, so deploy them there too.
      dev: false,
      router: { instance: router, path: CONSOLE_PATH },
    })
  : undefined;
