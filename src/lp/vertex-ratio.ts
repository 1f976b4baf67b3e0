/**
 * Ratio tests of the vertex simplex, both in Harris's two-pass form (pass 1: the largest step no
 * candidate is pushed past its tolerance by; pass 2: among steps up to it, the largest pivot), with
 * Bland's exact minimum and smallest index once stalling is detected.
 *
 * - dual (HiGHS's CHUZC on the dual): which slot leaves when constraint r enters, from λ and α;
 * - primal: which nonbasic constraint blocks the edge dcol first (candidates kept in scratch
 *   arrays sized once).
 */
import { type VertexBasis } from "./vertex-basis.js";
import { type VertexSimd } from "./vertex-simd.js";
import { VERTEX_TOL } from "./tolerances.js";

/**
 * Dual ratio test for the entering constraint whose α = gᵀB⁻¹ is in `b.alpha`. An artificial or
 * phantom slot with λ ≈ 0 leaves first (θ = 0, largest |α|); else Harris on λ_q/α_q over α_q > 0.
 * A chosen slot's slightly negative λ is clipped to 0. Returns the slot, −1 when no α_q is a pivot
 * (the dual ray: the entering constraint cannot be met).
 */
export function chooseLeavingSlot(b: VertexBasis): number {
  const { p, lam, alpha, basis } = b;
  let amax = 0;
  for (let q = 0; q < p; q++) amax = Math.max(amax, Math.abs(alpha[q]!));
  const pivTol = Math.max(VERTEX_TOL.dualPivotAbs, VERTEX_TOL.pivotRel * amax);
  const zeroLam = VERTEX_TOL.dualVerdict * b.tolD;
  let leave = -1;
  let bestA = pivTol;
  for (let q = 0; q < p; q++) {
    if (b.isFreeSlot(q) && Math.abs(alpha[q]!) > bestA && Math.abs(lam[q]!) <= zeroLam) {
      bestA = Math.abs(alpha[q]!);
      leave = q;
    }
  }
  if (leave >= 0) return leave;
  // pass 1: the largest θ no multiplier is pushed below −tolD by (Bland: the exact minimum)
  let thMax = Infinity;
  const slackD = b.bland ? 0 : b.tolD;
  for (let q = 0; q < p; q++) {
    const a = alpha[q]!;
    if (a > pivTol && basis[q]! >= 0) {
      const t = (Math.max(lam[q]!, 0) + slackD) / a;
      if (t < thMax) thMax = t;
    }
  }
  if (thMax === Infinity) return -1;
  if (b.bland) thMax = thMax * (1 + VERTEX_TOL.blandWiden) + 1e-300;
  // pass 2: among θ ≤ thMax the largest pivot α_q (Bland: the smallest constraint id)
  let bigA = 0;
  for (let q = 0; q < p; q++) {
    const a = alpha[q]!;
    if (a > pivTol && basis[q]! >= 0 && Math.max(lam[q]!, 0) / a <= thMax) {
      if (b.bland ? leave < 0 || basis[q]! < basis[leave]! : a > bigA) {
        bigA = a;
        leave = q;
      }
    }
  }
  if (lam[leave]! < 0) lam[leave] = 0;
  return leave;
}

/** Primal ratio test along σ·dcol (γ = A·dcol_z computed), with its candidate scratch. */
export class PrimalRatioTest {
  private readonly candId: Int32Array;
  private readonly candRate: Float64Array;
  private readonly candSlack: Float64Array;
  /** Step length to the constraint {@link choose} returned last. */
  step = Infinity;

  /** The candidate scratch: the SIMD memory's when the engine has one (its ratio kernel writes there). */
  constructor(nIds: number, simd: VertexSimd | null = null) {
    this.candId = simd ? simd.candId : new Int32Array(nIds);
    this.candRate = simd ? simd.candRate : new Float64Array(nIds);
    this.candSlack = simd ? simd.candSlack : new Float64Array(nIds);
  }

