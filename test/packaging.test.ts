/** The package as an npm user gets it (issue 14): `npm pack`'s file list, without packing or building. */
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
  license: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
  files: string[];
};

/** The paths `npm pack` would put in the tarball (scripts not run: dist/ as built by `npm test`). */
function packedFiles(): Set<string> {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repo, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
}

describe("the packed package", () => {
  const files = packedFiles();

  it("runs nothing on the user's machine at install (no prepare / install scripts), and ships the built CLI and library", () => {
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) expect(pkg.scripts[hook], hook).toBeUndefined();
    expect(existsSync(join(repo, "dist/src/index.js")), "dist/ is built (npm test builds first)").toBe(true);
    expect(files).toContain("dist/src/index.js");
    expect(files).toContain("dist/src/cli/main.js");
    const bin = normalize(pkg.bin.geninv!);
    expect(files).toContain(bin);
    expect(readFileSync(join(repo, bin), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it("every source map points at sources the package holds", () => {
    const maps = [...files].filter((f) => f.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(50);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(repo, map), "utf8")) as { sources: string[] };
      for (const s of sources) expect(files, `${map} → ${s}`).toContain(relative(repo, join(repo, dirname(map), s)));
    }
  });

  it("holds the MIT LICENSE that package.json names, and every docs/ file the README links to", () => {
    expect(pkg.license).toBe("MIT");
    expect(files).toContain("LICENSE");
    expect(readFileSync(join(repo, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const links = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) expect(files, link).toContain(link);
  });
});
