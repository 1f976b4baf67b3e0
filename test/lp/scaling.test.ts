import { describe, expect, it } from "vitest";
import { invert } from "../../src/invert/invert.js";
import { diffNorms } from "../../src/linalg/norms.js";
import { FitSolver, problemScale } from "../../src/lp/backend.js";
import { projectedGradientDescent } from "../../src/invert/registry.js";
import { type ChebyshevProblem, type LadProblem } from "../../src/lp/types.js";
import { RELU } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { randomLp } from "./random-lp.js";

/** p with every target multiplied by f. */
function scaled<P extends ChebyshevProblem | LadProblem>(p: P, f: number): P {
  return { ...p, upper: p.upper.map((v) => v * f), lower: p.lower.map((v) => v * f) };
}

describe("LP scaling: targets of any finite magnitude", () => {
  it("problemScale is 1 near unit size and a power of two far from it", () => {
    const p = randomLp({ family: "chebyshev", n: 40, k: 5, noise: 1e-2 }, 11) as ChebyshevProblem;
    expect(problemScale(p)).toBe(1);
    const big = problemScale(scaled(p, 1e150));
    expect(Math.log2(big)).toBe(Math.round(Math.log2(big)));
    expect(big).toBeGreaterThan(1e149);
    expect(problemScale(scaled(p, 1e-150))).toBeLessThan(1e-149);
  });

  for (const f of [1e150, 1e-150]) {
    it(`Chebyshev and LAD optima scale with the targets (×${f})`, () => {
      const c = randomLp({ family: "chebyshev", n: 80, k: 8, noise: 1e-2, bounded: true }, 12) as ChebyshevProblem;
      const c1 = new FitSolver(c.a).chebyshev(c);
      const cf = new FitSolver(c.a).chebyshev(scaled(c, f));
      expect(cf.status).toBe("optimal");
      expect(Math.abs(cf.objective / f - c1.objective)).toBeLessThan(1e-9 * (1 + c1.objective));
      for (let i = 0; i < c.a.cols; i++) expect(Math.abs(cf.z[i]! / f - c1.z[i]!)).toBeLessThan(1e-7);
      const l = randomLp({ family: "lad", n: 80, k: 8, noise: 1e-2 }, 13) as LadProblem;
      const l1 = new FitSolver(l.a).ladFit(l);
      const lf = new FitSolver(l.a).ladFit(scaled(l, f));
      expect(lf.status).toBe("optimal");
      expect(Math.abs(lf.objective / f - l1.objective)).toBeLessThan(1e-9 * (1 + l1.objective));
    });
  }

  it("1e150·G(z*) is inverted by linf and l1 (was: HiGHS rejected the chebyshev model)", () => {
    const gen = randomGenerator({ sizes: [5, 30, 80], activation: RELU, rng: 14 });
    const s = sampleObservations(gen, 1, 15);
    const x = s.x.data.map((v) => v * 1e150);
    for (const method of ["linf", "l1"] as const) {
      const r = invert(gen, x, { method, lpFallback: false });
      expect(r.status, method).toBe("optimal");
      // no biases: G(1e150·z*) = 1e150·G(z*)
      for (let i = 0; i < 5; i++) expect(Math.abs(r.z[i]! / 1e150 - s.z.data[i]!), method).toBeLessThan(1e-7);
    }
  });

  it("one 1e300 entry: norms stay finite and pgd answers with a status instead of crashing", () => {
    const v = new Float64Array([3e300, 4e300]);
    expect(diffNorms(v).l2).toBeCloseTo(5e300, -290);
    const gen = randomGenerator({ sizes: [4, 20, 50], activation: RELU, rng: 16 });
    const x = Float64Array.from(sampleObservations(gen, 1, 17).x.data);
    x[3] = 1e300;
    const r = projectedGradientDescent(gen, x, { pgdIterations: 3, lpFallback: false });
    expect(["failed", "max_iterations", "converged"]).toContain(r.status);
    expect(r.residual.linf).toBeGreaterThan(1e299);
    expect(Number.isFinite(r.residual.l2)).toBe(true);
  });
});
