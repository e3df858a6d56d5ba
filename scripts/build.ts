/**
 * `npm run build`: one esbuild bundle per Lambda function (ESM, Node 22, arm64 runtime) in
 * `dist/functions/<fn>/`, with the sizes printed. Bundling choices are `infra/bundle.ts`'s, the
 * ones SST deploys with. Code loaded on first use (the SQS client where only hand-offs need it)
 * goes to its own chunk, so a cold start compiles only the entry's static imports: both sizes are
 * printed, with the AWS SDK clients each function loads (CONVENTIONS §12: none it does not use).
 * Fails when a function's package outgrows its budget.
 */
import { build, type BuildOptions, type Metafile } from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { MAIN_FIELDS, NEVER_LOADED, REQUIRE_BANNER } from "../infra/bundle.ts";

/** The most a function's package may weigh (SPEC §8); the bench and the bundle test hold it too. */
export const BUDGET_BYTES = 400 * 1024;
const FUNCTIONS_DIR = "functions";
export const OUT_DIR = "dist/functions";

/** The esbuild options of one function's bundle, written to `outdir`. */
export function bundleOptions(fn: string, outdir: string, minify = true): BuildOptions & { metafile: true } {
  return {
    entryPoints: { index: join(FUNCTIONS_DIR, `${fn}.ts`) },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    platform: "node",
    target: "node20",
    format: "esm",
    mainFields: MAIN_FIELDS,
    external: NEVER_LOADED,
    minify,
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    banner: { js: REQUIRE_BANNER },
    logLevel: "error",
  };
}

/** The function entry points: every `functions/*.ts`. */
export const functionNames = () =>
  readdirSync(FUNCTIONS_DIR)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => basename(f, ".ts"))
    .sort();

export interface BundleSize {
  fn: string;
  /** The entry and what it statically imports: what a cold start compiles. */
  eagerBytes: number;
  /** Every file of the function's package, chunks loaded on first use included. */
  packageBytes: number;
  /** AWS SDK clients, eager or loaded on first use. */
  clients: string[];
}

/** Sizes out of a split build's metafile. */
export function sizesOf(fn: string, metafile: Metafile): BundleSize {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((o) => o.endsWith("/index.mjs"))!;
  const eager = new Set<string>();
  for (const pending = [entry]; pending.length > 0; ) {
    const file = pending.pop()!;
    if (eager.has(file)) continue;
    eager.add(file);
    for (const i of outputs[file]!.imports) if (i.kind === "import-statement" && outputs[i.path]) pending.push(i.path);
  }
  const clientsIn = (files: Iterable<string>) =>
    new Set([...files].flatMap((f) => Object.keys(outputs[f]!.inputs).map((i) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(i)?.[1]).filter((c): c is string => Boolean(c))));
  const eagerClients = clientsIn(eager);
  const lazyClients = [...clientsIn(Object.keys(outputs))].filter((c) => !eagerClients.has(c));
  const bytes = (files: Iterable<string>) => [...files].reduce((sum, f) => sum + outputs[f]!.bytes, 0);
  return {
    fn,
    eagerBytes: bytes(eager),
    packageBytes: bytes(Object.keys(outputs)),
    clients: [...[...eagerClients].sort(), ...lazyClients.sort().map((c) => `${c} (loaded on first use)`)],
  };
}

async function main() {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const rows: BundleSize[] = [];
  for (const fn of functionNames()) {
    const outdir = join(OUT_DIR, fn);
    rmSync(outdir, { recursive: true, force: true });
    const { metafile } = await build(bundleOptions(fn, outdir));
    rows.push(sizesOf(fn, metafile));
  }
  console.log(`${"function".padEnd(10)} ${"package".padStart(10)} ${"cold load".padStart(10)}  AWS SDK clients`);
  let failed = false;
  for (const r of rows) {
    const over = r.packageBytes > BUDGET_BYTES;
    failed ||= over;
    const budget = over ? `  OVER BUDGET (${kb(BUDGET_BYTES)})` : "";
    console.log(`${r.fn.padEnd(10)} ${kb(r.packageBytes).padStart(10)} ${kb(r.eagerBytes).padStart(10)}  ${r.clients.join(", ") || "none"}${budget}`);
  }
  if (failed) process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
