import { describe, expect, it } from "vitest";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { RELU } from "../../src/model/activation.js";
import { invert } from "../../src/invert/invert.js";
import { relativeError } from "../../src/linalg/norms.js";
import { applyOperator, gaussianOperator, maskOperator } from "../../src/operators/operator.js";

describe("projected gradient descent (Shah & Hegde) with layer-wise projections", () => {
  it("recovers z* from m = 120 Gaussian measurements of a 20-100-500 ReLU output", () => {
    for (const seed of [1, 2, 3]) {
      const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: seed });
      const s = sampleObservations(gen, 1, seed + 10);
      const A = gaussianOperator(120, 500, seed + 20);
      const y = applyOperator(A, s.x.data, new Float64Array(120));
      const r = invert(gen, y, { method: "pgd", operator: A });
      expect(r.method).toBe("pgd");
      expect(relativeError(r.z, s.z.data)).toBeLessThan(1e-3);
      expect(r.residual.l2).toBeLessThan(1e-3 * Math.hypot(...y));
      expect(r.iterations).toBeGreaterThan(1);
    }
  });

  it("takes any registered projection, rejects itself and dense A for layer-wise methods", () => {
    const gen = randomGenerator({ sizes: [5, 30, 120], activation: RELU, rng: 4 });
    const s = sampleObservations(gen, 1, 5);
    const mask = maskOperator(
      120,
      Array.from({ length: 80 }, (_, i) => i),
    );
    const y = applyOperator(mask, s.x.data, new Float64Array(80));
    const r = invert(gen, y, { method: "pgd", operator: mask, projection: "exact+gd", pgdIterations: 40 } as never);
    expect(relativeError(r.z, s.z.data)).toBeLessThan(1e-3);
    expect(() => invert(gen, y, { method: "pgd", operator: mask, projection: "pgd" } as never)).toThrow(/cannot project with itself/);
    expect(() => invert(gen, y, { method: "pgd", operator: mask, projection: "nope" } as never)).toThrow(/unknown method 'nope'/);
  });

  it("A+pgd starts PGD from method A's answer and never returns a worse measurement fit than that start", () => {
    const gen = randomGenerator({ sizes: [10, 60, 300], activation: RELU, rng: 6 });
    const s = sampleObservations(gen, 1, 7);
    const A = gaussianOperator(60, 300, 8);
    const y = applyOperator(A, s.x.data, new Float64Array(60));
    const start = invert(gen, y, { method: "gd", operator: A, iterations: 20, seed: 1 });
    const r = invert(gen, y, { method: "gd+pgd", operator: A, iterations: 20, seed: 1, pgdIterations: 30 } as never);
    expect(r.method).toBe("gd+pgd");
    expect(r.residual.l2).toBeLessThanOrEqual(start.residual.l2);
    expect(relativeError(r.z, s.z.data)).toBeLessThan(1e-3);
    // a start that already fits exactly stays (to rounding)
    const exactStart = invert(gen, y, { method: "pgd", operator: A, init: s.z.data, pgdIterations: 3 } as never);
    expect(relativeError(exactStart.z, s.z.data)).toBeLessThan(1e-9);
    // @ts-expect-error pgd+pgd is no hybrid: a type error, and an OptionError at run time
    expect(() => invert(gen, y, { method: "pgd+pgd", operator: A })).toThrow(/unknown method 'pgd\+pgd'/);
    expect(() => invert(gen, y, { method: "pgd", operator: A, init: [1, 2] } as never)).toThrow(/initial z has 2 entries, expected 10/);
  });
});

describe("pgd reports what stopped it (issue 14)", () => {
  it("a fixed point on realizable data is converged by the step rule, even when the fit moves only at rounding level", () => {
    const gen = randomGenerator({ sizes: [10, 60, 300], activation: RELU, rng: 1 });
    const s = sampleObservations(gen, 1, 1);
    const r = invert(gen, s.x.data, { method: "pgd" });
    expect(r.residual.l2).toBeLessThan(1e-12);
    expect(r.status).toBe("converged");
    expect(r.stopping).toMatchObject({ reason: "step", met: true, budget: 50 });
    const short = invert(gen, s.x.data, { method: "pgd", pgdIterations: 2 } as never);
    expect(short.status).toBe("max_iterations");
    expect(short.warnings.join(" ")).toMatch(
      /pgd: stopped by the iteration budget \(2\) before a stopping rule was met; the fit is ‖A·G\(z\) − y‖\/‖y‖ = [\d.e+-]+; raise --pgd-iterations/,
    );
  });
});
