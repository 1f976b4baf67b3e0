import { describe, expect, it } from "vitest";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { RELU, leakyRelu } from "../../src/model/activation.js";
import { invert } from "../../src/invert/invert.js";
import { relativeError } from "../../src/linalg/norms.js";
import { getMethod } from "../../src/invert/registry.js";
import { type MethodName } from "../../src/invert/method-names.js";
import { gaussianOperator, maskOperator, applyOperator } from "../../src/operators/operator.js";
import { rowOf } from "../helpers.js";
import { Generator } from "../../src/model/generator.js";
import { fromRows } from "../../src/linalg/matrix.js";
import { PAPER_METHOD_OPTIONS } from "../../src/experiments/common.js";
import { loadModel } from "../../src/model/io/load.js";

/** Success rate (relative error ≤ 1e-3) of `method` with the paper's settings over `runs` fresh k → 250 → 600 ReLU nets. */
function fig2Success(k: number, method: keyof typeof PAPER_METHOD_OPTIONS & MethodName, runs: number): number {
  let ok = 0;
  for (let run = 0; run < runs; run++) {
    const gen = randomGenerator({ sizes: [k, 250, 600], activation: RELU, rng: 1000 * k + run });
    const s = sampleObservations(gen, 1, 7 + run);
    const r = invert(gen, s.x.data, { ...PAPER_METHOD_OPTIONS[method], method, seed: run });
    if (relativeError(r.z, s.z.data) <= 1e-3) ok++;
  }
  return ok / runs;
}

