import { beforeAll, describe, expect, it } from "vitest";
import { randomGenerator } from "../../src/model/random.js";
import { IDENTITY, leakyRelu, RELU } from "../../src/model/activation.js";
import { Generator } from "../../src/model/generator.js";
import { Rng } from "../../src/model/rng.js";
import { relativeError } from "../../src/linalg/norms.js";
import { invert } from "../../src/invert/invert.js";
import { applyOperator, denseOperator, gaussianOperator, identityOperator, maskOperator } from "../../src/operators/operator.js";
import { RegionWorkspace } from "../../src/invert/region-model.js";
import { fitLp, RegionFitWorkspace } from "../../src/invert/region-fit.js";
import { loadHighsBackend } from "../../src/lp/highs.js";
import { sampleOne } from "../helpers.js";
import { GradientWorkspace, measuredJacobian } from "../../src/invert/gradient.js";
import { RegionWalker } from "../../src/invert/region-walk.js";
import { loadModel } from "../../src/model/io/load.js";
import { addNoise } from "../../src/model/random.js";
import { FIG3_SIGMA, IMAGES_STREAM } from "../../src/experiments/images.js";

/** Half of the rows of an n-vector, chosen at random (seeded). */
function halfRows(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (rng.uniform() < 0.5) rows.push(i);
  return rows;
}

