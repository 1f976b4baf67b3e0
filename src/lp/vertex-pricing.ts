/**
 * Pricing of the vertex simplex: which constraint enters (dual simplex, HiGHS's CHUZR) and which
 * slot is released (primal simplex, CHUZC). Both read the basis and return an index; neither
 * allocates.
 */
import { type VertexBasis } from "./vertex-basis.js";
import { VERTEX_TOL } from "./tolerances.js";

/**
 * Dual pricing: the nonbasic constraint violated the most relative to its Devex weight
 * (violation² / weight), or under Bland's rule the first violated one. Returns its id, −1 when
 * every constraint is met to tolP (the vertex is primal feasible: optimal).
 */
export function chooseViolatedRow(b: VertexBasis): number {
  const { upper, lower, wU, wL, s, slotOf, active, weight } = b;
  const tol = b.tolP;
  const delta = b.hasDelta ? b.v[b.k]! : 0;
  const bland = b.bland;
  let r = -1;
  let best = 0;
  const na = b.nActive;
  for (let qa = 0; qa < na; qa++) {
    const j = active[qa]!;
    const u = upper[j]!;
    if (u !== Infinity && slotOf[2 * j]! < 0) {
      const vi = -((wU ? wU[j]! : 1) * (u - s[j]!) + delta);
      if (vi > tol) {
        const sc = (vi * vi) / weight[2 * j]!;
        if (sc > best) {
          best = sc;
          r = 2 * j;
        }
      }
    }
    if (lower) {
      const l = lower[j]!;
      if (l !== -Infinity && slotOf[2 * j + 1]! < 0) {
        const vi = -((wL ? wL[j]! : 1) * (s[j]! - l) + delta);
        if (vi > tol) {
          const sc = (vi * vi) / weight[2 * j + 1]!;
          if (sc > best) {
            best = sc;
            r = 2 * j + 1;
          }
        }
      }
    }
    if (bland && r >= 0) return r;
  }
  // the bounds and δ ≥ 0, in id order (z_i ≥ lo, z_i ≤ hi, …, δ ≥ 0), decoded inline: this loop runs every pivot
  const { k, v, zLo, zHi } = b;
  const n2 = 2 * b.n;
  // without bounds on z only δ ≥ 0 is left (every skipped entry is a `continue`)
  for (let i = zLo === -Infinity && zHi === Infinity ? k : 0; i <= k; i++) {
    for (let side = 0; side < 2; side++) {
      const id = n2 + 2 * i + side;
      let vi: number;
      if (i === k) {
        if (side === 1 || !b.hasDelta) break;
        vi = -delta;
      } else if (side === 0) {
        if (zLo === -Infinity) continue;
        vi = -(v[i]! - zLo);
      } else {
        if (zHi === Infinity) continue;
        vi = -(zHi - v[i]!);
      }
      if (slotOf[id]! >= 0 || !(vi > tol)) continue;
      const sc = (vi * vi) / weight[id]!;
      if (sc > best) {
        best = sc;
        r = id;
      }
      if (bland) return r;
    }
  }
  return r;
}

/**
 * Primal pricing: the slot to release. Free (artificial / phantom) slots with λ ≠ 0 come first,
 * then real constraints with λ < 0, scored by λ² / |B⁻¹e_q|² (steepest edge on the explicit
 * inverse); Bland's rule takes the smallest constraint id. Returns the slot, −1 when λ is dual
 * feasible (the vertex is optimal).
 */
export function chooseReleasedSlot(b: VertexBasis): number {
  const { p, lam, binv, basis, phantom } = b;
  const tol = VERTEX_TOL.dualVerdict * b.tolD;
  // the candidates in order of slot: free ones (artificial / phantom, λ ≠ 0) and real ones (λ < 0)
  const freeCand = b.colCand;
  const realCand = b.colCandReal;
  let nf = 0;
  let nr = 0;
  for (let q = 0; q < p; q++) {
    const l = lam[q]!;
    if (basis[q]! < 0 || phantom[q] === 1) {
      if (Math.abs(l) > tol) freeCand[nf++] = q;
    } else if (l < -tol) realCand[nr++] = q;
  }
  const nc = nf + nr;
  // free slots come first: with any, the choice is among them alone (the first is taken, then the rule)
  const isFree = nf > 0;
  const cand = isFree ? freeCand : realCand;
  const m = isFree ? nf : nr;
  // the candidates' |B⁻¹e_q|² in one pass along B⁻¹'s rows (a column's own loop strides p doubles)
  if (nc > 1) columnNorms2(b, cand, m, nc);
  const norms = nc > 1 ? b.colNorm2 : null;
  let leave = -1;
  let best = 0;
  for (let c = 0; c < m; c++) {
    const q = cand[c]!;
    const l = lam[q]!;
    let cn = 0;
    if (norms) cn = norms[q]!;
    else for (let r = 0; r < p; r++) cn += binv[r * p + q]! * binv[r * p + q]!;
    const sc = (l * l) / Math.max(cn, 1e-300);
    if ((isFree && leave < 0) || (b.bland ? leave < 0 || basis[q]! < basis[leave]! : sc > best)) {
      best = sc;
      leave = q;
    }
  }
  return leave;
}

/**
 * |B⁻¹e_q|² for the pricing candidates q = cand[0..m) (of nc in all), summed over the rows of B⁻¹ in
 * order — the same sums as a column's own loop, to the bit: a unit row adds 1 to one column and
 * exact zeros to the others — into colNorm2[q].
 */
function columnNorms2(b: VertexBasis, cand: Int32Array, m: number, nc: number): void {
  const { p, binv, unitSlot, colNorm2: out } = b;
  // on SIMD lanes every column costs less than a gather of a quarter of them
  if (b.simdKernels && 4 * nc > p) {
    b.simdKernels.columnNorms2();
    return;
  }
  for (let c = 0; c < m; c++) out[cand[c]!] = 0;
  for (let r = 0; r < p; r++) {
    const us = unitSlot[r]!;
    if (us >= 0) {
      out[us]! += 1; // slot us need not be a candidate: its entry is then unused
      continue;
    }
    const o = r * p;
    for (let c = 0; c < m; c++) {
      const q = cand[c]!;
      const v = binv[o + q]!;
      out[q]! += v * v;
    }
  }
}
