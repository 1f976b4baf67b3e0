/**
 * Least squares on a subset of a matrix's rows by the normal equations: the Gram matrix
 * G = A_Sᵀ A_S (its lower triangle only, on the SIMD product of simd-gemm.ts), its Cholesky
 * factor L Lᵀ = G (blocked, the trailing products on the same kernel), a solve and one step of
 * iterative refinement on the residual (Björck's corrected semi-normal equations), which brings
 * the answer to the accuracy of a QR solve. The step is taken unless the caller reads the answer
 * only for its signs (pattern-first's start, `refine: false`): the pattern-first ℓ∞ path
 * returns its settled least squares as the LP's witness, so without it noiseless data came back at
 * κ²·u ≈ 1e-13 relative error instead of QR's 1e-15 (the demo's half-hidden ℓ∞ row); it costs two
 * passes over the rows and a solve, ~2 % of the Gram. On a tall m × n system that is m·n²/2 + n³/6 multiply-adds against ~(m − n/3)·n² for
 * Householder QR, whose reflector updates V8 runs as scalar code: `node dist/bench/run.js
 * pattern-start` measured 0.34× the time of qr.ts's blocked QR on the 306 × 250 rows of the
 * pattern-first ℓ∞ start's output layer on 100-250-600, and 0.34× on its Gauss–Newton steps'
 * 306 × 100. The normal equations square the condition number, so the solver declines (returns
 * null) when its estimate of rcond(A_S) is below {@link NORMAL_EQUATIONS_MIN_RCOND} or the Gram is
 * not numerically positive definite; the caller then runs the QR routines of qr.ts, which also
 * decide the rank. Written by hand: no kept dependency has a dense Cholesky on Float64Array (the
 * LP engine and QR are hand-written too).
 */
import { ShapeError, SolverError } from "../errors.js";
import { type Matrix } from "./matrix.js";
import { type LeastSquaresInfo } from "./qr-workspace.js";
import { padTo, type SimdGemm, simdGemm } from "./simd-gemm.js";

/**
 * Below this estimate of rcond(A_S) = σ_min/σ_max the normal equations are not used: their error
 * grows with κ², and at κ ≤ 10⁴ one refinement step leaves it at rounding level (κ²·u ≈ 2e-8 per
 * step, squared by the refinement).
 */
export const NORMAL_EQUATIONS_MIN_RCOND = 1e-4;

/**
 * Below this estimate of rcond(A_S) the f32 Gram (`single`) is not used and the f64 normal
 * equations run instead: an f32 Gram carries κ²·2⁻²⁴ relative error, 6 at rcond 10⁻⁴ (garbage that
 * the f64 gate would let through), and ≤ 10⁻³ needs κ ≤ 129, i.e. rcond ≥ 7.8·10⁻³; 8·10⁻³ gives
 * κ²·2⁻²⁴ ≤ 0.93·10⁻³. The start's systems sit at rcond ~0.05–0.1, far above it.
 */
export const SINGLE_GRAM_MIN_RCOND = 8e-3;

/** Columns per block of the Cholesky factorisation (a multiple of 4, for the SIMD product). */
const NB = 4;

/** Reusable buffers of {@link normalEquationsRows}; grows on demand, one per thread. */
export class NormalEquationsWorkspace {
  /** The right-hand side of the gathered rows, then their residual. */
  rhs = new Float64Array(0);
  /** Aᵀ b, then the refinement's correction (n). */
  c = new Float64Array(0);
  /** The refinement's Aᵀ r, then its correction (n). */
  d = new Float64Array(0);

