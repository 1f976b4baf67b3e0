/**
 * The basis of the vertex simplex and its factor: p slots, each holding one active constraint (or
 * an artificial / phantom slot), the explicit inverse B⁻¹ of the p×p matrix of their normals,
 * the multipliers λ = −B⁻ᵀc, and the Devex reference weights. A pivot is {@link exchange}
 * (product-form update of B⁻¹ and λ); {@link refactor} rebuilds B⁻¹ from scratch and recomputes
 * v and λ with one step of iterative refinement. Warm starts go through {@link snapshot} /
 * {@link restore}. No method but {@link snapshot} allocates.
 */
import { type Matrix } from "../linalg/matrix.js";
import { exchangeInverse, invertInPlace } from "./dense.js";
import { IdKind, idIndex, idKind } from "./vertex-ids.js";
import { VertexProblem } from "./vertex-problem.js";
import { VERTEX_TOL } from "./tolerances.js";

/** A basis to warm-start from (see {@link VertexBasis.snapshot}). */
export interface VertexSnapshot {
  basis: Int32Array;
  slotW: Float64Array;
  slotRhs: Float64Array;
  binv: Float64Array;
  v: Float64Array;
  lam: Float64Array;
  s: Float64Array;
}

/** Basis, factor, multipliers and pricing weights over a {@link VertexProblem}. */
export class VertexBasis extends VertexProblem {
  /** Constraint id of each slot (negative: artificial). */
  readonly basis: Int32Array;
  /** Slot of each constraint id (−1: nonbasic). */
  readonly slotOf: Int32Array;
  /** Weight and right-hand side each slot was pivoted in with (a warm start may find them changed). */
  readonly slotW: Float64Array;
  readonly slotRhs: Float64Array;
  /** 1 for a slot whose constraint vanished or changed since the snapshot: it must leave. */
  readonly phantom: Uint8Array;
  /** B⁻¹, p×p row-major; row r of B is slot r's normal. */
  readonly binv: Float64Array;
  /** Multipliers of the slots. */
  readonly lam: Float64Array;
  /** Devex reference weights, by constraint id. */
  readonly weight: Float64Array;
  /** α = g_rᵀB⁻¹ of the entering constraint. */
  readonly alpha: Float64Array;
  /**
   * Unit rows of B⁻¹: row i is exactly unitSign[i]·e_sᵀ with s = unitSlot[i] (−1: a dense row).
   * A slot holding variable i's artificial (or bound, or δ ≥ 0) makes row i of B⁻¹ ±e_slotᵀ; a
   * cold start has ~k of them, one fewer per artificial that leaves, and skipping them halves
   * α and the B⁻¹ update over the first k pivots. Set exactly: by a scan after each inversion,
   * kept by {@link exchange} (it changes only the rows where dcol ≠ 0).
   */
  readonly unitSlot: Int32Array;
  readonly unitSign: Float64Array;
  /** Scratch of the primal pricing: |B⁻¹e_q|² by slot. */
  readonly colNorm2: Float64Array;
  readonly colCand: Int32Array;
  readonly colCandReal: Int32Array;
  // scratch of the factorisation (work: one normal, also lent to the loops)
  protected readonly work: Float64Array;
  private readonly bmat: Float64Array;
  /** Gauss–Jordan's column elimination on SIMD lanes (undefined: the scalar loop). */
  private readonly eliminate: ((c: number) => void) | undefined;
  private readonly perm: Int32Array;
  private readonly residual: Float64Array;
  pivots = 0;
  sinceRefactor = 0;
  /** Bland's rule (smallest index) in pricing and ratio tests, once stalling is detected. */
  bland = false;

