/**
 * The dense engine for the hard-constraint families: the Chebyshev (ℓ∞) fit of Algorithm 1 and the
 * relaxed LP (8). It works on vertices of the primal polyhedron {v : G v ≤ h} of a tall, thin LP —
 * v has p = k (+1 for δ) entries, G has up to 2n + 2k + 1 rows — so the basis is the p×p matrix of
 * the active constraints' normals, never anything of size n. This is the simplex method on the
 * dual LP (p equality rows, one bounded column per constraint), written in the primal space:
 *
 * - dual simplex (Stiefel's exchange for Chebyshev fits): keep the multipliers λ ≥ 0, let the most
 *   violated constraint (Devex-normalised) enter, choose the leaving one by a Harris ratio test on λ;
 *   δ at the vertex is a lower bound that rises monotonically, so a capped solve stops as soon as
 *   it exceeds the cap.
 * - primal simplex: keep every constraint satisfied, release a constraint with λ < 0 and walk
 *   along the edge to the first blocking constraint (Harris ratio test).
 *
 * Free variables with no active constraint sit in "artificial" slots (normal e_i, multiplier 0) that
 * leave at the first chance. The basis inverse is explicit (p² doubles) and updated in product form,
 * refactorised from scratch every `refactorEvery` pivots and before any verdict; every verdict is
 * re-verified on freshly computed residuals. Stalling switches to Bland's rule; a pivot budget
 * bounds every solve.
 *
 * The code is split by concept: vertex-ids.ts (the constraint catalogue), vertex-tolerances.ts,
 * vertex-problem.ts (rows, bounds, the point), vertex-basis.ts (slots, B⁻¹, λ, Devex weights,
 * the pivot), vertex-pricing.ts and vertex-ratio.ts; this file holds the loops. Each iteration
 * reads like HiGHS's `HEkkDual::iterate`: choose row, choose column, check the pivot, update
 * (primal, dual, weights, basis), with a refactorisation every `refactorEvery` pivots.
 */
import { type Matrix } from "../linalg/matrix.js";
import { type LpStatus } from "./types.js";
import { VertexBasis } from "./vertex-basis.js";
import { describeId, idCount } from "./vertex-ids.js";
import { chooseReleasedSlot, chooseViolatedRow } from "./vertex-pricing.js";
import { PrimalRatioTest, chooseLeavingSlot } from "./vertex-ratio.js";
import { VERTEX_STALL, VERTEX_TOL } from "./tolerances.js";

export { type VertexRows } from "./vertex-problem.js";
export { type VertexSnapshot } from "./vertex-basis.js";
export { describeId, vertexIds } from "./vertex-ids.js";

/** Outcome of one engine run; `bound` = a capped solve stopped because δ exceeded the cap. */
export interface VertexOutcome {
  status: LpStatus | "bound";
  pivots: number;
  message?: string;
}

/** Engine settings. */
export interface VertexOptions {
  /** Pivot budget per solve (default 50·(n + p) + 1000). */
  maxPivots?: number;
  /** Refactorise the basis inverse every this many pivots (default max(120, 3p)). */
  refactorEvery?: number;
  /**
   * Run the dense kernels on WebAssembly SIMD where available (default true; the answers are the
   * scalar kernels' to the bit, see vertex-simd.ts — false is for comparing the two).
   */
  simd?: boolean;
}

/**
 * Dense vertex simplex over v = (z, [δ]) for min cost·v s.t. the rows' sides, variable bounds and
 * (with δ) δ ≥ 0. One instance per matrix A; reusable across solves (buffers are kept).
 */
export class VertexSimplex extends VertexBasis {
  private readonly maxPivots: number;
  private readonly refactorEvery: number;
  private readonly primalRatio: PrimalRatioTest;
  // cost perturbation against dual degeneracy (undone at the end of dualSimplex)
  private perturbed = false;
  private readonly savedCost: Float64Array;
  // stall detection of the running loop
  private lastObj = 0;
  private stall = 0;
  private perturbedOnce = false;

  constructor(a: Matrix, hasDelta: boolean, options: VertexOptions = {}) {
    super(a, hasDelta, options.simd ?? true);
    const { n, k, p } = this;
    this.savedCost = new Float64Array(p);
    this.primalRatio = new PrimalRatioTest(idCount(n, k), this.simdKernels);
    this.maxPivots = options.maxPivots ?? 50 * (n + p) + 1000;
    this.refactorEvery = options.refactorEvery ?? Math.max(120, 3 * p);
  }

  private outcome(status: LpStatus | "bound", message?: string): VertexOutcome {
    return message === undefined ? { status, pivots: this.pivots } : { status, pivots: this.pivots, message };
  }

  /** Refactorise, or the numerical_error outcome when B is singular. */
  private refactorOrFail(when = ""): VertexOutcome | null {
    return this.refactor() ? null : this.outcome("numerical_error", `singular basis${when}`);
  }