  /** Grow the buffers to hold an m × n system (no-op when they already do). */
  ensure(m: number, n: number): void {
    if (this.rhs.length < m) this.rhs = new Float64Array(m);
    if (this.c.length < n) {
      this.c = new Float64Array(n);
      this.d = new Float64Array(n);
    }
  }
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
 * Cholesky factorisation G = L Lᵀ in place in a {@link SimdGemm}'s memory: on entry the lower
 * triangle of the n × n matrix at `off` (leading dimension `ld`) holds G, on exit L. Left-looking by
 * blocks of 4 columns: each block column first takes the product of the rows below it with the
 * columns before it (on the SIMD kernel, ~n³/6 of the n³/6 + O(n²·4) multiply-adds), then its
 * diagonal block is factorised and the rows below are solved against it.
 * Layout: rows n … padTo(n, 4) − 1 of the matrix must exist and hold zeros in their first n
 * columns (the Gram of zero-padded rows does), and `tmp` must have padTo(n, 4)·4 doubles free.
 * @param g the memory and its kernel
 * @param off offset of G in `g.f64`
 * @param ld its leading dimension (≥ padTo(n, 4))
 * @param n its order
 * @param tmp offset of the scratch block
 * @param mirror with a float offset here (an f32 area of padTo(n, 4) rows × padTo(n, 8) in
 *   {@link SimdGemm.f32}, clear of the rest), the trailing products run on f32 copies of L's finished
 *   columns ({@link SimdGemm.nt32}): L then carries f32 rounding, for an f32 Gram's factor; −1 (the
 *   default): f64 throughout
 * @param upper also write Lᵀ onto the strict upper triangle (entry (p, i) ← L[i, p]) as each entry
 *   is found, for the mirrored solves: the same values a separate transposing pass would copy, with
 *   its writes along rows (4 rows a block) instead of down columns
 * @returns −1 when G is numerically positive definite, else the index of the first pivot that is
 *   not > 0 (or NaN): L is then incomplete and must not be used
 * @throws ShapeError when the layout does not fit the memory reserved
 */
