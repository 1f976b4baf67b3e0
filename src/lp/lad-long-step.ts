/**
 * The ℓ1 engine's ratio test: the long step of Barrodale–Roberts (bound flipping in HiGHS's
 * terms). Along the edge z + t·d the directional derivative starts at d0 < 0 and grows by
 * jump_j·|γ_j| at each kink passed; the step ends at the kink where it turns ≥ 0, which enters the
 * basis. The kinks ahead are kept in a binary heap on their arrival time (usually only a few are
 * passed, so a full sort would waste time). Scratch is sized once; nothing allocates.
 */
import { type LadKinks } from "./lad-kinks.js";
import { LAD_TOL } from "./tolerances.js";

/** Candidates of one edge and the outcome of the walk along it. */
export class LongStep {
  private readonly candT: Float64Array;
  private readonly candJ: Float64Array;
  private readonly candId: Int32Array;
  private readonly heap: Int32Array;
  /** Row kinks passed on the way (their rows change sides). */
  readonly crossed: Int32Array;
  nCrossed = 0;
  /** Step length to the entering kink. */
  step = 0;
  /** Change of the objective along the step (≤ 0). */
  gain = 0;
  private m = 0;

  constructor(capacity: number) {
    this.candT = new Float64Array(capacity);
    this.candJ = new Float64Array(capacity);
    this.candId = new Int32Array(capacity);
    this.heap = new Int32Array(capacity);
    this.crossed = new Int32Array(capacity);
  }

  /**
   * Collect the kinks ahead of z along d: every nonbasic row kink the activity moves towards
   * (γ = A·d), and the bounds d moves towards, each with its arrival time and slope jump.
   */
  collect(kinks: LadKinks, slotOf: Int32Array, gam: Float64Array, s: Float64Array, z: Float64Array, d: Float64Array): void {
    const n = gam.length;
    const k = d.length;
    const n2 = 2 * n;
    const { candT, candJ, candId } = this;
    let m = 0;
    for (let j = 0; j < n; j++) {
      const g = gam[j]!;
      if (g === 0) continue;
      for (let e = 0; e < 2; e++) {
        const id = 2 * j + e;
        const kv = kinks.at[id]!;
        if (kv !== kv || slotOf[id]! >= 0) continue;
        const sj = s[j]!;
        // a kink is ahead when we are on the side of it the move leaves
        if (kinks.rightOf(id, sj) === g > 0) continue;
        candT[m] = Math.max(0, (kv - sj) / g);
        candJ[m] = kinks.jump[id]! * Math.abs(g);
        candId[m++] = id;
      }
    }
    const { zLo, zHi } = kinks;
    for (let i = 0; i < k; i++) {
      const di = d[i]!;
      if (di < 0 && zLo !== -Infinity && slotOf[n2 + 2 * i]! < 0) {
        candT[m] = Math.max(0, (zLo - z[i]!) / di);
        candJ[m] = Infinity;
        candId[m++] = n2 + 2 * i;
      } else if (di > 0 && zHi !== Infinity && slotOf[n2 + 2 * i + 1]! < 0) {
        candT[m] = Math.max(0, (zHi - z[i]!) / di);
        candJ[m] = Infinity;
        candId[m++] = n2 + 2 * i + 1;
      }
    }
    this.m = m;
  }

  /**
   * Walk the collected kinks in order of arrival from slope d0 and return the one where the slope
   * turns ≥ 0 (−1: none, the slope stays negative — rounding, as f ≥ 0 is bounded). Sets
   * {@link step}, {@link gain} and the row kinks {@link crossed} on the way (n2: first bound id).
   */
  walk(d0: number, n2: number): number {
    const { heap, candT, candJ, candId, crossed } = this;
    const m = this.m;
    for (let c = 0; c < m; c++) heap[c] = c;
    for (let c = (m >> 1) - 1; c >= 0; c--) this.siftDown(c, m);
    let hm = m;
    let slope = d0;
    let gain = 0;
    let tPrev = 0;
    let nCrossed = 0;
    let enter = -1;
    this.step = 0;
    while (hm > 0) {
      const ci = heap[0]!;
      heap[0] = heap[--hm]!;
      if (hm > 0) this.siftDown(0, hm);
      const t = candT[ci]!;
      gain += slope * (t - tPrev);
      tPrev = t;
      slope += candJ[ci]!;
      const id = candId[ci]!;
      if (slope >= -LAD_TOL.slopeZero) {
        enter = id;
        this.step = t;
        break;
      }
      if (id < n2) crossed[nCrossed++] = id;
    }
    this.gain = gain;
    this.nCrossed = nCrossed;
    return enter;
  }

  /** Min-heap on candidate indices ordered by arrival time (sift down from `i` in a heap of size m). */
  private siftDown(i: number, m: number): void {
    const { heap, candT: t } = this;
    const x = heap[i]!;
    const tx = t[x]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= m) break;
      if (c + 1 < m && t[heap[c + 1]!]! < t[heap[c]!]!) c++;
      if (t[heap[c]!]! >= tx) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = x;
  }
}
