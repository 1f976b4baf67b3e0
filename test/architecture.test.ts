/**
 * The layer check: every import in src/** (static, dynamic, type-only and re-exports) must point
 * down or sideways in the ranks below, never into src/index.ts, and never close a cycle.
 * (GUIDE.md: cli → experiments → invert → operators → lp/linalg/model → errors.)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");

/** Rank of each top-level module or folder of src/: an import may only go to an equal or lower rank. */
const RANKS: Readonly<Record<string, number>> = {
  "errors.ts": 0,
  util: 0,
  linalg: 1,
  lp: 2,
  model: 2,
  operators: 3,
  invert: 4,
  render: 4,
  experiments: 5,
  cli: 6,
};
/** Same-rank imports that are still forbidden (render draws results; it does not invert). */
const FORBIDDEN: readonly [string, string][] = [["render", "invert"]];

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(posix.normalize(relative(SRC, p).split("\\").join("/")));
  }
  return out;
}

/** The area (key of RANKS) of a path relative to src/, or the path itself when unranked. */
function area(file: string): string {
  const top = file.split("/")[0]!;
  return file.includes("/") ? top : file;
}

/** Every relative import specifier of a file, resolved to a path under src/ (or outside it). */
function importsOf(file: string): { target: string; spec: string }[] {
  const text = readFileSync(join(SRC, file), "utf8");
  const info = ts.preProcessFile(text, true, true);
  const found: { target: string; spec: string }[] = [];
  for (const ref of info.importedFiles) {
    const spec = ref.fileName;
    if (!spec.startsWith(".")) continue;
    const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, ".ts");
    found.push({ target, spec });
  }
  return found;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("architecture: the import graph of src/", () => {
  it("finds the modules and reads dynamic imports too", () => {
    expect(files.length).toBeGreaterThan(50);
    const parsed = ts.preProcessFile(
      'import a from "./a.js"; export { b } from "./b.js"; const c = await import("./c.js"); import type { D } from "./d.js";',
      true,
      true,
    );
    expect(parsed.importedFiles.map((r) => r.fileName).sort()).toEqual(["./a.js", "./b.js", "./c.js", "./d.js"]);
  });

  it("ranks every folder of src/", () => {
    const unranked = [...new Set(files.map(area))].filter((a) => a !== "index.ts" && RANKS[a] === undefined);
    expect(unranked, `folders/modules of src/ without a rank in test/architecture.test.ts: ${unranked.join(", ")}`).toEqual([]);
  });

  it("imports only files that exist inside src/", () => {
    const bad: string[] = [];
    for (const [from, edges] of graph) {
      for (const { target, spec } of edges) {
        if (target.startsWith("../")) bad.push(`${from} → ${spec} (outside src/)`);
        else if (!graph.has(target)) bad.push(`${from} → ${spec} (no such module)`);
      }
    }
    expect(bad, bad.join("\n")).toEqual([]);
  });

  it("never imports the front door src/index.ts from inside src/", () => {
    const bad = [...graph].flatMap(([from, edges]) => edges.filter((e) => e.target === "index.ts").map((e) => `${from} → ${e.spec}`));
    expect(bad, `imports of src/index.ts:\n${bad.join("\n")}`).toEqual([]);
  });

  it("has no upward import between the layers", () => {
    const bad: string[] = [];
    for (const [from, edges] of graph) {
      const a = area(from);
      const ra = RANKS[a];
      if (ra === undefined) continue;
      for (const { target, spec } of edges) {
        const b = area(target);
        const rb = RANKS[b];
        if (rb === undefined) continue;
        if (rb > ra) bad.push(`${from} (${a}, rank ${ra}) → ${spec} (${b}, rank ${rb})`);
        else if (FORBIDDEN.some(([x, y]) => x === a && y === b)) bad.push(`${from} (${a}) → ${spec} (${b}): ${a} must not import ${b}`);
      }
    }
    expect(bad, `upward imports:\n${bad.join("\n")}`).toEqual([]);
  });

  it("has no import cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, "open");
      stack.push(f);
      for (const { target } of graph.get(f) ?? []) {
        if (!graph.has(target)) continue;
        const s = state.get(target);
        if (s === "open") cycles.push([...stack.slice(stack.indexOf(target)), target].join(" → "));
        else if (s === undefined) visit(target);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles, `import cycles:\n${cycles.join("\n")}`).toEqual([]);
  });

  it("has no cycle between folders either (same-rank folders such as lp and model import one way)", () => {
    const edges = new Map<string, Set<string>>();
    for (const [from, list] of graph) {
      for (const { target } of list) {
        const a = area(from);
        const b = area(target);
        if (a !== b && graph.has(target)) (edges.get(a) ?? edges.set(a, new Set()).get(a)!).add(b);
      }
    }
    const cycles: string[] = [];
    for (const [a, outs] of edges) {
      for (const b of outs) if (edges.get(b)?.has(a) && a < b) cycles.push(`${a} ⇄ ${b}: ${witness(a, b)} / ${witness(b, a)}`);
    }
    expect(cycles, `folder cycles:\n${cycles.join("\n")}`).toEqual([]);
  });
});

/** One import from folder a into folder b, to name in a failure. */
function witness(a: string, b: string): string {
  for (const [from, list] of graph) {
    if (area(from) !== a) continue;
    const e = list.find((x) => area(x.target) === b);
    if (e) return `${from} → ${e.spec}`;
  }
  return "?";
}