export function choleskyInPlace(g: SimdGemm, off: number, ld: number, n: number, tmp: number, mirror = -1, upper = false): number {
  const n4 = padTo(n, 4);
  const ldm = padTo(n, 8);
  if (ld < n4 || off + (n4 - 1) * ld + n4 > g.f64.length || tmp + n4 * NB > g.f64.length || (mirror >= 0 && mirror + n4 * ldm > g.f32.length)) {
    throw new ShapeError(
      `choleskyInPlace: an order-${n} matrix (leading dimension ${ld}) at ${off} and its scratch at ${tmp} do not fit ${g.f64.length} doubles`,
    );
  }
  if (mirror >= 0) g.f32.fill(0, mirror, mirror + n4 * ldm);
  const m32 = g.f32; // (its view does not change: the kernel calls below do not grow the memory)
  for (let k0 = 0; k0 < n; k0 += NB) {
    const nb = Math.min(NB, n - k0);
    if (k0 > 0) {
      // tmp[i − k0, c] = L[i, 0:k0] · L[k0 + c, 0:k0] for the rows i ≥ k0 (padded rows are zeros);
      // with a mirror, on its f32 copy of L's finished columns (the columns from k0 on are still zeros there)
      const rows = padTo(n - k0, 2);
      if (mirror >= 0) g.nt32(mirror + k0 * ldm, ldm, mirror + k0 * ldm, ldm, tmp, NB, rows, padTo(nb, 4), padTo(k0, 8));
      else g.nt(off + k0 * ld, ld, off + k0 * ld, ld, tmp, NB, rows, padTo(nb, 4), k0);
    }
    const f = g.f64;
    const below = k0 + nb; // rows from here on are below the diagonal block
    if (k0 > 0) {
      const end = nb === NB ? below : n; // a full block's rows below are updated in the pass further down
      for (let i = k0; i < end; i++) {
        const ro = off + i * ld + k0;
        const to = tmp + (i - k0) * NB;
        const cEnd = Math.min(nb, i - k0 + 1);
        for (let c = 0; c < cEnd; c++) f[ro + c]! -= f[to + c]!;
      }
    }
    // the diagonal block, then the rows below it: L[i, k0 + c] = (A[i, k0 + c] − Σ L[i, p]·L[k0 + c, p]) / L[k0 + c, k0 + c], p in [k0, k0 + c)
    if (nb === NB) {
      // a full block: its 4 × 4 diagonal block first (the loop below, on its rows only), then every row
      // below in one pass with the block's entries in locals (the trailing product subtracted here too;
      // the same operations in the same order as the general loop)
      for (let i = k0; i < below; i++) {
        const ro = off + i * ld;
        for (let c = 0; c < i - k0; c++) {
          const jr = off + (k0 + c) * ld;
          let s = f[ro + k0 + c]!;
          for (let p = k0; p < k0 + c; p++) s -= f[ro + p]! * f[jr + p]!;
          f[ro + k0 + c] = s / f[jr + k0 + c]!;
          if (upper) f[jr + i] = f[ro + k0 + c]!;
        }
        let d = f[ro + i]!;
        for (let p = k0; p < i; p++) d -= f[ro + p]! * f[ro + p]!;
        if (!(d > 0)) return i;
        f[ro + i] = Math.sqrt(d);
      }
      const r0 = off + k0 * ld + k0;
      const r1 = r0 + ld;
      const r2 = r1 + ld;
      const r3 = r2 + ld;
      const d0 = f[r0]!;
      const d1 = f[r1 + 1]!;
      const d2 = f[r2 + 2]!;
      const d3 = f[r3 + 3]!;
      const l10 = f[r1]!;
      const l20 = f[r2]!;
      const l21 = f[r2 + 1]!;
      const l30 = f[r3]!;
      const l31 = f[r3 + 1]!;
      const l32 = f[r3 + 2]!;
      for (let i = below; i < n; i++) {
        const ro = off + i * ld + k0;
        let a0 = f[ro]!;
        let a1 = f[ro + 1]!;
        let a2 = f[ro + 2]!;
        let a3 = f[ro + 3]!;
        if (k0 > 0) {
          const to = tmp + (i - k0) * NB;
          a0 -= f[to]!;
          a1 -= f[to + 1]!;
          a2 -= f[to + 2]!;
          a3 -= f[to + 3]!;
        }
        const x0 = a0 / d0;
        const x1 = (a1 - x0 * l10) / d1;
        const x2 = (a2 - x0 * l20 - x1 * l21) / d2;
        const x3 = (a3 - x0 * l30 - x1 * l31 - x2 * l32) / d3;
        f[ro] = x0;
        f[ro + 1] = x1;
        f[ro + 2] = x2;
        f[ro + 3] = x3;
        if (upper) {
          f[r0 + i - k0] = x0; // r0 … r3 point at column k0 of rows k0 … k0 + 3
          f[r1 + i - k0] = x1;
          f[r2 + i - k0] = x2;
          f[r3 + i - k0] = x3;
        }
        if (mirror >= 0) {
          const mo = mirror + i * ldm + k0;
          m32[mo] = x0;
          m32[mo + 1] = x1;
          m32[mo + 2] = x2;
          m32[mo + 3] = x3;
        }
      }
    } else
      for (let i = k0; i < n; i++) {
        const ro = off + i * ld;
        const cEnd = Math.min(nb, i - k0);
        for (let c = 0; c < cEnd; c++) {
          const jr = off + (k0 + c) * ld;
          let s = f[ro + k0 + c]!;
          for (let p = k0; p < k0 + c; p++) s -= f[ro + p]! * f[jr + p]!;
          f[ro + k0 + c] = s / f[jr + k0 + c]!;
          if (upper) f[jr + i] = f[ro + k0 + c]!;
        }
        if (i < k0 + nb) {
          let d = f[ro + i]!;
          for (let p = k0; p < i; p++) d -= f[ro + p]! * f[ro + p]!;
          if (!(d > 0)) return i;
          f[ro + i] = Math.sqrt(d);
        }
      }
    if (mirror >= 0) {
      // (a full block's rows below were copied in its pass)
      const end = nb === NB ? below : n;
      for (let i = k0; i < end; i++) for (let c = 0; c < nb; c++) m32[mirror + i * ldm + k0 + c] = f[off + i * ld + k0 + c]!;
    }
  }
  return -1;
}

/** Lanes of the block solve ({@link blockSolveMirrored}): the rcond estimate's {@link RCOND_STARTS} starts and x's solve. */
const RCOND_VECTORS = 4;
/** Starts of the rcond estimate's block inverse iteration; the last lane solves for x. */
const RCOND_STARTS = 3;

/*
 * rcond(A_S) = σ_min(R)/σ_max(R) for R = Lᵀ, as qr-blocked.ts estimates it for its R: σ_max by the
 * largest column norm of R (a row of L; ‖L_i‖² = G_ii, the Gram's largest diagonal entry), σ_min by
 * inverse iteration on RᵀR = L Lᵀ, two steps (qr-blocked.ts takes three; the estimate only has to
 * tell rcond ≥ 10⁻⁴, typically ~0.1 here, from below it), on a block of RCOND_STARTS fixed starts at
 * once, the largest growth kept: the first start is the one earlier versions iterated alone, so the
 * estimate is never above theirs (the gate is no weaker). The block's last lane carries the solves
 * for x (Aᵀb with the first step, the refinement's Aᵀr with the second), so no solve runs apart.
 * The triangular solves run by blocks of rows, their products with the solved part on the SIMD
 * kernel (blockSolveMirrored). With one start, solved by dot products in scalar code, the estimate
 * took ~0.5 ms on the 250 × 250 factor of the pattern-first start (2–3 ns a multiply-add).
 */

