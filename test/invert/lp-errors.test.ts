import { beforeAll, describe, expect, it } from "vitest";
import { InvalidValueError, OptionError } from "../../src/errors.js";
import { invert } from "../../src/invert/invert.js";
import { loadHighsBackend } from "../../src/lp/highs.js";
import { RELU } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";

const gen = randomGenerator({ sizes: [10, 40, 120], activation: RELU, rng: 51 });
const noisy = sampleObservations(gen, 1, 52, { kind: "uniform", level: 1e-3 });
const clean = sampleObservations(gen, 1, 53);

describe("LP methods: bad input, infeasibility, degeneracy and solver failure", () => {
  it("bad LP options are OptionErrors naming the option", () => {
    const x = noisy.x.data;
    expect(() => invert(gen, x, { method: "linf", eps0: 0 })).toThrow(OptionError);
    expect(() => invert(gen, x, { method: "linf", eps0: NaN })).toThrow(/^eps0 expects a positive number, got NaN$/);
    expect(() => invert(gen, x, { method: "l1", alpha: 1 })).toThrow(/^alpha expects a number > 1, got 1$/);
    expect(() => invert(gen, x, { method: "relaxed", lpBackend: "gurobi" as never })).toThrow(/^lpBackend expects engine or highs, got "gurobi"$/);
    expect(() => invert(gen, x, { method: "linf", epsSearch: "guess" as never })).toThrow(/^epsSearch expects search or scan, got "guess"$/);
    expect(() => invert(gen, x, { method: "linf", lpMaxPivots: 0 })).toThrow(/lpMaxPivots/);
  });

  it("a NaN or infinite observation is an InvalidValueError naming the entry", () => {
    const x = Float64Array.from(noisy.x.data);
    x[17] = NaN;
    expect(() => invert(gen, x, { method: "linf" })).toThrow(InvalidValueError);
    expect(() => invert(gen, x, { method: "linf" })).toThrow(/observation\[17\] is NaN/);
    x[17] = Infinity;
    expect(() => invert(gen, x, { method: "l1" })).toThrow(/observation\[17\] is Infinity/);
  });

  it("the realizable LP (4) says exact on clean data and infeasible, with the misfit, on noisy data", () => {
    const ok = invert(gen, clean.x.data, { method: "feasible" });
    expect(ok.status).toBe("exact");
    const bad = invert(gen, noisy.x.data, { method: "feasible" });
    expect(bad.status).toBe("infeasible");
    expect(bad.warnings.join(" ")).toMatch(/not realizable: .*smallest ℓ∞ misfit/);
  });

  it("a non-expansive layer (fewer outputs than inputs) is reported non_unique, not optimal", () => {
    const g = randomGenerator({ sizes: [20, 10, 50], activation: RELU, rng: 54 });
    const s = sampleObservations(g, 1, 55, { kind: "uniform", level: 1e-3 });
    for (const method of ["linf", "l1", "relaxed"] as const) {
      const r = invert(g, s.x.data, { method });
      expect(r.status).toBe("non_unique");
      expect(r.layers[0]!.message).toMatch(/unconstrained/);
    }
  });

  it("a simulated solver failure (pivot budget 1, no fallback) is a failed status with the reason", () => {
    const r = invert(gen, noisy.x.data, { method: "linf", lpMaxPivots: 1, lpFallback: false });
    expect(r.status).toBe("failed");
    expect(r.warnings.join(" ")).toMatch(/iteration_limit/);
  });

  describe("with HiGHS loaded", () => {
    beforeAll(async () => {
      await loadHighsBackend();
    });
    it("the same failure falls back to HiGHS, which answers; the report names both backends", () => {
      const r = invert(gen, noisy.x.data, { method: "linf", lpMaxPivots: 1 });
      expect(r.status).toBe("optimal");
      expect(r.layers.some((l) => l.backend!.includes("highs"))).toBe(true);
      expect(r.layers.some((l) => /answered by HiGHS/.test(l.message ?? ""))).toBe(true);
      const ref = invert(gen, noisy.x.data, { method: "linf" });
      for (let i = 0; i < r.z.length; i++) expect(Math.abs(r.z[i]! - ref.z[i]!)).toBeLessThan(1e-6);
    });
  });
});