  /** Budget and the refactorisation schedule, shared by both loops. */
  private housekeeping(loop: string): VertexOutcome | null {
    if (this.pivots >= this.maxPivots) return this.outcome("iteration_limit", `${loop} simplex: ${this.pivots} pivots`);
    if (this.sinceRefactor >= this.refactorEvery) return this.refactorOrFail(" at refactorisation");
    return null;
  }

  // ================================================================ dual simplex

  /**
   * Dual simplex from a dual feasible basis. `stopAbove`: return `bound` as soon as the objective
   * (a lower bound on the optimum) exceeds it.
   */
  dualSimplex(stopAbove = Infinity): VertexOutcome {
    const out = this.dualLoop(stopAbove);
    if (!this.perturbed) return out;
    // take the cost shift back: the basis stays primal feasible, so the primal simplex finishes
    this.cost.set(this.savedCost);
    this.perturbed = false;
    if (!this.refactor()) return this.outcome("numerical_error", "singular basis");
    if (out.status !== "optimal" || this.dualFeasible()) return out;
    return this.primalSimplex();
  }

  private dualLoop(stopAbove: number): VertexOutcome {
    this.lastObj = -Infinity;
    this.stall = 0;
    this.perturbedOnce = false;
    let freshActivities = false;
    for (;;) {
      const housekeeping = this.housekeeping("dual");
      if (housekeeping) return housekeeping;
      const obj = this.objective();
      const capped = this.dualCapReached(stopAbove, obj);
      if (capped) return capped;
      this.dualStallCheck(obj);
      // CHUZR: the entering (most violated) constraint
      const r = chooseViolatedRow(this);
      if (r < 0) {
        // confirm on activities recomputed from z (the incremental ones drift)
        if (freshActivities) return this.outcome("optimal");
        this.recomputeActivities();
        freshActivities = true;
        continue;
      }
      freshActivities = false;
      // CHUZC: the leaving slot, from α = g_rᵀB⁻¹ and λ
      this.computeAlpha(r);
      const leave = chooseLeavingSlot(this);
      if (leave < 0) {
        if (this.sinceRefactor > 0) {
          const fail = this.refactorOrFail();
          if (fail) return fail;
          continue;
        }
        return this.outcome("infeasible", `constraint ${describeId(r, this.n, this.k)} cannot be met`);
      }
      // FTRAN: the edge direction, and the pivot checked through the row and the column
      this.loadColumn(leave);
      this.computeGamma();
      if (!this.pivotAgrees(r, leave) && this.sinceRefactor > 0) {
        const fail = this.refactorOrFail();
        if (fail) return fail;
        continue;
      }
      this.dualUpdate(r, leave);
    }
  }

  /**
   * A capped solve stops once δ (a lower bound on the optimum) clearly exceeds the cap; a marginal
   * excess is confirmed on fresh factors first.
   */
  private dualCapReached(stopAbove: number, obj: number): VertexOutcome | null {
    if (this.perturbed || !(obj > stopAbove + this.tolP) || this.hasPhantoms()) return null;
    if (obj > stopAbove * (1 + VERTEX_TOL.boundExcessRel) + VERTEX_TOL.boundSlack * this.tolP) return this.outcome("bound");
    if (this.sinceRefactor > 0) {
      const fail = this.refactorOrFail();
      if (fail) return fail;
    }
    return this.objective() > stopAbove + this.tolP ? this.outcome("bound") : null;
  }

  /** Dual degeneracy: after a run without progress perturb the cost once, then fall back to Bland. */
  private dualStallCheck(obj: number): void {
    if (obj > this.lastObj + this.tolP) {
      this.lastObj = obj;
      this.stall = 0;
      return;
    }
    if (++this.stall <= VERTEX_STALL.dual + (this.p >> 2)) return;
    if (!this.perturbedOnce) {
      this.perturbCost();
      this.perturbedOnce = true;
      this.lastObj = -Infinity;
    } else this.bland = true;
    this.stall = 0;
  }

  /** The pivot seen through the column (g_r·d) must match the one seen through the row (α). */
  private pivotAgrees(r: number, leave: number): boolean {
    const ai = this.alpha[leave]!;
    return Math.abs(this.dirRate(r) - ai) <= VERTEX_TOL.pivotAgreement * Math.max(1, Math.abs(ai));
  }

  /** Update primal (step to meet r), Devex weights, then dual and B⁻¹ (the exchange). */
  private dualUpdate(r: number, leave: number): void {
    const ai = this.alpha[leave]!;
    this.move(-this.slack(r) / ai);
    const wr = this.weight[r]!;
    if (!this.bland) this.updateDevexWeights(wr, ai);
    const leaving = this.basis[leave]!;
    this.exchange(leave, r);
    if (leaving >= 0) this.weight[leaving] = Math.max(wr / (ai * ai), VERTEX_TOL.devexFloor);
  }

