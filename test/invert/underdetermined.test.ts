import { describe, expect, it } from "vitest";
import { invert } from "../../src/invert/invert.js";
import { leakyRelu } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { observedRows } from "../../src/operators/operator.js";

// issue 14: mnist-leaky with the bottom half hidden leaves the output layer 392 rows for 500
// inputs; its ℓ∞ LP (501 unknowns) and then ℓ1 LP took seconds to tens of seconds an image
describe("a layer with fewer observed rows than inputs (half-hidden output)", () => {
  const full = randomGenerator({ sizes: [4, 20, 50, 70], activation: leakyRelu(0.1), rng: 61 });
  const rows = Int32Array.from({ length: 35 }, (_, i) => 2 * i); // 35 observed rows, 50 inputs
  const gen = observedRows(full, rows);
  const s = sampleObservations(gen, 1, 62);

  for (const method of ["linf", "l1"] as const) {
    it(`${method}: answered in the free directions, no LP in 50 unknowns, flagged non_unique`, () => {
      const r = invert(gen, s.x.data, { method, refine: false });
      const last = r.layers[2]!;
      expect(last.status).toBe("non_unique");
      expect(last.lpSolves).toBe(0);
      expect(last.residual.linf).toBeLessThan(1e-6);
      expect(last.message).toMatch(/direction\(s\) of the layer input unconstrained/);
      expect(r.status).toBe("non_unique");
    });
  }

  it("a LeakyReLU output in (0, ε₀] (sides crossing, Remark 1) is pinned at its crossing: δ is that row's least deviation", () => {
    const x = Float64Array.from(s.x.data);
    x[7] = 5e-7; // below ε₀ = 1e-6: the row's sides cross, so δ ≥ 5e-7·(1 − c)/(1 + c)
    const r = invert(gen, x, { method: "linf", refine: false });
    const last = r.layers[2]!;
    expect(last.lpSolves).toBe(0);
    expect(last.delta!).toBeCloseTo((5e-7 * 0.9) / 1.1, 15);
    expect(last.eps).toBe(1e-6);
  });
});
