import { describe, expect, it } from "vitest";
import { randomGenerator, sampleObservations, parseNoise } from "../../src/model/random.js";
import { leakyRelu, RELU, IDENTITY, type Activation } from "../../src/model/activation.js";
import { invert, invertBatch } from "../../src/invert/invert.js";
import { relativeError } from "../../src/linalg/norms.js";
import { Generator } from "../../src/model/generator.js";
import { fromRows } from "../../src/linalg/matrix.js";
import { rowOf } from "../helpers.js";

const cases: { sizes: number[]; act: Activation | Activation[]; bias: boolean }[] = [
  { sizes: [20, 100, 500], act: RELU, bias: false },
  { sizes: [20, 100, 500], act: RELU, bias: true },
  { sizes: [10, 50, 120, 300], act: RELU, bias: false },
  { sizes: [8, 30, 80, 200, 500], act: RELU, bias: true },
  { sizes: [20, 100, 200, 500], act: leakyRelu(0.1), bias: false },
  { sizes: [20, 60, 150], act: leakyRelu(0.2), bias: true },
  { sizes: [15, 60, 90, 200], act: [RELU, leakyRelu(0.1), IDENTITY], bias: true },
];

describe("exact inversion (Theorem 2)", () => {
  for (const c of cases) {
    const acts = Array.isArray(c.act) ? c.act.map((a) => a.kind).join("/") : c.act.kind === "leaky_relu" ? `leaky_relu(${c.act.slope})` : c.act.kind;
    it(`recovers z* to 1e-9 on realizable ${c.sizes.join("-")} ${acts}${c.bias ? " with biases" : ""}`, () => {
      const gen = randomGenerator({ sizes: c.sizes, activation: c.act, bias: c.bias, rng: 100 + c.sizes.length });
      const s = sampleObservations(gen, 10, 7);
      for (const r of invertBatch(gen, s.x, { method: "exact" }).map((r, b) => ({ r, b }))) {
        expect(r.r.status).toBe("exact");
        expect(relativeError(r.r.z, rowOf(s.z, r.b))).toBeLessThan(1e-9);
        expect(r.r.residual.linf).toBeLessThan(1e-10);
        expect(r.r.layers).toHaveLength(c.sizes.length - 1);
        r.r.layers.forEach((l, i) => {
          expect(l.layer).toBe(i + 1);
          expect(l.status).toBe("exact");
          expect(l.rank).toBe(c.sizes[i]);
        });
      }
    });
  }

  it("recovers z* on k → 250 → 600 for k = 20 … 100 (the paper's Figure 2 setting)", () => {
    for (let k = 20; k <= 100; k += 10) {
      const gen = randomGenerator({ sizes: [k, 250, 600], activation: RELU, rng: k });
      const s = sampleObservations(gen, 3, k + 1);
      for (let b = 0; b < 3; b++) {
        const r = invert(gen, rowOf(s.x, b), { method: "exact" });
        expect(r.status, `k = ${k}`).toBe("exact");
        expect(relativeError(r.z, rowOf(s.z, b)), `k = ${k}`).toBeLessThan(1e-9);
      }
    }
  });

  it("reports non_unique with the layer and deficit at k = 140 on k → 250 → 600", () => {
    const gen = randomGenerator({ sizes: [140, 250, 600], activation: RELU, rng: 140 });
    const s = sampleObservations(gen, 5, 3);
    for (let b = 0; b < 5; b++) {
      const r = invert(gen, rowOf(s.x, b), { method: "exact" });
      expect(r.status).toBe("non_unique");
      const l1 = r.layers[0]!;
      // about half of the 250 hidden units are active: fewer equations than the 140 unknowns
      expect(l1.status).toBe("non_unique");
      expect(l1.activeRows).toBeLessThan(140);
      expect(l1.deficit).toBe(140 - l1.rank!);
      expect(l1.deficit).toBeGreaterThan(0);
      expect(r.warnings.join(" ")).toMatch(/layer 1: pre-image not unique: \d+ active outputs for 140 unknowns \(deficit \d+\)/);
      expect(r.warnings.join(" ")).toMatch(/not identified/);
    }
  });

  it("reports non_unique when the observation has fewer active outputs than hidden units", () => {
    const gen = randomGenerator({ sizes: [4, 12, 30], activation: RELU, rng: 2 });
    const { x } = sampleObservations(gen, 1, 1);
    // keep only 8 active outputs: fewer than the 12 hidden units
    let kept = 0;
    for (let j = 0; j < x.data.length; j++) if (x.data[j]! > 0 && ++kept > 8) x.data[j] = 0;
    const r = invert(gen, x.data, { method: "exact" });
    expect(r.status).toBe("non_unique");
    expect(r.layers[1]).toMatchObject({ status: "non_unique", activeRows: 8, rank: 8, deficit: 4 });
  });

  it("reports rank-deficient active rows as non_unique even with enough rows", () => {
    // the two rows of W are parallel: 3 active rows, rank 1 < 2 unknowns
    const gen = new Generator([
      {
        weight: fromRows([
          [1, 2],
          [2, 4],
          [-1, -2],
        ]),
        bias: null,
        activation: IDENTITY,
      },
    ]);
    const r = invert(gen, [1, 2, -1], { method: "exact" });
    expect(r.status).toBe("non_unique");
    expect(r.layers[0]).toMatchObject({ rank: 1, deficit: 1 });
    expect(r.layers[0]!.message).toMatch(/rows have rank 1 < 2/);
  });

  it("says infeasible (no exact pre-image) on noisy observations instead of claiming exactness", () => {
    const gen = randomGenerator({ sizes: [20, 100, 500], activation: RELU, rng: 5 });
    const s = sampleObservations(gen, 3, 4, parseNoise("uniform:1e-3"));
    for (let b = 0; b < 3; b++) {
      const r = invert(gen, rowOf(s.x, b), { method: "exact" });
      expect(r.status).toBe("infeasible");
      expect(r.warnings.join(" ")).toMatch(/no exact pre-image.*try linf, l1 or relaxed/);
      expect(r.residual.linf).toBeGreaterThan(1e-4);
    }
  });

  it("keeps hidden reconstructions in the range of the previous ReLU (≥ 0)", () => {
    const gen = randomGenerator({ sizes: [10, 60, 300], activation: RELU, rng: 8 });
    const s = sampleObservations(gen, 1, 2);
    const r = invert(gen, s.x.data, { method: "exact" });
    expect(r.status).toBe("exact");
    // reconstructing the hidden layer from the output, then its image, must stay ≥ 0
    const hidden = gen.forwardTrace(r.z)[0]!;
    expect(Math.min(...hidden)).toBeGreaterThanOrEqual(0);
  });

  it("rejects observations of the wrong length and with NaN/Inf, naming them", () => {
    const gen = randomGenerator({ sizes: [5, 20, 50], activation: RELU, rng: 1 });
    expect(() => invert(gen, new Float64Array(49), { method: "exact" })).toThrow(/observation has 49 entries, expected 50/);
    const x = new Float64Array(50);
    x[7] = NaN;
    expect(() => invert(gen, x, { method: "exact" })).toThrow(/observation\[7\] is NaN/);
    x[7] = -Infinity;
    expect(() => invert(gen, x, { method: "exact" })).toThrow(/observation\[7\] is -Infinity/);
    // @ts-expect-error an unknown name is a type error, and a run-time OptionError for untyped callers
    expect(() => invert(gen, new Float64Array(50), { method: "nope" })).toThrow(/unknown method 'nope' \(known: exact/);
  });
});