  constructor(a: Matrix, hasDelta: boolean, useSimd = true) {
    super(a, hasDelta, useSimd);
    const { p, nIds } = this;
    this.basis = new Int32Array(p);
    this.slotOf = (this.simd ? this.simd.slotOf : new Int32Array(nIds)).fill(-1);
    this.slotW = new Float64Array(p);
    this.slotRhs = new Float64Array(p);
    this.phantom = new Uint8Array(p);
    const simd = this.simd;
    this.binv = simd ? simd.binv : new Float64Array(p * p);
    this.lam = new Float64Array(p);
    this.weight = new Float64Array(nIds);
    this.alpha = simd ? simd.alpha : new Float64Array(p);
    this.unitSlot = (simd ? simd.unitSlot : new Int32Array(p)).fill(-1);
    this.unitSign = simd ? simd.unitSign : new Float64Array(p);
    this.colNorm2 = simd ? simd.colNorm2 : new Float64Array(p);
    this.colCand = new Int32Array(p);
    this.colCandReal = new Int32Array(p);
    this.work = new Float64Array(p);
    this.bmat = simd ? simd.bmat : new Float64Array(p * p);
    this.eliminate = simd ? (c: number): void => simd.eliminate(c) : undefined;
    this.perm = new Int32Array(p);
    this.residual = new Float64Array(p);
  }

  /** True for an artificial or phantom slot (one that should leave the basis). */
  isFreeSlot(q: number): boolean {
    return this.basis[q]! < 0 || this.phantom[q] === 1;
  }

  /** α = gᵀB⁻¹ for constraint `id` (current-problem weight), into `alpha`. */
  computeAlpha(id: number): void {
    const { k, p, binv, alpha } = this;
    alpha.fill(0, 0, p);
    const kind = idKind(id, this.n, k);
    const i = idIndex(id, this.n);
    if (kind === IdKind.upper || kind === IdKind.lower) {
      const w = kind === IdKind.upper ? this.weightOf(id) : -this.weightOf(id);
      const o = i * k;
      const { unitSlot, unitSign } = this;
      const simd = this.simd;
      if (simd) {
        // the same sum on SIMD lanes, row δ as g_k = −1
        const g = simd.g;
        for (let c = 0; c < k; c++) g[c] = w * this.A[o + c]!;
        if (this.hasDelta) g[k] = -1;
        simd.alphaFromRows(this.hasDelta ? k + 1 : k);
        return;
      }
      // a unit row of B⁻¹ adds g·(±1) to one entry (the zero terms of the dense sum change nothing)
      for (let c = 0; c < k; c++) {
        const g = w * this.A[o + c]!;
        if (g === 0) continue;
        const us = unitSlot[c]!;
        if (us >= 0) {
          alpha[us]! += g * unitSign[c]!;
          continue;
        }
        const bo = c * p;
        for (let q = 0; q < p; q++) alpha[q]! += g * binv[bo + q]!;
      }
      if (this.hasDelta) {
        const us = unitSlot[k]!;
        if (us >= 0) alpha[us]! -= unitSign[k]!;
        else {
          const bo = k * p;
          for (let q = 0; q < p; q++) alpha[q]! -= binv[bo + q]!;
        }
      }
      return;
    }
    // a bound or δ ≥ 0: the normal is ±e_row
    const row = kind === IdKind.delta ? k : i;
    const sg = kind === IdKind.zUpper ? 1 : -1;
    const bo = row * p;
    for (let q = 0; q < p; q++) alpha[q] = sg * binv[bo + q]!;
  }

  /** dcol = B⁻¹e_i (the edge direction that releases slot i). */
  loadColumn(i: number): void {
    const { p, binv, dcol } = this;
    for (let r = 0; r < p; r++) dcol[r] = binv[r * p + i]!;
  }

  /** Devex reference framework: every weight back to the constraint's normal's squared length. */
  resetWeights(): void {
    const { n, weight, rowNorm2, wU, wL } = this;
    const extra = this.hasDelta ? 1 : 0;
    for (let j = 0; j < n; j++) {
      const wu = wU ? wU[j]! : 1;
      const wl = wL ? wL[j]! : 1;
      weight[2 * j] = wu * wu * rowNorm2[j]! + extra;
      weight[2 * j + 1] = wl * wl * rowNorm2[j]! + extra;
    }
    for (let id = 2 * n; id < this.nIds; id++) weight[id] = 1;
  }

