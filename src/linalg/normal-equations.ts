/**
 * Least squares on a subset of a matrix's rows by the normal equations: the Gram matrix
 * G = A_Sᵀ A_S (its lower triangle only, on the SIMD product of simd-gemm.ts), its Cholesky
 * factor L Lᵀ = G, a solve, and one step of iterative refinement on the residual (Björck's
 * corrected semi-normal equations), which brings the answer to the accuracy of a QR solve when A_S
 * is well conditioned. On a tall m × n system that is m·n²/2 + n³/6 multiply-adds against
 * ~(m − n/3)·n² for Householder QR, whose reflector updates V8 runs as scalar code: measured
 * 0.55× the time of qr.ts's blocked QR on 306 × 250 (the pattern-first ℓ∞ start's output layer on
 * 100-250-600) and 0.45× on 306 × 100 (its Gauss–Newton steps). The normal equations square the
 * condition number, so the solver declines (returns null) when its estimate of rcond(A_S) is below
 * {@link NORMAL_EQUATIONS_MIN_RCOND} or the Gram is not numerically positive definite; the caller
 * then runs the QR routines of qr.ts, which also decide the rank. Written by hand: no kept
 * dependency has a dense Cholesky on Float64Array (the LP engine and QR are hand-written too).
 */
import { ShapeError } from "../errors.js";
import { type Matrix } from "./matrix.js";
import { estimateRcond } from "./qr-blocked.js";
import { type LeastSquaresInfo } from "./qr-workspace.js";
import { padTo, simdGemm } from "./simd-gemm.js";

/**
 * Below this estimate of rcond(A_S) = σ_min/σ_max the normal equations are not used: their error
 * grows with κ², and at κ ≤ 10⁴ one refinement step leaves it at rounding level (κ²·u ≈ 2e-8 per
 * step, squared by the refinement).
 */
export const NORMAL_EQUATIONS_MIN_RCOND = 1e-4;

/** Reusable buffers of {@link normalEquationsRows}; grows on demand, one per thread. */
export class NormalEquationsWorkspace {
  /** The Gram matrix, then its Cholesky factor L in the lower triangle (n × n row-major). */
  g = new Float64Array(0);
  /** The right-hand side of the gathered rows, then their residual. */
  rhs = new Float64Array(0);
  /** Aᵀ b, then the refinement's correction (n). */
  c = new Float64Array(0);
  /** Scratch of the condition estimate (n each). */
  est = new Float64Array(0);
  y = new Float64Array(0);
  /** Scratch of the 4×4 kernel. */
  readonly block = new Float64Array(16);

  /** Grow the buffers to hold an m × n system (no-op when they already do). */
  ensure(m: number, n: number): void {
    if (this.rhs.length < m) this.rhs = new Float64Array(m);
    if (this.g.length < n * n) this.g = new Float64Array(n * n);
    if (this.c.length < n) {
      this.c = new Float64Array(n);
      this.est = new Float64Array(n);
      this.y = new Float64Array(n);
    }
  }
}

/**
 * out[4r + c] = Σ_p x[xo + r·stride + p] · y[yo + c·stride + p] for p < len, r, c < 4: sixteen dot
 * products of four rows by four rows, each loaded element feeding four multiply-adds.
 */
function dot4x4(x: Float64Array, xo: number, y: Float64Array, yo: number, stride: number, len: number, out: Float64Array): void {
  const x0 = xo;
  const x1 = x0 + stride;
  const x2 = x1 + stride;
  const x3 = x2 + stride;
  const y0 = yo;
  const y1 = y0 + stride;
  const y2 = y1 + stride;
  const y3 = y2 + stride;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = 0; p < len; p++) {
    const b0 = y[y0 + p]!;
    const b1 = y[y1 + p]!;
    const b2 = y[y2 + p]!;
    const b3 = y[y3 + p]!;
    let a = x[x0 + p]!;
    c00 += a * b0;
    c01 += a * b1;
    c02 += a * b2;
    c03 += a * b3;
    a = x[x1 + p]!;
    c10 += a * b0;
    c11 += a * b1;
    c12 += a * b2;
    c13 += a * b3;
    a = x[x2 + p]!;
    c20 += a * b0;
    c21 += a * b1;
    c22 += a * b2;
    c23 += a * b3;
    a = x[x3 + p]!;
    c30 += a * b0;
    c31 += a * b1;
    c32 += a * b2;
    c33 += a * b3;
  }
  out[0] = c00;
  out[1] = c01;
  out[2] = c02;
  out[3] = c03;
  out[4] = c10;
  out[5] = c11;
  out[6] = c12;
  out[7] = c13;
  out[8] = c20;
  out[9] = c21;
  out[10] = c22;
  out[11] = c23;
  out[12] = c30;
  out[13] = c31;
  out[14] = c32;
  out[15] = c33;
}

