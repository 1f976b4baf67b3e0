import { describe, expect, it } from "vitest";
import { invert } from "../../src/invert/invert.js";
import { RELU } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { accuracy } from "./accuracy.js";

describe("l1 (Algorithm 2)", () => {
  for (const e of [1e-6, 1e-4, 1e-2]) {
    it(`recovers z* within 5e at noise e = ${e} on 20-100-500 (median of 50, default options)`, () => {
      const r = accuracy([20, 100, 500], e, { method: "l1" }, 50);
      expect(r.median).toBeLessThanOrEqual(5 * e);
      expect(r.results.every((x) => x.status === "optimal")).toBe(true);
    });
  }

  it("recovers z* to 1e-7 from noiseless observations (every one of 10 runs)", () => {
    const r = accuracy([20, 100, 500], 0, { method: "l1" }, 10);
    expect(r.max).toBeLessThanOrEqual(1e-7);
  });

  it("fewer two-sided rows than unknowns is reported non_unique, as linf and exact do (k = 160 on 160-250-600)", () => {
    const gen = randomGenerator({ sizes: [160, 250, 600], activation: RELU, rng: 77 });
    const s = sampleObservations(gen, 1, 78);
    for (const method of ["l1", "linf", "exact"] as const) {
      const r = invert(gen, s.x.data, { method });
      expect(r.status).toBe("non_unique");
      expect(r.layers[0]!.status).toBe("non_unique");
      expect(r.layers[0]!.activeRows!).toBeLessThan(160);
    }
  });

  it("the layer-wise Algorithm 2 alone (refine: false) is within 5e at noise 1e-4 (median of 50)", () => {
    const r = accuracy([20, 100, 500], 1e-4, { method: "l1", refine: false }, 50);
    expect(r.median).toBeLessThanOrEqual(5e-4);
  });

  it("reports the ℓ1 fit and the ε each layer stopped at; the refinement guards the ℓ1 residual", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 21 });
    const s = sampleObservations(gen, 1, 22, { kind: "gaussian", level: 1e-3 });
    const r = invert(gen, s.x.data, { method: "l1" });
    expect(r.status).toBe("optimal");
    for (const l of r.layers) {
      expect(l.l1Fit).toBeGreaterThan(0);
      // the LP's ℓ1 objective bounds the layer's ReLU ℓ1 misfit from below (off rows are one-sided)
      expect(l.residual.l1).toBeGreaterThanOrEqual(l.l1Fit! - 1e-9);
      expect(l.eps).toBeGreaterThan(0);
    }
    expect(r.refinement!.norm).toBe("l1");
    expect(r.refinement!.residualAfter).toBeLessThanOrEqual(r.refinement!.residualBefore);
  });

  it("the paper's loop (epsSearch: scan from ε₀) stops when the fit stops improving and stays accurate", () => {
    const r = accuracy([20, 100, 500], 1e-4, { method: "l1", epsSearch: "scan", eps0: 1e-4 }, 10);
    expect(r.median).toBeLessThanOrEqual(5e-4);
  });
});
