/**
 * Householder QR with column pivoting (LAPACK's xGEQP3 without blocking) for least squares on a
 * chosen subset of a matrix's rows, with numerical rank detection. Column-major workspace so the
 * reflector updates run over contiguous memory.
 */
import { type Matrix } from "./matrix.js";

/** Reusable buffers for {@link leastSquaresRows}; grows on demand, never shrinks. */
export class QrWorkspace {
  a = new Float64Array(0);
  rhs = new Float64Array(0);
  vn1 = new Float64Array(0);
  vn2 = new Float64Array(0);
  perm = new Int32Array(0);
  y = new Float64Array(0);

  ensure(m: number, n: number): void {
    if (this.a.length < m * n) this.a = new Float64Array(m * n);
    if (this.rhs.length < m) this.rhs = new Float64Array(m);
    if (this.vn1.length < n) {
      this.vn1 = new Float64Array(n);
      this.vn2 = new Float64Array(n);
      this.perm = new Int32Array(n);
      this.y = new Float64Array(n);
    }
  }
}

/** Outcome of a least-squares solve. */
export interface LeastSquaresInfo {
  /** Numerical rank of the selected rows (≤ min(m, n)). */
  rank: number;
  /** ‖A x − b‖₂ over the selected rows. */
  residualNorm: number;
  /** |R_rr| / |R_11| of the last accepted pivot: a cheap reciprocal condition estimate. */
  rcond: number;
}

const SQRT_EPS = Math.sqrt(2.220446049250313e-16);

/**
 * Solve min ‖A[rows,:]·x − b‖₂ for the `m` row indices in `rows` of `a` (row-major).
 * When the selected rows are rank-deficient (|R_jj| ≤ rankTol·|R_11|), returns the basic solution
 * with the remaining pivoted unknowns set to 0 and reports the rank.
 * @param b right-hand side, one entry per selected row (b[t] goes with row rows[t])
 * @param x output, length a.cols
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
  ws.ensure(m, n);
  const A = ws.a;
  const src = a.data;
  // gather the chosen rows into column-major storage: A[j*m + i] = a[rows[i], j]
  for (let i = 0; i < m; i++) {
    const o = rows[i]! * n;
    for (let j = 0; j < n; j++) A[j * m + i] = src[o + j]!;
  }
  const r = ws.rhs;
  for (let i = 0; i < m; i++) r[i] = b[i]!;
  return factorAndSolve(A, r, m, n, x, ws, rankTol);
}

/**
 * Least squares on a column-major m×n matrix already in `ws.a` (overwritten), rhs in `ws.rhs`.
 * Exposed for callers that assemble their own system.
 */
export function factorAndSolve(
  A: Float64Array,
  r: Float64Array,
  m: number,
  n: number,
  x: Float64Array,
  ws: QrWorkspace,
  rankTol: number,
): LeastSquaresInfo {
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
    for (let j = k + 1; j < n; j++) if (vn1[j]! > best) { best = vn1[j]!; p = j; }
    if (p !== k) {
      const op = p * m;
      const ok = k * m;
      for (let i = 0; i < m; i++) { const t = A[op + i]!; A[op + i] = A[ok + i]!; A[ok + i] = t; }
      const tp = perm[p]!; perm[p] = perm[k]!; perm[k] = tp;
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
      applyReflector(A, m, k, k + 1, n, tau);
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

/**
 * Apply H = I − τ v vᵀ (v = [1; A[k+1:m, k]]) to columns j0…n−1 of the column-major m-row A.
 * Four columns share each pass over v, which halves the memory traffic; every column still sums in
 * the same order as one at a time, so the results are bit-for-bit those of the simple loop.
 */
function applyReflector(A: Float64Array, m: number, k: number, j0: number, n: number, tau: number): void {
  const ok = k * m;
  let j = j0;
  for (; j + 3 < n; j += 4) {
    const o1 = j * m;
    const o2 = o1 + m;
    const o3 = o2 + m;
    const o4 = o3 + m;
    let s1 = A[o1 + k]!;
    let s2 = A[o2 + k]!;
    let s3 = A[o3 + k]!;
    let s4 = A[o4 + k]!;
    for (let i = k + 1; i < m; i++) {
      const v = A[ok + i]!;
      s1 += v * A[o1 + i]!;
      s2 += v * A[o2 + i]!;
      s3 += v * A[o3 + i]!;
      s4 += v * A[o4 + i]!;
    }
    s1 *= tau;
    s2 *= tau;
    s3 *= tau;
    s4 *= tau;
    A[o1 + k]! -= s1;
    A[o2 + k]! -= s2;
    A[o3 + k]! -= s3;
    A[o4 + k]! -= s4;
    for (let i = k + 1; i < m; i++) {
      const v = A[ok + i]!;
      A[o1 + i]! -= s1 * v;
      A[o2 + i]! -= s2 * v;
      A[o3 + i]! -= s3 * v;
      A[o4 + i]! -= s4 * v;
    }
  }
  for (; j < n; j++) {
    const oj = j * m;
    let s = A[oj + k]!;
    for (let i = k + 1; i < m; i++) s += A[ok + i]! * A[oj + i]!;
    s *= tau;
    A[oj + k]! -= s;
    for (let i = k + 1; i < m; i++) A[oj + i]! -= s * A[ok + i]!;
  }
}