describe("region descent", () => {
  // 10 → 60 → 120 → 200 LeakyReLU: with 100 of the 200 outputs seen, the last layer (120 inputs) cannot be inverted alone
  const leaky = randomGenerator({ sizes: [10, 60, 120, 200], activation: leakyRelu(0.2), rng: 5 });

  it("recovers z* to 1e-9 from half the pixels of a LeakyReLU net, where layer-wise inversion fails", () => {
    for (let s = 0; s < 3; s++) {
      const { z, x } = sampleOne(leaky, 40 + s);
      const rows = Array.from({ length: 100 }, (_, i) => i); // the top half
      const op = maskOperator(200, rows);
      const y = applyOperator(op, x, new Float64Array(100));
      const layerwise = invert(leaky, y, { method: "exact", operator: op });
      expect(layerwise.status).not.toBe("exact");
      expect(relativeError(layerwise.z, z)).toBeGreaterThan(1e-3);
      const r = invert(leaky, y, { method: "region", operator: op, seed: s });
      expect(r.status).toBe("exact");
      expect(relativeError(r.z, z)).toBeLessThan(1e-9);
      expect(r.region!.rank).toBe(10);
      expect(r.region!.regionsVisited).toBeGreaterThan(1);
      // the default method does the same
      const auto = invert(leaky, y, { operator: op, seed: s });
      expect(auto.method).toBe("auto");
      expect(auto.producedBy).toBe("region");
      expect(relativeError(auto.z, z)).toBeLessThan(1e-9);
    }
  });

  it("recovers z* to 1e-9 from m = 50 Gaussian measurements of a 20-60-300 ReLU net", () => {
    const gen = randomGenerator({ sizes: [20, 60, 300], activation: RELU, rng: 3 });
    let exact = 0;
    for (let s = 0; s < 4; s++) {
      const { z, x } = sampleOne(gen, 70 + s);
      const op = gaussianOperator(50, 300, 100 + s);
      const y = applyOperator(op, x, new Float64Array(50));
      const r = invert(gen, y, { operator: op, seed: s });
      expect(r.producedBy).toBe("region");
      if (r.status === "exact") {
        expect(relativeError(r.z, z)).toBeLessThan(1e-9);
        exact++;
      }
    }
    expect(exact).toBeGreaterThanOrEqual(3);
  });

  it("auto returns the layer-wise exact answer on realizable, expansive data", () => {
    const { z, x } = sampleOne(leaky, 9);
    const r = invert(leaky, x);
    expect(r.producedBy).toBe("exact");
    expect(r.status).toBe("exact");
    expect(relativeError(r.z, z)).toBeLessThan(1e-9);
  });

  it("says non_unique with the deficit when J_P is rank-deficient", () => {
    // W_1 has two equal columns: z_1 and z_2 only ever enter as z_1 + z_2
    const rng = new Rng(2);
    const w1 = rng.fillNormal(new Float64Array(30 * 4), 0.5);
    for (let j = 0; j < 30; j++) w1[j * 4 + 1] = w1[j * 4]!;
    const gen = new Generator([
      { weight: { rows: 30, cols: 4, data: w1 }, bias: null, activation: leakyRelu(0.1) },
      { weight: { rows: 60, cols: 30, data: rng.fillNormal(new Float64Array(60 * 30), 0.2) }, bias: null, activation: IDENTITY },
    ]);
    const x = gen.forward([0.3, -0.7, 1.1, 0.4]);
    const r = invert(gen, x, { method: "region", seed: 1 });
    expect(r.status).toBe("non_unique");
    expect(r.region!.rank).toBe(3);
    expect(r.region!.deficit).toBe(1);
    expect(r.warnings.join(" ")).toMatch(/rank 3 < k = 4.*1-dimensional family/);
    expect(r.residual.linf).toBeLessThan(1e-9);
  });

  it("m = k measurements: an exact fit is not called identified", () => {
    const gen = randomGenerator({ sizes: [6, 30, 80], activation: RELU, rng: 8 });
    const { z, x } = sampleOne(gen, 3);
    const op = gaussianOperator(6, 80, 4);
    const init = Float64Array.from(z, (v, i) => v + 1e-3 * Math.cos(i));
    const r = invert(gen, applyOperator(op, x, new Float64Array(6)), { method: "region", operator: op, init, restarts: 0 });
    expect(r.residual.linf).toBeLessThan(1e-9);
    expect(r.status).toBe("non_unique");
    expect(r.warnings.join(" ")).toMatch(/6 observed values for k = 6 unknowns/);
  });

  it("a local minimum with a large residual says so, never exact", () => {
    const { x } = sampleOne(leaky, 12);
    const rng = new Rng(13);
    const noisy = Float64Array.from(x, (v) => v + 0.3 * rng.normal());
    const r = invert(leaky, noisy, { method: "region", seed: 0, restarts: 2 });
    expect(r.status).toBe("converged");
    expect(r.region!.localMinimum).toBe(true);
    expect(r.region!.fitted).toBe(false);
    expect(r.warnings.join(" ")).toMatch(/local minimum of the l2 objective with residual ‖r‖₂ = \d\.\d+e[-+]\d+/);
    // unreachable data (negative outputs of a ReLU net): no fit, and not called one
    const relu = randomGenerator({ sizes: [5, 20, 40], activation: RELU, rng: 1 });
    const neg = new Float64Array(40).fill(-1);
    const r2 = invert(relu, neg, { method: "region", seed: 0, restarts: 1 });
    // G(z) = 0 is the best a ReLU output can do: a flat region, so not identified either
    expect(r2.status).toBe("non_unique");
    expect(r2.region!.localMinimum).toBe(true);
    expect(r2.region!.fitted).toBe(false);
  });

  it("region-linf and region-l1 recover z* exactly through a mask", () => {
    const { z, x } = sampleOne(leaky, 21);
    const rows = halfRows(200, 4);
    const op = maskOperator(200, rows);
    const y = applyOperator(op, x, new Float64Array(rows.length));
    for (const method of ["region-linf", "region-l1"] as const) {
      const r = invert(leaky, y, { method, operator: op, seed: 2 });
      expect(r.status, method).toBe("exact");
      expect(relativeError(r.z, z), method).toBeLessThan(1e-8);
      expect(r.region!.lpSolves).toBeGreaterThan(0);
    }
  });

  it("bad operators are named errors", () => {
    const { x } = sampleOne(leaky, 1);
    expect(() => invert(leaky, x, { method: "region", operator: maskOperator(199, [0, 1]) })).toThrow(
      /the measurement operator takes 199 values, the generator outputs 200/,
    );
    expect(() => invert(leaky, new Float64Array(3), { method: "region", operator: maskOperator(200, [0, 1]) })).toThrow(
      /observation has 3 entries, expected 2/,
    );
    const a = new Float64Array(2 * 200);
    a[7] = NaN;
    expect(() => denseOperator({ rows: 2, cols: 200, data: a })).toThrow(/measurement matrix entry \[0\]\[7\] is NaN/);
    expect(() => denseOperator({ rows: 0, cols: 200, data: new Float64Array(0) })).toThrow(/0 rows: at least one measurement/);
  });
});

