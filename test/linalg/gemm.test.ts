import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { gemmNT, transposeInto } from "../../src/linalg/gemm.js";
import { Rng } from "../../src/model/rng.js";

function naiveNT(m: number, n: number, k: number, a: Float64Array, b: Float64Array): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) c[i * n + j]! += a[i * k + p]! * b[j * k + p]!;
  return c;
}

describe("gemmNT", () => {
  const rng = new Rng(5);
  it("equals the triple loop A·Bᵀ for every remainder of the 4×4 blocking", () => {
    for (const [m, n, k] of [
      [1, 1, 1],
      [4, 4, 4],
      [5, 7, 3],
      [8, 13, 1],
      [17, 6, 31],
      [3, 9, 64],
    ] as const) {
      const a = rng.fillNormal(new Float64Array(m * k));
      const b = rng.fillNormal(new Float64Array(n * k));
      const c = gemmNT(m, n, k, a, b, new Float64Array(m * n).fill(NaN));
      const want = naiveNT(m, n, k, a, b);
      for (let i = 0; i < m * n; i++) expect(c[i]).toBeCloseTo(want[i]!, 12);
    }
  });

  it("adds into C when accumulating", () => {
    const a = rng.fillNormal(new Float64Array(6 * 5));
    const b = rng.fillNormal(new Float64Array(7 * 5));
    const c0 = rng.fillNormal(new Float64Array(6 * 7));
    const c = gemmNT(6, 7, 5, a, b, Float64Array.from(c0), true);
    const ab = naiveNT(6, 7, 5, a, b);
    for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(c0[i]! + ab[i]!, 12);
  });

  it("rejects buffers smaller than the shapes", () => {
    expect(() => gemmNT(2, 2, 2, new Float64Array(3), new Float64Array(4), new Float64Array(4))).toThrow(ShapeError);
  });
});

describe("transposeInto", () => {
  it("transposes rectangular matrices larger than one cache block", () => {
    const rng = new Rng(6);
    const [r, c] = [37, 70];
    const a = rng.fillNormal(new Float64Array(r * c));
    const t = transposeInto(r, c, a, new Float64Array(r * c));
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) expect(t[j * r + i]).toBe(a[i * c + j]);
  });
});
