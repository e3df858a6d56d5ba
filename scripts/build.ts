/**
 * `npm run build`: one esbuild bundle per Lambda function (ESM, Node 22, arm64 runtime), with the
 * sizes printed. Fails when a bundle outgrows its budget. The AWS SDK v3 is left out: the
 * nodejs22.x runtime provides it (infra/api.ts bundles the same way), and each function lists the
 * SDK clients it imports, so a client in a function that does not use it shows (CONVENTIONS §12).
 */
import { build } from "esbuild";
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";

const BUDGET_BYTES = 400 * 1024;
/** Provided by the Lambda runtime (nodejs22.x ships AWS SDK v3). */
export const AWS_SDK = ["@aws-sdk/*", "@smithy/*"];
const functionsDir = "functions";
const outdir = "dist/functions";

const entries = readdirSync(functionsDir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
const rows: { fn: string; bytes: number; clients: string[] }[] = [];
let failed = false;

for (const file of entries) {
  const fn = basename(file, ".ts");
  const result = await build({
    entryPoints: [join(functionsDir, file)],
    outfile: join(outdir, fn, "index.mjs"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: true,
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    // ESM bundles of CommonJS dependencies need a `require`.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    external: AWS_SDK,
    logLevel: "error",
  });
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports);
  const clientOf = (path: string) => /^@aws-sdk\/(client-[a-z0-9-]+)$/.exec(path)?.[1];
  const eager = new Set(imports.filter((i) => i.kind !== "dynamic-import").map((i) => clientOf(i.path)));
  const clients = [...new Set(imports.map((i) => clientOf(i.path)).filter((c): c is string => Boolean(c)))].map((c) =>
    eager.has(c) ? c : `${c} (loaded on first use)`,
  );
  rows.push({ fn, bytes: statSync(join(outdir, fn, "index.mjs")).size, clients });
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${"function".padEnd(12)} ${"bundle".padStart(10)}  AWS SDK clients`);
for (const r of rows.sort((a, b) => a.fn.localeCompare(b.fn))) {
  const over = r.bytes > BUDGET_BYTES;
  failed ||= over;
  console.log(`${r.fn.padEnd(12)} ${kb(r.bytes).padStart(10)}  ${r.clients.join(", ") || "none"}${over ? `  OVER BUDGET (${kb(BUDGET_BYTES)})` : ""}`);
}
if (failed) process.exit(1);
