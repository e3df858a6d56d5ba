/**
 * The functions as they ship: `npm run build`'s esbuild options (scripts/build.ts, the ones the
 * deploy uses), one folder per function with its `index.mjs`, built in parallel.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { bundleOptions, functionNames, sizesOf, type BundleSize } from "../../../scripts/build.ts";

export interface Bundles {
  /** Where function `fn`'s package is: its `LAMBDA_TASK_ROOT`. */
  dir: string;
  sizes: BundleSize[];
}

export async function buildBundles(dir: string): Promise<Bundles> {
  const sizes = await Promise.all(
    functionNames().map(async (fn) => {
      const outdir = join(dir, fn);
      rmSync(outdir, { recursive: true, force: true });
      return sizesOf(fn, (await build(bundleOptions(fn, outdir))).metafile);
    }),
  );
  return { dir, sizes };
}
