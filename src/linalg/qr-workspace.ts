/** Buffers and the result type shared by the least-squares routines (qr.ts, qr-blocked.ts). */

/**
 * Reusable buffers for {@link leastSquaresRows}; grows on demand, never shrinks. Keep one per loop
 * (one per layer-wise inversion) so repeated solves allocate nothing; not shared across threads.
 * @example
 * ```ts
 * import { fromRows, leastSquaresRows, QrWorkspace } from "geninv";
 * const ws = new QrWorkspace(); // reused by both solves
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const x = new Float64Array(2);
 * leastSquaresRows(a, Int32Array.from([0, 1]), 2, [1, 2], x, ws);
 * leastSquaresRows(a, Int32Array.from([0, 2]), 2, [1, 3], x, ws);
 * console.log(Array.from(x)); // ≈ [ 1, 2 ]
 * ```
 */
export class QrWorkspace {
  /** The gathered rows, column-major (overwritten by the factorisation). */
  a = new Float64Array(0);
  /** The right-hand side of the gathered rows (overwritten by Qᵀ·b). */
  rhs = new Float64Array(0);
  /** Partial column norms of the pivoting (LAPACK's VN1). */
  vn1 = new Float64Array(0);
  /** Column norms at the last recomputation (LAPACK's VN2). */
  vn2 = new Float64Array(0);
  /** The column permutation P. */
  perm = new Int32Array(0);
  /** The solution in pivoted order. */
  y = new Float64Array(0);
  /** The Householder reflectors' scalars. */
  tau = new Float64Array(0);
  /** Scratch of the blocked QR's condition estimate. */
  est = new Float64Array(0);

  /** Grow the buffers to hold an m×n system (no-op when they already do). */
  ensure(m: number, n: number): void {
    if (this.a.length < m * n) this.a = new Float64Array(m * n);
    if (this.rhs.length < m) this.rhs = new Float64Array(m);
    if (this.vn1.length < n) {
      this.vn1 = new Float64Array(n);
      this.vn2 = new Float64Array(n);
      this.perm = new Int32Array(n);
      this.y = new Float64Array(n);
      this.tau = new Float64Array(n);
      this.est = new Float64Array(n);
    }
  }
}

/**
 * Outcome of a least-squares solve.
 * @example
 * ```ts
 * import { fromRows, leastSquaresRows, type LeastSquaresInfo, QrWorkspace } from "geninv";
 * const a = fromRows([[1, 2], [2, 4]]); // rank 1
 * const info: LeastSquaresInfo = leastSquaresRows(a, Int32Array.from([0, 1]), 2, [1, 2], new Float64Array(2), new QrWorkspace());
 * console.log(info.rank); // 1
 * ```
 */
export interface LeastSquaresInfo {
  /** Numerical rank of the selected rows (≤ min(m, n)). */
  rank: number;
  /** ‖A x − b‖₂ over the selected rows (NaN from normalEquationsRows with `residual: false`: not computed). */
  residualNorm: number;
  /** |R_rr| / |R_11| of the last accepted pivot: a cheap reciprocal condition estimate. */
  rcond: number;
}
