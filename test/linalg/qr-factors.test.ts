import { describe, expect, it } from "vitest";
import { matrix } from "../../src/linalg/matrix.js";
import { leastSquaresRows, QrWorkspace } from "../../src/linalg/qr.js";
import { QrFactors } from "../../src/linalg/qr-factors.js";
import { invertExactLayer } from "../../src/invert/exact.js";
import { leakyRelu } from "../../src/model/activation.js";
import { randomGenerator } from "../../src/model/random.js";
import { Rng } from "../../src/model/rng.js";

describe("QrFactors (one factorisation, many right-hand sides)", () => {
  it("solves as leastSquaresRows does, right-hand side after right-hand side (k = 23: blocks of 4 and a tail of 3)", () => {
    const rng = new Rng(11);
    const m = 61;
    const n = 23;
    const a = matrix(m, n, rng.fillNormal(new Float64Array(m * n)));
    const f = QrFactors.of(a);
    const all = Int32Array.from({ length: m }, (_, i) => i);
    const ws = new QrWorkspace();
    for (let t = 0; t < 4; t++) {
      const b = rng.fillNormal(new Float64Array(m));
      const x = new Float64Array(n);
      const want = new Float64Array(n);
      const got = f.solve(b, x);
      const ref = leastSquaresRows(a, all, m, b, want, ws);
      for (let j = 0; j < n; j++) expect(Math.abs(x[j]! - want[j]!)).toBeLessThan(1e-12 * (1 + Math.abs(want[j]!)));
      expect(got.residualNorm).toBeCloseTo(ref.residualNorm, 12);
      expect(got.rank).toBe(n);
    }
    expect(f.rcond).toBeGreaterThan(0.05);
    expect(() => QrFactors.of(matrix(3, 4, new Float64Array(12)))).toThrow(/QrFactors needs rows ≥ columns ≥ 1, got 3×4/);
  });

  it("exact inversion of a LeakyReLU layer reuses the factors, and factors afresh when the weights were edited in place", () => {
    const gen = randomGenerator({ sizes: [8, 40], activation: leakyRelu(0.2), rng: 5 });
    const layer = gen.layers[0]!;
    const ctx = { index: 0, depth: 1, inputRange: [-Infinity, Infinity] as [number, number], options: {} };
    const rng = new Rng(3);
    for (let t = 0; t < 2; t++) {
      const z = rng.fillNormal(new Float64Array(8));
      const r = invertExactLayer(layer, gen.forward(z), ctx);
      expect(r.report.status).toBe("exact");
      for (let j = 0; j < 8; j++) expect(Math.abs(r.x[j]! - z[j]!)).toBeLessThan(1e-12);
    }
    layer.weight.data[0]! += 0.5; // same Matrix object, new values
    const z = rng.fillNormal(new Float64Array(8));
    const r = invertExactLayer(layer, gen.forward(z), ctx);
    expect(r.report.status).toBe("exact");
    for (let j = 0; j < 8; j++) expect(Math.abs(r.x[j]! - z[j]!)).toBeLessThan(1e-12);
  });
});
