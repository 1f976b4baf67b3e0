/**
 * Small dense kernels for the simplex engines: an explicit basis inverse by Gauss–Jordan with
 * partial pivoting, and its product-form rank-1 update when one basis row is exchanged.
 */

/**
 * Invert the p×p row-major matrix `b` into `out` (Gauss–Jordan, partial pivoting). `b` is
 * destroyed. Returns the smallest pivot magnitude relative to the largest entry of `b` (0 when
 * singular), a cheap conditioning indicator. `eliminate(c)`, when given, does column c's
 * elimination (every row r ≠ c loses b[r][c]·(row c), in b from column c on and in `out`) on the
 * same arrays — the vertex engine's SIMD kernel, identical operations.
 */
export function invertInPlace(b: Float64Array, p: number, out: Float64Array, perm: Int32Array, eliminate?: (c: number) => void): number {
  let maxAbs = 0;
  for (let i = 0; i < p * p; i++) {
    const a = Math.abs(b[i]!);
    if (a > maxAbs) maxAbs = a;
  }
  if (maxAbs === 0) return 0;
  out.fill(0, 0, p * p);
  for (let i = 0; i < p; i++) out[i * p + i] = 1;
  let minPivot = Infinity;
  for (let c = 0; c < p; c++) {
    let pr = c;
    let best = Math.abs(b[c * p + c]!);
    for (let r = c + 1; r < p; r++) {
      const a = Math.abs(b[r * p + c]!);
      if (a > best) {
        best = a;
        pr = r;
      }
    }
    if (best <= 1e-14 * maxAbs) return 0;
    if (best < minPivot) minPivot = best;
    if (pr !== c) {
      swapRows(b, p, c, pr);
      swapRows(out, p, c, pr);
    }
    perm[c] = pr;
    const oc = c * p;
    const inv = 1 / b[oc + c]!;
    for (let q = c; q < p; q++) b[oc + q]! *= inv;
    for (let q = 0; q < p; q++) out[oc + q]! *= inv;
    if (eliminate) {
      eliminate(c); // the same operations on SIMD lanes (vertex-simd.ts)
      continue;
    }
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const or = r * p;
      const f = b[or + c]!;
      if (f === 0) continue;
      for (let q = c; q < p; q++) b[or + q]! -= f * b[oc + q]!;
      for (let q = 0; q < p; q++) out[or + q]! -= f * out[oc + q]!;
    }
  }
  return minPivot / maxAbs;
}

function swapRows(m: Float64Array, p: number, a: number, b: number): void {
  const oa = a * p;
  const ob = b * p;
  for (let q = 0; q < p; q++) {
    const t = m[oa + q]!;
    m[oa + q] = m[ob + q]!;
    m[ob + q] = t;
  }
}

/**
 * Row i of the basis B (rows = constraint normals) is replaced by g with α = gᵀB⁻¹ (α_i ≠ 0).
 * Update B⁻¹ in place: B'⁻¹ = B⁻¹ − d·(α − e_i)ᵀ/α_i, with d = B⁻¹e_i (column i, passed in `d`).
 */
export function exchangeInverse(binv: Float64Array, p: number, i: number, alpha: Float64Array, d: Float64Array): void {
  const ai = alpha[i]!;
  for (let r = 0; r < p; r++) {
    const dr = d[r]!;
    if (dr === 0) continue;
    const f = dr / ai;
    const o = r * p;
    for (let q = 0; q < p; q++) binv[o + q]! -= f * alpha[q]!;
    binv[o + i] = f;
  }
}