describe("gradient descent baselines", () => {
  it("reproduce Figure 2's baseline: GD succeeds at k = 20 and fails at k = 100, where exact inversion and exact+gd succeed", () => {
    expect(fig2Success(20, "gd", 10)).toBeGreaterThanOrEqual(0.9);
    expect(fig2Success(100, "gd", 10)).toBeLessThanOrEqual(0.2);
    expect(fig2Success(100, "exact", 10)).toBe(1);
    expect(fig2Success(100, "exact+gd", 10)).toBe(1);
  });

  it("return the best iterate with status and iteration count, never throwing when not converged", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 2 });
    const s = sampleObservations(gen, 1, 3);
    const short = invert(gen, s.x.data, { method: "gd", iterations: 5 });
    expect(short.status).toBe("max_iterations");
    expect(short.iterations).toBe(5);
    const long = invert(gen, s.x.data, { method: "gd", iterations: 5000 });
    expect(long.status).toBe("converged");
    expect(long.iterations).toBeLessThan(5000);
    expect(relativeError(long.z, s.z.data)).toBeLessThan(1e-6);
    expect(long.residual.l2).toBeLessThan(short.residual.l2);
    // the reported residual is that of the returned z
    expect(long.residual.linf).toBeCloseTo(Math.max(...Array.from(gen.forward(long.z), (v, i) => Math.abs(v - s.x.data[i]!))), 12);
  });

  it("restarts keep the best of several starts and say so", () => {
    const gen = randomGenerator({ sizes: [60, 250, 600], activation: RELU, rng: 5 });
    const s = sampleObservations(gen, 1, 1);
    const one = invert(gen, s.x.data, { method: "gd", iterations: 300, seed: 1 });
    const many = invert(gen, s.x.data, { method: "gd", iterations: 300, restarts: 4, seed: 1 });
    expect(many.residual.l2).toBeLessThanOrEqual(one.residual.l2 + 1e-15);
    expect(many.iterations).toBeGreaterThan(one.iterations!);
    expect(many.warnings.join(" ")).toMatch(/best of 4 starts/);
  });

  it("warn about a stationary point that does not fit, which the sign flip escapes", () => {
    // every ReLU is off at −z*, so the gradient vanishes there: a stationary point with f = ½‖x‖²,
    // where G is flat (Jacobian rank 0), so z is not identified either
    const gen = new Generator([
      {
        weight: fromRows([
          [1, 0],
          [0, 1],
          [1, 1],
        ]),
        bias: null,
        activation: RELU,
      },
    ]);
    const zStar = [1, 2];
    const x = gen.forward(zStar);
    const stuck = invert(gen, x, { method: "gd", init: [-1, -2] });
    expect(stuck.status).toBe("non_unique");
    expect(stuck.stopping).toMatchObject({ reason: "gradient", met: true });
    expect(stuck.iterations).toBe(1);
    expect(Array.from(stuck.z)).toEqual([-1, -2]);
    expect(stuck.warnings.join(" ")).toMatch(/converged to a stationary point that does not fit the observation .*: a local minimum/);
    const flipped = invert(gen, x, { method: "gd", init: [-1, -2], signFlip: true, learningRate: 0.3 });
    expect(flipped.status).toBe("converged");
    expect(relativeError(flipped.z, zStar)).toBeLessThan(1e-9);
    expect(flipped.warnings).toEqual([]);
  });

  it("Adam recovers z* on an expansive random net", () => {
    const gen = randomGenerator({ sizes: [10, 60, 300], activation: RELU, rng: 4 });
    const s = sampleObservations(gen, 1, 6);
    const adam = invert(gen, s.x.data, { method: "adam", learningRate: 0.05, iterations: 3000, gradientTolerance: 1e-7 });
    expect(relativeError(adam.z, s.z.data)).toBeLessThan(1e-3);
  });

  it("invert through a mask and a dense Gaussian operator", () => {
    const gen = randomGenerator({ sizes: [10, 60, 300], activation: leakyRelu(0.2), rng: 8 });
    const s = sampleObservations(gen, 1, 2);
    const mask = maskOperator(
      300,
      Array.from({ length: 150 }, (_, i) => 2 * i),
    );
    const ym = applyOperator(mask, s.x.data, new Float64Array(150));
    const rm = invert(gen, ym, { method: "gd", operator: mask, iterations: 5000 });
    expect(relativeError(rm.z, s.z.data)).toBeLessThan(1e-6);
    // layer-wise methods invert from the observed rows only
    const ex = invert(gen, ym, { method: "exact", operator: mask });
    expect(ex.status).toBe("exact");
    expect(relativeError(ex.z, s.z.data)).toBeLessThan(1e-9);
    const A = gaussianOperator(80, 300, 3);
    const ya = applyOperator(A, s.x.data, new Float64Array(80));
    const ra = invert(gen, ya, { method: "gd", operator: A, learningRate: 0.5, iterations: 5000 });
    expect(relativeError(ra.z, s.z.data)).toBeLessThan(1e-4);
    expect(() => invert(gen, ya, { method: "exact", operator: A })).toThrow(
      /cannot take a dense measurement matrix: use auto \(the default\), region, pgd, gd or adam/,
    );
    expect(() => invert(gen, s.x.data, { method: "gd", operator: A })).toThrow(/observation has 300 entries, expected 80/);
  });

  it("reject bad settings with the setting named", () => {
    const gen = randomGenerator({ sizes: [3, 10], activation: RELU, rng: 1 });
    const x = gen.forward([1, 2, 3]);
    expect(() => invert(gen, x, { method: "gd", learningRate: -1 })).toThrow(/^learningRate expects a positive number, got -1$/);
    expect(() => invert(gen, x, { method: "gd", restarts: 0 })).toThrow(/^restarts expects an integer in \[1, 1000000\], got 0$/);
    expect(() => invert(gen, x, { method: "gd", init: [1, 2] })).toThrow(/initial z has 2 entries, expected 3/);
    expect(() => invert(gen, x, { method: "gd", init: [1, NaN, 2] })).toThrow(/initial z\[1\] is NaN/);
  });

  it("report progress and resolve any registered method + gd / + adam", () => {
    const gen = randomGenerator({ sizes: [5, 30, 90], activation: RELU, rng: 2 });
    const s = sampleObservations(gen, 1, 2);
    const seen: number[] = [];
    invert(gen, s.x.data, { method: "gd", iterations: 250, gradientTolerance: 0, objectiveTolerance: 0, onProgress: (d) => seen.push(d) });
    expect(seen).toEqual([100, 200, 250]);
    expect(getMethod("exact+adam").name).toBe("exact+adam");
    // @ts-expect-error a typo is a type error too (test/invert/method-names.test.ts)
    expect(() => getMethod("nope+gd")).toThrow(/unknown method 'nope\+gd'/);
    const h = invert(gen, s.x.data, { method: "exact+gd" });
    expect(h.layers).toHaveLength(2);
    expect(relativeError(h.z, rowOf(s.z, 0))).toBeLessThan(1e-9);
  });
});