/** Σ_p x[xo + p]·y[yo + p] for p < len (two accumulators). */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let p = 0;
  for (; p + 1 < len; p += 2) {
    s0 += x[xo + p]! * y[yo + p]!;
    s1 += x[xo + p + 1]! * y[yo + p + 1]!;
  }
  if (p < len) s0 += x[xo + p]! * y[yo + p]!;
  return s0 + s1;
}

/**
 * Cholesky factorisation G = L Lᵀ in place: on entry the lower triangle of `g` (n × n row-major)
 * holds G, on exit L. Left-looking by blocks of four rows, so the update of each block
 * (G_IJ − L_I,<J · L_J,<Jᵀ) is one {@link dot4x4} over contiguous row prefixes.
 * @param g the matrix, lower triangle read and overwritten (the upper triangle is not touched)
 * @param n its order
 * @param block scratch of 16 values
 * @returns −1 when G is numerically positive definite, else the index of the first pivot that is
 *   not > 0 (or NaN): L is then incomplete and must not be used
 * @throws ShapeError when a buffer is smaller than the shapes
 */
export function choleskyInPlace(g: Float64Array, n: number, block = new Float64Array(16)): number {
  if (g.length < n * n || block.length < 16) throw new ShapeError(`choleskyInPlace: buffers too small for order ${n} (G ${g.length}, scratch ${block.length})`);
  for (let i0 = 0; i0 < n; i0 += 4) {
    const bi = Math.min(4, n - i0);
    // off-diagonal blocks L_IJ, J < I
    for (let j0 = 0; j0 < i0; j0 += 4) {
      // J is a whole block of four (j0 < i0, both multiples of 4); I may be the short last one
      if (bi === 4) dot4x4(g, i0 * n, g, j0 * n, n, j0, block);
      else for (let r = 0; r < bi; r++) for (let c = 0; c < 4; c++) block[4 * r + c] = dot(g, (i0 + r) * n, g, (j0 + c) * n, j0);
      for (let r = 0; r < bi; r++) {
        const ro = (i0 + r) * n;
        for (let c = 0; c < 4; c++) {
          const jc = j0 + c;
          let s = g[ro + jc]! - block[4 * r + c]!;
          for (let p = j0; p < jc; p++) s -= g[ro + p]! * g[jc * n + p]!;
          g[ro + jc] = s / g[jc * n + jc]!;
        }
      }
    }
    // the diagonal block: G_II − L_I,<I L_I,<Iᵀ, then its own 4×4 (or smaller) factorisation
    if (bi === 4) dot4x4(g, i0 * n, g, i0 * n, n, i0, block);
    else for (let r = 0; r < bi; r++) for (let c = 0; c <= r; c++) block[4 * r + c] = dot(g, (i0 + r) * n, g, (i0 + c) * n, i0);
    for (let r = 0; r < bi; r++) {
      const i = i0 + r;
      const ro = i * n;
      for (let c = 0; c < r; c++) {
        const jc = i0 + c;
        let s = g[ro + jc]! - block[4 * r + c]!;
        for (let p = i0; p < jc; p++) s -= g[ro + p]! * g[jc * n + p]!;
        g[ro + jc] = s / g[jc * n + jc]!;
      }
      let d = g[ro + i]! - block[4 * r + r]!;
      for (let p = i0; p < i; p++) d -= g[ro + p]! * g[ro + p]!;
      if (!(d > 0)) return i;
      g[ro + i] = Math.sqrt(d);
    }
  }
  return -1;
}

/**
 * Solve L Lᵀ x = b in place (b overwritten by x) for the factor of {@link choleskyInPlace}: forward
 * substitution on L's rows, then back substitution by columns of Lᵀ, i.e. again L's rows.
 */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) b[i] = (b[i]! - dot(l, i * n, b, 0, i)) / l[i * n + i]!;
  for (let i = n - 1; i >= 0; i--) {
    const xi = b[i]! / l[i * n + i]!;
    b[i] = xi;
    const ro = i * n;
    for (let p = 0; p < i; p++) b[p]! -= xi * l[ro + p]!;
  }
  return b;
}

