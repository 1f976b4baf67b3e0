/** Buffers and the result type shared by the least-squares routines (qr.ts, qr-blocked.ts). */

/** Reusable buffers for {@link leastSquaresRows}; grows on demand, never shrinks. */
export class QrWorkspace {
  a = new Float64Array(0);
  rhs = new Float64Array(0);
  vn1 = new Float64Array(0);
  vn2 = new Float64Array(0);
  perm = new Int32Array(0);
  y = new Float64Array(0);
  tau = new Float64Array(0);
  est = new Float64Array(0);

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

/** Outcome of a least-squares solve. */
export interface LeastSquaresInfo {
  /** Numerical rank of the selected rows (≤ min(m, n)). */
  rank: number;
  /** ‖A x − b‖₂ over the selected rows. */
  residualNorm: number;
  /** |R_rr| / |R_11| of the last accepted pivot: a cheap reciprocal condition estimate. */
  rcond: number;
}
