import { describe, expect, it } from "vitest";
import { randomGenerator, parseNoise, sampleObservations, addNoise } from "../../src/model/random.js";
import { RELU } from "../../src/model/activation.js";
import { Rng } from "../../src/model/rng.js";

describe("random networks", () => {
  it("draws W_ij ~ N(0, 1/n_i) with n_i the layer's output size", () => {
    const gen = randomGenerator({ sizes: [50, 400, 1000], activation: RELU, rng: 11 });
    gen.layers.forEach((l) => {
      const d = l.weight.data;
      let s = 0;
      let s2 = 0;
      for (const v of d) {
        s += v;
        s2 += v * v;
      }
      const mean = s / d.length;
      const variance = s2 / d.length - mean * mean;
      expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(d.length * l.weight.rows));
      expect(variance * l.weight.rows).toBeGreaterThan(0.97);
      expect(variance * l.weight.rows).toBeLessThan(1.03);
    });
  });

  it("is reproducible from its seed, with the stream pinned", () => {
    const a = randomGenerator({ sizes: [3, 4], activation: RELU, bias: true, rng: 5 });
    const b = randomGenerator({ sizes: [3, 4], activation: RELU, bias: true, rng: 5 });
    expect(Array.from(a.layers[0]!.weight.data)).toEqual(Array.from(b.layers[0]!.weight.data));
    expect(Array.from(a.layers[0]!.bias!)).toEqual(Array.from(b.layers[0]!.bias!));
    expect(a.layers[0]!.weight.data[0]).toMatchInlineSnapshot(`0.6338443223253852`);
  });

  it("samples z* ~ N(0, I), x = G(z*) + noise with the requested noise law", () => {
    const gen = randomGenerator({ sizes: [10, 40, 200], activation: RELU, rng: 1 });
    const clean = sampleObservations(gen, 3, 9);
    for (let b = 0; b < 3; b++) {
      expect(Array.from(clean.x.data.subarray(b * 200, b * 200 + 200))).toEqual(Array.from(gen.forward(clean.z.data.subarray(b * 10, b * 10 + 10))));
    }
    const noisy = sampleObservations(gen, 50, 9, parseNoise("uniform:0.01"));
    let maxDev = 0;
    for (let i = 0; i < noisy.x.data.length; i++) maxDev = Math.max(maxDev, Math.abs(noisy.x.data[i]! - noisy.clean.data[i]!));
    expect(maxDev).toBeLessThanOrEqual(0.01);
    expect(maxDev).toBeGreaterThan(0.0099);
    const g = addNoise(new Float64Array(100_000), parseNoise("gaussian:0.5"), new Rng(2));
    const sd = Math.sqrt(g.reduce((s, v) => s + v * v, 0) / g.length);
    expect(sd).toBeGreaterThan(0.49);
    expect(sd).toBeLessThan(0.51);
  });

  it("parses noise specs and names the bad ones", () => {
    expect(parseNoise("uniform:1e-3")).toEqual({ kind: "uniform", level: 1e-3 });
    expect(parseNoise("gaussian:0.1")).toEqual({ kind: "gaussian", level: 0.1 });
    expect(parseNoise("none")).toEqual({ kind: "none" });
    expect(() => parseNoise("laplace:1")).toThrow(/noise 'laplace:1' not understood/);
    expect(() => parseNoise("uniform:-1")).toThrow(/level must be/);
  });
});
