#!/usr/bin/env node
/**
 * The `geninv` command. The package ships the built CLI (dist/); in a source checkout without a
 * build (a fresh `git clone` + `npm ci`, which runs no build: the package has no install-time
 * scripts, so installing it never compiles anything on a user's machine) it builds dist/ once first.
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url);
const cli = new URL("dist/src/cli/main.js", root);
if (!existsSync(cli)) {
  if (!existsSync(new URL("src/cli/main.ts", root)) || !existsSync(new URL("tsconfig.build.json", root))) {
    process.stderr.write(`geninv: ${fileURLToPath(cli)} is missing and there are no sources to build it from; reinstall geninv\n`);
    process.exit(1);
  }
  process.stderr.write("geninv: first run in a source checkout: building dist/ (npm run build) …\n");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const built = spawnSync(process.execPath, [tsc, "-p", fileURLToPath(new URL("tsconfig.build.json", root))], { stdio: "inherit" });
  if (built.status !== 0 || !existsSync(cli)) {
    process.stderr.write("geninv: the build failed (see above); run npm run build\n");
    process.exit(1);
  }
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
