import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { type Matrix } from "../../src/linalg/matrix.js";
import { choleskyInPlace, choleskySolveInPlace, NormalEquationsWorkspace, normalEquationsRows } from "../../src/linalg/normal-equations.js";
import { leastSquaresRows, QrWorkspace } from "../../src/linalg/qr.js";
import { Rng } from "../../src/model/rng.js";

function randomMatrix(rows: number, cols: number, rng: Rng): Matrix {
  return { rows, cols, data: rng.fillNormal(new Float64Array(rows * cols)) };
}

/** Every remainder of the 4×4 blocking, and the sizes pattern-first meets (306 × 250, 125 × 100). */
const SHAPES = [
  [1, 1],
  [5, 3],
  [9, 4],
  [23, 6],
  [31, 7],
  [40, 21],
  [125, 100],
  [306, 250],
] as const;

describe("normal equations: Gram, Cholesky, least squares", () => {
  const rng = new Rng(11);

  it("choleskyInPlace gives L with L Lᵀ = G, and the solve inverts it", () => {
    for (const [m, n] of SHAPES.slice(0, -1)) {
      if (m < n) continue;
      const xt = rng.fillNormal(new Float64Array(n * (m + 2)));
      const g0 = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) for (let p = 0; p < m + 2; p++) g0[i * n + j]! += xt[i * (m + 2) + p]! * xt[j * (m + 2) + p]!;
      const l = Float64Array.from(g0);
      expect(choleskyInPlace(l, n)).toBe(-1);
      let scale = 0;
      for (let i = 0; i < n; i++) scale = Math.max(scale, g0[i * n + i]!);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let p = 0; p <= j; p++) s += l[i * n + p]! * l[j * n + p]!;
          expect(Math.abs(s - g0[i * n + j]!)).toBeLessThan(1e-12 * scale);
        }
      // G x = b for a known x
      const x = rng.fillNormal(new Float64Array(n));
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i]! += (j <= i ? g0[i * n + j]! : g0[j * n + i]!) * x[j]!;
      choleskySolveInPlace(l, n, b);
      for (let i = 0; i < n; i++) expect(Math.abs(b[i]! - x[i]!)).toBeLessThan(1e-9);
    }
  });

  it("choleskyInPlace reports the first pivot of a matrix that is not positive definite", () => {
    // [[4, 2, 1], [2, 5, 3], [1, 3, −5]]: L's first two rows exist, the third pivot is −6.8
    const indefinite = Float64Array.of(4, 0, 0, 2, 5, 0, 1, 3, -5);
    expect(choleskyInPlace(indefinite, 3)).toBe(2);
    const nan = Float64Array.of(1, 0, NaN, 1);
    expect(choleskyInPlace(nan, 2)).toBe(1);
    expect(() => choleskyInPlace(new Float64Array(3), 2)).toThrow(ShapeError);
  });

  it("normalEquationsRows agrees with the QR solve to 1e-12 on well-conditioned row subsets", () => {
    const ws = new NormalEquationsWorkspace();
    const qws = new QrWorkspace();
    for (const [m, n] of SHAPES) {
      if (m < n) continue;
      const a = randomMatrix(m + 40, n, rng);
      // every other row, then the tail: rows out of order and not contiguous
      const rows = Int32Array.from({ length: m }, (_, t) => (t < 20 ? 2 * t : t + 40));
      const b = rng.fillNormal(new Float64Array(m));
      const x = new Float64Array(n);
      const info = normalEquationsRows(a, rows, m, b, x, ws, 1e-4);
      const ref = new Float64Array(n);
      const rinfo = leastSquaresRows(a, rows, m, b, ref, qws);
      if (m === n && !info) continue; // a square random matrix may be too ill-conditioned: declined, as it should
      expect(info).not.toBeNull();
      expect(info!.rank).toBe(n);
      let err = 0;
      let size = 0;
      for (let j = 0; j < n; j++) {
        err = Math.max(err, Math.abs(x[j]! - ref[j]!));
        size = Math.max(size, Math.abs(ref[j]!));
      }
      expect(err).toBeLessThan(1e-12 * Math.max(1, size));
      expect(Math.abs(info!.residualNorm - rinfo.residualNorm)).toBeLessThan(1e-10 * (1 + rinfo.residualNorm));
      expect(Math.abs(info!.rcond - rinfo.rcond)).toBeLessThan(1e-6 * rinfo.rcond);
    }
  });

  it("declines rank-deficient, ill-conditioned, short and non-finite systems (the caller runs QR)", () => {
    const ws = new NormalEquationsWorkspace();
    const x = new Float64Array(3);
    const rows = Int32Array.from([0, 1, 2, 3]);
    const dependent: Matrix = { rows: 4, cols: 3, data: Float64Array.of(1, 2, 3, 2, 4, 6, 0, 1, 1, 1, 3, 4) }; // col 3 = col 1 + col 2
    expect(normalEquationsRows(dependent, rows, 4, [1, 2, 3, 4], x, ws)).toBeNull();
    const near: Matrix = { rows: 4, cols: 3, data: Float64Array.of(1, 0, 1, 0, 1, 1, 1, 1, 2 + 1e-7, 2, 1, 3) };
    expect(normalEquationsRows(near, rows, 4, [1, 2, 3, 4], x, ws)).toBeNull();
    const wide: Matrix = { rows: 2, cols: 3, data: Float64Array.of(1, 0, 0, 0, 1, 0) };
    expect(normalEquationsRows(wide, Int32Array.from([0, 1]), 2, [1, 2], x, ws)).toBeNull();
    const bad: Matrix = { rows: 4, cols: 3, data: Float64Array.of(1, 0, 0, 0, NaN, 0, 0, 0, 1, 1, 1, 1) };
    expect(normalEquationsRows(bad, rows, 4, [1, 2, 3, 4], x, ws)).toBeNull();
  });
});