  /**
   * Rebuild B from the basis, invert it, and recompute v = B⁻¹h_B (one refinement step),
   * λ = −B⁻ᵀc and the activities. Returns false when B is numerically singular.
   */
  refactor(): boolean {
    const { p, bmat, binv, work } = this;
    for (let q = 0; q < p; q++) {
      this.normal(this.basis[q]!, this.slotW[q]!, work);
      bmat.set(work.subarray(0, p), q * p);
    }
    const rc = invertInPlace(bmat, p, binv, this.perm, this.eliminate);
    if (!(rc > VERTEX_TOL.singularBasis)) {
      this.unitSlot.fill(-1);
      return false;
    }
    this.findUnitRows();
    this.recomputeFromInverse();
    return true;
  }

  /** Mark the rows of B⁻¹ that are exactly ±e_sᵀ (see {@link unitSlot}). */
  private findUnitRows(): void {
    const { p, binv, unitSlot, unitSign } = this;
    for (let r = 0; r < p; r++) {
      const o = r * p;
      let slot = -1;
      for (let q = 0; q < p; q++) {
        const b = binv[o + q]!;
        if (b === 0) continue;
        if (slot >= 0 || (b !== 1 && b !== -1)) {
          slot = -2;
          break;
        }
        slot = q;
      }
      unitSlot[r] = slot >= 0 ? slot : -1;
      unitSign[r] = slot >= 0 ? binv[o + slot]! : 0;
    }
  }

  /** v = B⁻¹h (one refinement step), λ = −B⁻ᵀc and the activities, from the current B⁻¹. */
  private recomputeFromInverse(): void {
    const { p, binv, v, work, lam, cost, slotRhs } = this;
    // v = B⁻¹ h, then one step of iterative refinement against the true normals
    for (let r = 0; r < p; r++) {
      let t = 0;
      for (let q = 0; q < p; q++) t += binv[r * p + q]! * slotRhs[q]!;
      v[r] = t;
    }
    const res = this.residual;
    for (let q = 0; q < p; q++) {
      this.normal(this.basis[q]!, this.slotW[q]!, work);
      let t = slotRhs[q]!;
      for (let i = 0; i < p; i++) t -= work[i]! * v[i]!;
      res[q] = t;
    }
    for (let r = 0; r < p; r++) {
      let t = 0;
      for (let q = 0; q < p; q++) t += binv[r * p + q]! * res[q]!;
      v[r]! += t;
    }
    // λ_q = −(cᵀB⁻¹)_q
    lam.fill(0, 0, p);
    for (let i = 0; i < p; i++) {
      const ci = cost[i]!;
      if (ci === 0) continue;
      for (let q = 0; q < p; q++) lam[q]! -= ci * binv[i * p + q]!;
    }
    this.recomputeActivities();
    this.sinceRefactor = 0;
  }

  /** Slot q's normal (with its pivot-time weight) into `out`. */
  slotNormal(q: number, out: Float64Array): void {
    this.normal(this.basis[q]!, this.slotW[q]!, out);
  }

  private setSlot(q: number, id: number, w: number, rhs: number, isPhantom: boolean): void {
    const old = this.basis[q]!;
    if (old >= 0 && !this.phantom[q] && this.slotOf[old] === q) this.slotOf[old] = -1;
    this.basis[q] = id;
    this.slotW[q] = w;
    this.slotRhs[q] = rhs;
    this.phantom[q] = isPhantom ? 1 : 0;
    if (id >= 0 && !isPhantom) this.slotOf[id] = q;
  }

  private clearSlots(): void {
    for (let q = 0; q < this.p; q++) {
      const id = this.basis[q]!;
      if (id >= 0 && this.slotOf[id] === q) this.slotOf[id] = -1;
    }
  }

