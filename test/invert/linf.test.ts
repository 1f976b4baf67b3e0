import { beforeAll, describe, expect, it } from "vitest";
import { invert } from "../../src/invert/invert.js";
import { invertLinfLayer } from "../../src/invert/linf.js";
import { loadHighsBackend } from "../../src/lp/highs.js";
import { RELU } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { accuracy } from "./accuracy.js";

describe("linf (Algorithm 1)", () => {
  for (const e of [1e-6, 1e-4, 1e-2]) {
    it(`recovers z* within 3e at noise e = ${e} on 20-100-500 (median of 50, default options, no noise level given)`, () => {
      const r = accuracy([20, 100, 500], e, { method: "linf" }, 50);
      expect(r.median).toBeLessThanOrEqual(3 * e);
      expect(r.results.every((x) => x.status === "optimal")).toBe(true);
    });
  }

  it("recovers z* to 1e-7 from noiseless observations (every one of 20 runs)", () => {
    const r = accuracy([20, 100, 500], 0, { method: "linf" }, 20);
    expect(r.max).toBeLessThanOrEqual(1e-7);
  });

  it("realizable data: the least-squares witness fits to rounding, so no LP is solved; the scan's LP agrees to 1e-9", () => {
    for (let i = 0; i < 5; i++) {
      const gen = randomGenerator({ sizes: [60, 250, 600], activation: RELU, rng: 900 + i });
      const s = sampleObservations(gen, 1, 950 + i);
      const a = invert(gen, s.x.data, { method: "linf" });
      expect(a.status).toBe("optimal");
      expect(a.layers.every((l) => l.lpSolves === 0 && l.eps === 1e-6 && l.delta! <= 1e-9)).toBe(true);
      expect(a.refinement?.lpSolves ?? 0).toBe(0);
      const b = invert(gen, s.x.data, { method: "linf", epsSearch: "scan", refine: false });
      expect(b.layers.reduce((t, l) => t + l.lpSolves!, 0)).toBeGreaterThan(0);
      const dz = Math.max(...Array.from(a.z, (v, j) => Math.abs(v - b.z[j]!)));
      expect(dz).toBeLessThanOrEqual(1e-9);
      expect(Math.max(...Array.from(a.z, (v, j) => Math.abs(v - s.z.data[j]!)))).toBeLessThanOrEqual(1e-9);
    }
  });

  it("realizable but not identifiable (k = 160 on 160-250-600): one LP in the free directions only, the answer fits and is flagged non-unique", () => {
    const gen = randomGenerator({ sizes: [160, 250, 600], activation: RELU, rng: 77 });
    for (const seed of [78, 79, 80]) {
      const s = sampleObservations(gen, 1, seed);
      const r = invert(gen, s.x.data, { method: "linf" });
      const e = invert(gen, s.x.data, { method: "exact" });
      expect(e.layers[0]!.status).toBe("non_unique");
      expect(r.layers[0]!.status).toBe("non_unique");
      // the LP has deficit + 1 unknowns (not k + 1), so it takes few pivots
      expect(r.layers[0]!.lpSolves).toBe(1);
      expect(r.layers[0]!.pivots!).toBeLessThanOrEqual(3 * e.layers[0]!.deficit! + 10);
      expect(r.layers[0]!.eps).toBe(1e-6);
      expect(r.residual.linf).toBeLessThanOrEqual(1e-9);
      expect(r.status).toBe("non_unique");
      // the paper's scan solves the full LP over all k unknowns: it settles on the same ε and also fits
      const full = invert(gen, s.x.data, { method: "linf", epsSearch: "scan" });
      expect(full.layers[0]!.eps).toBe(1e-6);
      expect(full.residual.linf).toBeLessThanOrEqual(1e-9);
      expect(full.layers[0]!.pivots!).toBeGreaterThan(3 * r.layers[0]!.pivots!);
    }
  });

  it("the layer-wise Algorithm 1 alone (refine: false) is within 3e at noise 1e-4 (median of 50)", () => {
    const r = accuracy([20, 100, 500], 1e-4, { method: "linf", refine: false }, 50);
    expect(r.median).toBeLessThanOrEqual(3e-4);
    expect(r.results.every((x) => x.refinement === undefined)).toBe(true);
  });

  it("the ε search settles on the same ε per layer as the paper's scan, with fewer LP solves", () => {
    let searchSolves = 0;
    let scanSolves = 0;
    for (let i = 0; i < 6; i++) {
      const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 300 + i });
      const s = sampleObservations(gen, 1, 400 + i, { kind: "uniform", level: 1e-4 });
      const a = invert(gen, s.x.data, { method: "linf", refine: false });
      const b = invert(gen, s.x.data, { method: "linf", refine: false, epsSearch: "scan" });
      expect(a.layers.map((l) => l.eps)).toEqual(b.layers.map((l) => l.eps));
      expect(Array.from(a.z).every((v, j) => Math.abs(v - b.z[j]!) < 1e-9)).toBe(true);
      searchSolves += a.layers.reduce((t, l) => t + l.lpSolves!, 0);
      scanSolves += b.layers.reduce((t, l) => t + l.lpSolves!, 0);
    }
    expect(searchSolves).toBeLessThan(scanSolves / 2);
  });

  it("reports per layer the ε settled on, the optimal δ ≤ ε, LP solves, pivots and backend", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 7 });
    const s = sampleObservations(gen, 1, 8, { kind: "uniform", level: 1e-3 });
    // the layer-wise Algorithm 1 (refine: false), and the default: one LP in z on the network
    // linearised at its activation pattern (a single report for the whole network)
    const lw = invert(gen, s.x.data, { method: "linf", refine: false });
    const r = invert(gen, s.x.data, { method: "linf" });
    expect(lw.layers).toHaveLength(2);
    expect(r.layers).toHaveLength(1);
    for (const res of [lw, r]) {
      expect(res.status).toBe("optimal");
      for (const l of res.layers) {
        expect(l.status).toBe("optimal");
        expect(l.eps).toBeGreaterThan(0);
        expect(l.delta!).toBeLessThanOrEqual(l.eps!);
        expect(l.lpSolves).toBeGreaterThanOrEqual(1);
        expect(l.pivots).toBeGreaterThanOrEqual(0);
        expect(l.backend).toBe("engine");
      }
    }
    // the layer's ℓ∞ misfit is at least δ (the LP's optimum) and at most ε (an "off" row with
    // 0 < x_j ≤ ε only has its upper side in the LP, eq. (6))
    for (const out of [lw.layers[1]!, r.layers[0]!]) {
      expect(out.residual.linf).toBeGreaterThanOrEqual(out.delta! - 1e-12);
      expect(out.residual.linf).toBeLessThanOrEqual(out.eps! + 1e-12);
    }
    // the network's LP is certified on its own region: its residual is the true one, and no
    // worse than the layer-wise answer's
    expect(r.residual.linf).toBeCloseTo(r.layers[0]!.residual.linf, 12);
    expect(r.residual.linf).toBeLessThanOrEqual(lw.residual.linf);
  });

  it("hidden-layer reconstructions stay ≥ 0 (they are ReLU outputs), where the unconstrained LP would go negative", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 9 });
    const s = sampleObservations(gen, 1, 10, { kind: "uniform", level: 1e-2 });
    const y = Float64Array.from(s.x.data);
    const hidden = invertLinfLayer(gen.layers[1]!, y, { index: 1, depth: 2, inputRange: [0, Infinity], options: {} });
    const free = invertLinfLayer(gen.layers[1]!, y, { index: 1, depth: 2, inputRange: [-Infinity, Infinity], options: {} });
    expect(Math.min(...hidden.x)).toBeGreaterThanOrEqual(0);
    expect(Math.min(...free.x)).toBeLessThan(0);
  });

  describe("with the HiGHS backend", () => {
    beforeAll(async () => {
      await loadHighsBackend();
    });
    it("gives the same answer as the engine", () => {
      const gen = randomGenerator({ sizes: [20, 60, 200], activation: RELU, rng: 11 });
      const s = sampleObservations(gen, 1, 12, { kind: "uniform", level: 1e-3 });
      const a = invert(gen, s.x.data, { method: "linf" });
      const b = invert(gen, s.x.data, { method: "linf", lpBackend: "highs" });
      expect(b.layers.every((l) => l.backend === "highs")).toBe(true);
      expect(b.layers.map((l) => l.eps)).toEqual(a.layers.map((l) => l.eps));
      for (let i = 0; i < a.z.length; i++) expect(Math.abs(a.z[i]! - b.z[i]!)).toBeLessThan(1e-6);
    });
    it("solves the free-direction LP of a non-identifiable realizable layer too (k = 160)", () => {
      const gen = randomGenerator({ sizes: [160, 250, 600], activation: RELU, rng: 77 });
      const s = sampleObservations(gen, 1, 78);
      const r = invert(gen, s.x.data, { method: "linf", lpBackend: "highs" });
      expect(r.layers[0]!.backend).toBe("highs");
      expect(r.layers[0]!.lpSolves).toBe(1);
      expect(r.layers[0]!.eps).toBe(1e-6);
      expect(r.residual.linf).toBeLessThanOrEqual(1e-9);
      expect(r.status).toBe("non_unique");
    });
  });
});
