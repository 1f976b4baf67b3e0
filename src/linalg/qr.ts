/**
 * Householder QR with column pivoting (LAPACK's xGEQP3 without blocking) for least squares on a
 * chosen subset of a matrix's rows, with numerical rank detection, and the null space of a
 * rank-deficient subset. Column-major workspace so the reflector updates run over contiguous
 * memory. Full-rank tall systems go first through the blocked unpivoted QR of qr-blocked.ts.
 */
import { type Matrix } from "./matrix.js";
import { blockedQrSolve } from "./qr-blocked.js";
import { type LeastSquaresInfo, type QrWorkspace } from "./qr-workspace.js";

export { type LeastSquaresInfo, QrWorkspace } from "./qr-workspace.js";

const SQRT_EPS = Math.sqrt(2.220446049250313e-16);

/**
 * Solve min ‖A[rows,:]·x − b‖₂ for the `m` row indices in `rows` of `a` (row-major): Theorem 2's
 * least squares on a layer's active rows.
 * When the selected rows are rank-deficient (|R_jj| ≤ rankTol·|R_11|), returns the basic solution
 * with the remaining pivoted unknowns set to 0 and reports the rank.
 * @param a the matrix (row-major), e.g. a layer's weight W
 * @param rows the row indices to use; only the first `m` are read
 * @param m how many rows of `rows` to use
 * @param b right-hand side, one entry per selected row (b[t] goes with row rows[t])
 * @param x output, length a.cols
 * @param ws reusable buffers (grown as needed)
 * @param rankTol relative pivot size below which a column counts as dependent (default 1e-10)
 * @returns the numerical rank, the residual norm and a reciprocal condition estimate
 * @throws nothing (indices and lengths are not checked, for speed)
 * @example
 * ```ts
 * import { fromRows, leastSquaresRows, QrWorkspace } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const x = new Float64Array(2);
 * const info = leastSquaresRows(a, Int32Array.from([0, 1, 2]), 3, [1, 2, 3], x, new QrWorkspace());
 * console.log(info.rank, Array.from(x, (v) => Math.round(v * 1e9) / 1e9)); // 2 [ 1, 2 ]
 * ```
 */
export function leastSquaresRows(
  a: Matrix,
  rows: Int32Array,
  m: number,
  b: ArrayLike<number>,
  x: Float64Array,
  ws: QrWorkspace,
  rankTol = 1e-10,
): LeastSquaresInfo {
  const n = a.cols;
  const A = gatherRows(a, rows, m, b, ws);
  const r = ws.rhs;
  if (m >= n) {
    // fast path: blocked QR without pivoting; a well-conditioned R is full rank for certain
    const fast = blockedQrSolve(A, r, m, n, x, ws);
    if (fast.rcond > rankTol) return fast;
    gatherRows(a, rows, m, b, ws); // the pivoted routine starts over from the rows
  }
  return factorAndSolve(A, r, m, n, x, ws, rankTol);
}

/** Copy the chosen rows into `ws.a`, column-major (A[j*m + i] = a[rows[i], j]), and b into `ws.rhs`. */
function gatherRows(a: Matrix, rows: Int32Array, m: number, b: ArrayLike<number>, ws: QrWorkspace): Float64Array {
  const n = a.cols;
  ws.ensure(m, n);
  const A = ws.a;
  const src = a.data;
  for (let i = 0; i < m; i++) {
    const o = rows[i]! * n;
    for (let j = 0; j < n; j++) A[j * m + i] = src[o + j]!;
  }
  for (let i = 0; i < m; i++) ws.rhs[i] = b[i]!;
  return A;
}

/**
 * Least squares on a column-major m×n matrix already in `ws.a` (overwritten), rhs in `ws.rhs`.
 * Exposed for callers that assemble their own system.
 */
