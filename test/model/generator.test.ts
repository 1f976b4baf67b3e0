import { describe, expect, it } from "vitest";
import { Generator } from "../../src/model/generator.js";
import { fromRows } from "../../src/linalg/matrix.js";
import { InvalidValueError, ShapeError } from "../../src/errors.js";
import { randomGenerator } from "../../src/model/random.js";
import { leakyRelu, RELU } from "../../src/model/activation.js";

describe("Generator", () => {
  const gen = new Generator([
    {
      weight: fromRows([
        [1, -1],
        [2, 0],
        [0, 1],
      ]),
      bias: Float64Array.from([0, -1, 0.5]),
      activation: RELU,
    },
    {
      weight: fromRows([
        [1, 1, 1],
        [-1, 0, 2],
      ]),
      bias: null,
      activation: leakyRelu(0.1),
    },
  ]);

  it("computes G(z) = φ2(W2 φ1(W1 z + b1)) by hand", () => {
    // z = (1, 2): W1 z + b1 = (-1, 1, 2.5) → relu (0, 1, 2.5); W2 · = (3.5, 5) → leaky (3.5, 5)
    expect(Array.from(gen.forward([1, 2]))).toEqual([3.5, 5]);
    // z = (0, -3): (3, -1, -2.5) → (3, 0, 0); W2 · = (3, -3) → (3, -0.3)
    const out = gen.forward([0, -3]);
    expect(out[0]).toBe(3);
    expect(out[1]).toBeCloseTo(-0.3, 15);
    expect(gen.sizes).toEqual([2, 3, 2]);
    expect(gen.parameterCount).toBe(6 + 3 + 6);
  });

  it("batch forward equals row-by-row forward and the trace ends in G(z)", () => {
    const g = randomGenerator({ sizes: [5, 12, 30], activation: RELU, bias: true, rng: 4 });
    const zs = { rows: 3, cols: 5, data: Float64Array.from({ length: 15 }, (_, i) => Math.sin(i)) };
    const out = g.forwardBatch(zs);
    for (let b = 0; b < 3; b++) {
      const z = zs.data.subarray(b * 5, b * 5 + 5);
      expect(Array.from(out.data.subarray(b * 30, b * 30 + 30))).toEqual(Array.from(g.forward(z)));
      const trace = g.forwardTrace(z);
      expect(trace).toHaveLength(2);
      expect(Array.from(trace[1]!)).toEqual(Array.from(g.forward(z)));
    }
  });

  it("rejects layers that do not chain, wrong bias lengths and non-finite weights", () => {
    const w = (r: number, c: number) => ({ rows: r, cols: c, data: new Float64Array(r * c) });
    expect(() => new Generator([])).toThrow(ShapeError);
    expect(
      () =>
        new Generator([
          { weight: w(4, 2), bias: null, activation: RELU },
          { weight: w(5, 3), bias: null, activation: RELU },
        ]),
    ).toThrow(/layer 2: weight takes 3 inputs but layer 1 has 4 outputs/);
    expect(() => new Generator([{ weight: w(4, 2), bias: new Float64Array(3), activation: RELU }])).toThrow(/bias has 3 entries, expected 4/);
    const bad = w(2, 2);
    bad.data[3] = NaN;
    expect(() => new Generator([{ weight: bad, bias: null, activation: RELU, name: "fc3" }])).toThrow(InvalidValueError);
    expect(() => new Generator([{ weight: bad, bias: null, activation: RELU, name: "fc3" }])).toThrow(/layer 1 \(fc3\): weight\[1\]\[1\] is NaN/);
  });

  it("rejects a latent code of the wrong length or with NaN", () => {
    expect(() => gen.forward([1])).toThrow(/z has 1 entries, expected 2/);
    expect(() => gen.forward([1, Infinity])).toThrow(/z\[1\] is Infinity/);
  });
});