/**
 * Ready the block inverse iteration: false for a zero or non-finite diagonal of L or Gram (rcond 0).
 * Zeroes the mirrored upper part's columns n … padTo(n, 4) − 1 (read, times zeros, by the back
 * substitution's products: they must not be NaN) and lays the starts into lanes 0 … RCOND_STARTS − 1
 * at `v` (rows of padTo(n, 4), zeros past n).
 */
function rcondPrepare(f: Float64Array, off: number, ld: number, n: number, gramMax: number, v: number): boolean {
  const n4 = padTo(n, 4);
  for (let i = 0; i < n; i++) {
    const ro = off + i * ld;
    const d = f[ro + i]!;
    if (d === 0 || !Number.isFinite(d)) return false;
    if (n4 > n) f.fill(0, ro + n, ro + n4);
  }
  if (!(gramMax > 0) || !Number.isFinite(gramMax)) return false;
  // the starts: the first as qr-blocked.ts's; the others change sign in other patterns
  for (let q = 0; q < RCOND_STARTS; q++) {
    const vo = v + q * n4;
    const mod = 13 + 4 * q;
    for (let i = 0; i < n; i++) {
      const sign = q === 1 ? 1 - 2 * (i & 1) : q === 2 ? 1 - 2 * ((i >> 1) & 1) : 1;
      f[vo + i] = sign * (1 + ((i * 7919 + q * 104729) % mod) / mod);
    }
    f.fill(0, vo + n, vo + n4);
  }
  return true;
}

/** One step of the block inverse iteration (every lane solved, the starts normalised): the largest growth ‖(L Lᵀ)⁻¹ v̂‖, or 0 when one is zero or not finite. */
function rcondStep(g: SimdGemm, off: number, ld: number, n: number, v: number, c: number): number {
  const n4 = padTo(n, 4);
  blockSolveMirrored(g, off, ld, n, v, c);
  const f = g.f64;
  let growth = 0;
  for (let q = 0; q < RCOND_STARTS; q++) {
    const vo = v + q * n4;
    const nv = Math.sqrt(dot(f, vo, f, vo, n));
    if (!Number.isFinite(nv) || nv === 0) return 0;
    if (nv > growth) growth = nv; // ≈ 1/σ_min² once v is normalised
    for (let i = 0; i < n; i++) f[vo + i]! /= nv;
  }
  return growth;
}

/** Rows per block of {@link blockSolveMirrored} (a multiple of 4; 8 measured ~1.3× faster than 4: half the kernel calls). */
const SOLVE_ROWS = 8;

/**
 * Solve L Lᵀ X = V in place for the {@link RCOND_VECTORS} vectors at `v` (rows of padTo(n, 4), zeros
 * past n) and a mirrored factor: forward then back substitution by blocks of {@link SOLVE_ROWS} rows,
 * the product of a block's rows with the solved part on {@link SimdGemm.nt} (into the scratch at `c`,
 * SOLVE_ROWS × 4), the block's own triangle in scalar code.
 */
