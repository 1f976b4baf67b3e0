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
 */
import { type Matrix } from "../linalg/matrix.js";
import { exchangeInverse, invertInPlace } from "./dense.js";
import { type LpStatus } from "./types.js";

/** Row data of one solve (references, not copied). */
export interface VertexRows {
  upper: Float64Array;
  /** Lower targets; ignored (no lower sides) when the LP has no δ. */
  lower: Float64Array | null;
  upperWeight: Float64Array | null;
  lowerWeight: Float64Array | null;
}

/** A basis to warm-start from (see {@link VertexSimplex.snapshot}). */
export interface VertexSnapshot {
  basis: Int32Array;
  slotW: Float64Array;
  slotRhs: Float64Array;
  binv: Float64Array;
  v: Float64Array;
  lam: Float64Array;
  s: Float64Array;
}

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
}

const ART = -1; // artificial slot marker base: id = ART - i  (i = variable index)

/**
 * Dense vertex simplex over v = (z, [δ]) for min cost·v s.t. the rows' sides, variable bounds and
 * (with δ) δ ≥ 0. One instance per matrix A; reusable across solves (buffers are kept).
 */
export class VertexSimplex {
  readonly n: number;
  readonly k: number;
  readonly p: number;
  readonly hasDelta: boolean;
  private readonly A: Float64Array;
  private readonly nIds: number;
  // problem
  private upper!: Float64Array;
  private lower: Float64Array | null = null;
  private wU: Float64Array | null = null;
  private wL: Float64Array | null = null;
  private zLo = -Infinity;
  private zHi = Infinity;
  readonly cost: Float64Array;
  // state
  readonly basis: Int32Array;
  private readonly slotOf: Int32Array;
  private readonly slotW: Float64Array;
  private readonly slotRhs: Float64Array;
  private readonly phantom: Uint8Array;
  readonly binv: Float64Array;
  readonly v: Float64Array;
  readonly lam: Float64Array;
  readonly s: Float64Array;
  private readonly weight: Float64Array;
  private readonly rowNorm2: Float64Array;
  // rows the engine looks at (far-from-binding rows can be left out and checked at the end)
  private readonly active: Int32Array;
  private nActive = 0;
  private readonly isActive: Uint8Array;
  // scratch
  private readonly gam: Float64Array;
  private readonly candId: Int32Array;
  private readonly candRate: Float64Array;
  private readonly candSlack: Float64Array;
  private readonly alpha: Float64Array;
  private readonly dcol: Float64Array;
  private readonly work: Float64Array;
  private readonly bmat: Float64Array;
  private readonly perm: Int32Array;
  private readonly residual: Float64Array;
  // tolerances (set per solve from the data's scale)
  private tolP = 1e-11;
  private tolD = 1e-12;
  private maxPivots: number;
  private refactorEvery: number;
  pivots = 0;
  private sinceRefactor = 0;
  private bland = false;
  private perturbed = false;
  private readonly savedCost: Float64Array;

