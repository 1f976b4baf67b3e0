/**
 * Worker threads run the compiled library (dist/), so the tests of the thread pool import it from
 * there. `npm test` builds first; a missing or stale build makes those tests skip with a message.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = join(import.meta.dirname, "..", "..");

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Why the compiled library cannot be used ("" when it can). */
export function distProblem(): string {
  const probe = join(ROOT, "dist", "src", "experiments", "worker.js");
  if (!existsSync(probe)) return "dist/ is not built: run `npm run build` (npm test does) to test worker threads";
  const builtAt = Math.min(...["worker.js", "runner.js", "fig2.js"].map((f) => statSync(join(ROOT, "dist", "src", "experiments", f)).mtimeMs));
  if (builtAt < newestSource(join(ROOT, "src"))) return "dist/ is older than src/: run `npm run build` (npm test does) to test worker threads";
  return "";
}

/** Import a compiled module, e.g. `importDist("experiments/fig2.js")`. */
export async function importDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, "dist", "src", path)).href)) as T;
}
