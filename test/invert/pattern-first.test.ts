import { beforeAll, describe, expect, it } from "vitest";
import { invertLayerwise } from "../../src/invert/driver.js";
import { invert } from "../../src/invert/invert.js";
import { invertLinfLayer, invertLinfLayerFrom } from "../../src/invert/linf.js";
import { lpSettings } from "../../src/invert/lp-layer.js";
import { leastSquaresStart, settlePattern } from "../../src/invert/pattern-first.js";
import { applyRefinement, linearizeAt, patternOf, relinearize } from "../../src/invert/refine.js";
import { relativeError } from "../../src/linalg/norms.js";
import { loadHighsBackend } from "../../src/lp/highs.js";
import { leakyRelu, RELU } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { Rng } from "../../src/model/rng.js";

const flips = (a: string, b: string): number => [...a].filter((c, i) => c !== b[i]).length;

describe("ℓ∞ through the activation pattern (pattern-first)", () => {
  beforeAll(async () => {
    await loadHighsBackend();
  });

  it("relinearize moves a linearisation to another pattern by rank-one updates: linearizeAt's J and o to 1e-12 (ReLU, LeakyReLU, biases)", () => {
    for (const activation of [RELU, leakyRelu(0.2)]) {
      const gen = randomGenerator({ sizes: [8, 40, 120], activation, bias: true, rng: 31 });
      const rng = new Rng(32);
      for (let t = 0; t < 5; t++) {
        const z1 = Float64Array.from({ length: 8 }, () => rng.uniformIn(-1, 1));
        const z2 = z1.map((v) => v + rng.uniformIn(-0.25, 0.25));
        const from = patternOf(gen, z1);
        const to = patternOf(gen, z2);
        expect(flips(from, to)).toBeGreaterThan(0);
        const moved = relinearize(gen, linearizeAt(gen, z1), from, to)!;
        const fresh = linearizeAt(gen, z2);
        expect(Math.max(...moved.weight.data.map((v, i) => Math.abs(v - fresh.weight.data[i]!)))).toBeLessThan(1e-12);
        expect(Math.max(...moved.bias!.map((v, i) => Math.abs(v - fresh.bias![i]!)))).toBeLessThan(1e-12);
      }
    }
    // two hidden layers: a flip changes every product below it, so the caller linearises afresh
    const deep = randomGenerator({ sizes: [4, 12, 24, 48], activation: RELU, rng: 33 });
    const z = Float64Array.of(0.1, -0.2, 0.3, 0.4);
    expect(
      relinearize(
        deep,
        linearizeAt(deep, z),
        patternOf(deep, z),
        patternOf(
          deep,
          z.map((v) => -v),
        ),
      ),
    ).toBeNull();
  });

  it("noiseless data: z* to rounding (1e-14), as layer-wise QR gives it — the settled least squares returned as the LP's witness is refined to QR's accuracy", () => {
    for (const sizes of [
      [20, 100, 500],
      [100, 250, 600],
    ]) {
      const gen = randomGenerator({ sizes, activation: RELU, rng: 2024 });
      const s = sampleObservations(gen, 3, 7, { kind: "none" });
      for (let i = 0; i < 3; i++) {
        const r = invert(gen, s.x.data.slice(i * s.x.cols, (i + 1) * s.x.cols), { method: "linf" });
        expect(r.layers).toHaveLength(1); // the pattern-first path
        expect(relativeError(r.z, s.z.data.slice(i * s.z.cols, (i + 1) * s.z.cols))).toBeLessThan(1e-14);
      }
    }
  });

  it("20-100-500 at noise 1e-4: the answer is certified on its own region — HiGHS's LP there gives the same ε and z (1e-9)", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 2024 });
    const s = sampleObservations(gen, 3, 7, { kind: "uniform", level: 1e-4 });
    for (let i = 0; i < 3; i++) {
      const x = s.x.data.slice(i * 500, (i + 1) * 500);
      const r = invert(gen, x, { method: "linf" });
      expect(r.status).toBe("optimal");
      expect(r.layers).toHaveLength(1);
      expect(r.layers[0]!.name).toMatch(/^network linearised at its activation pattern/);
      // z lies in the region it was solved on, so G is J z + o there and the residual is the LP's
      expect(r.residual.linf).toBeCloseTo(r.layers[0]!.residual.linf, 14);
      const h = invertLinfLayer(linearizeAt(gen, r.z), x, { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: { lpBackend: "highs" } });
      expect(h.report.eps).toBe(r.layers[0]!.eps);
      expect(relativeError(h.x, r.z)).toBeLessThan(1e-9);
      expect(relativeError(r.z, s.z.data.slice(i * 20, (i + 1) * 20))).toBeLessThan(3e-4);
    }
  });

  it("100-250-600 (2.4 outputs per input): a start 2 units off is settled by the Gauss–Newton steps, one LP pass, the layer-wise + refinement answer (1e-9)", () => {
    const gen = randomGenerator({ sizes: [100, 250, 600], activation: RELU, rng: 2024 });
    const s = sampleObservations(gen, 2, 7, { kind: "uniform", level: 1e-4 });
    const x = s.x.data.slice(600, 1200);
    const r = invert(gen, x, { method: "linf" });
    expect(r.status).toBe("optimal");
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0]!.name).toMatch(/\(1 pass\)$/);
    expect(flips(patternOf(gen, leastSquaresStart(gen, x, {})!), patternOf(gen, r.z))).toBe(2);
    const lw = applyRefinement(gen, x, invertLayerwise(gen, x, invertLinfLayer, {}, "linf"), invertLinfLayer, "linf", {});
    expect(relativeError(r.z, lw.z)).toBeLessThan(1e-9);
  });

  it("the LP in z starts from the settled least squares: the ε, δ and z of the search's own witness (1e-9) in fewer pivots, and HiGHS's ε and δ on that LP (100-250-600)", () => {
    const gen = randomGenerator({ sizes: [100, 250, 600], activation: RELU, rng: 2024 });
    const s = sampleObservations(gen, 2, 7, { kind: "uniform", level: 1e-4 });
    const x = s.x.data.slice(600, 1200);
    const ctx = { index: 0, depth: 1, inputRange: [-Infinity, Infinity] as [number, number], options: {} };
    const settled = settlePattern(gen, x, leastSquaresStart(gen, x, {})!, ctx, lpSettings({}), 2);
    expect(settled.z).not.toBeNull();
    const own = invertLinfLayer(settled.layer, x, ctx);
    const from = invertLinfLayerFrom(settled.layer, x, ctx, { witness: settled.z! });
    expect(from.report.status).toBe("optimal");
    expect(from.report.eps).toBe(own.report.eps);
    expect(Math.abs(from.report.delta! - own.report.delta!)).toBeLessThan(1e-9 * own.report.delta!); // two solves of one LP: the same δ to rounding
    expect(relativeError(from.x, own.x)).toBeLessThan(1e-9);
    expect(from.report.pivots!).toBeLessThan(0.6 * own.report.pivots!);
    const h = invertLinfLayer(settled.layer, x, { ...ctx, options: { lpBackend: "highs" } });
    expect(h.report.eps).toBe(from.report.eps);
    expect(Math.abs(h.report.delta! - from.report.delta!)).toBeLessThan(1e-9 * from.report.delta!);
    expect(relativeError(h.x, from.x)).toBeLessThan(1e-9);
  });

  it("LP passes that alternate between two regions end; the second start lands in one that certifies — HiGHS agrees (1e-9), and the fit beats the layer-wise path's", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 77 });
    const s = sampleObservations(gen, 20, 8, { kind: "uniform", level: 1e-2 });
    const x = s.x.data.slice(19 * 500, 20 * 500);
    const r = invert(gen, x, { method: "linf" });
    expect(r.status).toBe("optimal");
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0]!.name).toMatch(/, second start\)$/);
    const h = invertLinfLayer(linearizeAt(gen, r.z), x, { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: { lpBackend: "highs" } });
    expect(h.report.eps).toBe(r.layers[0]!.eps);
    expect(relativeError(h.x, r.z)).toBeLessThan(1e-9);
    const lw = applyRefinement(gen, x, invertLayerwise(gen, x, invertLinfLayer, {}, "linf"), invertLinfLayer, "linf", {});
    expect(r.residual.linf).toBeLessThan(lw.residual.linf);
    expect(relativeError(r.z, s.z.data.slice(19 * 20, 20 * 20))).toBeLessThan(relativeError(lw.z, s.z.data.slice(19 * 20, 20 * 20)));
  });
});
