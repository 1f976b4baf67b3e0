/**
 * The fast path of least squares: Householder QR without pivoting for full-rank tall systems,
 * four reflectors at a time in compact WY form, with an rcond estimate that tells the caller
 * when to fall back to the pivoted routine (qr.ts). The kernels are unrolled by hand (four
 * reflectors × two trailing columns per pass): V8 keeps those scalars in registers, which a
 * helper call per column would not, so the two-column pass and the one-column tail are written out.
 */
import { type LeastSquaresInfo, type QrWorkspace } from "./qr-workspace.js";

// reflectors per block (the unrolled kernels below are written for four)
const NB = 4;

/**
 * Householder QR without pivoting for m ≥ n, applying reflectors four at a time in compact WY
 * form (Q_blockᵀ a = a − V Tᵀ Vᵀ a), which halves the passes over memory of the unblocked loop.
 * Solves the least-squares problem and estimates rcond = σ_min(R)/σ_max(R) by inverse iteration;
 * the caller falls back to the pivoted routine when rcond is small (rank possibly lost).
 */
export function blockedQrSolve(A: Float64Array, r: Float64Array, m: number, n: number, x: Float64Array, ws: QrWorkspace): LeastSquaresInfo {
  const tau = ws.tau;
  for (let k = 0; k < n; k += NB) {
    const b = Math.min(NB, n - k);
    // panel: unblocked reflectors on columns k..k+b-1
    for (let l = 0; l < b; l++) {
      const c = k + l;
      const oc = c * m;
      const alpha = A[oc + c]!;
      let xn2 = 0;
      for (let i = c + 1; i < m; i++) xn2 += A[oc + i]! * A[oc + i]!;
      if (xn2 === 0) {
        tau[c] = 0;
        continue;
      }
      const beta = -Math.sign(alpha || 1) * Math.sqrt(alpha * alpha + xn2);
      const t = (beta - alpha) / beta;
      tau[c] = t;
      const scale = 1 / (alpha - beta);
      for (let i = c + 1; i < m; i++) A[oc + i]! *= scale;
      A[oc + c] = beta;
      for (let j = c + 1; j < k + b; j++) {
        const oj = j * m;
        let s = A[oj + c]!;
        for (let i = c + 1; i < m; i++) s += A[oc + i]! * A[oj + i]!;
        s *= t;
        A[oj + c]! -= s;
        for (let i = c + 1; i < m; i++) A[oj + i]! -= s * A[oc + i]!;
      }
    }
    if (b === NB) applyBlock4(A, r, m, n, k, tau);
    else {
      // last partial block: remaining columns are inside the panel, only the rhs needs the reflectors
      for (let l = 0; l < b; l++) applyReflector(A, m, k + l, tau[k + l]!, r, 0);
    }
  }
  return { rank: n, residualNorm: backSubstitute(A, m, n, r, x), rcond: estimateRcond(A, m, n, ws.est, ws.y) };
}

/**
 * R x = (Qᵀb)[0:n] for the R stored on and above the diagonal of the column-major m×n A, with
 * r = Qᵀb; returns ‖(Qᵀb)[n:m]‖₂, the least-squares residual norm.
 */
export function backSubstitute(A: Float64Array, m: number, n: number, r: Float64Array, x: Float64Array): number {
  for (let i = n - 1; i >= 0; i--) {
    let s = r[i]!;
    for (let j = i + 1; j < n; j++) s -= A[j * m + i]! * x[j]!;
    x[i] = s / A[i * m + i]!;
  }
  let res = 0;
  for (let i = n; i < m; i++) res += r[i]! * r[i]!;
  return Math.sqrt(res);
}

/** a ← (I − τ v vᵀ) a for the reflector stored in column c of A (v_c = 1 implicit). */
export function applyReflector(A: Float64Array, m: number, c: number, t: number, a: Float64Array, oa: number): void {
  if (t === 0) return;
  const oc = c * m;
  let s = a[oa + c]!;
  for (let i = c + 1; i < m; i++) s += A[oc + i]! * a[oa + i]!;
  s *= t;
  a[oa + c]! -= s;
  for (let i = c + 1; i < m; i++) a[oa + i]! -= s * A[oc + i]!;
}

