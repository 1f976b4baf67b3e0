import { beforeAll, describe, expect, it } from "vitest";
import { ChebyshevSolver } from "../../src/lp/chebyshev.js";
import { loadHighsBackend, solveWithHighs } from "../../src/lp/highs.js";
import { LadSolver } from "../../src/lp/lad.js";
import { RelaxedSolver } from "../../src/lp/relaxed.js";
import { type FitProblem, type LpSolution } from "../../src/lp/types.js";
import { Rng } from "../../src/model/rng.js";
import { randomLp, type RandomLpSpec } from "./random-lp.js";

function engineSolve(p: FitProblem): LpSolution {
  if (p.kind === "chebyshev") return new ChebyshevSolver(p.a).solve(p);
  if (p.kind === "lad") return new LadSolver(p.a).solve(p);
  return new RelaxedSolver(p.a).solve(p);
}

/** 1e-7 relative, with an absolute floor at HiGHS's own accuracy (1e-10 per row) for objectives ≈ 0. */
function agree(a: number, b: number, n: number): boolean {
  return Math.abs(a - b) <= 1e-7 * Math.max(Math.abs(a), Math.abs(b)) + 1e-10 * n;
}

/** The instances: 510 seeded LPs from 30×5 to 800×120, realizable and noisy, some infeasible. */
function instances(): { spec: RandomLpSpec; seed: number }[] {
  const out: { spec: RandomLpSpec; seed: number }[] = [];
  const r = new Rng(2024);
  const shapes: [number, number][] = [
    [30, 5],
    [40, 8],
    [60, 10],
    [80, 12],
    [100, 20],
    [150, 25],
    [200, 40],
  ];
  const noises = [0, 1e-4, 1e-3, 1e-2, 1e-1];
  for (let i = 0; i < 504; i++) {
    const family = (["chebyshev", "lad", "relaxed"] as const)[i % 3]!;
    const [n, k] = shapes[r.int(shapes.length)]!;
    const noise = noises[r.int(noises.length)]!;
    const spec: RandomLpSpec = { family, n, k, noise, bounded: r.uniform() < 0.4 };
    if (family !== "relaxed" && r.uniform() < 0.25) spec.leaky = true;
    if (family === "chebyshev" && noise > 0 && r.uniform() < 0.3) spec.deltaMax = noise * (0.05 + r.uniform());
    if (family === "relaxed") {
      const u = r.uniform();
      if (u < 0.1) spec.contradictory = true;
      else if (u < 0.17) {
        spec.unbounded = true;
        spec.bounded = false;
      }
    }
    out.push({ spec, seed: 10_000 + i });
  }
  // a few large ones
  out.push({ spec: { family: "chebyshev", n: 800, k: 120, noise: 1e-2, bounded: true }, seed: 1 });
  out.push({ spec: { family: "relaxed", n: 800, k: 120, noise: 1e-3 }, seed: 2 });
  out.push({ spec: { family: "lad", n: 400, k: 80, noise: 1e-2, bounded: true }, seed: 3 });
  out.push({ spec: { family: "chebyshev", n: 400, k: 80, noise: 1e-3, deltaMax: 1e-4 }, seed: 4 });
  out.push({ spec: { family: "lad", n: 300, k: 60, noise: 1e-3, leaky: true }, seed: 5 });
  out.push({ spec: { family: "relaxed", n: 300, k: 60, noise: 1e-2, contradictory: true }, seed: 6 });
  return out;
}

describe("engine vs HiGHS on random LPs of the three families", () => {
  beforeAll(async () => {
    await loadHighsBackend();
  });

  it("agree on status and on the optimal objective to 1e-7 relative on 510 seeded LPs", () => {
    const cases = instances();
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const statuses: Record<string, number> = {};
    const mismatches: string[] = [];
    for (const { spec, seed } of cases) {
      const p = randomLp(spec, seed);
      const e = engineSolve(p);
      const h = solveWithHighs(p);
      statuses[`${p.kind}:${h.status}`] = (statuses[`${p.kind}:${h.status}`] ?? 0) + 1;
      const tag = `${JSON.stringify(spec)} seed ${seed}`;
      if (e.status !== h.status) mismatches.push(`${tag}: engine ${e.status} (${e.message ?? ""}), HiGHS ${h.status}`);
      else if (e.status === "optimal" && !agree(e.objective, h.objective, p.a.rows)) {
        mismatches.push(`${tag}: engine ${e.objective}, HiGHS ${h.objective}`);
      }
    }
    expect(mismatches).toEqual([]);
    // the suite really covers every outcome it claims to
    expect(statuses["chebyshev:optimal"]).toBeGreaterThan(50);
    expect(statuses["chebyshev:infeasible"]).toBeGreaterThan(10);
    expect(statuses["lad:optimal"]).toBeGreaterThan(100);
    expect(statuses["relaxed:optimal"]).toBeGreaterThan(100);
    expect(statuses["relaxed:infeasible"]).toBeGreaterThan(5);
    expect(statuses["relaxed:unbounded"]).toBeGreaterThan(5);
  });
});
