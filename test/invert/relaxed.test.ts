import { describe, expect, it } from "vitest";
import { invert } from "../../src/invert/invert.js";
import { leakyRelu, RELU } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { accuracy } from "./accuracy.js";

describe("relaxed LP (8)", () => {
  for (const e of [1e-6, 1e-4, 1e-2]) {
    it(`recovers z* within 5e at noise e = ${e} on 20-100-500 (median of 50, default options)`, () => {
      const r = accuracy([20, 100, 500], e, { method: "relaxed" }, 50);
      expect(r.median).toBeLessThanOrEqual(5 * e);
      expect(r.results.every((x) => x.status === "optimal")).toBe(true);
    });
  }

  it("recovers z* to 1e-7 from noiseless observations (every one of 20 runs)", () => {
    const r = accuracy([20, 100, 500], 0, { method: "relaxed" }, 20);
    expect(r.max).toBeLessThanOrEqual(1e-7);
  });

  it("layer-wise (8) alone (refine: false) stays within 8e at noise 1e-4: its vertex interpolates k rows pushed up by ε", () => {
    const r = accuracy([20, 100, 500], 1e-4, { method: "relaxed", refine: false }, 50);
    expect(r.median).toBeLessThanOrEqual(8e-4);
    // and it is (8), not the ℓ∞ LP: the two layer-wise answers differ
    const l = accuracy([20, 100, 500], 1e-4, { method: "linf", refine: false }, 5);
    expect(r.errors.slice(0, 5)).not.toEqual(l.errors);
  });

  it("takes ε from the data (the ℓ∞ LP's optimal δ), never from the true noise", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 31 });
    const s = sampleObservations(gen, 1, 32, { kind: "uniform", level: 1e-3 });
    const r = invert(gen, s.x.data, { method: "relaxed", refine: false });
    for (const l of r.layers) {
      expect(l.eps).toBe(l.delta);
      expect(l.status).toBe("optimal");
    }
    // the output layer's ε is below the true noise bound (δ* ≤ ‖e‖∞): no peeking at it
    expect(r.layers[1]!.eps!).toBeLessThan(1e-3);
  });

  it("a LeakyReLU layer has no configuration to relax: it uses the ℓ∞ LP and says so", () => {
    const gen = randomGenerator({ sizes: [10, 40, 100], activation: leakyRelu(0.2), rng: 33 });
    const s = sampleObservations(gen, 1, 34, { kind: "uniform", level: 1e-4 });
    const r = invert(gen, s.x.data, { method: "relaxed" });
    expect(r.status).toBe("optimal");
    expect(r.layers[1]!.message).toMatch(/no ReLU configuration to relax/);
  });
});
