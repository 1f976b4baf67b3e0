/** The README's TypeScript snippet compiles against the built package and runs (issue 14). */
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { loadModel } from "../src/model/io/load.js";
import { sampleObservations } from "../src/model/random.js";
import { toRows } from "../src/linalg/matrix.js";
import { grayToPng } from "../src/render/png.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("the README's API snippet", () => {
  it("type-checks against geninv's declarations and runs on a sample and a PNG", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const snippet = /From TypeScript[^\n]*\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, "README has a ```ts block after 'From TypeScript'").toBeDefined();
    expect(snippet).toMatch(/loadObservations\(/);
    expect(snippet).toMatch(/decodePng\(/);
    // a project of its own that depends on geninv (the repo's built package, as an installed one)
    const dir = mkdtempSync(join(tmpdir(), "geninv-readme-"));
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "snippet", type: "module" }));
    writeFileSync(join(dir, "snippet.ts"), snippet!);
    const gen = loadModel("mnist");
    const s = sampleObservations(gen, 1, 3);
    writeFileSync(join(dir, "s.json"), JSON.stringify({ x: toRows(s.x), z: toRows(s.z) }));
    writeFileSync(join(dir, "digit.png"), grayToPng(s.x.data, 28, 28));

    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      types: ["node"],
      noEmit: true,
      skipLibCheck: true,
    };
    const program = ts.createProgram([join(dir, "snippet.ts")], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);

    const js = ts.transpileModule(snippet!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(dir, "snippet.mjs"), js);
    const r = spawnSync(process.execPath, ["snippet.mjs"], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    // linf on a float64 sample: an LP optimum (or exact); the PNG's 8-bit gray values are noisy data
    expect(r.stdout.trim()).toMatch(/^(optimal|exact) (exact|infeasible|non_unique)$/);
  });
});
