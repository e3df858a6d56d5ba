/**
 * `npm run typecheck` (part of `npm test`): type-checks `sst.config.ts` and `infra/` against SST's
 * own platform types, offline from AWS.
 *
 * The types are what `sst install` writes into `.sst/platform` for the pinned `sst` devDependency:
 * SST's component sources, the `$config`/`$util`/`sst` globals (`config.d.ts`) and the provider
 * pinned in `sst.config.ts`. Installing them needs the `sst` binary (the npm package's platform
 * dependency) and the npm registry, nothing else:
 * - `SST_SKIP_DEPENDENCY_CHECK` skips SST's check for its pulumi and bun binaries (it would
 *   download them from GitHub); `install` runs neither.
 * - `NO_BUN` makes SST fetch the platform's packages with npm, here without install scripts
 *   (as .npmrc) or dev dependencies: types need neither.
 * - `XDG_CONFIG_HOME` keeps SST's config folder (on Linux) inside `.sst`, away from ~/.config/sst
 *   where a real `sst deploy` keeps its pulumi.
 * That runs once per sst version and `sst.config.ts` (about a minute, mostly npm); after that only
 * the check runs.
 *
 * The check reports this project's files only: SST's sources are SST's to check (they do not pass
 * our stricter options), as `skipLibCheck` leaves other libraries' declarations to them.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "..");
const SST_DIR = join(ROOT, ".sst");
const TSCONFIG = join(ROOT, "infra", "tsconfig.sst.json");
/** What the installed types were made from: they are reinstalled when it changes. */
const INSTALLED_FROM = join(SST_DIR, "platform-types.key");

function installKey(): string {
  const sstPackage = JSON.parse(readFileSync(join(ROOT, "node_modules", "sst", "package.json"), "utf8")) as { version: string };
  const config = createHash("sha256").update(readFileSync(join(ROOT, "sst.config.ts"))).digest("hex").slice(0, 16);
  return `sst@${sstPackage.version} sst.config.ts#${config}`;
}

function installPlatformTypes(): void {
  const key = installKey();
  const installed = existsSync(join(SST_DIR, "platform", "config.d.ts")) && existsSync(INSTALLED_FROM);
  if (installed && readFileSync(INSTALLED_FROM, "utf8") === key) return;

  console.log(`Installing SST's platform types (${key}) into .sst/platform`);
  const started = Date.now();
  mkdirSync(SST_DIR, { recursive: true });
  const sst = join(ROOT, "node_modules", "sst", "bin", "sst.mjs");
  const result = spawnSync(process.execPath, [sst, "install", "--stage", "typecheck"], {
    cwd: ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      SST_SKIP_DEPENDENCY_CHECK: "1",
      NO_BUN: "1",
      SST_TELEMETRY_DISABLED: "1",
      XDG_CONFIG_HOME: join(SST_DIR, "config-home"),
      npm_config_ignore_scripts: "true",
      npm_config_omit: "dev",
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    },
  });
  if (result.status !== 0) throw new Error(`sst install failed (${result.signal ?? `exit ${result.status}`})`);
  writeFileSync(INSTALLED_FROM, key);
  console.log(`Installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

function isOurs(program: ts.Program, file: ts.SourceFile): boolean {
  return !file.isDeclarationFile && !program.isSourceFileFromExternalLibrary(file) && !relative(ROOT, file.fileName).startsWith(".sst");
}

/** The compiler's diagnostics for sst.config.ts, infra/ and the project files they import. */
function check(): readonly ts.Diagnostic[] {
  const { config, error } = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
  if (error) return [error];
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, join(ROOT, "infra"), undefined, TSCONFIG);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, configFileParsingDiagnostics: parsed.errors });
  return [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program
      .getSourceFiles()
      .filter((file) => isOurs(program, file))
      .flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
}

installPlatformTypes();
const diagnostics = check();
if (diagnostics.length) {
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" };
  const format = process.stderr.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
  console.error(format(diagnostics, host));
  process.exit(1);
}
console.log("sst.config.ts and infra/ type-check against SST's platform types");
