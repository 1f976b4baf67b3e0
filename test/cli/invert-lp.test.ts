import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { memIo } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "geninv-lp-"));
const model = join(dir, "m.json");
const obs = join(dir, "obs.json");

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe("geninv invert with the LP methods", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("inverts with --method linf|l1|relaxed and reports ε, δ, solves and backend per layer", async () => {
    expect((await run("random", "--sizes", "10,40,120", "--seed", "1", "-o", model)).code).toBe(0);
    expect((await run("sample", "--model", model, "--count", "2", "--seed", "2", "--noise", "uniform:1e-4", "-o", obs)).code).toBe(0);
    for (const method of ["linf", "l1", "relaxed"]) {
      const r = await run("invert", "--model", model, "--obs", obs, "--method", method);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as { results: { status: string; relError: number; layers: { eps: number; lpSolves: number; backend: string }[] }[] };
      expect(j.results).toHaveLength(2);
      for (const res of j.results) {
        expect(res.status).toBe("optimal");
        expect(res.relError).toBeLessThan(5e-3);
        for (const l of res.layers) {
          expect(l.eps).toBeGreaterThan(0);
          expect(l.lpSolves).toBeGreaterThan(0);
          expect(l.backend).toBe("engine");
        }
      }
    }
  });

  it("--lp-backend highs, --eps0, --alpha, --eps-search scan and --no-refine are honoured", async () => {
    const a = await run("invert", "--model", model, "--obs", obs, "--method", "linf", "--lp-backend", "highs", "--no-refine");
    expect(a.code).toBe(0);
    const ja = JSON.parse(a.out) as { results: { refinement?: unknown; layers: { backend: string }[] }[] };
    expect(ja.results[0]!.layers.every((l) => l.backend === "highs")).toBe(true);
    expect(ja.results[0]!.refinement).toBeUndefined();
    const b = await run("invert", "--model", model, "--obs", obs, "--method", "linf", "--eps0", "1e-5", "--alpha", "1.5", "--eps-search", "scan");
    expect(b.code).toBe(0);
    const jb = JSON.parse(b.out) as { results: { layers: { eps: number }[] }[] };
    // every ε settled on lies on the grid 1e-5·1.5ᵗ
    for (const l of jb.results[0]!.layers) {
      const t = Math.log(l.eps / 1e-5) / Math.log(1.5);
      expect(Math.abs(t - Math.round(t))).toBeLessThan(1e-9);
    }
  });

  it("bad LP flags are usage errors (exit 2) naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["--alpha", "1"], /--alpha expects a number > 1/],
      [["--eps0", "0"], /--eps0 expects a positive number/],
      [["--lp-backend", "glpk"], /--lp-backend expects engine or highs/],
      [["--eps-search", "guess"], /--eps-search expects search or scan/],
    ];
    for (const [flags, msg] of cases) {
      const r = await run("invert", "--model", model, "--obs", obs, "--method", "linf", ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