export function factorAndSolve(A: Float64Array, r: Float64Array, m: number, n: number, x: Float64Array, ws: QrWorkspace, rankTol: number): LeastSquaresInfo {
  const { vn1, vn2, perm, y } = ws;
  for (let j = 0; j < n; j++) {
    perm[j] = j;
    let s = 0;
    const o = j * m;
    for (let i = 0; i < m; i++) s += A[o + i]! * A[o + i]!;
    vn1[j] = Math.sqrt(s);
    vn2[j] = vn1[j]!;
  }
  const kmax = Math.min(m, n);
  let rank = 0;
  let r11 = 0;
  let rcond = 1;
  for (let k = 0; k < kmax; k++) {
    // pivot: the remaining column of largest (partial) norm
    let p = k;
    let best = vn1[k]!;
    for (let j = k + 1; j < n; j++)
      if (vn1[j]! > best) {
        best = vn1[j]!;
        p = j;
      }
    if (p !== k) {
      const op = p * m;
      const ok = k * m;
      for (let i = 0; i < m; i++) {
        const t = A[op + i]!;
        A[op + i] = A[ok + i]!;
        A[ok + i] = t;
      }
      const tp = perm[p]!;
      perm[p] = perm[k]!;
      perm[k] = tp;
      vn1[p] = vn1[k]!;
      vn2[p] = vn2[k]!;
    }
    // Householder reflector H = I − τ v vᵀ with v = [1; A[k+1:m, k]] zeroing below the diagonal
    const ok = k * m;
    const alpha = A[ok + k]!;
    let xnorm2 = 0;
    for (let i = k + 1; i < m; i++) xnorm2 += A[ok + i]! * A[ok + i]!;
    let beta: number;
    let tau = 0;
    if (xnorm2 === 0) {
      beta = alpha;
    } else {
      beta = -Math.sign(alpha || 1) * Math.sqrt(alpha * alpha + xnorm2);
      tau = (beta - alpha) / beta;
      const scale = 1 / (alpha - beta);
      for (let i = k + 1; i < m; i++) A[ok + i]! *= scale;
    }
    A[ok + k] = beta;
    const rkk = Math.abs(beta);
    if (k === 0) r11 = rkk;
    if (rkk === 0 || rkk <= rankTol * r11) break;
    rank = k + 1;
    rcond = r11 > 0 ? rkk / r11 : 0;
    if (tau !== 0) {
      // apply H to the trailing columns and to the right-hand side
      for (let j = k + 1; j < n; j++) {
        const oj = j * m;
        let s = A[oj + k]!;
        for (let i = k + 1; i < m; i++) s += A[ok + i]! * A[oj + i]!;
        s *= tau;
        A[oj + k]! -= s;
        for (let i = k + 1; i < m; i++) A[oj + i]! -= s * A[ok + i]!;
      }
      let s = r[k]!;
      for (let i = k + 1; i < m; i++) s += A[ok + i]! * r[i]!;
      s *= tau;
      r[k]! -= s;
      for (let i = k + 1; i < m; i++) r[i]! -= s * A[ok + i]!;
    }
    // downdate the partial column norms (LAPACK Working Note 176)
    for (let j = k + 1; j < n; j++) {
      if (vn1[j] === 0) continue;
      const t0 = Math.abs(A[j * m + k]!) / vn1[j]!;
      let t = 1 - t0 * t0;
      if (t < 0) t = 0;
      const ratio = vn1[j]! / vn2[j]!;
      if (t * ratio * ratio <= SQRT_EPS) {
        let s = 0;
        const oj = j * m;
        for (let i = k + 1; i < m; i++) s += A[oj + i]! * A[oj + i]!;
        vn1[j] = Math.sqrt(s);
        vn2[j] = vn1[j]!;
      } else {
        vn1[j]! *= Math.sqrt(t);
      }
    }
  }
  // back substitution R[0:rank,0:rank] y = (Qᵀ b)[0:rank]
  for (let i = rank - 1; i >= 0; i--) {
    let s = r[i]!;
    for (let j = i + 1; j < rank; j++) s -= A[j * m + i]! * y[j]!;
    y[i] = s / A[i * m + i]!;
  }
  x.fill(0, 0, n);
  for (let j = 0; j < rank; j++) x[perm[j]!] = y[j]!;
  // residual: the part of Qᵀb outside the first `rank` rows (exact when rank = n or the loop ran to kmax)
  let res = 0;
  if (rank === kmax) {
    for (let i = rank; i < m; i++) res += r[i]! * r[i]!;
    res = Math.sqrt(res);
  } else {
    res = NaN; // rank-deficient: the caller computes the residual from x directly
  }
  return { rank, residualNorm: res, rcond };
}

/** A particular solution and a null-space basis of a row subset (see {@link nullSpaceRows}). */
export interface NullSpaceInfo extends LeastSquaresInfo {
  /** Dimension d = n − rank of the null space. */
  dim: number;
  /** Basis N of the null space, n × d row-major (columns independent, not orthonormal): A[rows,:]·N ≈ 0. */
  basis: Float64Array;
}

/**
 * The basic least-squares solution x of A[rows,:]·x ≈ b (as {@link leastSquaresRows}) together with
 * a basis of the null space of A[rows,:]: with the pivoted factorisation A P = Q [R11 R12], the
 * columns P·[−R11⁻¹R12; I] (one per unknown the rows leave free). Every x + N·u fits the rows as
 * well as x does, so a search over the pre-image of rank-deficient rows runs in d coordinates.
 */
export function nullSpaceRows(a: Matrix, rows: Int32Array, m: number, b: ArrayLike<number>, x: Float64Array, ws: QrWorkspace, rankTol = 1e-10): NullSpaceInfo {
  const n = a.cols;
  const A = gatherRows(a, rows, m, b, ws);
  const r = ws.rhs;
  const info = factorAndSolve(A, r, m, n, x, ws, rankTol);
  const rank = info.rank;
  const dim = n - rank;
  const basis = new Float64Array(n * dim);
  const w = ws.y;
  const perm = ws.perm;
  for (let q = 0; q < dim; q++) {
    // R11 w = R12[:, q]  (column rank + q of the factorised, pivoted matrix; rows above `rank` are R)
    const oc = (rank + q) * m;
    for (let i = rank - 1; i >= 0; i--) {
      let t = A[oc + i]!;
      for (let j = i + 1; j < rank; j++) t -= A[j * m + i]! * w[j]!;
      w[i] = t / A[i * m + i]!;
    }
    for (let i = 0; i < rank; i++) basis[perm[i]! * dim + q] = -w[i]!;
    basis[perm[rank + q]! * dim + q] = 1;
  }
  return { ...info, dim, basis };
}
