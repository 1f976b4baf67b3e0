/**
 * Least squares by the normal equations and a Cholesky factorisation: about twice as fast as
 * Householder QR on tall systems, at the price of squaring the condition number — for starting
 * points and witnesses, where an answer accurate to a few digits is enough; callers fall back to
 * QR ({@link leastSquaresRows}) when the factorisation breaks down.
 */
import { type Matrix } from "./matrix.js";

/** Reusable buffers for {@link normalEquationsRows}. */
export class NormalWorkspace {
  g = new Float64Array(0);
  r = new Float64Array(0);

  ensure(n: number): void {
    if (this.g.length < n * n) {
      this.g = new Float64Array(n * n);
      this.r = new Float64Array(n);
    }
  }
}

/**
 * Solve min ‖A[rows,:]·x − b‖₂ through AᵀA x = Aᵀb. Returns false (x untouched) when AᵀA is not
 * numerically positive definite (rank-deficient or badly conditioned rows).
 */
export function normalEquationsRows(a: Matrix, rows: Int32Array, m: number, b: ArrayLike<number>, x: Float64Array, ws: NormalWorkspace): boolean {
  const n = a.cols;
  ws.ensure(n);
  const G = ws.g;
  const r = ws.r;
  G.fill(0, 0, n * n);
  r.fill(0, 0, n);
  const A = a.data;
  // lower triangle of G = AᵀA and r = Aᵀb, one row of A at a time
  for (let t = 0; t < m; t++) {
    const o = rows[t]! * n;
    const bt = b[t]!;
    for (let i = 0; i < n; i++) {
      const ai = A[o + i]!;
      if (ai === 0) continue;
      r[i]! += ai * bt;
      const gi = i * n;
      for (let j = 0; j <= i; j++) G[gi + j]! += ai * A[o + j]!;
    }
  }
  // Cholesky G = L Lᵀ in place (lower triangle)
  let dmax = 0;
  for (let i = 0; i < n; i++) dmax = Math.max(dmax, G[i * n + i]!);
  for (let j = 0; j < n; j++) {
    const jj = j * n;
    let d = G[jj + j]!;
    for (let p = 0; p < j; p++) d -= G[jj + p]! * G[jj + p]!;
    if (!(d > 1e-13 * dmax)) return false;
    const l = Math.sqrt(d);
    G[jj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ii = i * n;
      let s = G[ii + j]!;
      for (let p = 0; p < j; p++) s -= G[ii + p]! * G[jj + p]!;
      G[ii + j] = s / l;
    }
  }
  // L y = r, then Lᵀ x = y
  for (let i = 0; i < n; i++) {
    let s = r[i]!;
    const ii = i * n;
    for (let p = 0; p < i; p++) s -= G[ii + p]! * r[p]!;
    r[i] = s / G[ii + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = r[i]!;
    for (let p = i + 1; p < n; p++) s -= G[p * n + i]! * x[p]!;
    x[i] = s / G[i * n + i]!;
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}
