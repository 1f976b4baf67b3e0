/**
 * The engine for Algorithm 2's LP (least absolute deviations with one-sided rows):
 * minimise f(z) = Σ_j d_j(a_j·z) with d_j(s) = max(0, wU_j(s − u_j), wL_j(l_j − s)), lo ≤ z ≤ hi.
 *
 * f is convex and piecewise linear with kinks where a row's s_j crosses u_j or l_j, so this is the
 * Barrodale–Roberts method: a primal simplex on the LP's dual with a k×k basis of rows sitting at a
 * kink. At a vertex the multipliers μ = −B⁻ᵀ∇f of the basic kinks must lie inside their kinks'
 * slope intervals; a kink outside is released, and the step along the edge is a long step: it
 * passes every kink on the way while the directional derivative stays negative (each crossing adds
 * |γ_j|·jump_j to it), stopping at the kink where it turns ≥ 0 — so one pivot does the work of many
 * ordinary simplex pivots. Bounds on z are kinks with an infinite jump.
 *
 * Rows whose two targets overlap (l_j > u_j, LeakyReLU rows of Remark 1 near zero) have one kink
 * where the two sides cross; their constant part is added back when the objective is reported.
 */
import { ShapeError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { QrWorkspace } from "../linalg/qr.js";
import { exchangeInverse, invertInPlace } from "./dense.js";
import { type LadProblem, type LpSolution, type LpStatus, rowDeviations, twoSidedLeastSquares, validateMatrix, validateRows } from "./types.js";

/** A basis to warm-start from. */
export interface LadSnapshot {
  basis: Int32Array;
  kink: Float64Array;
  binv: Float64Array;
  z: Float64Array;
}

/** An ℓ1 engine answer. */
export interface LadSolution extends LpSolution {
  snapshot?: LadSnapshot;
}

/** Options of {@link LadSolver.solve}. */
export interface LadSolveOptions {
  z0?: Float64Array | null;
  warm?: LadSnapshot | null;
  /** Pivot budget (default 50·(n + k) + 1000). */
  maxPivots?: number;
}

const FREE = -1; // free slot id base: id = FREE − i

/** ℓ1 engine for one matrix A, reusable across the ε schedule. */
export class LadSolver {
  readonly n: number;
  readonly k: number;
  private readonly a: Matrix;
  private readonly A: Float64Array;
  private readonly ws = new QrWorkspace();
  // problem (per solve): kinks of each row: id 2j (upper or single kink), 2j+1 (lower kink)
  private readonly kinkAt: Float64Array; // position (NaN: no such kink)
  private readonly jumpOf: Float64Array; // slope jump (sR − sL)
  private readonly tieRight: Uint8Array; // side of the kink a row sitting on it counts as
  private readonly trueKink: Float64Array; // unperturbed kink positions
  private readonly leftOf: Float64Array; // slope just left of the kink
  private zLo = -Infinity;
  private zHi = Infinity;
  // state
  private readonly basis: Int32Array;
  private readonly slotKink: Float64Array; // kink position of each slot (its rhs)
  private readonly slotOf: Int32Array;
  private readonly binv: Float64Array;
  private readonly z: Float64Array;
  private readonly s: Float64Array;
  // scratch
  private readonly grad: Float64Array;
  private readonly mu: Float64Array;
  private readonly d: Float64Array;
  private readonly gam: Float64Array;
  private readonly alpha: Float64Array;
  private readonly col: Float64Array;
  private readonly candT: Float64Array;
  private readonly candJ: Float64Array;
  private readonly candId: Int32Array;
  private readonly order: Int32Array;
  private readonly crossed: Int32Array;
  private tolS = 1e-12;
  private prob: LadProblem | null = null;

  constructor(a: Matrix) {
    validateMatrix(a);
    this.a = a;
    this.A = a.data;
    const n = (this.n = a.rows);
    const k = (this.k = a.cols);
    this.kinkAt = new Float64Array(2 * n);
    this.jumpOf = new Float64Array(2 * n);
    this.tieRight = new Uint8Array(2 * n);
    this.trueKink = new Float64Array(2 * n);
    this.leftOf = new Float64Array(2 * n);
    this.basis = new Int32Array(k);
    this.slotKink = new Float64Array(k);
    this.slotOf = new Int32Array(2 * n + 2 * k).fill(-1);
    this.binv = new Float64Array(k * k);
    this.z = new Float64Array(k);
    this.s = new Float64Array(n);
    this.grad = new Float64Array(k);
    this.mu = new Float64Array(k);
    this.d = new Float64Array(k);
    this.gam = new Float64Array(n);
    this.alpha = new Float64Array(k);
    this.col = new Float64Array(k);
    const m = 2 * n + 2 * k;
    this.candT = new Float64Array(m);
    this.candJ = new Float64Array(m);
    this.candId = new Int32Array(m);
    this.order = new Int32Array(m);
    this.crossed = new Int32Array(m);
  }

  /** Solve min Σ d_j for `prob` (whose matrix must be this solver's A). */
  solve(prob: LadProblem, options: LadSolveOptions = {}): LadSolution {
    if (prob.a !== this.a && prob.a.data !== this.a.data) throw new ShapeError("this solver was built for another matrix");
    validateRows(prob);
    const { n, k } = this;
    const maxPivots = options.maxPivots ?? 50 * (n + k) + 1000;
    // pass 1 on kinks shifted by ~1e-9 (deterministic): breaks the massive ties of (near-)realisable
    // data, where every active row sits exactly on its kink and long steps degenerate into cycling
    this.loadKinks(prob, true);
    let started = false;
    if (options.warm) started = this.restore(options.warm);
    if (!started) this.coldStart(prob, options.z0 ?? null);
    let out = this.iterate(maxPivots);
    let pivots = out.pivots;
    if (out.status === "optimal") {
      // pass 2: the true kinks, from pass 1's basis; rows keep the side they were on
      for (let id = 0; id < 2 * n; id++) {
        const kv = this.kinkAt[id]!;
        if (kv === kv) this.tieRight[id] = this.s[id >> 1]! > kv ? 1 : 0;
      }
      this.loadKinks(prob, false);
      this.resolveVertex();
      out = this.iterate(Math.max(0, maxPivots - pivots));
      pivots += out.pivots;
    }
    const z = Float64Array.from(this.z);
    this.recomputeActivities();
    const obj = rowDeviations(prob, this.s).sum;
    const snapshot: LadSnapshot = {
      basis: Int32Array.from(this.basis),
      kink: Float64Array.from(this.slotKink),
      binv: Float64Array.from(this.binv),
      z: Float64Array.from(this.z),
    };
    return {
      status: out.status,
      z,
      objective: out.status === "optimal" ? obj : NaN,
      pivots,
      backend: "engine",
      ...(out.message ? { message: out.message } : {}),
      snapshot,
    };
  }

  /** Invert the basis afresh and put z back on it. False when singular. */
  private refactor(): boolean {
    const k = this.k;
    const b = new Float64Array(k * k);
    for (let q = 0; q < k; q++) {
      this.normal(this.basis[q]!, this.col);
      b.set(this.col.subarray(0, k), q * k);
    }
    if (!(invertInPlace(b, k, this.binv, new Int32Array(k)) > 1e-13)) return false;
    this.resolveVertex();
    return true;
  }

  /** Put z on the current basis: B z = (kink positions; free slots keep their value). */
  private resolveVertex(): void {
    const { k, binv, z } = this;
    const rhs = new Float64Array(k);
    for (let q = 0; q < k; q++) {
      const id = this.basis[q]!;
      if (id >= 0) {
        rhs[q] = this.kinkValue(id);
        this.slotKink[q] = this.trueKinkValue(id);
      } else {
        this.normal(id, this.col);
        let t = 0;
        for (let i = 0; i < k; i++) t += this.col[i]! * z[i]!;
        rhs[q] = t;
      }
    }
    for (let r = 0; r < k; r++) {
      let t = 0;
      for (let q = 0; q < k; q++) t += binv[r * k + q]! * rhs[q]!;
      z[r] = t;
    }
    this.recomputeActivities();
  }

  /** Deterministic shift of kink `id` in [−1, 1] (a hash of the id). */
  private static shift(id: number): number {
    let h = Math.imul(id + 0x9e3779b9, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return ((h >>> 0) / 4294967295) * 2 - 1;
  }

  private trueKinkValue(id: number): number {
    const n2 = 2 * this.n;
    if (id < n2) return this.trueKink[id]!;
    return ((id - n2) & 1) === 0 ? this.zLo : this.zHi;
  }

  private loadKinks(prob: LadProblem, perturb: boolean): void {
    const { n } = this;
    this.prob = prob;
    const wu = prob.upperWeight;
    const wl = prob.lowerWeight;
    let scale = 1;
    for (let j = 0; j < n; j++) {
      const u = prob.upper[j]!;
      const l = prob.lower[j]!;
      const a = wu ? wu[j]! : 1;
      const b = wl ? wl[j]! : 1;
      this.kinkAt[2 * j] = NaN;
      this.kinkAt[2 * j + 1] = NaN;
      if (u !== Infinity && l !== -Infinity && l >= u) {
        // one kink where the sides cross: slope −wL to its left, wU to its right
        this.kinkAt[2 * j] = l === u ? u : (a * u + b * l) / (a + b);
        this.leftOf[2 * j] = -b;
        this.jumpOf[2 * j] = a + b;
      } else {
        if (u !== Infinity) {
          this.kinkAt[2 * j] = u;
          this.leftOf[2 * j] = 0;
          this.jumpOf[2 * j] = a;
        }
        if (l !== -Infinity) {
          this.kinkAt[2 * j + 1] = l;
          this.leftOf[2 * j + 1] = -b;
          this.jumpOf[2 * j + 1] = b;
        }
      }
      if (u !== Infinity) scale = Math.max(scale, Math.abs(u));
      if (l !== -Infinity) scale = Math.max(scale, Math.abs(l));
    }
    this.zLo = prob.zLower ?? -Infinity;
    this.zHi = prob.zUpper ?? Infinity;
    this.tolS = 1e-12 * scale;
    this.trueKink.set(this.kinkAt);
    if (perturb) {
      const h = 1e-9 * scale;
      for (let id = 0; id < 2 * n; id++) this.kinkAt[id]! += h * LadSolver.shift(id);
    }
  }

  /**
   * True when activity s counts as right of kink `id`. A row sitting on a kink (within tolerance)
   * is on the side it was last crossed to — remembered, because degenerate steps do not move it.
   */
  private rightOf(id: number, sj: number): boolean {
    const kv = this.kinkAt[id]!;
    if (sj > kv + this.tolS) return true;
    if (sj < kv - this.tolS) return false;
    return this.tieRight[id] === 1;
  }

  /** Slope of row j at activity s. */
  private rowSlope(j: number, sj: number): number {
    let slope = 0;
    const ku = this.kinkAt[2 * j]!;
    const kl = this.kinkAt[2 * j + 1]!;
    if (ku === ku) slope = this.rightOf(2 * j, sj) ? this.leftOf[2 * j]! + this.jumpOf[2 * j]! : this.leftOf[2 * j]!;
    if (kl === kl && !this.rightOf(2 * j + 1, sj)) slope = this.leftOf[2 * j + 1]!;
    return slope;
  }

  /** Slope interval [left, right] of a basic slot's kink. */
  private interval(id: number): [number, number] {
    if (id < 0) return [0, 0];
    const n2 = 2 * this.n;
    if (id < n2) {
      const l = this.leftOf[id]!;
      return [l, l + this.jumpOf[id]!];
    }
    // z_i ≥ lo: may only move right; z_i ≤ hi: may only move left
    return ((id - n2) & 1) === 0 ? [-Infinity, 0] : [0, Infinity];
  }

  private kinkValue(id: number): number {
    const n2 = 2 * this.n;
    if (id < n2) return this.kinkAt[id]!;
    return ((id - n2) & 1) === 0 ? this.zLo : this.zHi;
  }

  private recomputeActivities(): void {
    const { n, k, A, z, s } = this;
    for (let j = 0; j < n; j++) {
      let t = 0;
      const o = j * k;
      for (let i = 0; i < k; i++) t += A[o + i]! * z[i]!;
      s[j] = t;
    }
  }

  private setSlot(q: number, id: number, kink: number): void {
    const old = this.basis[q]!;
    if (old >= 0 && this.slotOf[old] === q) this.slotOf[old] = -1;
    this.basis[q] = id;
    this.slotKink[q] = kink;
    if (id >= 0) this.slotOf[id] = q;
  }

  private clearSlots(): void {
    for (let q = 0; q < this.k; q++) {
      const id = this.basis[q]!;
      if (id >= 0 && this.slotOf[id] === q) this.slotOf[id] = -1;
    }
  }

  /** Free basis (B = I) at z0 (least squares on the rows with a finite target by default). */
  private coldStart(prob: LadProblem, z0in: Float64Array | null): void {
    const { k } = this;
    this.clearSlots();
    const z0 = z0in ?? twoSidedLeastSquares(prob, this.ws);
    this.z.fill(0);
    if (z0) this.z.set(z0.subarray(0, k));
    // respect the bounds from the start (the method is primal: it never leaves them)
    for (let i = 0; i < k; i++) {
      if (this.z[i]! < this.zLo) this.z[i] = this.zLo;
      if (this.z[i]! > this.zHi) this.z[i] = this.zHi;
    }
    this.binv.fill(0);
    this.tieRight.fill(0);
    for (let q = 0; q < k; q++) {
      this.setSlot(q, FREE - q, this.z[q]!);
      this.binv[q * k + q] = 1;
    }
    this.recomputeActivities();
  }

  /** Restore a snapshot; kinks that moved or vanished become free slots. False: cold start instead. */
  private restore(snap: LadSnapshot): boolean {
    const k = this.k;
    this.clearSlots();
    this.z.set(snap.z);
    for (let i = 0; i < k; i++) if (this.z[i]! < this.zLo - 1e-12 || this.z[i]! > this.zHi + 1e-12) return false;
    for (let q = 0; q < k; q++) {
      const id = snap.basis[q]!;
      if (id >= 0 && this.trueKinkValue(id) === snap.kink[q]) {
        this.setSlot(q, id, snap.kink[q]!);
        continue;
      }
      // keep the old normal in B⁻¹; the slot is free (multiplier must reach 0)
      this.basis[q] = id >= 0 ? FREE - 1_000_000 - id : id;
      this.slotKink[q] = snap.kink[q]!;
    }
    this.binv.set(snap.binv);
    this.resolveVertex();
    for (let i = 0; i < k; i++) if (this.z[i]! < this.zLo - 1e-9 || this.z[i]! > this.zHi + 1e-9) return false;
    return true;
  }

  /** Normal of a slot id written into out (length k). */
  private normal(id: number, out: Float64Array): void {
    const k = this.k;
    out.fill(0, 0, k);
    if (id >= 0) {
      const n2 = 2 * this.n;
      if (id < n2) {
        const o = (id >> 1) * k;
        for (let i = 0; i < k; i++) out[i] = this.A[o + i]!;
      } else out[(id - n2) >> 1] = 1;
      return;
    }
    if (id <= FREE - 1_000_000) {
      this.normal(FREE - 1_000_000 - id, out);
      return;
    }
    out[FREE - id] = 1;
  }

  /** ∇f over the nonbasic rows (basic rows act through their multipliers). */
  private recomputeGrad(): void {
    const { n, grad, s } = this;
    grad.fill(0);
    for (let j = 0; j < n; j++) {
      if (this.slotOf[2 * j]! >= 0 || this.slotOf[2 * j + 1]! >= 0) continue;
      const sl = this.rowSlope(j, s[j]!);
      if (sl !== 0) this.addRow(j, sl);
    }
  }

  private addRow(j: number, w: number): void {
    const { k, A, grad } = this;
    const o = j * k;
    for (let i = 0; i < k; i++) grad[i]! += w * A[o + i]!;
  }

  /** Min-heap on candidate indices ordered by candT (sift down from `i` in a heap of size m). */
  private siftDown(heap: Int32Array, i: number, m: number): void {
    const t = this.candT;
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

  private iterate(maxPivots: number): { status: LpStatus; pivots: number; message?: string } {
    const { n, k, A, binv, grad, mu, d, gam, s, z } = this;
    const n2 = 2 * n;
    let pivots = 0;
    let sinceRefresh = 0;
    let stall = 0;
    let bland = false;
    this.recomputeGrad();
    for (;;) {
      if (pivots >= maxPivots) return { status: "iteration_limit", pivots, message: `ℓ1 simplex: ${pivots} pivots` };
      if (sinceRefresh >= 100) {
        if (!this.refactor()) return { status: "numerical_error", pivots, message: "ℓ1 simplex: singular basis" };
        this.recomputeGrad();
        sinceRefresh = 0;
      }
      // μᵀ = −∇fᵀB⁻¹
      mu.fill(0);
      for (let i = 0; i < k; i++) {
        const g = grad[i]!;
        if (g === 0) continue;
        const o = i * k;
        for (let q = 0; q < k; q++) mu[q]! -= g * binv[o + q]!;
      }
      // choose the slot whose multiplier lies furthest outside its interval
      let leave = -1;
      let dir = 0;
      let best = 0;
      let d0 = 0;
      let leaveFree = false;
      for (let q = 0; q < k; q++) {
        const id = this.basis[q]!;
        const [lo, hi] = this.interval(id);
        const m = mu[q]!;
        const tol = 1e-11 * (1 + Math.abs(lo === -Infinity ? 0 : lo) + Math.abs(hi === Infinity ? 0 : hi));
        let viol = 0;
        let sgn = 0;
        if (m > hi + tol) {
          viol = m - hi;
          sgn = 1;
        } else if (m < lo - tol) {
          viol = lo - m;
          sgn = -1;
        }
        if (sgn === 0) continue;
        const isFree = id < 0;
        let cn = 0;
        for (let r = 0; r < k; r++) cn += binv[r * k + q]! * binv[r * k + q]!;
        const sc = viol / Math.sqrt(cn);
        if ((isFree && !leaveFree) || ((isFree || !leaveFree) && (bland ? leave < 0 || id < this.basis[leave]! : sc > best))) {
          best = sc;
          leave = q;
          dir = sgn;
          d0 = -viol;
          leaveFree = isFree;
        }
      }
      if (leave < 0) {
        if (sinceRefresh > 0) {
          // confirm on a freshly inverted basis, exact kink positions and a fresh gradient
          if (!this.refactor()) return { status: "numerical_error", pivots, message: "ℓ1 simplex: singular basis" };
          this.recomputeGrad();
          sinceRefresh = 0;
          continue;
        }
        return { status: "optimal", pivots };
      }
      // direction: move slot `leave` off its kink to the side `dir`
      for (let r = 0; r < k; r++) d[r] = dir * binv[r * k + leave]!;
      for (let j = 0; j < n; j++) {
        let t0 = 0;
        let t1 = 0;
        const o = j * k;
        let i = 0;
        for (; i + 1 < k; i += 2) {
          t0 += A[o + i]! * d[i]!;
          t1 += A[o + i + 1]! * d[i + 1]!;
        }
        if (i < k) t0 += A[o + i]! * d[i]!;
        gam[j] = t0 + t1;
      }
      // kinks ahead: (t, jump·|γ|)
      let m = 0;
      for (let j = 0; j < n; j++) {
        const g = gam[j]!;
        if (g === 0) continue;
        for (let e = 0; e < 2; e++) {
          const id = 2 * j + e;
          const kv = this.kinkAt[id]!;
          if (kv !== kv || this.slotOf[id]! >= 0) continue;
          const sj = s[j]!;
          // a kink is ahead when we are on the side of it the move leaves
          if (this.rightOf(id, sj) === g > 0) continue;
          this.candT[m] = Math.max(0, (kv - sj) / g);
          this.candJ[m] = this.jumpOf[id]! * Math.abs(g);
          this.candId[m++] = id;
        }
      }
      for (let i = 0; i < k; i++) {
        const di = d[i]!;
        if (di < 0 && this.zLo !== -Infinity && this.slotOf[n2 + 2 * i]! < 0) {
          this.candT[m] = Math.max(0, (this.zLo - z[i]!) / di);
          this.candJ[m] = Infinity;
          this.candId[m++] = n2 + 2 * i;
        } else if (di > 0 && this.zHi !== Infinity && this.slotOf[n2 + 2 * i + 1]! < 0) {
          this.candT[m] = Math.max(0, (this.zHi - z[i]!) / di);
          this.candJ[m] = Infinity;
          this.candId[m++] = n2 + 2 * i + 1;
        }
      }
      // walk the kinks in order of arrival (a heap: usually only a few are passed)
      const heap = this.order;
      for (let c = 0; c < m; c++) heap[c] = c;
      for (let c = (m >> 1) - 1; c >= 0; c--) this.siftDown(heap, c, m);
      let hm = m;
      let slope = d0;
      let enter = -1;
      let step = 0;
      let gain = 0;
      let tPrev = 0;
      const crossedFrom = this.crossed;
      let nCrossed = 0;
      while (hm > 0) {
        const ci = heap[0]!;
        heap[0] = heap[--hm]!;
        if (hm > 0) this.siftDown(heap, 0, hm);
        const t = this.candT[ci]!;
        gain += slope * (t - tPrev);
        tPrev = t;
        slope += this.candJ[ci]!;
        const id = this.candId[ci]!;
        if (slope >= -1e-14) {
          enter = id;
          step = t;
          break;
        }
        if (id < n2) crossedFrom[nCrossed++] = id;
      }
      // a sum of deviations is bounded below by 0: a descent edge with no kink ahead is rounding
      // in the slope, not an unbounded LP — reported so that the HiGHS fallback answers
      if (enter < 0) return { status: "numerical_error", pivots, message: "ℓ1 slope negative along an edge with no kink ahead (rounding)" };
      const alpha = this.alpha;
      this.normal(enter, this.col);
      alpha.fill(0);
      for (let i = 0; i < k; i++) {
        const g = this.col[i]!;
        if (g === 0) continue;
        const o = i * k;
        for (let q = 0; q < k; q++) alpha[q]! += g * binv[o + q]!;
      }
      if (Math.abs(alpha[leave]!) < 1e-12) {
        // a crossing the basis cannot take: refactor and retry
        if (!this.refactor()) return { status: "numerical_error", pivots, message: "ℓ1 simplex: singular basis" };
        this.recomputeGrad();
        sinceRefresh = 0;
        if (++stall > 3 * k + 50) return { status: "numerical_error", pivots, message: "ℓ1 simplex: singular exchange" };
        continue;
      }
      // step; the gradient changes by the slope jumps of the rows crossed on the way
      for (let i = 0; i < k; i++) z[i]! += step * d[i]!;
      for (let j = 0; j < n; j++) s[j]! += step * gam[j]!;
      for (let c = 0; c < nCrossed; c++) {
        const id = crossedFrom[c]!;
        const g = gam[id >> 1]!;
        this.tieRight[id] = g > 0 ? 1 : 0;
        this.addRow(id >> 1, g > 0 ? this.jumpOf[id]! : -this.jumpOf[id]!);
      }
      // the entering row leaves the gradient with the slope it arrived with
      if (enter < n2) {
        const j = enter >> 1;
        this.tieRight[enter] = gam[j]! < 0 ? 1 : 0;
        this.addRow(j, -this.rowSlope(j, s[j]!));
      }
      for (let r = 0; r < k; r++) this.col[r] = binv[r * k + leave]!;
      exchangeInverse(binv, k, leave, alpha, this.col);
      const left = this.basis[leave]!;
      this.setSlot(leave, enter, this.kinkValue(enter));
      // the leaving row joins the gradient on the side it moved to
      if (left >= 0 && left < n2) {
        this.tieRight[left] = dir > 0 ? 1 : 0;
        const j = left >> 1;
        if (this.slotOf[2 * j]! < 0 && this.slotOf[2 * j + 1]! < 0) this.addRow(j, this.rowSlope(j, s[j]!));
      }
      pivots++;
      sinceRefresh++;
      if (gain < -1e-15 * (1 + Math.abs(gain))) stall = 0;
      else if (++stall > k + 50) bland = true;
    }
  }
}