/** Apply the four reflectors of columns k..k+3 to the trailing columns and the rhs (compact WY). */
function applyBlock4(A: Float64Array, r: Float64Array, m: number, n: number, k: number, tau: Float64Array): void {
  const o0 = k * m;
  const o1 = o0 + m;
  const o2 = o1 + m;
  const o3 = o2 + m;
  // T (upper triangular, dlarft forward/columnwise) from τ and the pairwise products of the v's
  const t0 = tau[k]!;
  const t1 = tau[k + 1]!;
  const t2 = tau[k + 2]!;
  const t3 = tau[k + 3]!;
  // d_pq = v_pᵀ v_q: v_q starts with its unit entry at row k+q, so the head rows are explicit
  let d01 = A[o0 + k + 1]! + A[o0 + k + 2]! * A[o1 + k + 2]! + A[o0 + k + 3]! * A[o1 + k + 3]!;
  let d02 = A[o0 + k + 2]! + A[o0 + k + 3]! * A[o2 + k + 3]!;
  let d12 = A[o1 + k + 2]! + A[o1 + k + 3]! * A[o2 + k + 3]!;
  let d03 = A[o0 + k + 3]!;
  let d13 = A[o1 + k + 3]!;
  let d23 = A[o2 + k + 3]!;
  for (let i = k + 4; i < m; i++) {
    const v0 = A[o0 + i]!;
    const v1 = A[o1 + i]!;
    const v2 = A[o2 + i]!;
    const v3 = A[o3 + i]!;
    d01 += v0 * v1;
    d02 += v0 * v2;
    d12 += v1 * v2;
    d03 += v0 * v3;
    d13 += v1 * v3;
    d23 += v2 * v3;
  }
  const T00 = t0;
  const T11 = t1;
  const T22 = t2;
  const T33 = t3;
  const T01 = -t1 * T00 * d01;
  const T02 = -t2 * (T00 * d02 + T01 * d12);
  const T12 = -t2 * T11 * d12;
  const T03 = -t3 * (T00 * d03 + T01 * d13 + T02 * d23);
  const T13 = -t3 * (T11 * d13 + T12 * d23);
  const T23 = -t3 * T22 * d23;
  const h01 = A[o0 + k + 1]!;
  const h02 = A[o0 + k + 2]!;
  const h03 = A[o0 + k + 3]!;
  const h12 = A[o1 + k + 2]!;
  const h13 = A[o1 + k + 3]!;
  const h23 = A[o2 + k + 3]!;
  let j = k + 4;
  // two trailing columns per pass: 6 loads feed 8 multiply-adds in the inner loops
  for (; j + 1 < n; j += 2) {
    const oa = j * m;
    const ob = oa + m;
    const a0 = A[oa + k]!;
    const a1 = A[oa + k + 1]!;
    const a2 = A[oa + k + 2]!;
    const a3 = A[oa + k + 3]!;
    const b0 = A[ob + k]!;
    const b1 = A[ob + k + 1]!;
    const b2 = A[ob + k + 2]!;
    const b3 = A[ob + k + 3]!;
    let s0 = a0 + h01 * a1 + h02 * a2 + h03 * a3;
    let s1 = a1 + h12 * a2 + h13 * a3;
    let s2 = a2 + h23 * a3;
    let s3 = a3;
    let u0 = b0 + h01 * b1 + h02 * b2 + h03 * b3;
    let u1 = b1 + h12 * b2 + h13 * b3;
    let u2 = b2 + h23 * b3;
    let u3 = b3;
    for (let i = k + 4; i < m; i++) {
      const ai = A[oa + i]!;
      const bi = A[ob + i]!;
      const v0 = A[o0 + i]!;
      const v1 = A[o1 + i]!;
      const v2 = A[o2 + i]!;
      const v3 = A[o3 + i]!;
      s0 += v0 * ai;
      s1 += v1 * ai;
      s2 += v2 * ai;
      s3 += v3 * ai;
      u0 += v0 * bi;
      u1 += v1 * bi;
      u2 += v2 * bi;
      u3 += v3 * bi;
    }
    const w0 = T00 * s0;
    const w1 = T01 * s0 + T11 * s1;
    const w2 = T02 * s0 + T12 * s1 + T22 * s2;
    const w3 = T03 * s0 + T13 * s1 + T23 * s2 + T33 * s3;
    const x0 = T00 * u0;
    const x1 = T01 * u0 + T11 * u1;
    const x2 = T02 * u0 + T12 * u1 + T22 * u2;
    const x3 = T03 * u0 + T13 * u1 + T23 * u2 + T33 * u3;
    A[oa + k] = a0 - w0;
    A[oa + k + 1] = a1 - h01 * w0 - w1;
    A[oa + k + 2] = a2 - h02 * w0 - h12 * w1 - w2;
    A[oa + k + 3] = a3 - h03 * w0 - h13 * w1 - h23 * w2 - w3;
    A[ob + k] = b0 - x0;
    A[ob + k + 1] = b1 - h01 * x0 - x1;
    A[ob + k + 2] = b2 - h02 * x0 - h12 * x1 - x2;
    A[ob + k + 3] = b3 - h03 * x0 - h13 * x1 - h23 * x2 - x3;
    for (let i = k + 4; i < m; i++) {
      const v0 = A[o0 + i]!;
      const v1 = A[o1 + i]!;
      const v2 = A[o2 + i]!;
      const v3 = A[o3 + i]!;
      A[oa + i]! -= v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3;
      A[ob + i]! -= v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3;
    }
  }
  // the odd column left over, then the right-hand side
  for (; j <= n; j++) {
    const a = j < n ? A : r;
    const oa = j < n ? j * m : 0;
    // s = Vᵀ a, head rows k..k+3 use the unit diagonal of V
    const a0 = a[oa + k]!;
    const a1 = a[oa + k + 1]!;
    const a2 = a[oa + k + 2]!;
    const a3 = a[oa + k + 3]!;
    let s0 = a0 + h01 * a1 + h02 * a2 + h03 * a3;
    let s1 = a1 + h12 * a2 + h13 * a3;
    let s2 = a2 + h23 * a3;
    let s3 = a3;
    for (let i = k + 4; i < m; i++) {
      const ai = a[oa + i]!;
      s0 += A[o0 + i]! * ai;
      s1 += A[o1 + i]! * ai;
      s2 += A[o2 + i]! * ai;
      s3 += A[o3 + i]! * ai;
    }
    // w = Tᵀ s
    const w0 = T00 * s0;
    const w1 = T01 * s0 + T11 * s1;
    const w2 = T02 * s0 + T12 * s1 + T22 * s2;
    const w3 = T03 * s0 + T13 * s1 + T23 * s2 + T33 * s3;
    // a ← a − V w
    a[oa + k] = a0 - w0;
    a[oa + k + 1] = a1 - h01 * w0 - w1;
    a[oa + k + 2] = a2 - h02 * w0 - h12 * w1 - w2;
    a[oa + k + 3] = a3 - h03 * w0 - h13 * w1 - h23 * w2 - w3;
    for (let i = k + 4; i < m; i++) {
      a[oa + i]! -= A[o0 + i]! * w0 + A[o1 + i]! * w1 + A[o2 + i]! * w2 + A[o3 + i]! * w3;
    }
  }
}