function blockSolveMirrored(g: SimdGemm, off: number, ld: number, n: number, v: number, c: number): void {
  const n4 = padTo(n, 4);
  const f = g.f64;
  for (let i0 = 0; i0 < n; i0 += SOLVE_ROWS) {
    // c[r·4 + q] = L[i0 + r, 0:i0] · V[q, 0:i0]
    if (i0 > 0) g.nt(off + i0 * ld, ld, v, n4, c, 4, Math.min(SOLVE_ROWS, n4 - i0), 4, i0);
    const nb = Math.min(SOLVE_ROWS, n - i0);
    for (let r = 0; r < nb; r++) {
      const ro = off + (i0 + r) * ld;
      const dr = f[ro + i0 + r]!;
      for (let q = 0; q < RCOND_VECTORS; q++) {
        const vo = v + q * n4;
        let s = f[vo + i0 + r]! - (i0 > 0 ? f[c + r * 4 + q]! : 0);
        for (let p = 0; p < r; p++) s -= f[ro + i0 + p]! * f[vo + i0 + p]!;
        f[vo + i0 + r] = s / dr;
      }
    }
  }
  for (let i0 = Math.floor((n - 1) / SOLVE_ROWS) * SOLVE_ROWS; i0 >= 0; i0 -= SOLVE_ROWS) {
    // c[r·4 + q] = Lᵀ[i0 + r, i0 + SOLVE_ROWS:n4] · V[q, i0 + SOLVE_ROWS:n4] (the mirrored upper part; V's padding is zero)
    const k = n4 - i0 - SOLVE_ROWS;
    if (k > 0) g.nt(off + i0 * ld + i0 + SOLVE_ROWS, ld, v + i0 + SOLVE_ROWS, n4, c, 4, SOLVE_ROWS, 4, k);
    const nb = Math.min(SOLVE_ROWS, n - i0);
    for (let r = nb - 1; r >= 0; r--) {
      const ro = off + (i0 + r) * ld;
      const dr = f[ro + i0 + r]!;
      for (let q = 0; q < RCOND_VECTORS; q++) {
        const vo = v + q * n4;
        let s = f[vo + i0 + r]! - (k > 0 ? f[c + r * 4 + q]! : 0);
        for (let p = r + 1; p < nb; p++) s -= f[ro + i0 + p]! * f[vo + i0 + p]!;
        f[vo + i0 + r] = s / dr;
      }
    }
  }
}

/** c_j = Σ_t at[j·ld + t]·r_t for t < m (c = Aᵀ r for the gathered rows). */
function transposedProduct(at: Float64Array, ld: number, m: number, n: number, r: Float64Array, c: Float64Array): void {
  for (let j = 0; j < n; j++) c[j] = dot(at, j * ld, r, 0, m);
}

/** r_t −= Σ_j at[j·ld + t]·x_j for t < m (r ← r − A x for the gathered rows). */
function subtractProduct(at: Float64Array, ld: number, m: number, n: number, x: Float64Array, r: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const xj = x[j]!;
    const oj = j * ld;
    for (let t = 0; t < m; t++) r[t]! -= at[oj + t]! * xj;
  }
}

/** c = A[rows]ᵀ r from A's own rows (row-major, n columns): the products of the f32 Gram's solve, in f64. */
function rowsTransposedProduct(src: Float64Array, rows: Int32Array, m: number, n: number, r: Float64Array, c: Float64Array): void {
  c.fill(0, 0, n);
  for (let t = 0; t < m; t++) {
    const o = rows[t]! * n;
    const rt = r[t]!;
    for (let j = 0; j < n; j++) c[j]! += src[o + j]! * rt;
  }
}

/** r −= A[rows]·x from A's own rows (row-major, n columns). */
function rowsSubtractProduct(src: Float64Array, rows: Int32Array, m: number, n: number, x: Float64Array, r: Float64Array): void {
  for (let t = 0; t < m; t++) r[t]! -= dot(src, rows[t]! * n, x, 0, n);
}

/** A[rows]ᵀ into `at` (n rows of stride ld, zeros past m): blocks of 8 rows, each column's 8 values to one stretch of Aᵀ's row. */
function gatherTransposed(at: Float64Array | Float32Array, src: Float64Array, rows: Int32Array, m: number, n: number, ld: number): void {
  let t0 = 0;
  for (; t0 + 8 <= m; t0 += 8) {
    const r0 = rows[t0]! * n;
    const r1 = rows[t0 + 1]! * n;
    const r2 = rows[t0 + 2]! * n;
    const r3 = rows[t0 + 3]! * n;
    const r4 = rows[t0 + 4]! * n;
    const r5 = rows[t0 + 5]! * n;
    const r6 = rows[t0 + 6]! * n;
    const r7 = rows[t0 + 7]! * n;
    for (let j = 0; j < n; j++) {
      const o = j * ld + t0;
      at[o] = src[r0 + j]!;
      at[o + 1] = src[r1 + j]!;
      at[o + 2] = src[r2 + j]!;
      at[o + 3] = src[r3 + j]!;
      at[o + 4] = src[r4 + j]!;
      at[o + 5] = src[r5 + j]!;
      at[o + 6] = src[r6 + j]!;
      at[o + 7] = src[r7 + j]!;
    }
  }
  for (let t = t0; t < m; t++) {
    const o = rows[t]! * n;
    for (let j = 0; j < n; j++) at[j * ld + t] = src[o + j]!;
  }
  if (ld > m) for (let j = 0; j < n; j++) at.fill(0, j * ld + m, (j + 1) * ld);
}