  constructor(a: Matrix, hasDelta: boolean, options: VertexOptions = {}) {
    this.n = a.rows;
    this.k = a.cols;
    this.p = this.k + (hasDelta ? 1 : 0);
    this.hasDelta = hasDelta;
    this.A = a.data;
    const { n, k, p } = this;
    this.nIds = 2 * n + 2 * k + 1;
    this.cost = new Float64Array(p);
    if (hasDelta) this.cost[k] = 1;
    this.savedCost = new Float64Array(p);
    this.basis = new Int32Array(p);
    this.slotOf = new Int32Array(this.nIds).fill(-1);
    this.slotW = new Float64Array(p);
    this.slotRhs = new Float64Array(p);
    this.phantom = new Uint8Array(p);
    this.binv = new Float64Array(p * p);
    this.v = new Float64Array(p);
    this.lam = new Float64Array(p);
    this.s = new Float64Array(n);
    this.weight = new Float64Array(this.nIds);
    this.rowNorm2 = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let i = 0; i < k; i++) t += this.A[j * k + i]! * this.A[j * k + i]!;
      this.rowNorm2[j] = t;
    }
    this.gam = new Float64Array(n);
    this.candId = new Int32Array(this.nIds);
    this.candRate = new Float64Array(this.nIds);
    this.candSlack = new Float64Array(this.nIds);
    this.active = new Int32Array(n);
    this.isActive = new Uint8Array(n);
    this.alpha = new Float64Array(p);
    this.dcol = new Float64Array(p);
    this.work = new Float64Array(p);
    this.bmat = new Float64Array(p * p);
    this.perm = new Int32Array(p);
    this.residual = new Float64Array(p);
    this.maxPivots = options.maxPivots ?? 50 * (n + p) + 1000;
    this.refactorEvery = options.refactorEvery ?? Math.max(120, 3 * p);
  }

  /** Set the rows and bounds of the next solve (arrays are referenced, not copied). */
  setProblem(rows: VertexRows, zLo: number, zHi: number): void {
    this.upper = rows.upper;
    this.lower = this.hasDelta ? rows.lower : null;
    this.wU = rows.upperWeight;
    this.wL = rows.lowerWeight;
    this.zLo = zLo;
    this.zHi = zHi;
    this.setActiveRows(null);
    // tolerances scale with the targets (deviations are measured in the rows' units)
    let scale = 1;
    const n = this.n;
    for (let j = 0; j < n; j++) {
      const u = this.upper[j]!;
      if (u !== Infinity) {
        const a = Math.abs(u) * (this.wU ? this.wU[j]! : 1);
        if (a > scale) scale = a;
      }
      if (this.lower) {
        const l = this.lower[j]!;
        if (l !== -Infinity) {
          const a = Math.abs(l) * (this.wL ? this.wL[j]! : 1);
          if (a > scale) scale = a;
        }
      }
    }
    this.tolP = 1e-11 * scale;
    let cs = 0;
    for (let i = 0; i < this.p; i++) cs = Math.max(cs, Math.abs(this.cost[i]!));
    this.tolD = 1e-12 * Math.max(cs, 1e-300);
  }

  /**
   * Restrict the engine to these rows (null: all). Rows left out are not constraints until
   * {@link activateRows} brings them in; the caller checks them at the end.
   */
  setActiveRows(list: ArrayLike<number> | null): void {
    this.isActive.fill(0);
    if (list === null) {
      for (let j = 0; j < this.n; j++) {
        this.active[j] = j;
        this.isActive[j] = 1;
      }
      this.nActive = this.n;
      return;
    }
    this.nActive = 0;
    for (let q = 0; q < list.length; q++) this.addActive(list[q]!);
  }

  private addActive(j: number): void {
    if (this.isActive[j]) return;
    this.isActive[j] = 1;
    this.active[this.nActive++] = j;
  }

  /** Bring rows into the LP (their activities are computed now). */
  activateRows(list: ArrayLike<number>): void {
    const { k, A, v, s } = this;
    for (let q = 0; q < list.length; q++) {
      const j = list[q]!;
      if (this.isActive[j]) continue;
      this.addActive(j);
      let t = 0;
      for (let i = 0; i < k; i++) t += A[j * k + i]! * v[i]!;
      s[j] = t;
    }
  }

  /** True when row j is in the LP. */
  rowActive(j: number): boolean {
    return this.isActive[j] === 1;
  }

  /** Set the objective (relaxed LP: minimise cost·z). */
  setCost(c: ArrayLike<number>): void {
    for (let i = 0; i < this.k; i++) this.cost[i] = c[i]!;
  }

  // ---- constraint catalogue: ids 2j (row j upper side), 2j+1 (lower side), 2n+2i / 2n+2i+1 (z_i ≥ lo / ≤ hi), 2n+2k (δ ≥ 0)

  private exists(id: number): boolean {
    const n2 = 2 * this.n;
    if (id < n2) {
      const j = id >> 1;
      if (!this.isActive[j]) return false;
      if ((id & 1) === 0) return this.upper[j] !== Infinity;
      return this.lower !== null && this.lower[j] !== -Infinity;
    }
    if (id === n2 + 2 * this.k) return this.hasDelta;
    return ((id - n2) & 1) === 0 ? this.zLo !== -Infinity : this.zHi !== Infinity;
  }

  /** The weight and right-hand side the constraint has in the current problem. */
  private paramsOf(id: number): [number, number] {
    const n2 = 2 * this.n;
    if (id < n2) {
      const j = id >> 1;
      if ((id & 1) === 0) {
        const w = this.wU ? this.wU[j]! : 1;
        return [w, w * this.upper[j]!];
      }
      const w = this.wL ? this.wL[j]! : 1;
      return [w, -w * this.lower![j]!];
    }
    if (id === n2 + 2 * this.k) return [1, 0];
    return ((id - n2) & 1) === 0 ? [1, -this.zLo] : [1, this.zHi];
  }

  /** Slack h − g·v of a (current-problem) constraint. */
  private slack(id: number): number {
    const n2 = 2 * this.n;
    const k = this.k;
    const delta = this.hasDelta ? this.v[k]! : 0;
    if (id < n2) {
      const j = id >> 1;
      if ((id & 1) === 0) return (this.wU ? this.wU[j]! : 1) * (this.upper[j]! - this.s[j]!) + delta;
      return (this.wL ? this.wL[j]! : 1) * (this.s[j]! - this.lower![j]!) + delta;
    }
    if (id === n2 + 2 * k) return delta;
    const i = (id - n2) >> 1;
    return ((id - n2) & 1) === 0 ? this.v[i]! - this.zLo : this.zHi - this.v[i]!;
  }

  /** Write constraint `id`'s normal with weight `w` into `out` (length p). */
  private normal(id: number, w: number, out: Float64Array): void {
    const { k, p } = this;
    out.fill(0, 0, p);
    if (id < 0) {
      out[ART - id] = 1;
      return;
    }
    const n2 = 2 * this.n;
    if (id < n2) {
      const j = id >> 1;
      const sg = (id & 1) === 0 ? w : -w;
      const o = j * k;
      for (let i = 0; i < k; i++) out[i] = sg * this.A[o + i]!;
      if (this.hasDelta) out[k] = -1;
      return;
    }
    if (id === n2 + 2 * k) {
      out[k] = -1;
      return;
    }
    const i = (id - n2) >> 1;
    out[i] = ((id - n2) & 1) === 0 ? -1 : 1;
  }

  /** α = gᵀB⁻¹ for constraint `id` (current-problem weight). */
  private computeAlpha(id: number): void {
    const { k, p, binv, alpha } = this;
    alpha.fill(0, 0, p);
    const n2 = 2 * this.n;
    if (id < n2) {
      const j = id >> 1;
      const w = (id & 1) === 0 ? (this.wU ? this.wU[j]! : 1) : -(this.wL ? this.wL[j]! : 1);
      const o = j * k;
      for (let i = 0; i < k; i++) {
        const g = w * this.A[o + i]!;
        if (g === 0) continue;
        const bo = i * p;
        for (let q = 0; q < p; q++) alpha[q]! += g * binv[bo + q]!;
      }
      if (this.hasDelta) {
        const bo = k * p;
        for (let q = 0; q < p; q++) alpha[q]! -= binv[bo + q]!;
      }
      return;
    }
    let row: number;
    let sg: number;
    if (id === n2 + 2 * k) {
      row = k;
      sg = -1;
    } else {
      row = (id - n2) >> 1;
      sg = ((id - n2) & 1) === 0 ? -1 : 1;
    }
    const bo = row * p;
    for (let q = 0; q < p; q++) alpha[q] = sg * binv[bo + q]!;
  }

  /** γ_j = a_j·d_z for every row (d = dcol), into gam. */
  private computeGamma(): void {
    const { k, A, dcol, gam, active } = this;
    const na = this.nActive;
    for (let q = 0; q < na; q++) {
      const j = active[q]!;
      const o = j * k;
      let s0 = 0;
      let s1 = 0;
      let i = 0;
      for (; i + 1 < k; i += 2) {
        s0 += A[o + i]! * dcol[i]!;
        s1 += A[o + i + 1]! * dcol[i + 1]!;
      }
      if (i < k) s0 += A[o + i]! * dcol[i]!;
      gam[j] = s0 + s1;
    }
  }

  /** g·dcol for constraint id, using gam for the rows. */
  private dirRate(id: number): number {
    const n2 = 2 * this.n;
    const k = this.k;
    const dd = this.hasDelta ? this.dcol[k]! : 0;
    if (id < n2) {
      const j = id >> 1;
      if ((id & 1) === 0) return (this.wU ? this.wU[j]! : 1) * this.gam[j]! - dd;
      return -(this.wL ? this.wL[j]! : 1) * this.gam[j]! - dd;
    }
    if (id === n2 + 2 * k) return -dd;
    const i = (id - n2) >> 1;
    return ((id - n2) & 1) === 0 ? -this.dcol[i]! : this.dcol[i]!;
  }

  /** Objective cost·v at the current vertex. */
  objective(): number {
    let s = 0;
    for (let i = 0; i < this.p; i++) s += this.cost[i]! * this.v[i]!;
    return s;
  }

  private recomputeActivities(): void {
    const { k, A, v, s, active } = this;
    const na = this.nActive;
    for (let q = 0; q < na; q++) {
      const j = active[q]!;
      const o = j * k;
      let t0 = 0;
      let t1 = 0;
      let i = 0;
      for (; i + 1 < k; i += 2) {
        t0 += A[o + i]! * v[i]!;
        t1 += A[o + i + 1]! * v[i + 1]!;
      }
      if (i < k) t0 += A[o + i]! * v[i]!;
      s[j] = t0 + t1;
    }
  }

  private resetWeights(): void {
    const { n, weight, rowNorm2 } = this;
    const extra = this.hasDelta ? 1 : 0;
    for (let j = 0; j < n; j++) {
      const wu = this.wU ? this.wU[j]! : 1;
      const wl = this.wL ? this.wL[j]! : 1;
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
    const rc = invertInPlace(bmat, p, binv, this.perm);
    if (!(rc > 1e-13)) return false;
    this.recomputeFromInverse();
    return true;
  }

  /** v = B⁻¹h (one refinement step), λ = −B⁻ᵀc and the activities, from the current B⁻¹. */
  private recomputeFromInverse(): void {
    const { p, binv, v, work, lam, cost } = this;
    // v = B⁻¹ h, then one step of iterative refinement against the true normals
    for (let r = 0; r < p; r++) {
      let t = 0;
      for (let q = 0; q < p; q++) t += binv[r * p + q]! * this.slotRhs[q]!;
      v[r] = t;
    }
    const res = this.residual;
    for (let q = 0; q < p; q++) {
      this.normal(this.basis[q]!, this.slotW[q]!, work);
      let t = this.slotRhs[q]!;
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

  /**
   * Start from the basis `ids` (constraint ids; negative = artificial holding `z0`'s value).
   * Returns false when the basis is singular.
   */
  startFromBasis(ids: ArrayLike<number>, z0: ArrayLike<number> | null): boolean {
    this.clearSlots();
    for (let q = 0; q < this.p; q++) {
      const id = ids[q]!;
      if (id < 0) {
        const i = ART - id;
        const val = i < this.k ? (z0 ? z0[i]! : 0) : 0;
        this.setSlot(q, id, 1, val, false);
      } else {
        const [w, rhs] = this.paramsOf(id);
        this.setSlot(q, id, w, rhs, false);
      }
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
      let isPhantom = false;
      if (id >= 0) {
        if (!this.exists(id)) isPhantom = true;
        else {
          const [w, rhs] = this.paramsOf(id);
          if (w !== snap.slotW[q] || rhs !== snap.slotRhs[q]) isPhantom = true;
        }
      }
      if (isPhantom) phantoms++;
      this.setSlot(q, id, snap.slotW[q]!, snap.slotRhs[q]!, isPhantom);
    }
    this.binv.set(snap.binv);
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
    for (let q = 0; q < this.p; q++) {
      const l = this.lam[q]!;
      if (this.basis[q]! < 0 || (this.phantom[q] && !phantomsAsReal)) {
        if (Math.abs(l) > 10 * this.tolD) return false;
      } else if (l < -10 * this.tolD) return false;
    }
    return true;
  }

  /** Largest violation over the current problem's nonbasic constraints (after fresh activities). */
  maxViolation(): number {
    let worst = 0;
    const n2 = 2 * this.n;
    for (let q = 0; q < this.nActive; q++) {
      const j = this.active[q]!;
      for (let id = 2 * j; id <= 2 * j + 1; id++) {
        if (!this.exists(id)) continue;
        const sl = this.slack(id);
        if (-sl > worst) worst = -sl;
      }
    }
    for (let id = n2; id < this.nIds; id++) {
      if (!this.exists(id)) continue;
      const sl = this.slack(id);
      if (-sl > worst) worst = -sl;
    }
    return worst;
  }

  /** Primal step along −t·dcol (dual convention) with gam = A·dcol_z already computed. */
  private move(t: number): void {
    const { p, v, dcol, s, gam, active } = this;
    for (let q = 0; q < p; q++) v[q]! -= t * dcol[q]!;
    const na = this.nActive;
    for (let q = 0; q < na; q++) {
      const j = active[q]!;
      s[j]! -= t * gam[j]!;
    }
  }

  /** Replace slot i by constraint r (α = g_rᵀB⁻¹ in `alpha`, dcol = B⁻¹e_i). */
  private exchange(i: number, r: number): void {
    const { p, lam, alpha } = this;
    const theta = lam[i]! / alpha[i]!;
    for (let q = 0; q < p; q++) lam[q]! -= theta * alpha[q]!;
    lam[i] = theta;
    exchangeInverse(this.binv, p, i, alpha, this.dcol);
    const [w, rhs] = this.paramsOf(r);
    this.setSlot(i, r, w, rhs, false);
    this.pivots++;
    this.sinceRefactor++;
  }

  private loadColumn(i: number): void {
    const { p, binv, dcol } = this;
    for (let r = 0; r < p; r++) dcol[r] = binv[r * p + i]!;
  }

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
    if (!this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis" };
    if (out.status !== "optimal" || this.dualFeasible()) return out;
    return this.primalSimplex();
  }

  /**
   * Shift the cost so every real multiplier grows by a small random amount (c ← c − Bᵀξ,
   * λ ← λ + ξ): a dual degenerate vertex (many λ = 0) stops stalling. Undone by dualSimplex().
   */
  private perturbCost(): void {
    const { p, lam, cost, work } = this;
    this.savedCost.set(cost);
    let lmax = this.tolD;
    for (let q = 0; q < p; q++) lmax = Math.max(lmax, Math.abs(lam[q]!));
    let seed = 0x2545f491 ^ this.pivots;
    for (let q = 0; q < p; q++) {
      if (this.basis[q]! < 0 || this.phantom[q]) continue;
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const xi = (1 + seed / 4294967296) * 1e-7 * lmax;
      this.normal(this.basis[q]!, this.slotW[q]!, work);
      for (let i = 0; i < p; i++) cost[i]! -= xi * work[i]!;
      lam[q]! += xi;
    }
    this.perturbed = true;
  }

  private dualLoop(stopAbove: number): VertexOutcome {
    const { p, n, weight, lam, alpha } = this;
    const n2 = 2 * n;
    let lastObj = -Infinity;
    let stall = 0;
    let perturbedOnce = false;
    let freshS = false;
    for (;;) {
      if (this.pivots >= this.maxPivots) return { status: "iteration_limit", pivots: this.pivots, message: `dual simplex: ${this.pivots} pivots` };
      if (this.sinceRefactor >= this.refactorEvery) {
        if (!this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis at refactorisation" };
      }
      const obj = this.objective();
      if (!this.perturbed && obj > stopAbove + this.tolP && !this.hasPhantoms()) {
        // a clear excess needs no confirmation; a marginal one is confirmed on fresh factors
        if (obj > stopAbove * (1 + 1e-6) + 1e3 * this.tolP) return { status: "bound", pivots: this.pivots };
        if (this.sinceRefactor > 0 && !this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis" };
        if (this.objective() > stopAbove + this.tolP) return { status: "bound", pivots: this.pivots };
      }
      if (obj > lastObj + this.tolP) {
        lastObj = obj;
        stall = 0;
      } else if (++stall > 20 + (p >> 2)) {
        // dual degeneracy: first perturb the cost, and only if that does not help fall back to Bland
        if (!perturbedOnce) {
          this.perturbCost();
          perturbedOnce = true;
          lastObj = -Infinity;
        } else this.bland = true;
        stall = 0;
      }
      // pricing: the most violated constraint relative to its Devex weight (Bland: the first)
      let r = -1;
      let best = 0;
      let viol = 0;
      const tol = this.tolP;
      const delta = this.hasDelta ? this.v[this.k]! : 0;
      const { upper, lower, wU, wL, s, slotOf, active } = this;
      const na = this.nActive;
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
              viol = vi;
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
                viol = vi;
              }
            }
          }
        }
        if (this.bland && r >= 0) break;
      }
      if (r < 0 || !this.bland) {
        for (let id = n2; id < this.nIds; id++) {
          if (slotOf[id]! >= 0 || !this.exists(id)) continue;
          const vi = -this.slack(id);
          if (vi > tol) {
            const sc = (vi * vi) / weight[id]!;
            if (sc > best) {
              best = sc;
              r = id;
              viol = vi;
            }
            if (this.bland) break;
          }
        }
      }
      if (r < 0) {
        if (!freshS) {
          // re-price on activities recomputed from z (the incremental ones drift)
          this.recomputeActivities();
          freshS = true;
          continue;
        }
        return { status: "optimal", pivots: this.pivots };
      }
      freshS = false;
      this.computeAlpha(r);
      // ratio test: artificial / phantom slots leave first (θ = 0); else Harris on λ_q/α_q, α_q > 0
      let amax = 0;
      for (let q = 0; q < p; q++) amax = Math.max(amax, Math.abs(alpha[q]!));
      const pivTol = Math.max(1e-11, 1e-9 * amax);
      let leave = -1;
      let bestA = pivTol;
      for (let q = 0; q < p; q++) {
        if ((this.basis[q]! < 0 || this.phantom[q]) && Math.abs(alpha[q]!) > bestA && Math.abs(lam[q]!) <= 10 * this.tolD) {
          bestA = Math.abs(alpha[q]!);
          leave = q;
        }
      }
      if (leave < 0) {
        // Harris: the largest θ no multiplier is pushed below −tolD by; Bland: the exact minimum
        let thMax = Infinity;
        const slackD = this.bland ? 0 : this.tolD;
        for (let q = 0; q < p; q++) {
          const a = alpha[q]!;
          if (a > pivTol && this.basis[q]! >= 0) {
            const t = (Math.max(lam[q]!, 0) + slackD) / a;
            if (t < thMax) thMax = t;
          }
        }
        if (this.bland) thMax = thMax * (1 + 1e-9) + 1e-300;
        if (thMax === Infinity) {
          if (this.sinceRefactor > 0) {
            if (!this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis" };
            continue;
          }
          return { status: "infeasible", pivots: this.pivots, message: `constraint ${describeId(r, n, this.k)} cannot be met` };
        }
        let bigA = 0;
        for (let q = 0; q < p; q++) {
          const a = alpha[q]!;
          if (a > pivTol && this.basis[q]! >= 0 && Math.max(lam[q]!, 0) / a <= thMax) {
            if (this.bland ? leave < 0 || this.basis[q]! < this.basis[leave]! : a > bigA) {
              bigA = a;
              leave = q;
            }
          }
        }
        if (lam[leave]! < 0) lam[leave] = 0;
      }
      this.loadColumn(leave);
      this.computeGamma();
      const ai = alpha[leave]!;
      // stability: the pivot seen through the column must match the one seen through the row
      const check = this.dirRate(r);
      if (Math.abs(check - ai) > 1e-7 * Math.max(1, Math.abs(ai))) {
        if (this.sinceRefactor > 0) {
          if (!this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis" };
          continue;
        }
      }
      const t = viol / ai;
      this.move(t);
      // Devex reference weights
      const wr = weight[r]!;
      if (!this.bland) {
        const na = this.nActive;
        for (let qa = 0; qa < na; qa++) {
          const j = this.active[qa]!;
          const g = this.gam[j]!;
          if (g === 0) continue;
          let a = this.dirRate(2 * j) / ai;
          let nw = a * a * wr;
          if (nw > weight[2 * j]!) weight[2 * j] = nw;
          if (lower) {
            a = this.dirRate(2 * j + 1) / ai;
            nw = a * a * wr;
            if (nw > weight[2 * j + 1]!) weight[2 * j + 1] = nw;
          }
        }
      }
      const leaving = this.basis[leave]!;
      this.exchange(leave, r);
      if (leaving >= 0) weight[leaving] = Math.max(wr / (ai * ai), 1e-8);
    }
  }

  /**
   * Primal simplex from a primal feasible basis: release constraints with negative multipliers
   * (and artificial / phantom slots with non-zero ones) until none is left.
   */
  primalSimplex(): VertexOutcome {
    const { p, n, lam, binv } = this;
    const n2 = 2 * n;
    let lastObj = Infinity;
    let stall = 0;
    for (;;) {
      if (this.pivots >= this.maxPivots) return { status: "iteration_limit", pivots: this.pivots, message: `primal simplex: ${this.pivots} pivots` };
      if (this.sinceRefactor >= this.refactorEvery) {
        if (!this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis at refactorisation" };
      }
      const obj = this.objective();
      if (obj < lastObj - this.tolP) {
        lastObj = obj;
        stall = 0;
      } else if (++stall > 50 + p && !this.bland) this.bland = true;
      // pricing: free (artificial / phantom) slots with λ ≠ 0 first, then real ones with λ < 0
      let leave = -1;
      let best = 0;
      let free = false;
      for (let q = 0; q < p; q++) {
        const isFree = this.basis[q]! < 0 || this.phantom[q] === 1;
        const l = lam[q]!;
        const bad = isFree ? Math.abs(l) > 10 * this.tolD : l < -10 * this.tolD;
        if (!bad) continue;
        if (free && !isFree) continue;
        let cn = 0;
        for (let r = 0; r < p; r++) cn += binv[r * p + q]! * binv[r * p + q]!;
        const sc = (l * l) / Math.max(cn, 1e-300);
        if ((isFree && !free) || (this.bland ? leave < 0 || this.basis[q]! < this.basis[leave]! : sc > best)) {
          best = sc;
          leave = q;
          free = isFree;
        }
      }
      if (leave < 0) {
        // confirm on a fresh factorisation only after a long run of product-form updates
        if (this.sinceRefactor > this.refactorEvery >> 1) {
          if (!this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis" };
          continue;
        }
        return { status: "optimal", pivots: this.pivots };
      }
      // direction d = σ·B⁻¹e_leave with σ = −1 for a real constraint (step into its interior),
      // sign(λ) for a free slot (so that the objective falls)
      const sigma = free ? Math.sign(lam[leave]!) : -1;
      this.loadColumn(leave);
      this.computeGamma();
      const enter = this.primalRatio(sigma, n2);
      if (enter.r < 0) {
        if (this.sinceRefactor > 0) {
          if (!this.refactor()) return { status: "numerical_error", pivots: this.pivots, message: "singular basis" };
          continue;
        }
        return { status: "unbounded", pivots: this.pivots, message: "the objective decreases without limit along an edge" };
      }
      this.computeAlpha(enter.r);
      // t along σ·dcol equals −σt in the dual convention of move()
      this.move(-sigma * enter.t);
      this.exchange(leave, enter.r);
    }
  }

  /** Harris ratio test along σ·dcol over the current problem's nonbasic constraints. */
  private primalRatio(sigma: number, n2: number): { r: number; t: number } {
    const tol = this.tolP;
    let amax = 0;
    for (let q = 0; q < this.p; q++) amax = Math.max(amax, Math.abs(this.dcol[q]!));
    const pivTol = Math.max(1e-12, 1e-9 * amax);
    const { slotOf, active, upper, lower, wU, wL, s, gam, candId, candRate, candSlack } = this;
    const k = this.k;
    const dd = this.hasDelta ? this.dcol[k]! : 0;
    const delta = this.hasDelta ? this.v[k]! : 0;
    // collect the blocking candidates (rate > 0) with their slacks, rows inline
    let m = 0;
    const na = this.nActive;
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
    for (let id = n2; id < this.nIds; id++) {
      if (slotOf[id]! >= 0 || !this.exists(id)) continue;
      const rate = sigma * this.dirRate(id);
      if (rate > pivTol) {
        candId[m] = id;
        candRate[m] = rate;
        candSlack[m++] = this.slack(id);
      }
    }
    if (m === 0) return { r: -1, t: Infinity };
    // pass 1: the largest step no constraint is violated by more than tol (Bland: the exact minimum)
    let tMax = Infinity;
    for (let c = 0; c < m; c++) {
      const sl = candSlack[c]!;
      const t = this.bland ? Math.max(sl, 0) / candRate[c]! : (sl + tol) / candRate[c]!;
      if (t < tMax) tMax = t;
    }
    if (this.bland) tMax = tMax * (1 + 1e-9) + 1e-300;
    // pass 2: among steps ≤ tMax, the largest pivot (Bland: the smallest id)
    let best = -1;
    for (let c = 0; c < m; c++) {
      const t = Math.max(candSlack[c]!, 0) / candRate[c]!;
      if (t > tMax) continue;
      if (best < 0 || (this.bland ? candId[c]! < candId[best]! : candRate[c]! > candRate[best]!)) best = c;
    }
    return { r: candId[best]!, t: Math.max(candSlack[best]!, 0) / candRate[best]! };
  }

  /**
   * Pivot remaining zero-multiplier artificial slots out (degenerate moves that keep the objective)
   * so the answer is a vertex; returns how many remain (directions nothing constrains).
   */
  purgeArtificials(): number {
    let remaining = 0;
    const n2 = 2 * this.n;
    for (let q = 0; q < this.p; q++) {
      if (this.basis[q]! >= 0 && !this.phantom[q]) continue;
      let done = false;
      for (const sigma of [1, -1]) {
        this.loadColumn(q);
        this.computeGamma();
        const enter = this.primalRatio(sigma, n2);
        if (enter.r < 0) continue;
        this.computeAlpha(enter.r);
        if (Math.abs(this.alpha[q]!) < 1e-9) continue;
        this.lam[q] = 0; // a free slot's multiplier is zero at an optimum
        this.move(-sigma * enter.t);
        this.exchange(q, enter.r);
        done = true;
        break;
      }
      if (!done) remaining++;
    }
    if (this.sinceRefactor > 0) this.refactor();
    return remaining;
  }
}

/** `row 12 (upper)` etc., for messages. */
export function describeId(id: number, n: number, k: number): string {
  if (id < 0) return `free variable ${ART - id}`;
  if (id < 2 * n) return `row ${id >> 1} (${(id & 1) === 0 ? "upper" : "lower"} side)`;
  if (id === 2 * n + 2 * k) return "δ ≥ 0";
  const i = (id - 2 * n) >> 1;
  return `bound on z[${i}]`;
}

/** Id helpers shared with the front ends. */
export const vertexIds = {
  upper: (j: number): number => 2 * j,
  lower: (j: number): number => 2 * j + 1,
  zLower: (n: number, i: number): number => 2 * n + 2 * i,
  zUpper: (n: number, i: number): number => 2 * n + 2 * i + 1,
  deltaLower: (n: number, k: number): number => 2 * n + 2 * k,
  artificial: (i: number): number => ART - i,
};