  /** Devex: each row side's reference weight grows to (rate / pivot)² · the entering weight. */
  private updateDevexWeights(wr: number, ai: number): void {
    const { active, gam, weight, wU, wL, lower } = this;
    const dd = this.hasDelta ? this.dcol[this.k]! : 0;
    const na = this.nActive;
    for (let qa = 0; qa < na; qa++) {
      const j = active[qa]!;
      const g = gam[j]!;
      if (g === 0) continue;
      let a = ((wU ? wU[j]! : 1) * g - dd) / ai;
      let nw = a * a * wr;
      if (nw > weight[2 * j]!) weight[2 * j] = nw;
      if (lower) {
        a = (-(wL ? wL[j]! : 1) * g - dd) / ai;
        nw = a * a * wr;
        if (nw > weight[2 * j + 1]!) weight[2 * j + 1] = nw;
      }
    }
  }

  /**
   * Shift the cost so every real multiplier grows by a small random amount (c ← c − Bᵀξ,
   * λ ← λ + ξ): a dual degenerate vertex (many λ = 0) stops stalling. Undone by dualSimplex().
   */
  private perturbCost(): void {
    const { p, lam, cost, work: g } = this;
    this.savedCost.set(cost);
    let lmax = this.tolD;
    for (let q = 0; q < p; q++) lmax = Math.max(lmax, Math.abs(lam[q]!));
    let seed = 0x2545f491 ^ this.pivots;
    for (let q = 0; q < p; q++) {
      if (this.isFreeSlot(q)) continue;
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const xi = (1 + seed / 4294967296) * VERTEX_TOL.costPerturbation * lmax;
      this.slotNormal(q, g);
      for (let i = 0; i < p; i++) cost[i]! -= xi * g[i]!;
      lam[q]! += xi;
    }
    this.perturbed = true;
  }

  // ================================================================ primal simplex

  /**
   * Primal simplex from a primal feasible basis: release constraints with negative multipliers
   * (and artificial / phantom slots with non-zero ones) until none is left.
   */
  primalSimplex(): VertexOutcome {
    this.lastObj = Infinity;
    this.stall = 0;
    for (;;) {
      const stop = this.housekeeping("primal");
      if (stop) return stop;
      this.primalStallCheck();
      // CHUZC: the slot to release
      const leave = chooseReleasedSlot(this);
      if (leave < 0) {
        // confirm on a fresh factorisation only after a long run of product-form updates
        if (this.sinceRefactor > this.refactorEvery >> 1) {
          const fail = this.refactorOrFail();
          if (fail) return fail;
          continue;
        }
        return this.outcome("optimal");
      }
      // direction d = σ·B⁻¹e_leave with σ = −1 for a real constraint (step into its interior),
      // sign(λ) for a free slot (so that the objective falls)
      const sigma = this.isFreeSlot(leave) ? Math.sign(this.lam[leave]!) : -1;
      this.loadColumn(leave);
      this.computeGamma();
      // CHUZR: the first blocking constraint along the edge
      const enter = this.primalRatio.choose(this, sigma);
      if (enter < 0) {
        if (this.sinceRefactor > 0) {
          const fail = this.refactorOrFail();
          if (fail) return fail;
          continue;
        }
        return this.outcome("unbounded", "the objective decreases without limit along an edge");
      }
      // update: α of the entering constraint; t along σ·dcol equals −σt in move()'s convention
      this.computeAlpha(enter);
      this.move(-sigma * this.primalRatio.step);
      this.exchange(leave, enter);
    }
  }

  private primalStallCheck(): void {
    const obj = this.objective();
    if (obj < this.lastObj - this.tolP) {
      this.lastObj = obj;
      this.stall = 0;
    } else if (++this.stall > VERTEX_STALL.primal + this.p && !this.bland) this.bland = true;
  }

  /**
   * Pivot remaining zero-multiplier artificial slots out (degenerate moves that keep the objective)
   * so the answer is a vertex; returns how many remain (directions nothing constrains).
   */
  purgeArtificials(): number {
    let remaining = 0;
    for (let q = 0; q < this.p; q++) {
      if (!this.isFreeSlot(q)) continue;
      if (!this.purgeSlot(q, 1) && !this.purgeSlot(q, -1)) remaining++;
    }
    if (this.sinceRefactor > 0) this.refactor();
    return remaining;
  }

  /** Move free slot q out along σ·B⁻¹e_q if a constraint blocks there with a usable pivot. */
  private purgeSlot(q: number, sigma: number): boolean {
    this.loadColumn(q);
    this.computeGamma();
    const enter = this.primalRatio.choose(this, sigma);
    if (enter < 0) return false;
    this.computeAlpha(enter);
    if (Math.abs(this.alpha[q]!) < VERTEX_TOL.purgePivot) return false;
    this.lam[q] = 0; // a free slot's multiplier is zero at an optimum
    this.move(-sigma * this.primalRatio.step);
    this.exchange(q, enter);
    return true;
  }
}