/**
 * σ_min(R)/σ_max(R) estimated by three steps of inverse iteration on RᵀR (O(n²)), with σ_max
 * estimated by the largest column norm of R. Exact enough to tell a full-rank R from a singular one.
 * R is upper triangular in the first n rows of the column-major m × n array A (R_ij = A[j·m + i]);
 * v and w are scratch of n values. Returns 0 for a zero or non-finite diagonal.
 */
export function estimateRcond(A: Float64Array, m: number, n: number, v: Float64Array, w: Float64Array): number {
  let colMax = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i <= j; i++) s += A[j * m + i]! * A[j * m + i]!;
    if (s > colMax) colMax = s;
    const d = A[j * m + j]!;
    if (d === 0 || !Number.isFinite(d)) return 0;
  }
  const sigmaMax = Math.sqrt(colMax);
  for (let i = 0; i < n; i++) v[i] = 1 + ((i * 7919) % 13) / 13; // fixed, not orthogonal to any direction in practice
  let growth = 0;
  for (let it = 0; it < 3; it++) {
    // w = R⁻ᵀ v (forward substitution), v = R⁻¹ w (back substitution)
    for (let i = 0; i < n; i++) {
      let s = v[i]!;
      for (let j = 0; j < i; j++) s -= A[i * m + j]! * w[j]!;
      w[i] = s / A[i * m + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = w[i]!;
      for (let j = i + 1; j < n; j++) s -= A[j * m + i]! * v[j]!;
      v[i] = s / A[i * m + i]!;
    }
    let nv = 0;
    for (let i = 0; i < n; i++) nv += v[i]! * v[i]!;
    nv = Math.sqrt(nv);
    if (!Number.isFinite(nv) || nv === 0) return 0;
    growth = nv; // ≈ 1/σ_min² once v is normalised
    for (let i = 0; i < n; i++) v[i]! /= nv;
  }
  const sigmaMin = 1 / Math.sqrt(growth);
  return sigmaMin / sigmaMax;
}
