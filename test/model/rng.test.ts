import { describe, expect, it } from "vitest";
import { Rng, log } from "../../src/model/rng.js";
import { portableExp as exp } from "../../src/linalg/exp.js";

describe("Rng", () => {
  it("produces the pinned stream for seed 42 (same on every platform and Node version)", () => {
    const r = new Rng(42);
    const ints = [r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()];
    const u = r.uniform();
    const n = r.normal();
    expect({ ints, u, n }).toMatchInlineSnapshot(`
      {
        "ints": [
          2837322924,
          544945897,
          479756282,
          3500138142,
        ],
        "n": -2.266469768794034,
        "u": 0.0791056456144914,
      }
    `);
  });

  it("same seed, same stream; different seeds, different streams", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 50 }, () => a.uniform());
    expect(Array.from({ length: 50 }, () => b.uniform())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.uniform())).not.toEqual(sa);
  });

  it("uniforms lie in [0, 1) with mean 1/2 and normals have mean 0, variance 1", () => {
    const r = new Rng(1);
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let lo = 1;
    let hi = 0;
    const N = 200_000;
    for (let i = 0; i < N; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(su / N - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / N)).toBeLessThan(0.01);
    expect(Math.abs(sn2 / N - 1)).toBeLessThan(0.02);
  });

  it("derive gives distinct reproducible streams per sub-task", () => {
    const a = Rng.derive(5, 1, 2).uniform();
    expect(Rng.derive(5, 1, 2).uniform()).toBe(a);
    expect(Rng.derive(5, 2, 1).uniform()).not.toBe(a);
    expect(Rng.derive(6, 1, 2).uniform()).not.toBe(a);
  });

  it("rejects seeds that are not non-negative safe integers", () => {
    expect(() => new Rng(-1)).toThrow(/seed must be a non-negative integer/);
    expect(() => new Rng(1.5)).toThrow(/seed/);
    expect(() => new Rng(2 ** 53)).toThrow(/seed/);
  });
});

describe("normal draws (ziggurat)", () => {
  it("match N(0, 1): moments, kurtosis, tails, and the CDF at fixed quantiles", () => {
    const r = new Rng(9);
    const N = 400_000;
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    let beyond3 = 0;
    // standard normal quantiles at 10 %, 25 %, 50 %, 75 %, 90 %
    const q = [-1.2815515655446004, -0.6744897501960817, 0, 0.6744897501960817, 1.2815515655446004];
    const below = new Array(q.length).fill(0);
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      s1 += z;
      s2 += z * z;
      s4 += z * z * z * z;
      if (Math.abs(z) > 3) beyond3++;
      for (let j = 0; j < q.length; j++) if (z < q[j]!) below[j]++;
    }
    expect(Math.abs(s1 / N)).toBeLessThan(0.006);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.01);
    expect(Math.abs(s4 / N - 3)).toBeLessThan(0.06);
    // P(|z| > 3) = 0.0027; binomial s.d. at N = 4e5 is 8e-5
    expect(Math.abs(beyond3 / N - 0.0026998)).toBeLessThan(0.0004);
    [0.1, 0.25, 0.5, 0.75, 0.9].forEach((p, j) => expect(Math.abs(below[j] / N - p)).toBeLessThan(0.003));
  });
});

describe("deterministic exp (fdlibm port)", () => {
  it("agrees with Math.exp to within one ulp from underflow to overflow", () => {
    const r = new Rng(4);
    for (let i = 0; i < 20_000; i++) {
      const x = r.uniformIn(-740, 709);
      const ref = Math.exp(x);
      expect(Math.abs(exp(x) - ref)).toBeLessThanOrEqual(ref * 2.3e-16 + 5e-324);
    }
    expect(exp(0)).toBe(1);
    expect(exp(1e-30)).toBe(1);
    expect(exp(800)).toBe(Infinity);
    expect(exp(-800)).toBe(0);
    expect(Number.isNaN(exp(NaN))).toBe(true);
  });
});

describe("deterministic log (fdlibm port)", () => {
  it("agrees with Math.log to within one ulp over many magnitudes", () => {
    const r = new Rng(3);
    for (let i = 0; i < 20_000; i++) {
      const x = Math.exp(r.uniformIn(-700, 700));
      const ours = log(x);
      const ref = Math.log(x);
      expect(Math.abs(ours - ref)).toBeLessThanOrEqual(Math.abs(ref) * 2.3e-16 + 5e-324);
    }
    expect(log(1)).toBe(0);
    expect(log(0)).toBe(-Infinity);
    expect(Number.isNaN(log(-1))).toBe(true);
    expect(log(5e-324)).toBeCloseTo(-744.4400719213812, 10);
  });
});