describe("LP → GD hybrid (the paper's future work)", () => {
  it("linf+gd reaches a median relative error ≤ 3e-5 on LeakyReLU(0.1) 20-100-200-500 at uniform noise 1e-5", () => {
    const errs: number[] = [];
    for (let run = 0; run < 12; run++) {
      const gen = randomGenerator({ sizes: [20, 100, 200, 500], activation: leakyRelu(0.1), rng: 500 + run });
      const s = sampleObservations(gen, 1, 600 + run, { kind: "uniform", level: 1e-5 });
      const r = invert(gen, s.x.data, { method: "linf+gd" });
      expect(r.method).toBe("linf+gd");
      // the ℓ∞ start: layer by layer (3 reports), or pattern-first's one LP in z on the whole network
      if (r.layers.length !== 3) expect(r.layers.map((l) => l.name)).toEqual([expect.stringMatching(/^network linearised at its activation pattern/)]);
      errs.push(relativeError(r.z, s.z.data));
    }
    errs.sort((a, b) => a - b);
    expect((errs[5]! + errs[6]!) / 2).toBeLessThanOrEqual(3e-5);
  });

  it("linf+gd keeps the LP's success at k = 100 on k → 250 → 600 where GD alone fails", () => {
    expect(fig2Success(100, "linf+gd", 6)).toBe(1);
  });
});

describe("gradient methods tell what happened (issue 14)", () => {
  const mnist = loadModel("mnist");
  const clean = sampleObservations(mnist, 1, 1);
  const noisy = sampleObservations(mnist, 1, 1, { kind: "gaussian", level: 0.05 });

  it("gd's default Armijo step fits the shipped MNIST generator, where the paper's fixed step 1 diverges and says so with the numbers", () => {
    const x = clean.x.data;
    const xNorm = Math.hypot(...x);
    const armijo = invert(mnist, x, { method: "gd" });
    expect(armijo.status).not.toBe("failed");
    expect(armijo.residual.l2 / xNorm).toBeLessThan(0.02);
    expect(armijo.warnings.join(" ")).not.toMatch(/grew/);
    const fixed = invert(mnist, x, { method: "gd", lineSearch: false, iterations: 300 });
    expect(fixed.status).toBe("failed");
    expect(fixed.stopping).toMatchObject({ reason: "diverged", met: false });
    expect(fixed.warnings[0]).toMatch(
      /^gd: the objective grew from \d[\d.e+]* \(iteration \d+\) to \d[\d.e+]* \(iteration \d+\), then became non-finite at iteration \d+: the fixed step 1 is too large for this network; the default Armijo line search avoids this/,
    );
    // the paper's settings keep the fixed step
    expect(PAPER_METHOD_OPTIONS.gd).toMatchObject({ learningRate: 1, lineSearch: false, objectiveTolerance: 0 });
  });

  it("noisy data stop gd by the stall rule (converged), and a run out of budget says its fit and gradient norm", () => {
    const y = noisy.x.data;
    const stalled = invert(mnist, y, { method: "gd" });
    expect(stalled.status).toBe("converged");
    expect(stalled.stopping).toMatchObject({ reason: "objective", met: true, budget: 1000 });
    expect(stalled.iterations).toBeLessThan(1000);
    const budget = invert(mnist, y, { method: "gd", objectiveTolerance: 0 });
    expect(budget.status).toBe("max_iterations");
    expect(budget.stopping).toMatchObject({ reason: "budget", met: false, iterations: 1000 });
    expect(budget.warnings.join(" ")).toMatch(
      /gd: stopped by the iteration budget \(1000\) before a stopping rule was met \(‖∇f‖ = [\d.e+-]+ > 1e-9\); the fit is ‖A·G\(z\) − y‖\/‖y‖ = [\d.e+-]+; raise --iterations/,
    );
    // the stall rule stops where the fit no longer moves: within 1% of the budget run's fit
    expect(stalled.residual.l2).toBeLessThan(1.01 * budget.residual.l2);
  });

  it("a flat network (zero weights) or a width-1 hidden layer is non_unique for gd, adam and pgd, never converged", () => {
    const zero = new Generator([
      { weight: { rows: 8, cols: 3, data: new Float64Array(24) }, bias: Float64Array.from({ length: 8 }, (_, i) => i / 8), activation: RELU },
      { weight: { rows: 20, cols: 8, data: Float64Array.from({ length: 160 }, (_, i) => Math.sin(i)) }, bias: null, activation: RELU },
    ]);
    const thin = randomGenerator({ sizes: [3, 1, 30], activation: RELU, rng: 3 });
    for (const [gen, rank] of [
      [zero, 0],
      [thin, 1],
    ] as const) {
      const x = gen.forward([0.5, 0.2, 0.1]);
      for (const method of ["gd", "adam", "pgd"] as const) {
        const r = invert(gen, x, { method });
        expect(r.status, `${method} rank ${rank}`).toBe("non_unique");
        expect(r.warnings.join("\n")).toMatch(
          new RegExp(`^${method}: ∂\\(A·G\\)/∂z has rank ${rank} < 3 at z \\(the network is flat along ${3 - rank} direction\\(s\\) there`, "m"),
        );
      }
    }
  });
});
