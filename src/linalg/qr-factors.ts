/**
 * A least-squares factorisation kept for many right-hand sides: the blocked Householder QR of one
 * tall matrix (qr-blocked.ts) is computed once and stored, and each solve then costs Qᵀb and a back
 * substitution, ~2mn + n²/2 multiply-adds, instead of a factorisation's ~2mn². Exact inversion of
 * an invertible layer (LeakyReLU through eq. (5), identity) uses every row whatever the observation,
 * so its matrix is the same for every image: on the shipped `mnist-leaky` net the 784 × 500 output
 * layer's QR was ~180 ms of each ~200 ms layer-wise inversion of a held-out digit.
 */
import { type Matrix } from "./matrix.js";
import { applyReflector, backSubstitute, blockedQrSolve } from "./qr-blocked.js";
import { type LeastSquaresInfo, QrWorkspace } from "./qr-workspace.js";

/**
 * The QR factors of one m×n matrix (m ≥ n), for repeated least-squares solves.
 */
export class QrFactors {
  /** m×n column-major: R on and above the diagonal, the reflectors below (v_c = 1 implicit). */
  private readonly qr: Float64Array;
  private readonly tau: Float64Array;
  private readonly rhs: Float64Array;

  private constructor(
    readonly m: number,
    readonly n: number,
    qr: Float64Array,
    tau: Float64Array,
    /** σ_min(R)/σ_max(R) estimate: a solve is only as good as this; compare it with the caller's rank tolerance. */
    readonly rcond: number,
  ) {
    this.qr = qr;
    this.tau = tau;
    this.rhs = new Float64Array(m);
  }

  /**
   * Factor `a` (every row).
   * @param a the matrix, rows ≥ columns ≥ 1
   * @returns its factors
   * @throws RangeError when `a` is wider than tall or empty (the caller's bug, not the user's data)
   */
  static of(a: Matrix): QrFactors {
    const { rows: m, cols: n } = a;
    if (!(m >= n && n >= 1)) throw new RangeError(`QrFactors needs rows ≥ columns ≥ 1, got ${m}×${n}`);
    const ws = new QrWorkspace();
    ws.ensure(m, n);
    const A = ws.a;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) A[j * m + i] = a.data[i * n + j]!;
    ws.rhs.fill(0);
    const info = blockedQrSolve(A, ws.rhs, m, n, new Float64Array(n), ws);
    return new QrFactors(m, n, A.slice(0, m * n), ws.tau.slice(0, n), info.rcond);
  }

  /**
   * The least-squares solution of A x = b (A the factored matrix): Qᵀb by the stored reflectors, then R x = (Qᵀb)[0:n].
   * @param b m values
   * @param x receives the n unknowns
   * @returns rank n (full rank is the caller's to check against {@link rcond}), the residual norm, rcond
   */
  solve(b: ArrayLike<number>, x: Float64Array): LeastSquaresInfo {
    const { m, n, qr, tau, rhs } = this;
    for (let i = 0; i < m; i++) rhs[i] = b[i]!;
    for (let c = 0; c < n; c++) applyReflector(qr, m, c, tau[c]!, rhs, 0);
    const residualNorm = backSubstitute(qr, m, n, rhs, x);
    return { rank: n, residualNorm, rcond: this.rcond };
  }
}
