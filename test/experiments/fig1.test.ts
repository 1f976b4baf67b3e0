import { beforeAll, describe, expect, it } from "vitest";
import { methodOptions } from "../../src/experiments/common.js";
import { FIG1_TRIALS, fig1Config, fig1Csv, type Fig1Result, fig1Svg, runFig1 } from "../../src/experiments/fig1.js";
import { IDENTITY } from "../../src/model/activation.js";
import { registerMethod } from "../../src/invert/registry.js";
import { allText, descendants, parseXml } from "./xml.js";

const LEVELS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6];

describe("fig1 (exact method with a fixed active threshold, quick)", () => {
  // exact with activeTolerance 0.05 ignores outputs below ~0.02, so noise ≤ 1e-2 cannot switch units on:
  // a noise-robust estimator available before the LP branch lands
  let uniform: Fig1Result;
  beforeAll(async () => {
    uniform = await runFig1(fig1Config({ methods: ["exact"], levels: LEVELS, runs: 10, methodOptions: { exact: { activeTolerance: 0.05 } } }));
  });

  it("recovery error grows linearly with uniform noise on 20-100-500 ReLU: log–log slope of the medians ≈ 1", () => {
    expect(uniform.slopes.exact!).toBeGreaterThan(0.85);
    expect(uniform.slopes.exact!).toBeLessThan(1.15);
    const med = uniform.points.map((p) => p.methods.exact!.medianRelError!);
    for (let i = 1; i < med.length; i++) expect(med[i]!).toBeLessThan(med[i - 1]!);
    // the error is of the order of the relative noise, not orders of magnitude above it
    for (const p of uniform.points) expect(p.methods.exact!.medianRelError!).toBeLessThan(5 * p.medianRelNoise!);
  });

  it("success rate per level is the fraction of runs with ‖z − z*‖/‖z*‖ ≤ the threshold", () => {
    for (const p of uniform.points) {
      const errs = uniform.records.filter((r) => r!.level === p.level).map((r) => r!.methods[0]!.relError!);
      expect(p.methods.exact!.successRate).toBe(errs.filter((e) => e <= 1e-3).length / errs.length);
    }
    // error ≈ relative noise: all fail at a = 1e-2, all succeed at 1e-5 and 1e-6
    expect(uniform.points[0]!.methods.exact!.successRate).toBe(0);
    expect(uniform.points.at(-1)!.methods.exact!.successRate).toBe(1);
    expect(() => fig1Config({ methods: ["exact"], successThreshold: 0 })).toThrow(/success threshold must be a finite number > 0/);
  });

  it("uniform noise is bounded by a; Gaussian noise has standard deviation a (σ = a)", async () => {
    for (const r of uniform.records) expect(r!.noiseLinf!).toBeLessThanOrEqual(r!.level);
    const g = await runFig1(fig1Config({ noise: "gaussian", methods: ["exact"], levels: [1e-3], runs: 6 }));
    for (const r of g.records) {
      const rms = r!.noiseL2! / Math.sqrt(500);
      expect(rms).toBeGreaterThan(0.9e-3);
      expect(rms).toBeLessThan(1.1e-3);
      expect(r!.noiseLinf!).toBeGreaterThan(1e-3); // unbounded, unlike uniform noise
    }
  });

  it("relative noise is ‖e‖₂/‖G(z*)‖₂, and one run uses one network at every noise level", () => {
    for (const r of uniform.records) expect(r!.relNoise!).toBeCloseTo(r!.noiseL2! / r!.signalL2!, 12);
    const run0 = uniform.records.filter((r) => r!.run === 0).map((r) => r!.signalL2);
    expect(new Set(run0).size).toBe(1);
    const level0 = uniform.records.filter((r) => r!.level === LEVELS[0]).map((r) => r!.signalL2);
    expect(new Set(level0).size).toBe(level0.length);
  });

  it("writes every run to the CSV and draws a dot per run and a median line per method on log–log axes", () => {
    const csv = fig1Csv(uniform.config, uniform.records).trimEnd().split("\n");
    expect(csv[0]).toBe("seed,noise,level,run,noise_l2,signal_l2,rel_noise,method,status,rel_error,residual_l2,residual_linf,time_ms,iterations,error");
    expect(csv).toHaveLength(1 + LEVELS.length * 10);
    const svg = parseXml(fig1Svg(uniform.config, uniform.records, uniform.points));
    const dots = descendants(svg, (e) => e.attrs.class === "series scatter").flatMap((g) => descendants(g, (e) => e.name === "circle"));
    expect(dots).toHaveLength(LEVELS.length * 10);
    expect(descendants(svg, (e) => e.attrs.class === "legend-label").map(allText)).toEqual(["exact (Thm. 2)"]);
    const titles = descendants(svg, (e) => e.attrs.class === "axis-title").map(allText);
    expect(titles[0]).toContain("relative noise level");
    expect(titles[1]).toContain("relative recovery error");
    const xTicks = descendants(svg, (e) => e.attrs.class === "tick-label").map((e) => Number(e.attrs["data-value"]));
    expect(xTicks).toContain(1e-5); // decades
    const byLevel = parseXml(fig1Svg(uniform.config, uniform.records, uniform.points, "level"));
    expect(descendants(byLevel, (e) => e.attrs.class === "axis-title").map(allText)[0]).toBe("noise level a");
  });

  it("passes each method the paper's settings, the user's overrides and a per-run seed; eps0 = a only to LP methods", () => {
    const seen: Record<string, unknown>[] = [];
    registerMethod({
      name: "spy",
      kind: "whole",
      description: "records its options",
      invert: (gen, _x, options) => {
        seen.push({ ...options });
        return {
          method: "spy",
          status: "converged",
          z: new Float64Array(gen.inputSize),
          residual: { l1: 0, l2: 0, linf: 0 },
          layers: [],
          timeMs: 0,
          warnings: [],
        };
      },
    });
    const config = fig1Config({ methods: ["spy"], levels: [1e-3], runs: 1, methodOptions: { spy: { custom: 7 } } });
    const rec = FIG1_TRIALS.run(config, { level: 1e-3, run: 0 });
    expect(rec.methods[0]).toMatchObject({ method: "spy", status: "converged", relError: 1 });
    expect(seen[0]).toMatchObject({ custom: 7 });
    expect(typeof seen[0]!.seed).toBe("number");
    expect(seen[0]!.eps0).toBeUndefined();
    expect(methodOptions("linf", { linf: { alpha: 2 } }, { eps0: 1e-3 })).toEqual({ alpha: 2, eps0: 1e-3 });
    expect(methodOptions("gd", undefined, {})).toMatchObject({ learningRate: 1, iterations: 1000 });
  });

  it("a method that throws is recorded as failed with its message; the other methods' results stay", () => {
    registerMethod({
      name: "broken",
      kind: "whole",
      description: "always throws",
      invert: () => {
        throw new Error("solver exploded");
      },
    });
    const config = fig1Config({ methods: ["broken", "exact"], levels: [1e-3], runs: 1, activation: IDENTITY });
    const rec = FIG1_TRIALS.run(config, { level: 1e-3, run: 0 });
    expect(rec.methods[0]).toMatchObject({ method: "broken", status: "failed", relError: null, error: "solver exploded" });
    expect(rec.methods[1]!.relError!).toBeLessThan(1e-2); // identity layers: least squares is the right estimator
  });

  it("rejects bad settings with messages naming them", () => {
    expect(() => fig1Config({ methods: ["exact"], levels: [0] })).toThrow(/noise levels must be finite numbers > 0/);
    expect(() => fig1Config({ methods: ["exact"], levels: [] })).toThrow(/at least one noise level/);
    expect(() => fig1Config({ methods: ["exact"], noise: "laplace" as never })).toThrow(/uniform or gaussian/);
    expect(() => fig1Config({ methods: ["exact"], sizes: [20] })).toThrow(/at least two widths/);
    expect(() => fig1Config({ methods: [] })).toThrow(/no methods/);
  });
});

describe("fig1 with the LP and gradient methods (quick)", () => {
  for (const method of ["linf", "l1", "relaxed", "gd"]) {
    it(`${method}: recovery error grows about linearly with uniform noise (log–log slope of the medians ≈ 1)`, async () => {
      const r = await runFig1(fig1Config({ methods: [method], levels: [1e-2, 1e-3, 1e-4, 1e-5], runs: 8 }));
      expect(r.points.every((p) => p.methods[method]!.failed === 0)).toBe(true);
      expect(r.slopes[method]!).toBeGreaterThan(0.75);
      expect(r.slopes[method]!).toBeLessThan(1.25);
    });
  }
});
