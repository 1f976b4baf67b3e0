/**
 * `npm run bench`: run every benchmark module in this folder (each exports `run()`), or only those
 * named on the command line (`node dist/bench/run.js lp`). Benchmarks print tables; they assert
 * nothing.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith(".js") && f !== "run.js")
  .map((f) => f.slice(0, -3))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();
if (modules.length === 0) {
  process.stderr.write(`no benchmark module matches ${only.join(", ")}\n`);
  process.exitCode = 1;
}
for (const name of modules) {
  const mod = (await import(pathToFileURL(join(here, `${name}.js`)).href)) as { run?: () => Promise<void> | void };
  if (typeof mod.run !== "function") continue;
  process.stdout.write(`\n=== bench/${name} ===\n`);
  await mod.run();
}