  /**
   * The nonbasic constraint that blocks the edge v + t·σ·dcol first (Harris: within tolP, the
   * largest rate). Returns its id and sets {@link step}; −1 (step ∞) when nothing blocks.
   */
  choose(b: VertexBasis, sigma: number): number {
    const tol = b.tolP;
    const { p, k, dcol, slotOf, active, upper, lower, wU, wL, s, gam } = b;
    const { candId, candRate, candSlack } = this;
    let amax = 0;
    for (let q = 0; q < p; q++) amax = Math.max(amax, Math.abs(dcol[q]!));
    const pivTol = Math.max(VERTEX_TOL.primalPivotAbs, VERTEX_TOL.pivotRel * amax);
    const dd = b.hasDelta ? dcol[k]! : 0;
    const delta = b.hasDelta ? b.v[k]! : 0;
    if (!wU && !wL && !b.bland) return this.chooseUnweighted(b, sigma, pivTol, dd, delta);
    // collect the blocking candidates (rate > 0) with their slacks, rows inline
    let m = 0;
    const na = b.nActive;
    // unweighted rows (no wU / wL; outside Bland's rule they took chooseUnweighted) read as weight 1: 1·x = x, the same rates and slacks to the bit
    for (let qa = 0; qa < na; qa++) {
      const j = active[qa]!;
      const g = gam[j]!;
      const u = upper[j]!;
      if (u !== Infinity && slotOf[2 * j]! < 0) {
        const w = wU ? wU[j]! : 1;
        const rate = sigma * (w * g - dd);
        if (rate > pivTol) {
          candId[m] = 2 * j;
          candRate[m] = rate;
          candSlack[m++] = w * (u - s[j]!) + delta;
        }
      }
      if (lower) {
        const l = lower[j]!;
        if (l !== -Infinity && slotOf[2 * j + 1]! < 0) {
          const w = wL ? wL[j]! : 1;
          const rate = sigma * (-w * g - dd);
          if (rate > pivTol) {
            candId[m] = 2 * j + 1;
            candRate[m] = rate;
            candSlack[m++] = w * (s[j]! - l) + delta;
          }
        }
      }
    }
    // the bounds and δ ≥ 0 in id order, decoded inline (this loop runs every pivot)
    const { v, zLo, zHi } = b;
    const n2 = 2 * b.n;
    for (let i = zLo === -Infinity && zHi === Infinity ? k : 0; i < k; i++) {
      const id = n2 + 2 * i;
      if (zLo !== -Infinity && slotOf[id]! < 0) {
        const rate = sigma * -dcol[i]!;
        if (rate > pivTol) {
          candId[m] = id;
          candRate[m] = rate;
          candSlack[m++] = v[i]! - zLo;
        }
      }
      if (zHi !== Infinity && slotOf[id + 1]! < 0) {
        const rate = sigma * dcol[i]!;
        if (rate > pivTol) {
          candId[m] = id + 1;
          candRate[m] = rate;
          candSlack[m++] = zHi - v[i]!;
        }
      }
    }
    if (b.hasDelta && slotOf[n2 + 2 * k]! < 0) {
      const rate = sigma * -dd;
      if (rate > pivTol) {
        candId[m] = n2 + 2 * k;
        candRate[m] = rate;
        candSlack[m++] = delta;
      }
    }
    this.step = Infinity;
    if (m === 0) return -1;
    // pass 1: the largest step no constraint is violated by more than tol (Bland: the exact minimum)
    let tMax = Infinity;
    for (let c = 0; c < m; c++) {
      const sl = candSlack[c]!;
      const t = b.bland ? Math.max(sl, 0) / candRate[c]! : (sl + tol) / candRate[c]!;
      if (t < tMax) tMax = t;
    }
    if (b.bland) tMax = tMax * (1 + VERTEX_TOL.blandWiden) + 1e-300;
    // pass 2: among steps ≤ tMax, the largest rate (Bland: the smallest id)
    let best = -1;
    for (let c = 0; c < m; c++) {
      const t = Math.max(candSlack[c]!, 0) / candRate[c]!;
      if (t > tMax) continue;
      if (best < 0 || (b.bland ? candId[c]! < candId[best]! : candRate[c]! > candRate[best]!)) best = c;
    }
    this.step = Math.max(candSlack[best]!, 0) / candRate[best]!;
    return candId[best]!;
  }

