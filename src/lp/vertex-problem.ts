/**
 * The LP the vertex simplex works on and the point it stands at: the rows' sides, weights and
 * bounds of one solve, the rows the engine looks at, the vertex v = (z, [δ]) and the activities
 * s = A·z. Everything a pivot asks about one constraint — does it exist, its weight, right-hand
 * side, slack, normal and rate along a direction — is answered here through the id catalogue
 * (vertex-ids.ts). No method allocates.
 */
import { type Matrix } from "../linalg/matrix.js";
import { IdKind, idCount, idIndex, idKind } from "./vertex-ids.js";
import { VertexSimd } from "./vertex-simd.js";
import { VERTEX_TOL } from "./tolerances.js";

/** Row data of one solve (references, not copied). */
export interface VertexRows {
  upper: Float64Array;
  /** Lower targets; ignored (no lower sides) when the LP has no δ. */
  lower: Float64Array | null;
  upperWeight: Float64Array | null;
  lowerWeight: Float64Array | null;
}

const NO_TARGETS = new Float64Array(0);

/**
 * Matrices with fewer entries keep the scalar loops: the SIMD engine's memory and instance cost
 * ~70 µs to make, which a small LP's pivots do not win back (measured: a 20×5 solve 48 → 160 µs;
 * break-even near 120×20 at ~30 pivots). The answers are the same either way.
 */
const SIMD_MIN_ENTRIES = 4096;

/** The problem and the current point; the basis and the loops are built on it. */
export class VertexProblem {
  readonly n: number;
  readonly k: number;
  readonly p: number;
  readonly hasDelta: boolean;
  /** A, row-major n×k (referenced; another matrix of the same shape through {@link setMatrix}). */
  A: Float64Array;
  /** Number of non-artificial constraint ids. */
  readonly nIds: number;
  // the problem of the current solve
  upper: Float64Array = NO_TARGETS;
  lower: Float64Array | null = null;
  wU: Float64Array | null = null;
  wL: Float64Array | null = null;
  zLo = -Infinity;
  zHi = Infinity;
  readonly cost: Float64Array;
  /** |a_j|², for the Devex reference weights. */
  readonly rowNorm2: Float64Array;
  // rows the engine looks at (far-from-binding rows can be left out and checked at the end)
  readonly active: Int32Array;
  nActive = 0;
  readonly isActive: Uint8Array;
  // the point
  readonly v: Float64Array;
  readonly s: Float64Array;
  // a direction: dcol (p entries) and γ = A·dcol_z on the active rows
  readonly dcol: Float64Array;
  readonly gam: Float64Array;
  /** The dense kernels on SIMD lanes ({@link VertexSimd}; null where WebAssembly SIMD is missing). */
  protected readonly simd: VertexSimd | null;
  /** The same, for the pricing and ratio modules. */
  get simdKernels(): VertexSimd | null {
    return this.simd;
  }
  /** Nonzero coordinates of dcol_z, even and odd (scratch of {@link computeGamma}). */
  private readonly nzEven: Int32Array;
  private readonly nzOdd: Int32Array;
  /** Primal and dual tolerances of this solve (VERTEX_TOL scaled by the data). */
  tolP: number = VERTEX_TOL.primal;
  tolD: number = VERTEX_TOL.dual;

  constructor(a: Matrix, hasDelta: boolean, useSimd = true) {
    this.n = a.rows;
    this.k = a.cols;
    this.p = this.k + (hasDelta ? 1 : 0);
    this.hasDelta = hasDelta;
    this.A = a.data;
    const { n, k, p } = this;
    this.nIds = idCount(n, k);
    this.cost = new Float64Array(p);
    if (hasDelta) this.cost[k] = 1;
    // the SIMD row products work on views into their own memory (the same arrays otherwise)
    this.simd = useSimd && n * k >= SIMD_MIN_ENTRIES ? VertexSimd.create(this.A, n, k, p) : null;
    this.v = this.simd ? this.simd.v : new Float64Array(p);
    this.s = this.simd ? this.simd.s : new Float64Array(n);
    this.dcol = this.simd ? this.simd.dcol : new Float64Array(p);
    this.gam = this.simd ? this.simd.gam : new Float64Array(n);
    this.nzEven = this.simd ? this.simd.nzEven : new Int32Array(k);
    this.nzOdd = this.simd ? this.simd.nzOdd : new Int32Array(k);
    this.active = this.simd ? this.simd.active : new Int32Array(n);
    this.isActive = new Uint8Array(n);
    this.rowNorm2 = new Float64Array(n);
    this.computeRowNorms();
  }

