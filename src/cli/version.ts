/**
 * The package version, read from package.json (its one home) — found by walking up from this
 * module, which sits at src/cli/ in the sources and at dist/src/cli/ when compiled.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "geninv" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

/** geninv's version, e.g. "0.1.0". */
export const VERSION: string = readVersion();