/**
 * min ‖A[rows,:]·x − b‖₂ by the normal equations and one refinement step (see the module header), when the selected rows are well conditioned; null when they are not (rcond estimate below
 * `minRcond`, a Gram that is not positive definite, fewer rows than columns, non-finite data) or
 * the system is too large for the SIMD memory (over 2²⁶ values), and
 * the caller solves by QR ({@link leastSquaresRows}), which also finds the rank.
 * @param a the matrix (row-major), e.g. a layer's weight
 * @param rows the row indices to use; only the first `m` are read
 * @param m how many rows of `rows` to use
 * @param b right-hand side, one entry per selected row
 * @param x output, length a.cols (written only when the result is not null)
 * @param ws reusable buffers
 * @param minRcond decline below this estimate of σ_min/σ_max of A[rows,:]
 * @param refine take the refinement step (see the module header); without it the answer carries
 *   the normal equations' κ²·u error, enough where it is only read for its signs (pattern-first's start)
 * @param single form the Gram from f32 copies of the rows ({@link SimdGemm.nt32}: twice the lanes),
 *   the rest in f64: the answer then carries κ²·2⁻²⁴ relative error (~1e-5 at rcond 0.05), for
 *   answers read only for their signs (pattern-first's start, whose noise moves it by ~1e-3); below
 *   an rcond estimate of {@link SINGLE_GRAM_MIN_RCOND} (error ≥ 10⁻³) the f64 normal equations run instead
 * @param residual compute residualNorm (false: NaN, and the pass over the rows for it is saved)
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
  refine = true,
  single = false,
  residual = true,
): LeastSquaresInfo | null {
  const n = a.cols;
  // beyond 2²⁶ gathered values (512 MB) the QR's own buffers are the better bet than growing the SIMD memory
  if (m < n || n === 0 || m * n > 2 ** 26) return null;
  ws.ensure(m, n);
  const { rhs, c } = ws;
  // in the SIMD product's memory: A_Sᵀ (n4 rows, zeros below n, of m2 values, zeros past m), the
  // Gram / its factor (n4 × n4) and the factorisation's scratch (n4 × 4)
  const simd = simdGemm();
  const n4 = padTo(n, 4);
  const m2 = padTo(m, single ? 8 : 4);
  // in the SIMD product's memory: A_Sᵀ (n4 rows, zeros below n, of m2 values, zeros past m; f64,
  // or f32 with `single`), the Gram / its factor (n4 × n4) and the factorisation's scratch (n4 × 4)
  const gOff = single ? (n4 * m2) / 2 : n4 * m2;
  const tmp = gOff + n4 * n4;
  // after the scratch (4 × n4, then the rcond estimate's vectors), SOLVE_ROWS × 4 doubles for the
  // estimate's block products; single: then the factorisation's f32 mirror of L (choleskyInPlace's `mirror`)
  const cOff = tmp + n4 * NB;
  const mirror = single ? 2 * (cOff + SOLVE_ROWS * 4) : -1;
  let at: Float64Array;
  try {
    at = simd.reserve(cOff + SOLVE_ROWS * 4 + (single ? (n4 * padTo(n, 8)) / 2 : 0));
  } catch (e) {
    if (e instanceof SolverError) return null; // the SIMD memory cannot grow: QR
    throw e;
  }
  const src = a.data;
  for (let t = 0; t < m; t++) rhs[t] = b[t]!;
  // single with a padding row to spare (n < n4): b goes in as row n of A_Sᵀ, so the Gram's row n
  // is Aᵀb (in f32, as the Gram) and the f64 pass over the rows for it is saved
  const bInGram = single && n < n4;
  if (single) {
    const at32 = simd.f32;
    at32.fill(0, n * m2, n4 * m2);
    gatherTransposed(at32, src, rows, m, n, m2);
    if (bInGram) for (let t = 0; t < m; t++) at32[n * m2 + t] = rhs[t]!;
    simd.nt32(0, m2, 0, m2, gOff, n4, n4, n4, m2, true);
  } else {
    at.fill(0, n * m2, gOff);
    gatherTransposed(at, src, rows, m, n, m2);
    simd.nt(0, m2, 0, m2, gOff, n4, n4, n4, m2, true);
  }
  const f = simd.f64;
  if (bInGram) {
    for (let j = 0; j < n; j++) c[j] = f[gOff + n * n4 + j]!;
    f.fill(0, gOff + n * n4, gOff + (n + 1) * n4); // the factorisation wants zero padding rows
  }
  // σ_max(A_S)² ≥ max_i G_ii = max_i ‖L_i‖² (the rcond estimate's; read before L overwrites it)
  let gramMax = 0;
  for (let i = 0; i < n; i++) {
    const d = f[gOff + i * n4 + i]!;
    if (d > gramMax || d !== d) gramMax = d;
  }
  // an f32 Gram that is not numerically positive definite may still be in f64: try that before QR
  // L, and Lᵀ on the upper triangle for the mirrored solves
  if (choleskyInPlace(simd, gOff, n4, n, tmp, mirror, true) >= 0)
    return single ? normalEquationsRows(a, rows, m, b, x, ws, minRcond, refine, false, residual) : null;
  // Aᵀ r and r − A x: from the gathered f64 rows, or (single) from A's own rows
  const atr = (r: Float64Array, out: Float64Array): void => (single ? rowsTransposedProduct(src, rows, m, n, r, out) : transposedProduct(f, m2, m, n, r, out));
  const sub = (v: Float64Array, r: Float64Array): void => (single ? rowsSubtractProduct(src, rows, m, n, v, r) : subtractProduct(f, m2, m, n, v, r));
  if (!bInGram) atr(rhs, c);
  // L Lᵀ = A_SᵀA_S = RᵀR: rcond of R (stored as L's rows) estimates that of A_S; x solved in the
  // estimate's last lane (c holds it until the gate passes; d the refinement's correction)
  const d = ws.d;
  const lane = tmp + RCOND_STARTS * n4;
  let rcond = 0;
  const ready = rcondPrepare(f, gOff, n4, n, gramMax, tmp);
  const refining = refine && ready;
  if (ready) {
    for (let j = 0; j < n; j++) f[lane + j] = c[j]!;
    f.fill(0, lane + n, lane + n4);
    let growth = rcondStep(simd, gOff, n4, n, tmp, cOff);
    for (let j = 0; j < n; j++) c[j] = f[lane + j]!;
    if (growth > 0 && refining) {
      // one refinement step, x += (AᵀA)⁻¹ Aᵀ r with r = b − A x: the κ²·u error of the first solve down to QR's
      sub(c, rhs);
      atr(rhs, d);
      for (let j = 0; j < n; j++) f[lane + j] = d[j]!;
    } else f.fill(0, lane, lane + n);
    if (growth > 0) growth = rcondStep(simd, gOff, n4, n, tmp, cOff);
    if (growth > 0) rcond = 1 / Math.sqrt(growth) / Math.sqrt(gramMax);
    if (refining)
      for (let j = 0; j < n; j++) {
        d[j] = f[lane + j]!;
        c[j]! += d[j]!;
      }
  }
  // the f32 Gram's κ²·2⁻²⁴ error is only small above SINGLE_GRAM_MIN_RCOND: below it, the f64 normal equations (which may decline in turn: QR)
  if (single && !(rcond >= Math.max(minRcond, SINGLE_GRAM_MIN_RCOND))) return normalEquationsRows(a, rows, m, b, x, ws, minRcond, refine, false, residual);
  if (!(rcond >= minRcond)) return null;
  for (let j = 0; j < n; j++) x[j] = c[j]!;
  // the residual's pass only when read (rhs already holds b − A x₀ after a refinement step)
  if (!residual) return { rank: n, residualNorm: NaN, rcond };
  sub(refine ? d : x, rhs);
  let res = 0;
  for (let t = 0; t < m; t++) res += rhs[t]! * rhs[t]!;
  return { rank: n, residualNorm: Math.sqrt(res), rcond };
}