  private computeRowNorms(): void {
    if (this.simd) {
      this.simd.rowNorms2(this.rowNorm2);
      return;
    }
    const { n, k, A } = this;
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let i = 0; i < k; i++) t += A[j * k + i]! * A[j * k + i]!;
      this.rowNorm2[j] = t;
    }
  }

  /**
   * Work on another matrix of this engine's shape from now on (its buffers and SIMD memory are
   * reused: making them costs more than a solve's start on 600×100). The next solve must start
   * from {@link VertexBasis.startFromBasis} or {@link VertexBasis.restore}, as every solve does.
   */
  setMatrix(a: Matrix): void {
    this.A = a.data;
    if (this.simd) this.simd.loadMatrix(a.data);
    this.computeRowNorms();
  }

  /**
   * out_j = a_j·x for every row j (not only the active ones), one accumulator a row in order of
   * i: the front ends' row selection and verification (SIMD memory's scalar kernel when there is
   * one, the same sums to the bit).
   */
  allRowProducts(x: ArrayLike<number>, out: Float64Array): void {
    if (this.simd) {
      this.simd.allRowProducts(x, out);
      return;
    }
    const { n, k, A } = this;
    for (let j = 0; j < n; j++) {
      let t = 0;
      const o = j * k;
      for (let i = 0; i < k; i++) t += A[o + i]! * x[i]!;
      out[j] = t;
    }
  }

  /** Set the rows and bounds of the next solve (arrays are referenced, not copied). */
  setProblem(rows: VertexRows, zLo: number, zHi: number): void {
    this.upper = rows.upper;
    this.lower = this.hasDelta ? rows.lower : null;
    this.wU = rows.upperWeight;
    this.wL = rows.lowerWeight;
    this.zLo = zLo;
    this.zHi = zHi;
    if (this.simd) this.simd.loadTargets(this.upper, this.lower);
    this.setActiveRows(null);
    // tolerances scale with the targets (deviations are measured in the rows' units)
    let scale = 1;
    const { n, upper, lower, wU, wL } = this;
    for (let j = 0; j < n; j++) {
      const u = upper[j]!;
      if (u !== Infinity) {
        const a = Math.abs(u) * (wU ? wU[j]! : 1);
        if (a > scale) scale = a;
      }
      if (lower) {
        const l = lower[j]!;
        if (l !== -Infinity) {
          const a = Math.abs(l) * (wL ? wL[j]! : 1);
          if (a > scale) scale = a;
        }
      }
    }
    this.tolP = VERTEX_TOL.primal * scale;
    let cs = 0;
    for (let i = 0; i < this.p; i++) cs = Math.max(cs, Math.abs(this.cost[i]!));
    this.tolD = VERTEX_TOL.dual * Math.max(cs, 1e-300);
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

  /** Objective cost·v at the current vertex. */
  objective(): number {
    let t = 0;
    for (let i = 0; i < this.p; i++) t += this.cost[i]! * this.v[i]!;
    return t;
  }

  // ---- one constraint, through the id catalogue

  /** True when constraint `id` is part of the current problem. */
  exists(id: number): boolean {
    const i = idIndex(id, this.n);
    switch (idKind(id, this.n, this.k)) {
      case IdKind.upper:
        return this.isActive[i] === 1 && this.upper[i] !== Infinity;
      case IdKind.lower:
        return this.isActive[i] === 1 && this.lower !== null && this.lower[i] !== -Infinity;
      case IdKind.zLower:
        return this.zLo !== -Infinity;
      case IdKind.zUpper:
        return this.zHi !== Infinity;
      case IdKind.delta:
        return this.hasDelta;
      default:
        return true;
    }
  }

  /** The weight w of constraint `id` (its normal is w·(±a_j) for a row side, 1 otherwise). */
  weightOf(id: number): number {
    const j = idIndex(id, this.n);
    switch (idKind(id, this.n, this.k)) {
      case IdKind.upper:
        return this.wU ? this.wU[j]! : 1;
      case IdKind.lower:
        return this.wL ? this.wL[j]! : 1;
      default:
        return 1;
    }
  }

  /** The right-hand side h of constraint `id` (g·v ≤ h) in the current problem. */
  rhsOf(id: number): number {
    const j = idIndex(id, this.n);
    switch (idKind(id, this.n, this.k)) {
      case IdKind.upper:
        return this.weightOf(id) * this.upper[j]!;
      case IdKind.lower:
        return this.lower ? -this.weightOf(id) * this.lower[j]! : Infinity;
      case IdKind.zLower:
        return -this.zLo;
      case IdKind.zUpper:
        return this.zHi;
      default:
        return 0;
    }
  }

  /** Slack h − g·v of a (current-problem) constraint. */
  slack(id: number): number {
    const { k, v, s } = this;
    const delta = this.hasDelta ? v[k]! : 0;
    const i = idIndex(id, this.n);
    switch (idKind(id, this.n, k)) {
      case IdKind.upper:
        return (this.wU ? this.wU[i]! : 1) * (this.upper[i]! - s[i]!) + delta;
      case IdKind.lower:
        return this.lower ? (this.wL ? this.wL[i]! : 1) * (s[i]! - this.lower[i]!) + delta : Infinity;
      case IdKind.delta:
        return delta;
      case IdKind.zLower:
        return v[i]! - this.zLo;
      case IdKind.zUpper:
        return this.zHi - v[i]!;
      default:
        return 0;
    }
  }

  /** Write constraint `id`'s normal with weight `w` into `out` (length p). */
  normal(id: number, w: number, out: Float64Array): void {
    const { k, p } = this;
    out.fill(0, 0, p);
    const i = idIndex(id, this.n);
    switch (idKind(id, this.n, k)) {
      case IdKind.artificial:
        out[i] = 1;
        return;
      case IdKind.upper:
      case IdKind.lower: {
        const sg = (id & 1) === 0 ? w : -w;
        const o = i * k;
        for (let c = 0; c < k; c++) out[c] = sg * this.A[o + c]!;
        if (this.hasDelta) out[k] = -1;
        return;
      }
      case IdKind.delta:
        out[k] = -1;
        return;
      case IdKind.zLower:
        out[i] = -1;
        return;
      case IdKind.zUpper:
        out[i] = 1;
        return;
    }
  }

  /** g·dcol for constraint `id`, using γ (computeGamma) for the rows. */
  dirRate(id: number): number {
    const k = this.k;
    const dd = this.hasDelta ? this.dcol[k]! : 0;
    const i = idIndex(id, this.n);
    switch (idKind(id, this.n, k)) {
      case IdKind.upper:
        return (this.wU ? this.wU[i]! : 1) * this.gam[i]! - dd;
      case IdKind.lower:
        return -(this.wL ? this.wL[i]! : 1) * this.gam[i]! - dd;
      case IdKind.delta:
        return -dd;
      case IdKind.zLower:
        return -this.dcol[i]!;
      case IdKind.zUpper:
        return this.dcol[i]!;
      default:
        return 0;
    }
  }

  // ---- the point and the direction over all active rows

  /**
   * γ_j = a_j·dcol_z for every active row. While free variables sit in artificial slots, dcol is
   * zero in their coordinates (those rows of B⁻¹ are unit rows), so only its nonzeros are read:
   * on 600×100 the first ~100 pivots of a cold start have 2 … 100 of them.
   */
  computeGamma(): void {
    const { k, dcol, nzEven, nzOdd } = this;
    let ne = 0;
    let no = 0;
    for (let i = 0; i < k; i++) {
      if (dcol[i] === 0) continue;
      if ((i & 1) === 0) nzEven[ne++] = i;
      else nzOdd[no++] = i;
    }
    // the gather of the nonzeros (sprows on the SIMD memory, or the scalar loop) wins below ~k/2 of them (paired A/B: k/4 → k/2 0.95× the LP step)
    if (2 * (ne + no) < k) {
      if (this.simd) this.simd.sparseGamma(this.nActive, ne, no);
      else this.sparseRowProducts(dcol, this.gam, ne, no);
    } else if (this.simd) this.simd.gamma(this.nActive);
    else this.activeRowProducts(dcol, this.gam);
  }

  /** s_j = a_j·z for every active row, from z (the incremental updates drift). */
  recomputeActivities(): void {
    if (this.simd) this.simd.activities(this.nActive);
    else this.activeRowProducts(this.v, this.s);
  }

  /**
   * out_j = a_j·x[0..k) for every active row: two accumulators a row (even and odd i; the loop is
   * latency-bound), four rows at a time so that each x_i is loaded once for them.
   */
  private activeRowProducts(x: Float64Array, out: Float64Array): void {
    const { k, A, active } = this;
    const na = this.nActive;
    const kEven = k & ~1;
    let q = 0;
    for (; q + 3 < na; q += 4) {
      const j0 = active[q]!;
      const j1 = active[q + 1]!;
      const j2 = active[q + 2]!;
      const j3 = active[q + 3]!;
      const o0 = j0 * k;
      const o1 = j1 * k;
      const o2 = j2 * k;
      const o3 = j3 * k;
      let a0 = 0;
      let b0 = 0;
      let a1 = 0;
      let b1 = 0;
      let a2 = 0;
      let b2 = 0;
      let a3 = 0;
      let b3 = 0;
      for (let i = 0; i < kEven; i += 2) {
        const x0 = x[i]!;
        const x1 = x[i + 1]!;
        a0 += A[o0 + i]! * x0;
        b0 += A[o0 + i + 1]! * x1;
        a1 += A[o1 + i]! * x0;
        b1 += A[o1 + i + 1]! * x1;
        a2 += A[o2 + i]! * x0;
        b2 += A[o2 + i + 1]! * x1;
        a3 += A[o3 + i]! * x0;
        b3 += A[o3 + i + 1]! * x1;
      }
      if (kEven < k) {
        const xl = x[kEven]!;
        a0 += A[o0 + kEven]! * xl;
        a1 += A[o1 + kEven]! * xl;
        a2 += A[o2 + kEven]! * xl;
        a3 += A[o3 + kEven]! * xl;
      }
      out[j0] = a0 + b0;
      out[j1] = a1 + b1;
      out[j2] = a2 + b2;
      out[j3] = a3 + b3;
    }
    for (; q < na; q++) {
      const j = active[q]!;
      const o = j * k;
      let s0 = 0;
      let s1 = 0;
      let i = 0;
      for (; i + 1 < k; i += 2) {
        s0 += A[o + i]! * x[i]!;
        s1 += A[o + i + 1]! * x[i + 1]!;
      }
      if (i < k) s0 += A[o + i]! * x[i]!;
      out[j] = s0 + s1;
    }
  }

  /**
   * {@link activeRowProducts} reading only x's nonzeros (even ones in nzEven[0..ne), odd ones in
   * nzOdd[0..no), ascending): the same sums in the same order, the zero terms left out, so the
   * result is the dense loop's to the bit.
   */
  private sparseRowProducts(x: Float64Array, out: Float64Array, ne: number, no: number): void {
    const { k, A, active, nzEven, nzOdd } = this;
    const na = this.nActive;
    let q = 0;
    for (; q + 3 < na; q += 4) {
      const j0 = active[q]!;
      const j1 = active[q + 1]!;
      const j2 = active[q + 2]!;
      const j3 = active[q + 3]!;
      const o0 = j0 * k;
      const o1 = j1 * k;
      const o2 = j2 * k;
      const o3 = j3 * k;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let t = 0; t < ne; t++) {
        const i = nzEven[t]!;
        const xi = x[i]!;
        a0 += A[o0 + i]! * xi;
        a1 += A[o1 + i]! * xi;
        a2 += A[o2 + i]! * xi;
        a3 += A[o3 + i]! * xi;
      }
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let t = 0; t < no; t++) {
        const i = nzOdd[t]!;
        const xi = x[i]!;
        b0 += A[o0 + i]! * xi;
        b1 += A[o1 + i]! * xi;
        b2 += A[o2 + i]! * xi;
        b3 += A[o3 + i]! * xi;
      }
      out[j0] = a0 + b0;
      out[j1] = a1 + b1;
      out[j2] = a2 + b2;
      out[j3] = a3 + b3;
    }
    for (; q < na; q++) {
      const j = active[q]!;
      const o = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let t = 0; t < ne; t++) {
        const i = nzEven[t]!;
        s0 += A[o + i]! * x[i]!;
      }
      for (let t = 0; t < no; t++) {
        const i = nzOdd[t]!;
        s1 += A[o + i]! * x[i]!;
      }
      out[j] = s0 + s1;
    }
  }

  /** Primal step v ← v − t·dcol (dual convention), s ← s − t·γ, with γ already computed. */
  move(t: number): void {
    const { p, v, dcol, s, gam, active } = this;
    for (let q = 0; q < p; q++) v[q]! -= t * dcol[q]!;
    const na = this.nActive;
    if (this.simd) {
      this.simd.stepActivities(na, t);
      return;
    }
    for (let q = 0; q < na; q++) {
      const j = active[q]!;
      s[j]! -= t * gam[j]!;
    }
  }

  /** Largest violation over the current problem's constraints (basic ones sit at ~0). */
  maxViolation(): number {
    let worst = 0;
    for (let q = 0; q < this.nActive; q++) {
      const j = this.active[q]!;
      for (let id = 2 * j; id <= 2 * j + 1; id++) {
        if (!this.exists(id)) continue;
        const sl = this.slack(id);
        if (-sl > worst) worst = -sl;
      }
    }
    for (let id = 2 * this.n; id < this.nIds; id++) {
      if (!this.exists(id)) continue;
      const sl = this.slack(id);
      if (-sl > worst) worst = -sl;
    }
    return worst;
  }
}