  /** The pivot: replace slot i by constraint r (α = g_rᵀB⁻¹ in `alpha`, dcol = B⁻¹e_i). */
  exchange(i: number, r: number): void {
    const { p, lam, alpha } = this;
    const theta = lam[i]! / alpha[i]!;
    for (let q = 0; q < p; q++) lam[q]! -= theta * alpha[q]!;
    lam[i] = theta;
    const { dcol, unitSlot } = this;
    if (this.simd) this.simd.rank1(i);
    else exchangeInverse(this.binv, p, i, alpha, dcol);
    // the update rewrites exactly the rows where dcol ≠ 0; a unit row has dcol = ±1 there only if it points at slot i
    for (let q = 0; q < p; q++) if (dcol[q] !== 0) unitSlot[q] = -1;
    this.setSlot(i, r, this.weightOf(r), this.rhsOf(r), false);
    this.pivots++;
    this.sinceRefactor++;
  }

  /**
   * Start from the basis `ids` (constraint ids; negative = artificial holding `z0`'s value).
   * Returns false when the basis is singular.
   */
  startFromBasis(ids: ArrayLike<number>, z0: ArrayLike<number> | null): boolean {
    this.clearSlots();
    for (let q = 0; q < this.p; q++) {
      const id = ids[q]!;
      if (id < 0) {
        const i = idIndex(id, this.n);
        const val = i < this.k && z0 ? z0[i]! : 0;
        this.setSlot(q, id, 1, val, false);
      } else this.setSlot(q, id, this.weightOf(id), this.rhsOf(id), false);
    }
    this.pivots = 0;
    this.bland = false;
    this.resetWeights();
    return this.refactor();
  }

  /** Copy of the current basis and factors, for a later warm start. */
  snapshot(): VertexSnapshot {
    return {
      basis: Int32Array.from(this.basis),
      slotW: Float64Array.from(this.slotW),
      slotRhs: Float64Array.from(this.slotRhs),
      binv: Float64Array.from(this.binv),
      v: Float64Array.from(this.v),
      lam: Float64Array.from(this.lam),
      s: Float64Array.from(this.s),
    };
  }

  /**
   * Restore a snapshot against the current problem. Basic constraints that no longer exist, or
   * whose weight or target changed, become phantom slots (must leave; only the primal simplex can
   * move them). Returns the number of phantom slots.
   */
  restore(snap: VertexSnapshot): number {
    this.clearSlots();
    let phantoms = 0;
    for (let q = 0; q < this.p; q++) {
      const id = snap.basis[q]!;
      const w = snap.slotW[q]!;
      const rhs = snap.slotRhs[q]!;
      const isPhantom = id >= 0 && (!this.exists(id) || w !== this.weightOf(id) || rhs !== this.rhsOf(id));
      if (isPhantom) phantoms++;
      this.setSlot(q, id, w, rhs, isPhantom);
    }
    this.binv.set(snap.binv);
    this.findUnitRows();
    this.v.set(snap.v);
    this.lam.set(snap.lam);
    // the snapshot's activities cover only the rows active then
    this.recomputeActivities();
    this.pivots = 0;
    this.sinceRefactor = 0;
    this.bland = false;
    this.resetWeights();
    return phantoms;
  }

  /** True while a phantom (vanished or changed) constraint is in the basis. */
  hasPhantoms(): boolean {
    for (let q = 0; q < this.p; q++) if (this.phantom[q]) return true;
    return false;
  }

  /**
   * True when every real multiplier is ≥ −tol and every artificial / phantom one is ~0 (with
   * `phantomsAsReal`, phantom slots count as ordinary constraints).
   */
  dualFeasible(phantomsAsReal = false): boolean {
    const tol = VERTEX_TOL.dualVerdict * this.tolD;
    for (let q = 0; q < this.p; q++) {
      const l = this.lam[q]!;
      if (this.basis[q]! < 0 || (this.phantom[q] && !phantomsAsReal)) {
        if (Math.abs(l) > tol) return false;
      } else if (l < -tol) return false;
    }
    return true;
  }
}