describe("the Gaussian prior (auto's MAP estimate on noisy data)", () => {
  const gen = randomGenerator({ sizes: [10, 60, 200], activation: RELU, rng: 4 });
  const sigma = 0.3;
  const noisy = (s: number): { z: Float64Array; x: Float64Array; y: Float64Array } => {
    const rng = new Rng(100 + s);
    const z = rng.fillNormal(new Float64Array(10));
    const x = gen.forward(z);
    return { z, x, y: Float64Array.from(x, (v) => v + sigma * rng.normal()) };
  };
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;
  const mapObjective = (z: Float64Array, y: Float64Array, lambda: number): number => {
    const g = gen.forward(z);
    let f = 0;
    for (let i = 0; i < g.length; i++) f += (g[i]! - y[i]!) ** 2;
    return 0.5 * f + 0.5 * lambda * z.reduce((a, v) => a + v * v, 0);
  };

  it("estimates σ from the residual, descends the MAP objective from the least-squares answer, and lands closer to G(z*)", () => {
    const ls: number[] = [];
    const map: number[] = [];
    for (let s = 0; s < 7; s++) {
      const { x, y } = noisy(s);
      const a = invert(gen, y, { prior: "none" });
      const b = invert(gen, y);
      expect(a.region!.prior).toBeUndefined();
      const p = b.region!.prior!;
      expect(p.kind).toBe("gaussian");
      expect(p.estimated).toBe(true);
      // ‖r‖₂²/(m − k) with 190 degrees of freedom: within 15 % of the true σ
      expect(Math.abs(p.noiseSigma - sigma)).toBeLessThan(0.15 * sigma);
      expect(p.leastSquaresResidualL2).toBeCloseTo(a.residual.l2, 12);
      const lambda = p.noiseSigma ** 2;
      expect(mapObjective(b.z, y, lambda)).toBeLessThan(mapObjective(a.z, y, lambda));
      expect(b.status).toBe("converged");
      expect(b.warnings.join(" ")).toMatch(
        /MAP estimate under the prior z ~ N\(0, I\) with noise σ = \d\.\d{3}e-1 \(estimated from the least-squares residual\)/,
      );
      ls.push(relativeError(gen.forward(a.z), x));
      map.push(relativeError(gen.forward(b.z), x));
    }
    expect(median(map)).toBeLessThan(0.9 * median(ls));
  });

  it("uses a given noise level, leaves data that fit alone, and refuses what it cannot do", () => {
    const { y } = noisy(0);
    const given = invert(gen, y, { noiseSigma: 0.25 });
    expect(given.region!.prior).toMatchObject({ kind: "gaussian", noiseSigma: 0.25, estimated: false });
    // realizable data: exact, with no prior applied
    const { z, x } = sampleOne(gen, 3);
    const r = invert(gen, x, { method: "region", prior: "gaussian", seed: 1 });
    expect(r.status).toBe("exact");
    expect(r.region!.prior).toBeUndefined();
    expect(relativeError(r.z, z)).toBeLessThan(1e-9);
    // too few observed values to estimate σ: the least-squares fit, with a warning
    const op = maskOperator(
      200,
      Array.from({ length: 15 }, (_, i) => 10 * i),
    );
    const few = invert(gen, applyOperator(op, y, new Float64Array(15)), { operator: op, seed: 0 });
    expect(few.region!.prior).toBeUndefined();
    expect(few.warnings.join(" ")).toMatch(/prior gaussian skipped: estimating the noise level needs m ≥ 2k = 20 observed values, got 15/);
    expect(() => invert(gen, y, { method: "region-linf", prior: "gaussian" })).toThrow(
      /prior gaussian is for the ℓ2 region methods \(auto, region\), not region-linf/,
    );
    expect(() => invert(gen, y, { method: "region", noiseSigma: 0.3 })).toThrow(/noiseSigma is for prior gaussian, not prior none/);
    expect(() => invert(gen, y, { noiseSigma: -1 })).toThrow(/noiseSigma expects a positive number, got -1/);
    expect(() => invert(gen, y, { noiseSigma: 1e200 })).toThrow(/noiseSigma 1e\+200: its square Infinity is no usable prior weight/);
    expect(() => invert(gen, y, { prior: "laplace" as "none" })).toThrow(/prior expects gaussian or none, got "laplace"/);
    expect(() => invert(gen, y, { method: "region", modeStarts: 2 })).toThrow(/modeStarts is for prior gaussian, not prior none/);
    expect(() => invert(gen, y, { modeStarts: -1 })).toThrow(/modeStarts expects an integer in \[0, 1000\], got -1/);
  });

  it("the Laplace approximation at a MAP mode: log det(H/σ²) and tr(JᵀJ·H⁻¹) as from the Jacobian by central differences", () => {
    const { y } = noisy(1);
    const lambda = 0.09;
    const walker = new RegionWalker(gen, identityOperator(200), y, "l2", 1e-12, 1e-10, 60, { backend: "engine", fallback: true });
    walker.priorWeight = lambda;
    const mode = walker.walk(new Rng(5).fillNormal(new Float64Array(10))).z;
    const lap = walker.laplace(mode)!;
    // G is affine on the mode's region, so central differences are its Jacobian to rounding
    const h = 1e-7;
    const J = Array.from({ length: 10 }, (_, j) => {
      const a = Float64Array.from(mode);
      const b = Float64Array.from(mode);
      a[j]! += h;
      b[j]! -= h;
      const ga = gen.forward(a);
      const gb = gen.forward(b);
      return Array.from(ga, (v, i) => (v - gb[i]!) / (2 * h));
    });
    const H = J.map((ri, i) => J.map((rj, j) => ri.reduce((acc, v, t) => acc + v * rj[t]!, 0) / lambda + (i === j ? 1 : 0)));
    // Gauss–Jordan on [H/σ² | I]: log det and tr((H/σ²)⁻¹) = tr(H⁻¹)·σ²
    const A = H.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
    let logDet = 0;
    for (let c = 0; c < 10; c++) {
      const piv = A[c]![c]!;
      logDet += Math.log(piv);
      A[c] = A[c]!.map((v) => v / piv);
      for (let r = 0; r < 10; r++) if (r !== c) A[r] = A[r]!.map((v, j) => v - A[r]![c]! * A[c]![j]!);
    }
    const traceScaledInverse = A.reduce((acc, row, i) => acc + row[10 + i]!, 0);
    expect(lap.logDetScaled).toBeCloseTo(logDet, 6);
    expect(lap.dof).toBeCloseTo(10 - traceScaledInverse, 6);
    walker.priorWeight = 0;
    expect(walker.laplace(mode)).toBeNull();
  });

  it("on a broad posterior seeks other modes and returns the minimum-Bayes-risk one: Figure 3's digits closer to G(z*)", () => {
    // reproduce fig3's default 8 digits (seed 0): measured 0.340 with the search, 0.360 with the first mode (Adam 0.354)
    const mnist = loadModel("mnist");
    const first: number[] = [];
    const chosen: number[] = [];
    for (let d = 0; d < 8; d++) {
      const rng = Rng.derive(0, IMAGES_STREAM, d);
      const z = rng.fillNormal(new Float64Array(mnist.inputSize));
      const x = mnist.forward(z);
      const y = addNoise(Float64Array.from(x), { kind: "gaussian", level: FIG3_SIGMA }, rng);
      const a = invert(mnist, y, { seed: d, modeStarts: 0 });
      const b = invert(mnist, y, { seed: d });
      expect(a.region!.prior!.modes).toBeUndefined();
      const p = b.region!.prior!;
      expect(p.posteriorSpread!).toBeGreaterThan(0.1);
      expect(p.posteriorSpread).toBeCloseTo(a.region!.prior!.posteriorSpread!, 12);
      const modes = p.modes!;
      expect(modes.walks).toBe(5);
      expect(modes.objective.length).toBeGreaterThan(1);
      expect(modes.weight.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
      // the first mode is the walk without the search; the returned z is the reported mode
      expect(modes.objective[0]).toBeCloseTo(mapValue(mnist, a.z, y, p.noiseSigma ** 2), 8);
      expect(modes.objective[modes.chosen]).toBeCloseTo(mapValue(mnist, b.z, y, p.noiseSigma ** 2), 8);
      expect(b.warnings.join(" ")).toMatch(/broad posterior \(Laplace image spread \d\.\d{3} of ‖A·G\(z\)‖\): \d distinct modes from 5 MAP walks/);
      first.push(relativeError(mnist.forward(a.z), x));
      chosen.push(relativeError(mnist.forward(b.z), x));
    }
    expect(median(chosen)).toBeLessThan(0.97 * median(first));
  });

  it("a small noise level leaves the posterior narrow: no search", () => {
    const rng = new Rng(7);
    const z = rng.fillNormal(new Float64Array(10));
    const y = Float64Array.from(gen.forward(z), (v) => v + 0.02 * rng.normal());
    const r = invert(gen, y);
    expect(r.region!.prior!.posteriorSpread!).toBeLessThan(0.1);
    expect(r.region!.prior!.modes).toBeUndefined();
  });
});

/** ½‖G(z) − y‖² + ½λ‖z‖², the MAP objective. */
function mapValue(gen: Generator, z: Float64Array, y: Float64Array, lambda: number): number {
  const g = gen.forward(z);
  let f = 0;
  for (let i = 0; i < g.length; i++) f += (g[i]! - y[i]!) ** 2;
  return 0.5 * f + 0.5 * lambda * z.reduce((a, v) => a + v * v, 0);
}

describe("the region model", () => {
  it("forms ∂(A·G)/∂z exactly as the reference forward mode does (k = 13: blocks of 8, 4 and 1 columns)", () => {
    const cases = [
      { gen: randomGenerator({ sizes: [13, 30, 50, 70], activation: leakyRelu(0.1), rng: 21 }), dense: false },
      { gen: randomGenerator({ sizes: [13, 40, 70], activation: RELU, rng: 22 }), dense: true },
    ];
    for (const { gen, dense } of cases) {
      const n = gen.outputSize;
      const op = dense ? gaussianOperator(25, n, new Rng(23)) : identityOperator(n);
      const z = new Rng(24).fillNormal(new Float64Array(13));
      const ws = new RegionWorkspace(gen, op);
      ws.linearize(z, new Float64Array(ws.m));
      const ref = measuredJacobian(new GradientWorkspace(gen, op), z);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ws.M[i]! - ref[i]!));
      expect(worst).toBeLessThan(1e-12);
      expect(ref.some((v) => v !== 0)).toBe(true);
    }
  });
});

