import { describe, expect, it } from "vitest";
import { quickSensingOptions, SENSING_DEFAULTS, SENSING_QUICK, SENSING_TRIALS, sensingConfig } from "../../src/experiments/sensing.js";
import { TRAINED_NET_METHOD_OPTIONS } from "../../src/experiments/common.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomGenerator } from "../../src/model/random.js";
import { RELU } from "../../src/model/activation.js";
import { modelToJson } from "../../src/model/io/json-model.js";

describe("reproduce sensing --quick", () => {
  it("bounds its work in trials × methods and PGD iterations, not seconds", () => {
    // 2 values of m × 2 runs × the 4 default methods
    expect(SENSING_QUICK.ms.length * SENSING_QUICK.runs * SENSING_DEFAULTS.methods.length).toBeLessThanOrEqual(16);
    expect(SENSING_QUICK.ms).toContain(20); // m = k: the figure's interesting end
    const o = quickSensingOptions({});
    expect(Number(o.pgd!.pgdIterations) * Number(o.pgd!.pgdRestarts)).toBeLessThanOrEqual(5);
    expect(Number(o["adam+pgd"]!.pgdIterations) * Number(TRAINED_NET_METHOD_OPTIONS["adam+pgd"]!.pgdRestarts)).toBeLessThanOrEqual(5);
    // Adam (alone and as adam+pgd's start) from one start of csgm's 1000 steps
    expect(Number(o.adam!.restarts) * Number(TRAINED_NET_METHOD_OPTIONS.adam!.iterations)).toBeLessThanOrEqual(1000);
    expect(Number(o["adam+pgd"]!.restarts) * Number(TRAINED_NET_METHOD_OPTIONS["adam+pgd"]!.iterations)).toBeLessThanOrEqual(1000);
    expect(TRAINED_NET_METHOD_OPTIONS.adam!.restarts).toBe(3);
    // the full figure keeps PGD's three starts and its default 50 iterations
    expect(TRAINED_NET_METHOD_OPTIONS.pgd!.pgdRestarts).toBe(3);
    expect(TRAINED_NET_METHOD_OPTIONS.pgd!.pgdIterations).toBeUndefined();
  });

  it("--options wins over the quick caps, field by field", () => {
    const o = quickSensingOptions({ pgd: { pgdIterations: 30 }, region: { restarts: 2 } });
    expect(o.pgd).toEqual({ pgdIterations: 30, pgdRestarts: 1 });
    expect(o.region).toEqual({ restarts: 2 });
  });

  it("a quick PGD trial runs at most 5 outer iterations (the caps reach PGD)", () => {
    // a small 8-30-90 ReLU net keeps the trial cheap; the caps do not depend on the model
    const dir = mkdtempSync(join(tmpdir(), "geninv-sensing-"));
    try {
      const model = join(dir, "small.json");
      writeFileSync(model, modelToJson(randomGenerator({ sizes: [8, 30, 90], activation: RELU, rng: 3 })));
      const config = sensingConfig({ model, ms: [12], runs: 1, methods: ["pgd"], methodOptions: quickSensingOptions({}) });
      const pgd = SENSING_TRIALS.run(config, { m: 12, run: 0 }).methods[0]!;
      expect(pgd.error).toBeUndefined();
      expect(pgd.iterations).toBeGreaterThan(0);
      expect(pgd.iterations).toBeLessThanOrEqual(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
