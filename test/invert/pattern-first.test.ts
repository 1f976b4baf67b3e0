import { beforeAll, describe, expect, it } from "vitest";
import { invertLayerwise } from "../../src/invert/driver.js";
import { invert } from "../../src/invert/invert.js";
import { invertLinfLayer, invertLinfLayerFrom } from "../../src/invert/linf.js";
import { lpSettings } from "../../src/invert/lp-layer.js";
import { leastSquaresStart, leftOutHold, lpRows, settlePattern, settleRows } from "../../src/invert/pattern-first.js";
import { applyRefinement, hiddenTrace, linearizeAt, linearizeAtSimd, outputPreActivation, patternOf, relinearize } from "../../src/invert/refine.js";
import { relativeError } from "../../src/linalg/norms.js";
import { loadHighsBackend } from "../../src/lp/highs.js";
import { applyActivation, leakyRelu, RELU } from "../../src/model/activation.js";
import { Generator } from "../../src/model/generator.js";
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
    // the report says where the time went: every step ran, and the steps fit in the layer's time
    const steps = r.layers[0]!.stepTimeMs!;
    expect(Object.keys(steps)).toEqual(["start", "settle", "lp", "certify"]);
    for (const v of Object.values(steps)) expect(v).toBeGreaterThan(0);
    expect(Object.values(steps).reduce((a, v) => a + v, 0)).toBeLessThanOrEqual(r.layers[0]!.timeMs);
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

  it("one hidden trace serves the pattern and the output layer: patternOf, outputPreActivation and Generator.forward's sums to the bit (ReLU, LeakyReLU, deep, biases)", () => {
    const rng = new Rng(5);
    for (const gen of [
      randomGenerator({ sizes: [6, 20, 48], activation: RELU, rng: 31, bias: true }),
      randomGenerator({ sizes: [4, 12, 24, 48], activation: leakyRelu(0.1), rng: 33, bias: true }),
      randomGenerator({ sizes: [5, 30], activation: RELU, rng: 35 }),
    ]) {
      const z = rng.fillNormal(new Float64Array(gen.inputSize));
      const trace = hiddenTrace(gen, z);
      expect(trace.pattern).toBe(patternOf(gen, z));
      const pre = outputPreActivation(gen, z, null, trace.hidden);
      expect(Array.from(pre)).toEqual(Array.from(outputPreActivation(gen, z)));
      const rows = Int32Array.of(1, 3, 4);
      expect(Array.from(outputPreActivation(gen, z, rows, trace.hidden))).toEqual(Array.from(outputPreActivation(gen, z, rows)));
      const out = Float64Array.from(pre);
      applyActivation(gen.layers[gen.depth - 1]!.activation, out);
      expect(Array.from(out)).toEqual(Array.from(gen.forward(z)));
    }
  });

  it("J_P on a subset of the output rows is those rows of the whole J_P to the bit; relinearize on that subset too", () => {
    const gen = randomGenerator({ sizes: [6, 20, 48], activation: RELU, rng: 31, bias: true });
    const rng = new Rng(32);
    const z1 = Float64Array.from({ length: 6 }, () => rng.uniformIn(-1, 1));
    const z2 = z1.map((v) => v + rng.uniformIn(-0.5, 0.5));
    const rows = Int32Array.from({ length: 48 }, (_, j) => j).filter((j) => j % 3 !== 1);
    const full = linearizeAtSimd(gen, z1);
    const sub = linearizeAtSimd(gen, z1, rows);
    expect(sub.weight.rows).toBe(rows.length);
    rows.forEach((j, r) => {
      expect(Array.from(sub.weight.data.subarray(r * 6, (r + 1) * 6))).toEqual(Array.from(full.weight.data.subarray(j * 6, (j + 1) * 6)));
      expect(sub.bias![r]).toBe(full.bias![j]);
    });
    const [from, to] = [patternOf(gen, z1), patternOf(gen, z2)];
    expect(from).not.toBe(to);
    const movedSub = relinearize(gen, sub, from, to, rows)!;
    const movedFull = relinearize(gen, full, from, to)!;
    rows.forEach((j, r) =>
      expect(Array.from(movedSub.weight.data.subarray(r * 6, (r + 1) * 6))).toEqual(Array.from(movedFull.weight.data.subarray(j * 6, (j + 1) * 6))),
    );
    expect(relinearize(gen, sub, from, to)).toBeNull(); // a subset layer without its rows is refused, not misread
  });

  it("the LP leaves out far-off rows, and when one of them binds the answer is still the LP over all rows: a crafted row violated at the subset's optimum — HiGHS's ε and δ on every row", () => {
    const g0 = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 2024 });
    const x0 = sampleObservations(g0, 1, 7, { kind: "uniform", level: 1e-4 }).x.data.slice(0, 500);
    const ctx = { index: 0, depth: 1, inputRange: [-Infinity, Infinity] as [number, number], options: {} };
    const r0 = invert(g0, x0, { method: "linf" });
    expect(r0.layers[0]!.name).toMatch(/activation pattern \(1 pass\)/);
    expect(r0.layers[0]!.lpSolves).toBe(2); // cold solve + the probe below: no second LP over all rows
    const z0 = leastSquaresStart(g0, x0, {})!;
    const settled = settlePattern(g0, x0, z0, ctx, lpSettings({}), 2);
    const floor = Math.max(1e-6, -Math.min(...x0));
    // an extra output row, off at the settled z by 20 noise floors (the start is that z to ~1e-4), whose pre-activation rises past x + δ on the way to r0's answer
    const hidden = (z: Float64Array): Float64Array => g0.forwardTrace(z)[0]!;
    const [hs, ho] = [hidden(settled.z!), hidden(r0.z)];
    const d = ho.map((v, i) => v - hs[i]!);
    const dd = d.reduce((a, v) => a + v * v, 0);
    const delta0 = r0.layers[0]!.delta!;
    const u = d.map((v) => (v * (30 * floor + delta0)) / dd);
    const w = new Float64Array(501 * 100);
    w.set(g0.layers[1]!.weight.data);
    w.set(u, 500 * 100);
    const bias = new Float64Array(501);
    bias.set(g0.layers[1]!.bias ?? new Float64Array(500));
    bias[500] = -20 * floor - u.reduce((a, v, i) => a + v * hs[i]!, 0);
    const gen = new Generator([g0.layers[0]!, { weight: { rows: 501, cols: 100, data: w }, bias, activation: RELU }]);
    const x = new Float64Array(501);
    x.set(x0);
    // the row is left out at the start, and r0's answer (the subset's optimum) breaks it
    const chosen = lpRows(x, outputPreActivation(gen, z0), floor)!;
    expect(Array.from(chosen.leftOut)).toContain(500);
    expect(settleRows(gen, x, 2 * floor)).not.toContain(500);
    expect(leftOutHold(x, outputPreActivation(gen, r0.z), chosen.leftOut, r0.layers[0]!.eps!, delta0)).toBe(false);
    const r = invert(gen, x, { method: "linf" });
    expect(r.status).toBe("optimal");
    expect(r.layers[0]!.name).toMatch(/activation pattern/);
    expect(r.layers[0]!.lpSolves!).toBeGreaterThan(2); // the LP ran again on every row
    const h = invertLinfLayer(linearizeAt(gen, r.z), x, { ...ctx, options: { lpBackend: "highs" } });
    expect(h.report.eps).toBe(r.layers[0]!.eps);
    expect(Math.abs(h.report.delta! - r.layers[0]!.delta!)).toBeLessThan(1e-9 * h.report.delta!);
    expect(r.layers[0]!.delta!).toBeGreaterThan(delta0 * (1 + 1e-6)); // the crafted row binds: a worse fit than without it
    expect(relativeError(h.x, r.z)).toBeLessThan(1e-9);
    expect(r.residual.linf).toBeLessThanOrEqual(r.layers[0]!.residual.linf * (1 + 1e-9));
  });
});
