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
 *
 * Split by concept: lad-kinks.ts (the kinks, their slopes and the id catalogue), lad-long-step.ts
 * (the ratio test), tolerances.ts ({@link LAD_TOL}); this file holds the basis and the loop, whose
 * iteration is HiGHS-like named steps: multipliers, choose the released kink, the edge, the long
 * step, then update primal, gradient and basis. It is one concept at ~500 lines because every
 * step reads and writes the same basis state (slots, B⁻¹, z, s, ∇f), which only this class owns.
 */
import { ShapeError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { QrWorkspace } from "../linalg/qr.js";
import { exchangeInverse, invertInPlace } from "./dense.js";
import { LadKinks, ladIds } from "./lad-kinks.js";
import { LongStep } from "./lad-long-step.js";
import { LAD_LIMITS, LAD_TOL } from "./tolerances.js";
import { type LadProblem, type LpSolution, type LpStatus, rowDeviations, twoSidedLeastSquares, validateMatrix, validateRows } from "./types.js";

/** A basis to warm-start from. */
export interface LadSnapshot {
  basis: Int32Array;
  kink: Float64Array;
  binv: Float64Array;
  z: Float64Array;
}

/**
 * An ℓ1 engine answer, with the basis to warm-start from.
 * @example
 * ```ts
 * import { fromRows, LadSolver, type LadSolution } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const t = Float64Array.of(1, 2, 3);
 * const r: LadSolution = new LadSolver(a).solve({ kind: "lad", a, upper: t, lower: t });
 * console.log(r.status, r.objective, r.snapshot !== undefined);
 * ```
 */
export interface LadSolution extends LpSolution {
  /** The final basis, to pass as `warm` to the next solve. */
  snapshot?: LadSnapshot;
}

/**
 * Options of {@link LadSolver.solve}.
 * @example
 * ```ts
 * import { fromRows, LadSolver, type LadSolveOptions } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const options: LadSolveOptions = { z0: Float64Array.of(1, 2), maxPivots: 100 };
 * const r = new LadSolver(a).solve({ kind: "lad", a, upper: Float64Array.of(1, 2, 10), lower: Float64Array.of(1, 2, 10) }, options);
 * console.log(r.status, r.objective); // optimal, 7
 * ```
 */
export interface LadSolveOptions {
  /** Starting point. */
  z0?: Float64Array | null;
  /** Warm start from this basis (a previous solve's `snapshot` on the same matrix). */
  warm?: LadSnapshot | null;
  /** Pivot budget (default 50·(n + k) + 1000). */
  maxPivots?: number;
}

interface LadOutcome {
  status: LpStatus;
  pivots: number;
  message?: string;
}

/**
 * ℓ1 engine for one matrix A, reusable across the ε schedule. Most callers want {@link FitSolver}.
 * @throws ShapeError from `solve` when the problem's matrix is not this solver's A; ShapeError /
 * InvalidValueError for a malformed problem
 * @example
 * ```ts
 * import { fromRows, LadSolver } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const solver = new LadSolver(a);
 * const r = solver.solve({ kind: "lad", a, upper: Float64Array.of(1, 2, 3), lower: Float64Array.of(1, 2, 3) });
 * console.log(r.status, Array.from(r.z), r.objective); // optimal, ≈ [1, 2], ≈ 0
 * ```
 */
export class LadSolver {
  readonly n: number;
  readonly k: number;
  private readonly a: Matrix;
  private readonly A: Float64Array;
  private readonly ws = new QrWorkspace();
  private readonly kinks: LadKinks;
  private readonly longStep: LongStep;
  // basis: k slots, each a kink (or a free slot); B⁻¹ explicit
  private readonly basis: Int32Array;
  private readonly slotKink: Float64Array; // kink position of each slot (its rhs)
  private readonly slotOf: Int32Array;
  private readonly binv: Float64Array;
  private readonly z: Float64Array;
  private readonly s: Float64Array;
  // per-iteration vectors and scratch (sized once)
  private readonly grad: Float64Array;
  private readonly mu: Float64Array;
  private readonly d: Float64Array;
  private readonly gam: Float64Array;
  private readonly alpha: Float64Array;
  private readonly col: Float64Array;
  private readonly rhs: Float64Array;
  private readonly bmat: Float64Array;
  private readonly perm: Int32Array;
  // the kink chosen to leave: direction ±1 off it and the slope d0 < 0 along the edge
  private leaveDir = 0;
  private leaveSlope = 0;
  // state of the running loop
  private pivots = 0;
  private sinceRefresh = 0;
  private stall = 0;
  private bland = false;

  constructor(a: Matrix) {
    validateMatrix(a);
    this.a = a;
    this.A = a.data;
    const n = (this.n = a.rows);
    const k = (this.k = a.cols);
    this.kinks = new LadKinks(n);
    this.longStep = new LongStep(2 * n + 2 * k);
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
    this.rhs = new Float64Array(k);
    this.bmat = new Float64Array(k * k);
    this.perm = new Int32Array(k);
  }

  /** Solve min Σ d_j for `prob` (whose matrix must be this solver's A). */
  solve(prob: LadProblem, options: LadSolveOptions = {}): LadSolution {
    if (prob.a !== this.a && prob.a.data !== this.a.data) throw new ShapeError("this solver was built for another matrix");
    validateRows(prob);
    const { n, k } = this;
    const kinks = this.kinks;
    const maxPivots = options.maxPivots ?? 50 * (n + k) + 1000;
    // pass 1 on kinks shifted by ~1e-9 (deterministic): breaks the massive ties of (near-)realisable
    // data, where every active row sits exactly on its kink and long steps degenerate into cycling
    kinks.load(prob, true);
    let started = false;
    if (options.warm) started = this.restore(options.warm);
    if (!started) this.coldStart(prob, options.z0 ?? null);
    let out = this.iterate(maxPivots);
    let pivots = out.pivots;
    if (out.status === "optimal") {
      // pass 2: the true kinks, from pass 1's basis; rows keep the side they were on
      for (let id = 0; id < 2 * n; id++) {
        const kv = kinks.at[id]!;
        if (kv === kv) kinks.tieRight[id] = this.s[id >> 1]! > kv ? 1 : 0;
      }
      kinks.load(prob, false);
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

  // ================================================================ basis and factor

  /** Invert the basis afresh and put z back on it. False when singular. */
  private refactor(): boolean {
    const { k, bmat, col } = this;
    for (let q = 0; q < k; q++) {
      this.normal(this.basis[q]!, col);
      bmat.set(col.subarray(0, k), q * k);
    }
    if (!(invertInPlace(bmat, k, this.binv, this.perm) > LAD_TOL.singularBasis)) return false;
    this.resolveVertex();
    return true;
  }

  /** Put z on the current basis: B z = (kink positions; free slots keep their value). */
  private resolveVertex(): void {
    const { k, binv, z, rhs, col } = this;
    for (let q = 0; q < k; q++) {
      const id = this.basis[q]!;
      if (id >= 0) {
        rhs[q] = this.kinks.position(id);
        this.slotKink[q] = this.kinks.truePosition(id);
      } else {
        this.normal(id, col);
        let t = 0;
        for (let i = 0; i < k; i++) t += col[i]! * z[i]!;
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
    const { k, z } = this;
    const { zLo, zHi } = this.kinks;
    this.clearSlots();
    const z0 = z0in ?? twoSidedLeastSquares(prob, this.ws);
    z.fill(0);
    if (z0) z.set(z0.subarray(0, k));
    // respect the bounds from the start (the method is primal: it never leaves them)
    for (let i = 0; i < k; i++) {
      if (z[i]! < zLo) z[i] = zLo;
      if (z[i]! > zHi) z[i] = zHi;
    }
    this.binv.fill(0);
    this.kinks.tieRight.fill(0);
    for (let q = 0; q < k; q++) {
      this.setSlot(q, ladIds.free(q), z[q]!);
      this.binv[q * k + q] = 1;
    }
    this.recomputeActivities();
  }

  /** Restore a snapshot; kinks that moved or vanished become free slots. False: cold start instead. */
  private restore(snap: LadSnapshot): boolean {
    const { k, z } = this;
    const { zLo, zHi } = this.kinks;
    this.clearSlots();
    z.set(snap.z);
    const e1 = LAD_TOL.restoreBounds;
    for (let i = 0; i < k; i++) if (z[i]! < zLo - e1 || z[i]! > zHi + e1) return false;
    for (let q = 0; q < k; q++) {
      const id = snap.basis[q]!;
      const kink = snap.kink[q]!;
      if (id >= 0 && this.kinks.truePosition(id) === kink) {
        this.setSlot(q, id, kink);
        continue;
      }
      // keep the old normal in B⁻¹; the slot is free (multiplier must reach 0)
      this.basis[q] = id >= 0 ? ladIds.stale(id) : id;
      this.slotKink[q] = kink;
    }
    this.binv.set(snap.binv);
    this.resolveVertex();
    const e2 = LAD_TOL.restoredVertexBounds;
    for (let i = 0; i < k; i++) if (z[i]! < zLo - e2 || z[i]! > zHi + e2) return false;
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
    if (ladIds.isStale(id)) {
      this.normal(ladIds.staleKink(id), out);
      return;
    }
    out[ladIds.freeVariable(id)] = 1;
  }

  /** ∇f over the nonbasic rows (basic rows act through their multipliers). */
  private recomputeGrad(): void {
    const { n, grad, s } = this;
    grad.fill(0);
    for (let j = 0; j < n; j++) {
      if (this.slotOf[2 * j]! >= 0 || this.slotOf[2 * j + 1]! >= 0) continue;
      const sl = this.kinks.rowSlope(j, s[j]!);
      if (sl !== 0) this.addRow(j, sl);
    }
  }

  private addRow(j: number, w: number): void {
    const { k, A, grad } = this;
    const o = j * k;
    for (let i = 0; i < k; i++) grad[i]! += w * A[o + i]!;
  }

  /** Refactorise and recompute ∇f; false when B is singular. */
  private refresh(): boolean {
    if (!this.refactor()) return false;
    this.recomputeGrad();
    this.sinceRefresh = 0;
    return true;
  }

  // ================================================================ the loop

  private outcome(status: LpStatus, message?: string): LadOutcome {
    return message === undefined ? { status, pivots: this.pivots } : { status, pivots: this.pivots, message };
  }

  private iterate(maxPivots: number): LadOutcome {
    const singular = "ℓ1 simplex: singular basis";
    this.pivots = 0;
    this.sinceRefresh = 0;
    this.stall = 0;
    this.bland = false;
    this.recomputeGrad();
    for (;;) {
      if (this.pivots >= maxPivots) return this.outcome("iteration_limit", `ℓ1 simplex: ${this.pivots} pivots`);
      if (this.sinceRefresh >= LAD_LIMITS.refactorEvery && !this.refresh()) return this.outcome("numerical_error", singular);
      this.computeMultipliers();
      const leave = this.chooseReleasedKink();
      if (leave < 0) {
        // confirm on a freshly inverted basis, exact kink positions and a fresh gradient
        if (this.sinceRefresh === 0) return this.outcome("optimal");
        if (!this.refresh()) return this.outcome("numerical_error", singular);
        continue;
      }
      this.computeEdge(leave);
      const enter = this.chooseEnteringKink();
      // a sum of deviations is bounded below by 0: a descent edge with no kink ahead is rounding
      // in the slope, not an unbounded LP — reported so that the HiGHS fallback answers
      if (enter < 0) return this.outcome("numerical_error", "ℓ1 slope negative along an edge with no kink ahead (rounding)");
      this.computeAlpha(enter);
      if (Math.abs(this.alpha[leave]!) < LAD_TOL.pivot) {
        // a crossing the basis cannot take: refactor and retry
        if (!this.refresh()) return this.outcome("numerical_error", singular);
        if (++this.stall > 3 * this.k + LAD_LIMITS.refusedExchanges) return this.outcome("numerical_error", "ℓ1 simplex: singular exchange");
        continue;
      }
      this.updatePrimal();
      this.updateGradient(enter);
      this.updateBasis(leave, enter);
      this.pivots++;
      this.sinceRefresh++;
      const gain = this.longStep.gain;
      if (gain < -LAD_TOL.progress * (1 + Math.abs(gain))) this.stall = 0;
      else if (++this.stall > this.k + LAD_LIMITS.stall) this.bland = true;
    }
  }

  /** μᵀ = −∇fᵀB⁻¹: the multipliers of the basic kinks. */
  private computeMultipliers(): void {
    const { k, grad, mu, binv } = this;
    mu.fill(0);
    for (let i = 0; i < k; i++) {
      const g = grad[i]!;
      if (g === 0) continue;
      const o = i * k;
      for (let q = 0; q < k; q++) mu[q]! -= g * binv[o + q]!;
    }
  }

  /**
   * Pricing: the slot whose multiplier lies furthest outside its slope interval (scaled by
   * |B⁻¹e_q|; free slots first; Bland: the smallest id). Sets the direction off the kink and the
   * edge's starting slope; returns −1 when every multiplier is inside (optimal).
   */
  private chooseReleasedKink(): number {
    const { k, mu, binv, basis, kinks } = this;
    let leave = -1;
    let best = 0;
    let leaveFree = false;
    for (let q = 0; q < k; q++) {
      const id = basis[q]!;
      const lo = kinks.intervalLo(id);
      const hi = kinks.intervalHi(id);
      const m = mu[q]!;
      const tol = LAD_TOL.multiplier * (1 + Math.abs(lo === -Infinity ? 0 : lo) + Math.abs(hi === Infinity ? 0 : hi));
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
      if ((isFree && !leaveFree) || ((isFree || !leaveFree) && (this.bland ? leave < 0 || id < basis[leave]! : sc > best))) {
        best = sc;
        leave = q;
        this.leaveDir = sgn;
        this.leaveSlope = -viol;
        leaveFree = isFree;
      }
    }
    return leave;
  }

  /** The edge that moves slot `leave` off its kink: d = dir·B⁻¹e_leave and γ = A·d. */
  private computeEdge(leave: number): void {
    const { n, k, A, binv, d, gam } = this;
    const dir = this.leaveDir;
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
  }

  /** Ratio test: the long step along the edge (lad-long-step.ts); returns the entering kink. */
  private chooseEnteringKink(): number {
    this.longStep.collect(this.kinks, this.slotOf, this.gam, this.s, this.z, this.d);
    return this.longStep.walk(this.leaveSlope, 2 * this.n);
  }

  /** α = g_enterᵀB⁻¹. */
  private computeAlpha(enter: number): void {
    const { k, alpha, col, binv } = this;
    this.normal(enter, col);
    alpha.fill(0);
    for (let i = 0; i < k; i++) {
      const g = col[i]!;
      if (g === 0) continue;
      const o = i * k;
      for (let q = 0; q < k; q++) alpha[q]! += g * binv[o + q]!;
    }
  }

  /** z ← z + step·d, s ← s + step·γ. */
  private updatePrimal(): void {
    const { n, k, z, s, d, gam } = this;
    const step = this.longStep.step;
    for (let i = 0; i < k; i++) z[i]! += step * d[i]!;
    for (let j = 0; j < n; j++) s[j]! += step * gam[j]!;
  }

  /** ∇f changes by the slope jumps of the rows crossed; the entering row leaves it. */
  private updateGradient(enter: number): void {
    const { gam, s, kinks } = this;
    const { crossed, nCrossed } = this.longStep;
    for (let c = 0; c < nCrossed; c++) {
      const id = crossed[c]!;
      const g = gam[id >> 1]!;
      kinks.tieRight[id] = g > 0 ? 1 : 0;
      this.addRow(id >> 1, g > 0 ? kinks.jump[id]! : -kinks.jump[id]!);
    }
    // the entering row leaves the gradient with the slope it arrived with
    if (enter < 2 * this.n) {
      const j = enter >> 1;
      kinks.tieRight[enter] = gam[j]! < 0 ? 1 : 0;
      this.addRow(j, -kinks.rowSlope(j, s[j]!));
    }
  }

  /** Exchange slot `leave` for kink `enter` (product-form B⁻¹); the leaving row rejoins ∇f. */
  private updateBasis(leave: number, enter: number): void {
    const { k, binv, col, kinks, s } = this;
    for (let r = 0; r < k; r++) col[r] = binv[r * k + leave]!;
    exchangeInverse(binv, k, leave, this.alpha, col);
    const left = this.basis[leave]!;
    this.setSlot(leave, enter, kinks.position(enter));
    // the leaving row joins the gradient on the side it moved to
    if (left >= 0 && left < 2 * this.n) {
      kinks.tieRight[left] = this.leaveDir > 0 ? 1 : 0;
      const j = left >> 1;
      if (this.slotOf[2 * j]! < 0 && this.slotOf[2 * j + 1]! < 0) this.addRow(j, kinks.rowSlope(j, s[j]!));
    }
  }
}
