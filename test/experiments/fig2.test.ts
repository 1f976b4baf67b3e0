import { beforeAll, describe, expect, it } from "vitest";
import { OptionError } from "../../src/errors.js";
import { FIG2_QUICK, FIG2_TRIALS, fig2Config, fig2Csv, fig2Svg, type Fig2Result, runFig2, summarizeFig2 } from "../../src/experiments/fig2.js";
import { leakyRelu, RELU } from "../../src/model/activation.js";
import { allText, descendants, parseXml } from "./xml.js";

const at = <P extends { k: number }>(points: P[], k: number): P => points.find((p) => p.k === k)!;

describe("fig2 (exact method, quick)", () => {
  // one quick ReLU sweep shared by the assertions below
  let relu: Fig2Result;
  beforeAll(async () => {
    relu = await runFig2(fig2Config({ methods: ["exact"], ks: [...FIG2_QUICK.ks], runs: FIG2_QUICK.runs, seed: 0 }));
  });

  it("exact recovers every run at k = 60 on k-250-600 ReLU, and none is certified non-unique there", () => {
    const p = at(relu.points, 60);
    expect(p.runs).toBe(FIG2_QUICK.runs);
    expect(p.methods.exact!.successRate).toBe(1);
    expect(p.nonUniqueFraction).toBe(0);
    expect(p.methods.exact!.medianRelError!).toBeLessThan(1e-9);
  });

  it("for ReLU most pre-images are certified non-unique at k ≥ 150 (about 125 active hidden units), and exact then fails", () => {
    for (const k of [150, 200, 250]) {
      const p = at(relu.points, k);
      expect(p.nonUniqueFraction!).toBeGreaterThanOrEqual(0.9);
      expect(p.methods.exact!.successRate).toBeLessThanOrEqual(0.1);
    }
    // the certificate is the first layer: fewer active units than k
    const rec = relu.records.find((r) => r!.k === 200)!;
    expect(rec.certificate!.nonUniqueLayers).toContain(1);
    expect(rec.certificate!.activeRows[0]!).toBeLessThan(200);
  });

  it("exact succeeds exactly on the runs that are not certified non-unique (identifiability is the only limit)", () => {
    for (const r of relu.records) {
      const ok = r!.methods[0]!.relError! <= 1e-3;
      expect(ok, `k=${r!.k} run=${r!.run}`).toBe(!r!.certificate!.nonUnique);
    }
  });

  it("LeakyReLU (slope 0.1): exact recovers every run for every k up to 140 (and beyond: every row is usable)", async () => {
    const leaky = await runFig2(fig2Config({ activation: leakyRelu(0.1), methods: ["exact"], ks: [60, 140, 250], runs: 6 }));
    for (const p of leaky.points) {
      expect(p.methods.exact!.successRate, `k=${p.k}`).toBe(1);
      expect(p.nonUniqueFraction).toBe(0);
    }
  });

  it("a run is a pure function of (seed, k, run): same record again, different with another seed", () => {
    const config = fig2Config({ methods: ["exact"], ks: [30], runs: 1, seed: 4 });
    const strip = (r: unknown): string => JSON.stringify(r, (k, v: unknown) => (k === "timeMs" ? undefined : v));
    const a = FIG2_TRIALS.run(config, { k: 30, run: 0 });
    expect(strip(FIG2_TRIALS.run(config, { k: 30, run: 0 }))).toBe(strip(a));
    expect(strip(FIG2_TRIALS.run({ ...config, seed: 5 }, { k: 30, run: 0 }))).not.toBe(strip(a));
  });

  it("a 3-layer variant k-250-400-600: ReLU layers expanding by < 2 are certified non-unique, LeakyReLU ones are inverted", async () => {
    // about half of a ReLU layer's outputs are active: 400 → ~200 rows for 250 unknowns, 600 → ~300 for 400
    const relu3 = await runFig2(fig2Config({ layers: [250, 400, 600], methods: ["exact"], ks: [40], runs: 3 }));
    for (const r of relu3.records) {
      expect(r!.certificate!.activeRows).toHaveLength(3);
      expect(r!.certificate!.nonUniqueLayers).toContain(3);
      expect(r!.certificate!.activeRows[2]!).toBeLessThan(400);
    }
    expect(relu3.points[0]!.nonUniqueFraction).toBe(1);
    const leaky3 = await runFig2(fig2Config({ layers: [250, 400, 600], activation: leakyRelu(0.1), methods: ["exact"], ks: [40, 200], runs: 3 }));
    for (const p of leaky3.points) {
      expect(p.methods.exact!.successRate, `k=${p.k}`).toBe(1);
      expect(p.nonUniqueFraction).toBe(0);
    }
  });

  it("writes a CSV row per run and method, with the seed, and an SVG with one line per method over the non-unique area", () => {
    const csv = fig2Csv(relu.config, relu.records).trimEnd().split("\n");
    expect(csv[0]).toBe(
      "seed,activation,sizes,k,run,non_unique,non_unique_layers,active_rows,method,status,rel_error,success,residual_l2,residual_linf,time_ms,iterations,error",
    );
    expect(csv).toHaveLength(1 + FIG2_QUICK.ks.length * FIG2_QUICK.runs);
    expect(csv[1]!.startsWith("0,relu,10-250-600,10,0,false,,")).toBe(true);
    const svg = parseXml(fig2Svg(relu.config, relu.points));
    const names = descendants(svg, (e) => e.attrs.class === "legend-label").map(allText);
    expect(names).toEqual(["certified non-unique", "identifiable: 1 − non-unique", "exact (Thm. 2)"]);
    expect(allText(svg)).toContain("seed 0");
    expect(descendants(svg, (e) => e.attrs.class === "series area")).toHaveLength(1);
  });

  it("summaries count a failed trial as an unsuccessful run, and the config rejects bad settings", () => {
    const config = fig2Config({ methods: ["exact"], ks: [10], runs: 2 });
    const ok = FIG2_TRIALS.run(config, { k: 10, run: 0 });
    const failed = FIG2_TRIALS.failed(config, { k: 10, run: 1 }, "boom");
    const [p] = summarizeFig2(config, [ok, failed]);
    expect(p!.methods.exact).toMatchObject({ successes: 1, runs: 2, failed: 1, successRate: 0.5 });
    expect(p!.certified).toBe(1);
    expect(() => fig2Config({ methods: ["nope"] })).toThrow(/unknown method 'nope'/);
    expect(() => fig2Config({ methods: ["exact", "exact"] })).toThrow(/listed twice/);
    expect(() => fig2Config({ ks: [] })).toThrow(OptionError);
    expect(() => fig2Config({ ks: [10, 10], methods: ["exact"] })).toThrow(/distinct/);
    expect(() => fig2Config({ layers: [250, 0], methods: ["exact"] })).toThrow(/positive integers/);
    expect(() => fig2Config({ runs: 0, methods: ["exact"] })).toThrow(/runs/);
    expect(() => fig2Config({ successThreshold: 0, methods: ["exact"] })).toThrow(/threshold/);
  });
});