describe("the region LP", () => {
  beforeAll(async () => {
    await loadHighsBackend();
  });

  it("agrees with HiGHS on one region's ℓ∞ and ℓ1 fits (mask and dense operators)", () => {
    const gen = randomGenerator({ sizes: [8, 40, 90], activation: RELU, rng: 11 });
    const { x } = sampleOne(gen, 5);
    const rng = new Rng(6);
    const noisy = Float64Array.from(x, (v) => v + 0.01 * rng.normal());
    for (const op of [maskOperator(90, halfRows(90, 3)), gaussianOperator(30, 90, 7)]) {
      const m = op.kind === "mask" ? op.rows.length : 30;
      const y = applyOperator(op, noisy, new Float64Array(m));
      const model = new RegionWorkspace(gen, op);
      model.oneSidedRows = true;
      const z0 = new Rng(9).fillNormal(new Float64Array(8));
      model.linearize(z0, y);
      const fw = new RegionFitWorkspace(model);
      for (const norm of ["linf", "l1"] as const) {
        const a = new Float64Array(8);
        const b = new Float64Array(8);
        const ra = fitLp(fw, z0, y, norm, a, { backend: "engine" });
        const rb = fitLp(fw, z0, y, norm, b, { backend: "highs" });
        expect(ra.ok && rb.ok).toBe(true);
        // the optimal objective of the region model at each answer agrees
        const value = (zz: Float64Array): number => {
          let v = 0;
          for (let r = 0; r < m; r++) {
            let s = model.base[r]!;
            for (let i = 0; i < 8; i++) s += model.M[r * 8 + i]! * (zz[i]! - z0[i]!);
            const kind = model.kind[r]!;
            const dev = kind === 0 ? Math.abs(s - y[r]!) : Math.max(0, s - Math.min(y[r]!, 0));
            v = norm === "linf" ? Math.max(v, dev) : v + dev;
          }
          return v;
        };
        expect(Math.abs(value(a) - value(b))).toBeLessThan(1e-8 * Math.max(1, value(b)));
      }
    }
  });
});