  /**
   * {@link choose} for unweighted rows outside Bland's rule, in one pass: pass 1's bound
   * tMax = min (slack + tol)/rate is kept as it goes, and a candidate whose step max(slack, 0)/rate
   * already exceeds it is not stored — pass 2 takes only steps ≤ tMax, and tMax only falls — so
   * pass 2 reads a handful of candidates instead of every blocking row. The same candidates in the
   * same order reach pass 2, so the choice (and the step) is {@link choose}'s to the bit.
   */
  private chooseUnweighted(b: VertexBasis, sigma: number, pivTol: number, dd: number, delta: number): number {
    const tol = b.tolP;
    const { k, dcol, slotOf, active, upper, lower, s, gam } = b;
    const { candId, candRate, candSlack } = this;
    let m = 0;
    let seen = 0;
    let tMax = Infinity;
    const na = b.nActive;
    const simd = b.simdKernels;
    if (simd) {
      // the same pass as the loop below, in WebAssembly: the same candidates, seen and tMax to the bit
      m = simd.ratioRows(na, lower !== null, sigma, dd, delta, tol, pivTol);
      seen = simd.ratioSeenCount;
      tMax = simd.ratioBound;
    }
    for (let qa = 0; !simd && qa < na; qa++) {
      const j = active[qa]!;
      const g = gam[j]!;
      const u = upper[j]!;
      if (u !== Infinity && slotOf[2 * j]! < 0) {
        const rate = sigma * (g - dd);
        if (rate > pivTol) {
          const sl = u - s[j]! + delta;
          seen++;
          const t1 = (sl + tol) / rate;
          if (t1 < tMax) tMax = t1;
          if (Math.max(sl, 0) / rate <= tMax) {
            candId[m] = 2 * j;
            candRate[m] = rate;
            candSlack[m++] = sl;
          }
        }
      }
      if (lower) {
        const l = lower[j]!;
        if (l !== -Infinity && slotOf[2 * j + 1]! < 0) {
          const rate = sigma * (-g - dd);
          if (rate > pivTol) {
            const sl = s[j]! - l + delta;
            seen++;
            const t1 = (sl + tol) / rate;
            if (t1 < tMax) tMax = t1;
            if (Math.max(sl, 0) / rate <= tMax) {
              candId[m] = 2 * j + 1;
              candRate[m] = rate;
              candSlack[m++] = sl;
            }
          }
        }
      }
    }
    // the bounds and δ ≥ 0 in id order, as in choose (without bounds on z only δ ≥ 0)
    const { v, zLo, zHi } = b;
    const n2 = 2 * b.n;
    for (let i = zLo === -Infinity && zHi === Infinity ? k : 0; i <= k; i++) {
      for (let side = 0; side < 2; side++) {
        let id: number;
        let rate: number;
        let sl: number;
        if (i === k) {
          if (side === 1 || !b.hasDelta) break;
          id = n2 + 2 * k;
          if (slotOf[id]! >= 0) continue;
          rate = sigma * -dd;
          sl = delta;
        } else if (side === 0) {
          id = n2 + 2 * i;
          if (zLo === -Infinity || slotOf[id]! >= 0) continue;
          rate = sigma * -dcol[i]!;
          sl = v[i]! - zLo;
        } else {
          id = n2 + 2 * i + 1;
          if (zHi === Infinity || slotOf[id]! >= 0) continue;
          rate = sigma * dcol[i]!;
          sl = zHi - v[i]!;
        }
        if (!(rate > pivTol)) continue;
        seen++;
        const t1 = (sl + tol) / rate;
        if (t1 < tMax) tMax = t1;
        if (Math.max(sl, 0) / rate <= tMax) {
          candId[m] = id;
          candRate[m] = rate;
          candSlack[m++] = sl;
        }
      }
    }
    this.step = Infinity;
    if (seen === 0) return -1;
    // pass 2: among steps ≤ tMax, the largest rate (the first of equals)
    let best = -1;
    for (let c = 0; c < m; c++) {
      const t = Math.max(candSlack[c]!, 0) / candRate[c]!;
      if (t > tMax) continue;
      if (best < 0 || candRate[c]! > candRate[best]!) best = c;
    }
    this.step = Math.max(candSlack[best]!, 0) / candRate[best]!;
    return candId[best]!;
  }
}