describe("fig2 with the LP and gradient methods (quick)", () => {
  it("linf LP recovers every run at k = 60 and matches the identifiable fraction at k = 120 (ReLU)", async () => {
    const r = await runFig2(fig2Config({ activation: RELU, methods: ["linf"], ks: [60, 120], runs: 10 }));
    expect(at(r.points, 60).methods.linf!.successRate).toBe(1);
    const p = at(r.points, 120);
    expect(p.methods.linf!.successRate).toBeGreaterThanOrEqual(1 - p.nonUniqueFraction! - 0.1);
    expect(p.methods.linf!.successRate).toBeLessThanOrEqual(1 - p.nonUniqueFraction!);
  });

  it("linf LP recovers every run up to k = 140 with LeakyReLU", async () => {
    const r = await runFig2(fig2Config({ activation: leakyRelu(0.1), methods: ["linf"], ks: [60, 140], runs: 6 }));
    for (const p of r.points) expect(p.methods.linf!.successRate, `k=${p.k}`).toBe(1);
  });

  it("gradient descent succeeds at small k and its success falls as k grows", async () => {
    const r = await runFig2(fig2Config({ methods: ["gd"], ks: [20, 140], runs: 8 }));
    const small = at(r.points, 20).methods.gd!.successRate;
    const large = at(r.points, 140).methods.gd!.successRate;
    expect(small).toBeGreaterThanOrEqual(0.75);
    expect(large).toBeLessThan(small);
    expect(large).toBeLessThanOrEqual(0.25);
  });
});
