import { describe, expect, it } from "vitest";
import { invert } from "../../src/invert/invert.js";
import { leakyRelu } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { accuracy } from "./accuracy.js";

describe("LeakyReLU networks (Remark 1)", () => {
  it("linf on LeakyReLU(0.1) 20-100-200-500 at noise 1e-5: median of 50 beats the authors' ~6e-4 (refined: below 1e-4)", () => {
    const r = accuracy([20, 100, 200, 500], 1e-5, { method: "linf" }, 50, leakyRelu(0.1));
    expect(r.median).toBeLessThanOrEqual(6e-4);
    expect(r.median).toBeLessThanOrEqual(1e-4);
    expect(r.results.every((x) => x.status === "optimal")).toBe(true);
  });

  it("Remark 1's layer-wise LP alone (refine: false) is what limits it: 10–200× the noise", () => {
    const r = accuracy([20, 100, 200, 500], 1e-5, { method: "linf", refine: false }, 15, leakyRelu(0.1));
    expect(r.median).toBeGreaterThan(1e-4);
    expect(r.median).toBeLessThan(2e-3);
  });

  it("every LeakyReLU row is used (all outputs carry information) and hidden inputs may be negative", () => {
    const gen = randomGenerator({ sizes: [10, 40, 120], activation: leakyRelu(0.1), rng: 41 });
    const s = sampleObservations(gen, 1, 42, { kind: "uniform", level: 1e-4 });
    const r = invert(gen, s.x.data, { method: "linf", refine: false });
    expect(r.layers[1]!.activeRows).toBeGreaterThan(110);
    expect(Math.min(...gen.forwardTrace(r.z)[0]!)).toBeLessThan(0);
  });

  it("noiseless LeakyReLU observations are inverted exactly (any slope)", () => {
    for (const c of [0.01, 0.3, 0.9]) {
      const r = accuracy([10, 40, 120], 0, { method: "linf" }, 3, leakyRelu(c), 50);
      expect(r.max).toBeLessThanOrEqual(1e-7);
    }
  });

  it("the ℓ1 method works on LeakyReLU layers too", () => {
    const gen = randomGenerator({ sizes: [10, 40, 120], activation: leakyRelu(0.1), rng: 43 });
    const s = sampleObservations(gen, 1, 44, { kind: "uniform", level: 1e-4 });
    const r = invert(gen, s.x.data, { method: "l1" });
    expect(r.status).toBe("optimal");
    let num = 0;
    let den = 0;
    for (let i = 0; i < r.z.length; i++) {
      num += (r.z[i]! - s.z.data[i]!) ** 2;
      den += s.z.data[i]! ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-3);
  });
});