/** c_j = Σ_t at[o + j·ld + t]·r_t for t < m (c = Aᵀ r for the gathered rows). */
function transposedProduct(at: Float64Array, o: number, ld: number, m: number, n: number, r: Float64Array, c: Float64Array): void {
  for (let j = 0; j < n; j++) c[j] = dot(at, o + j * ld, r, 0, m);
}

/** r_t −= Σ_j at[o + j·ld + t]·x_j for t < m (r ← r − A x for the gathered rows). */
function subtractProduct(at: Float64Array, o: number, ld: number, m: number, n: number, x: Float64Array, r: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const xj = x[j]!;
    const oj = o + j * ld;
    for (let t = 0; t < m; t++) r[t]! -= at[oj + t]! * xj;
  }
}

/**
 * min ‖A[rows,:]·x − b‖₂ by the normal equations with one refinement step (see the module header),
 * when the selected rows are well conditioned; null when they are not (rcond estimate below
 * `minRcond`, a Gram that is not positive definite, fewer rows than columns, non-finite data), and
 * the caller solves by QR ({@link leastSquaresRows}), which also finds the rank.
 * @param a the matrix (row-major), e.g. a layer's weight
 * @param rows the row indices to use; only the first `m` are read
 * @param m how many rows of `rows` to use
 * @param b right-hand side, one entry per selected row
 * @param x output, length a.cols (written only when the result is not null)
 * @param ws reusable buffers
 * @param minRcond decline below this estimate of σ_min/σ_max of A[rows,:]
 * @returns rank a.cols, the residual norm and the rcond estimate; or null (see above)
 * @throws nothing (indices and lengths are not checked, for speed)
 */
export function normalEquationsRows(
  a: Matrix,
  rows: Int32Array,
  m: number,
  b: ArrayLike<number>,
  x: Float64Array,
  ws: NormalEquationsWorkspace,
  minRcond = NORMAL_EQUATIONS_MIN_RCOND,
): LeastSquaresInfo | null {
  const n = a.cols;
  if (m < n || n === 0) return null;
  ws.ensure(m, n);
  const { g, rhs, c } = ws;
  // A_Sᵀ gathered into the SIMD product's memory: n4 rows (zeros below n) of m2 values (zeros past m)
  const simd = simdGemm();
  const n4 = padTo(n, 4);
  const m2 = padTo(m, 2);
  const gOff = n4 * m2;
  const at = simd.reserve(gOff + n4 * n4);
  at.fill(0, n * m2, gOff);
  const src = a.data;
  for (let t = 0; t < m; t++) {
    const o = rows[t]! * n;
    for (let j = 0; j < n; j++) at[j * m2 + t] = src[o + j]!;
    rhs[t] = b[t]!;
  }
  if (m2 > m) for (let j = 0; j < n; j++) at[j * m2 + m] = 0;
  simd.nt(0, m2, 0, m2, gOff, n4, n4, n4, m2, true);
  for (let i = 0; i < n; i++) {
    const o = gOff + i * n4;
    for (let j = 0; j <= i; j++) g[i * n + j] = at[o + j]!;
  }
  if (choleskyInPlace(g, n, ws.block) >= 0) return null;
  // L Lᵀ = A_SᵀA_S = RᵀR: rcond of R (stored as L's rows) estimates that of A_S
  const rcond = estimateRcond(g, n, n, ws.est, ws.y);
  if (!(rcond >= minRcond)) return null;
  transposedProduct(at, 0, m2, m, n, rhs, c);
  choleskySolveInPlace(g, n, c);
  for (let j = 0; j < n; j++) x[j] = c[j]!;
  // one refinement step: r = b − A x, x += (AᵀA)⁻¹ Aᵀ r
  subtractProduct(at, 0, m2, m, n, x, rhs);
  transposedProduct(at, 0, m2, m, n, rhs, c);
  choleskySolveInPlace(g, n, c);
  for (let j = 0; j < n; j++) x[j]! += c[j]!;
  subtractProduct(at, 0, m2, m, n, c, rhs);
  let res = 0;
  for (let t = 0; t < m; t++) res += rhs[t]! * rhs[t]!;
  return { rank: n, residualNorm: Math.sqrt(res), rcond };
}
