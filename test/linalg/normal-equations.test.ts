import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { type Matrix } from "../../src/linalg/matrix.js";
import { choleskyInPlace, NormalEquationsWorkspace, normalEquationsRows, SINGLE_GRAM_MIN_RCOND } from "../../src/linalg/normal-equations.js";
import { leastSquaresRows, QrWorkspace } from "../../src/linalg/qr.js";
import { padTo, SimdGemm } from "../../src/linalg/simd-gemm.js";

/** Solve L Lᵀ x = b in place for the factor at offset 0 with leading dimension ld: forward, then back substitution (plain loops, the reference). */
function choleskySolve(f: Float64Array, ld: number, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= f[i * ld + p]! * b[p]!;
    b[i] = s / f[i * ld + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    const xi = b[i]! / f[i * ld + i]!;
    b[i] = xi;
    for (let p = 0; p < i; p++) b[p]! -= xi * f[i * ld + p]!;
  }
}
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

  /** G (n × n, lower triangle read) laid into a SimdGemm's memory as choleskyInPlace wants it: leading dimension padTo(n, 4), zero padding rows, scratch after. */
  function place(g0: Float64Array, n: number): { g: SimdGemm; ld: number; tmp: number } {
    const g = new SimdGemm();
    const ld = padTo(n, 4) + 3; // a leading dimension larger than the order
    const tmp = ld * padTo(n, 4);
    const f = g.reserve(tmp + padTo(n, 4) * 16);
    f.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) f[i * ld + j] = g0[i * n + j]!;
    return { g, ld, tmp };
  }

  it("choleskyInPlace gives L with L Lᵀ = G for every remainder of its 4-column blocks, and the solve inverts it", () => {
    for (const [m, n] of [...SHAPES.slice(0, -1), [60, 33], [70, 48], [80, 50]] as const) {
      if (m < n) continue;
      const xt = rng.fillNormal(new Float64Array(n * (m + 2)));
      const g0 = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) for (let p = 0; p < m + 2; p++) g0[i * n + j]! += xt[i * (m + 2) + p]! * xt[j * (m + 2) + p]!;
      let scale = 0;
      for (let i = 0; i < n; i++) scale = Math.max(scale, g0[i * n + i]!);
      const residual = (l: Float64Array, ld: number): number => {
        let worst = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j <= i; j++) {
            let s = 0;
            for (let p = 0; p <= j; p++) s += l[i * ld + p]! * l[j * ld + p]!;
            worst = Math.max(worst, Math.abs(s - g0[i * n + j]!));
          }
        return worst;
      };
      if (n <= 50) {
        // the trailing products on an f32 mirror of L (an f32 Gram's factor): L Lᵀ = G to f32 rounding, and no better
        const m32 = place(g0, n);
        const mirror = 2 * (m32.tmp + padTo(n, 4) * 16);
        m32.g.reserve(mirror / 2 + (padTo(n, 4) * padTo(n, 8)) / 2);
        expect(choleskyInPlace(m32.g, 0, m32.ld, n, m32.tmp, mirror)).toBe(-1);
        const r32 = residual(m32.g.f64, m32.ld);
        expect(r32).toBeLessThan(1e-5 * scale);
        if (n > 4) expect(r32).toBeGreaterThan(1e-12 * scale); // the first block is f64 either way
      }
      const { g, ld, tmp } = place(g0, n);
      expect(choleskyInPlace(g, 0, ld, n, tmp)).toBe(-1);
      const l = g.f64;
      expect(residual(l, ld)).toBeLessThan(1e-12 * scale);
      // with `upper`, the same L to the bit and its transpose on the strict upper triangle
      const u = place(g0, n);
      expect(choleskyInPlace(u.g, 0, u.ld, n, u.tmp, -1, true)).toBe(-1);
      let same = true;
      for (let i = 0; i < n; i++)
        for (let p = 0; p <= i; p++) same &&= u.g.f64[i * u.ld + p] === l[i * ld + p] && (p === i || u.g.f64[p * u.ld + i] === l[i * ld + p]);
      expect(same).toBe(true);
      // G x = b for a known x
      const x = rng.fillNormal(new Float64Array(n));
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i]! += (j <= i ? g0[i * n + j]! : g0[j * n + i]!) * x[j]!;
      choleskySolve(l, ld, n, b);
      for (let i = 0; i < n; i++) expect(Math.abs(b[i]! - x[i]!)).toBeLessThan(1e-9);
    }
  });

  it("choleskyInPlace reports the first pivot of a matrix that is not positive definite", () => {
    // [[4, 2, 1], [2, 5, 3], [1, 3, −5]]: L's first two rows exist, the third pivot is −6.8
    const indefinite = place(Float64Array.of(4, 0, 0, 2, 5, 0, 1, 3, -5), 3);
    expect(choleskyInPlace(indefinite.g, 0, indefinite.ld, 3, indefinite.tmp)).toBe(2);
    const nan = place(Float64Array.of(1, 0, NaN, 1), 2);
    expect(choleskyInPlace(nan.g, 0, nan.ld, 2, nan.tmp)).toBe(1);
    // a pivot that fails in the fifth block column (rows 16…19), after SIMD updates
    const n = 20;
    const g0 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) g0[i * n + i] = 1;
    g0[18 * n + 3] = 1.5; // row 18's norm exceeds its diagonal: pivot 18 is 1 − 2.25 < 0
    const late = place(g0, n);
    expect(choleskyInPlace(late.g, 0, late.ld, n, late.tmp)).toBe(18);
    const small = new SimdGemm();
    small.reserve(8);
    expect(() => choleskyInPlace(small, 0, 4, 4, small.f64.length)).toThrow(ShapeError);
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
      // two steps of block inverse iteration (4 starts, the first QR's) against the QR's three from one
      // start: both over-estimate rcond, and (measured) they agree within 1.3×
      expect(info!.rcond).toBeGreaterThan(rinfo.rcond / 1.5);
      expect(info!.rcond).toBeLessThan(1.5 * rinfo.rcond);
    }
  });

  it("without the refinement step and with an f32 Gram (pattern-first's start): QR's answer to κ²·u and κ²·2⁻²⁴ (with the step, QR's to 1e-10), the rank and rcond as before", () => {
    const ws = new NormalEquationsWorkspace();
    const qws = new QrWorkspace();
    for (const [m, n] of [
      [40, 21],
      [125, 100],
      [306, 250],
    ] as const) {
      const a = randomMatrix(m + 40, n, rng);
      const rows = Int32Array.from({ length: m }, (_, t) => (t < 20 ? 2 * t : t + 40));
      const b = rng.fillNormal(new Float64Array(m));
      const ref = new Float64Array(n);
      leastSquaresRows(a, rows, m, b, ref, qws);
      const full = normalEquationsRows(a, rows, m, b, new Float64Array(n), ws, 1e-4)!;
      const kappa2 = 1 / full.rcond ** 2;
      const size = Math.max(...ref.map(Math.abs));
      for (const [refine, single, bound] of [
        [false, false, 1e-15],
        [false, true, 2 ** -24],
        [true, true, 1e-10 / (10 * kappa2)], // the f64 residual's refinement step: mixed-precision refinement, near QR's answer again
      ] as const) {
        const x = new Float64Array(n);
        const info = normalEquationsRows(a, rows, m, b, x, ws, 1e-4, refine, single)!;
        expect(info.rank).toBe(n);
        expect(Math.abs(info.residualNorm - full.residualNorm)).toBeLessThan(1e-6 * full.residualNorm);
        const y = new Float64Array(n);
        expect(normalEquationsRows(a, rows, m, b, y, ws, 1e-4, refine, single, false)!.residualNorm).toBeNaN(); // not computed when not asked for
        expect(Array.from(y)).toEqual(Array.from(x)); // and the same answer
        expect(Math.abs(info.rcond - full.rcond)).toBeLessThan((single ? 1e-3 : 1e-9) * full.rcond);
        const err = Math.max(...x.map((v, j) => Math.abs(v - ref[j]!)));
        expect(err).toBeLessThan(10 * kappa2 * bound * size);
        if (single && !refine) expect(err).toBeGreaterThan(1e-12 * size); // the Gram really is f32
      }
    }
  });

  it("takes its refinement step on rows conditioned between 1e-4 and 1e-2, and still agrees with QR", () => {
    const [m, n] = [90, 24];
    const a = randomMatrix(m, n, rng);
    // column 5 ≈ column 4 (a 1e-3 difference): rcond ~6e-4, where the unrefined solve is off by ~3e-10 (measured)
    for (let t = 0; t < m; t++) a.data[t * n + 5] = a.data[t * n + 4]! + 1e-3 * a.data[t * n + 5]!;
    const rows = Int32Array.from({ length: m }, (_, t) => t);
    const b = rng.fillNormal(new Float64Array(m));
    const x = new Float64Array(n);
    const ref = new Float64Array(n);
    const info = normalEquationsRows(a, rows, m, b, x, new NormalEquationsWorkspace());
    leastSquaresRows(a, rows, m, b, ref, new QrWorkspace());
    expect(info).not.toBeNull();
    expect(info!.rcond).toBeLessThan(1e-2);
    expect(info!.rcond).toBeGreaterThan(1e-4);
    let err = 0;
    let size = 0;
    for (let j = 0; j < n; j++) {
      err = Math.max(err, Math.abs(x[j]! - ref[j]!));
      size = Math.max(size, Math.abs(ref[j]!));
    }
    expect(err).toBeLessThan(3e-11 * size);
  });

  it("with an f32 Gram, declines it below SINGLE_GRAM_MIN_RCOND (κ²·2⁻²⁴ over 1e-3) and gives the f64 normal equations' answer", () => {
    const [m, n] = [90, 24];
    const rows = Int32Array.from({ length: m }, (_, t) => t);
    for (const [gap, f32] of [
      [2e-3, false], // rcond ~1e-3: the f32 Gram's error would be ~0.05 relative; declined
      [1e-1, true], // rcond ~5e-2: the f32 Gram is used (its answer is not the f64 one to the bit)
    ] as const) {
      const a = randomMatrix(m, n, rng);
      for (let t = 0; t < m; t++) a.data[t * n + 5] = a.data[t * n + 4]! + gap * a.data[t * n + 5]!;
      const b = rng.fillNormal(new Float64Array(m));
      const x = new Float64Array(n);
      const ref = new Float64Array(n);
      const info = normalEquationsRows(a, rows, m, b, x, new NormalEquationsWorkspace(), 1e-4, false, true, false)!;
      const full = normalEquationsRows(a, rows, m, b, ref, new NormalEquationsWorkspace(), 1e-4, false, false, false)!;
      expect(full.rcond).toBeGreaterThan(1e-4);
      expect(full.rcond < SINGLE_GRAM_MIN_RCOND).toBe(!f32);
      let err = 0;
      let size = 0;
      for (let j = 0; j < n; j++) {
        err = Math.max(err, Math.abs(x[j]! - ref[j]!));
        size = Math.max(size, Math.abs(ref[j]!));
      }
      if (f32) {
        expect(err).toBeGreaterThan(1e-12 * size);
        expect(err).toBeLessThan(1e-3 * size);
      } else {
        expect(err).toBeLessThan(1e-9 * size);
        expect(info.rcond).toBe(full.rcond); // the f64 path's own estimate
      }
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
