/**
 * The engine's front end for Algorithm 1's LP (the Chebyshev / ℓ∞ fit with one-sided rows):
 * cold start from a Stiefel reference, warm start from a snapshot, verdict verified on fresh
 * residuals.
 *
 * Cold start: any k+1 rows with both sides form a dual feasible basis once each row's side is
 * chosen by the sign of the null vector ν of their k×(k+1) matrix (Σ ν_j a_j = 0): the multipliers
 * are |ν_j|/w_j, normalised to sum 1. The reference is the k+1 two-sided rows that deviate most at
 * a starting point (the least-squares fit of the two-sided rows), because the rows a Chebyshev fit
 * ends up levelling are the ones the least-squares fit leaves worst off.
 */
import { type Matrix } from "../linalg/matrix.js";
import { leastSquaresRows, QrWorkspace } from "../linalg/qr.js";
import { invertInPlace } from "./dense.js";
import { type ChebyshevProblem, type LpSolution, rowDeviations } from "./types.js";
import { type VertexOptions, type VertexOutcome, VertexSimplex, type VertexSnapshot, vertexIds } from "./vertex-simplex.js";

/** An engine answer with the basis to warm-start the next, tighter problem from. */
export interface EngineSolution extends LpSolution {
  /** Basis and factors at the answer (optimal, or where a capped solve stopped). */
  snapshot?: VertexSnapshot;
  /** How the solve started: `cold`, `warm-dual` (tightened), `warm-primal` (loosened). */
  start?: string;
}

/** Options of {@link ChebyshevSolver.solve}. */
export interface ChebyshevSolveOptions {
  /** Starting point for the cold-start reference (default: least squares on the two-sided rows). */
  z0?: Float64Array | null;
  /** Warm start from this basis (taken at a looser or tighter version of the problem). */
  warm?: VertexSnapshot | null;
  /** Return a snapshot of the final basis (default true). */
  snapshot?: boolean;
}

/** Engine for Chebyshev problems on one matrix A (reuse it across the ε schedule). */
export class ChebyshevSolver {
  readonly engine: VertexSimplex;
  private readonly a: Matrix;
  private readonly ws = new QrWorkspace();
  private readonly scratchS: Float64Array;
  private readonly scratchD: Float64Array;
  private margin = Infinity;

  constructor(a: Matrix, options: VertexOptions = {}) {
    this.a = a;
    this.engine = new VertexSimplex(a, true, options);
    this.scratchS = new Float64Array(a.rows);
    this.scratchD = new Float64Array(a.rows);
  }

  /**
   * Solve min δ for `prob` (whose matrix must be this solver's A).
   *
   * Rows far from binding (one-sided rows whose deviation at the starting point is well below
   * zero, e.g. ReLU "off" rows with a clearly negative pre-activation) are left out of the engine;
   * at the optimum all rows are checked, the violated ones brought in, and the dual simplex goes on
   * from the same basis (adding rows only tightens the LP).
   */
  solve(prob: ChebyshevProblem, options: ChebyshevSolveOptions = {}): EngineSolution {
    const e = this.engine;
    const { n, k } = e;
    const A = this.a.data;
    const cap = prob.deltaMax ?? Infinity;
    e.setProblem(
      { upper: prob.upper, lower: prob.lower, upperWeight: prob.upperWeight ?? null, lowerWeight: prob.lowerWeight ?? null },
      prob.zLower ?? -Infinity,
      prob.zUpper ?? Infinity,
    );
    const warm = options.warm ?? null;
    let z0 = options.z0 ?? null;
    if (!warm && !z0) z0 = this.leastSquaresStart(prob);
    const zref = warm ? warm.v : z0;
    const s = this.scratchS;
    if (zref) this.selectRows(prob, zref, warm);
    let out: VertexOutcome | null = null;
    let pivots = 0;
    let start = "cold";
    if (warm) {
      const phantoms = e.restore(warm);
      if (phantoms === 0 && e.dualFeasible()) {
        start = "warm-dual";
        out = e.dualSimplex(cap);
      } else if (phantoms > 0 && e.maxViolation() <= 1e-9 * (1 + Math.abs(e.v[k]!))) {
        start = "warm-primal";
        out = e.primalSimplex();
      } else if (phantoms > 0 && e.dualFeasible(true)) {
        // rows changed both ways: the dual simplex with the old constraints kept as ordinary ones
        // (they may leave), then the primal simplex releases those still in the basis
        start = "warm-dual-primal";
        out = e.dualSimplex(Infinity);
        if (out.status === "optimal" && e.hasPhantoms()) out = e.primalSimplex();
      }
      if (out && (out.status === "numerical_error" || out.status === "iteration_limit")) {
        pivots += out.pivots;
        out = null;
      }
      if (!out) {
        // a warm start that cannot run cold-starts on every row
        e.setActiveRows(null);
        if (!z0) z0 = this.leastSquaresStart(prob);
      }
    }
    if (!out) {
      start = "cold";
      const mode = this.coldStart(prob, z0, true);
      if (mode === "dual-locked") {
        // the crash fixed the variables z0 holds at a bound; solve that LP, then release them
        const a = e.dualSimplex(Infinity);
        e.unlockAll();
        if (a.status === "optimal") {
          out = e.dualFeasible() ? e.dualSimplex(cap) : e.primalSimplex();
        } else {
          // start over without the guess
          pivots += e.pivots;
          e.setActiveRows(null);
          out = this.coldStart(prob, z0, false) === "dual" ? e.dualSimplex(cap) : e.primalSimplex();
        }
      } else out = mode === "dual" ? e.dualSimplex(cap) : e.primalSimplex();
    }
    if (out.status === "unbounded") {
      // δ ≥ 0 bounds this LP: an unbounded edge can only be numerical trouble
      out = { status: "numerical_error", pivots: out.pivots, message: "engine found an unbounded edge in a bounded LP" };
    }
    for (;;) {
      if (out.status !== "optimal") break;
      // check every row on fresh activities; bring in the violated ones that were left out
      const z = e.v.subarray(0, k);
      for (let j = 0; j < n; j++) {
        let t = 0;
        const o = j * k;
        for (let i = 0; i < k; i++) t += A[o + i]! * z[i]!;
        s[j] = t;
      }
      const delta = Math.max(e.v[k]!, 0);
      const dev = rowDeviations(prob, s, this.scratchD);
      if (dev.max <= delta + 1e-9 * (1 + delta)) break;
      const add: number[] = [];
      for (let j = 0; j < n; j++) if (!e.rowActive(j) && this.scratchD[j]! > delta - this.margin) add.push(j);
      if (add.length === 0) break; // an active row: the verification below reports it
      e.activateRows(add);
      out = e.dualSimplex(cap);
    }
    // the engine counts pivots since its last start (across the continuation above)
    pivots += e.pivots;
    const z = Float64Array.from(e.v.subarray(0, k));
    const snap = options.snapshot === false ? undefined : e.snapshot();
    if (out.status === "bound") {
      return {
        status: "infeasible",
        z,
        objective: e.objective(),
        pivots,
        backend: "engine",
        message: `optimal δ exceeds the cap δmax = ${cap}`,
        ...(snap ? { snapshot: snap } : {}),
        start,
      };
    }
    if (out.status !== "optimal") {
      return { status: out.status, z, objective: NaN, pivots, backend: "engine", ...(out.message ? { message: out.message } : {}), start };
    }
    // verify: δ must be the largest deviation of z over every row (s is fresh from the loop above)
    const dev = rowDeviations(prob, s).max;
    const delta = Math.max(e.v[k]!, 0);
    const scale = 1 + Math.abs(delta);
    if (Math.abs(dev - delta) > 1e-8 * scale) {
      return { status: "numerical_error", z, objective: dev, pivots, backend: "engine", message: `engine δ = ${delta} but the rows deviate by ${dev}`, start };
    }
    if (dev > cap) {
      return {
        status: "infeasible",
        z,
        objective: dev,
        pivots,
        backend: "engine",
        message: `optimal δ exceeds the cap δmax = ${cap}`,
        ...(snap ? { snapshot: snap } : {}),
        start,
      };
    }
    return { status: "optimal", z, objective: dev, pivots, backend: "engine", ...(snap ? { snapshot: snap } : {}), start };
  }

  /**
   * Choose the rows the engine looks at: every two-sided row, every row of the warm basis, and
   * the one-sided rows whose deviation at zref is within a margin of binding (20× the largest
   * deviation at zref).
   */
  private selectRows(prob: ChebyshevProblem, zref: ArrayLike<number>, warm: VertexSnapshot | null): void {
    const e = this.engine;
    const { n, k } = e;
    const A = this.a.data;
    const s = this.scratchS;
    for (let j = 0; j < n; j++) {
      let t = 0;
      const o = j * k;
      for (let i = 0; i < k; i++) t += A[o + i]! * zref[i]!;
      s[j] = t;
    }
    const d = this.scratchD;
    rowDeviations(prob, s, d);
    // the scale δ lives on: the warm basis's δ, or how far the two-sided rows are off at zref
    let dref = 0;
    if (warm) dref = Math.max(warm.v[k]!, 0);
    else for (let j = 0; j < n; j++) if (prob.upper[j] !== Infinity && prob.lower[j] !== -Infinity) dref = Math.max(dref, d[j]!);
    const cap = prob.deltaMax ?? Infinity;
    this.margin = 20 * Math.min(dref, cap) + 1e-12;
    const list: number[] = [];
    const wu = prob.upperWeight;
    for (let j = 0; j < n; j++) {
      const u = prob.upper[j]!;
      const l = prob.lower[j]!;
      if (u === Infinity && l === -Infinity) continue;
      if (u !== Infinity && l !== -Infinity) {
        list.push(j);
        continue;
      }
      // one-sided: distance of the side from binding at δ = 0
      const gap = u !== Infinity ? (wu ? wu[j]! : 1) * (s[j]! - u) : (prob.lowerWeight ? prob.lowerWeight[j]! : 1) * (l - s[j]!);
      if (gap > -this.margin) list.push(j);
    }
    if (warm) for (let q = 0; q < warm.basis.length; q++) if (warm.basis[q]! >= 0 && warm.basis[q]! < 2 * n) list.push(warm.basis[q]! >> 1);
    e.setActiveRows(list);
  }

  /**
   * Reference on the free variables: the bounds z0 sits on are locked into the basis (equalities
   * for now), and |free|+1 rows level the rest with signs from the null vector on the free
   * columns — dual feasible for the LP with those variables fixed.
   */
  private boundedReference(prob: ChebyshevProblem, cand: number[], dev: Float64Array, free: number[], bounds: number[]): boolean {
    const e = this.engine;
    const { k, p } = e;
    const A = this.a.data;
    const wu = prob.upperWeight;
    const wl = prob.lowerWeight;
    const m = free.length + 1;
    if (cand.length < m) return false;
    const ref = cand.slice(0, m);
    const b0 = new Float64Array(m * m);
    for (let q = 0; q < m; q++) {
      const o = ref[q]! * k;
      for (let f = 0; f < free.length; f++) b0[q * m + f] = A[o + free[f]!]!;
      b0[q * m + m - 1] = 1;
    }
    const inv = new Float64Array(m * m);
    if (!(invertInPlace(b0, m, inv, new Int32Array(m)) > 1e-12)) return false;
    const nu = inv.subarray((m - 1) * m, m * m);
    let bestObj = -Infinity;
    let bestKappa = 1;
    for (const kappa of [1, -1]) {
      let norm = 0;
      let obj = 0;
      for (let q = 0; q < m; q++) {
        const j = ref[q]!;
        const up = kappa * nu[q]! >= 0;
        const w = up ? (wu ? wu[j]! : 1) : wl ? wl[j]! : 1;
        const mu = Math.abs(nu[q]!) / w;
        norm += mu;
        obj -= mu * (up ? w * prob.upper[j]! : -w * prob.lower[j]!);
      }
      if (obj / norm > bestObj) {
        bestObj = obj / norm;
        bestKappa = kappa;
      }
    }
    void dev;
    // B (variables ordered F, δ, I) = [[X, M_I], [0, −I]] with X = D·[A_R[F] | −1/(s w)] and
    // M_I = D·A_R[I]: B⁻¹ = [[X⁻¹, X⁻¹M_I], [0, −I]], and X⁻¹ comes from B0⁻¹ by Sherman–Morrison
    const sw = new Float64Array(m);
    const ids = new Int32Array(p);
    for (let q = 0; q < m; q++) {
      const j = ref[q]!;
      const up = bestKappa * nu[q]! >= 0;
      ids[q] = up ? vertexIds.upper(j) : vertexIds.lower(j);
      sw[q] = up ? (wu ? wu[j]! : 1) : -(wl ? wl[j]! : 1);
    }
    for (let b = 0; b < bounds.length; b++) ids[m + b] = bounds[b]!;
    let denom = 1;
    for (let q = 0; q < m; q++) denom += nu[q]! * (-1 / sw[q]! - 1);
    if (!(Math.abs(denom) > 1e-300)) return false;
    const x = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      let t = 0;
      for (let q = 0; q < m; q++) t += inv[r * m + q]! * (-1 / sw[q]! - 1);
      x[r] = t / denom;
    }
    const nuCopy = Float64Array.from(nu);
    for (let r = 0; r < m; r++) {
      const o = r * m;
      for (let c = 0; c < m; c++) inv[o + c] = (inv[o + c]! - x[r]! * nuCopy[c]!) / sw[c]!;
    }
    // X⁻¹ rows are variables (F…, δ), columns the reference rows; assemble the full p×p inverse
    // (rows: variables z_0 … z_{k−1}, δ; columns: basis slots)
    const binv = new Float64Array(p * p);
    const varRow = (f: number): number => (f < free.length ? free[f]! : k);
    const bVar = bounds.map((id) => (id - 2 * e.n) >> 1);
    const bSign = bounds.map((id) => (((id - 2 * e.n) & 1) === 0 ? -1 : 1));
    for (let f = 0; f < m; f++) {
      const row = varRow(f) * p;
      for (let c = 0; c < m; c++) binv[row + c] = inv[f * m + c]!;
      // X⁻¹·M_I column for each bound b, scaled for a bound normal ±e_i: B⁻¹ block = −X⁻¹M_I·(1/±1)
      for (let b = 0; b < bounds.length; b++) {
        const i = bVar[b]!;
        let t = 0;
        for (let c = 0; c < m; c++) t += inv[f * m + c]! * sw[c]! * A[ref[c]! * k + i]!;
        binv[row + m + b] = -t / bSign[b]!;
      }
    }
    for (let b = 0; b < bounds.length; b++) binv[bVar[b]! * p + m + b] = 1 / bSign[b]!;
    e.startWithInverse(ids, binv);
    e.lockIds(bounds);
    return e.dualFeasible();
  }

  /** Least squares on the two-sided rows (a starting point for the reference). */
  leastSquaresStart(prob: ChebyshevProblem): Float64Array | null {
    const { n, k } = this.engine;
    const rows = new Int32Array(n);
    const rhs = new Float64Array(n);
    let m = 0;
    for (let j = 0; j < n; j++) {
      const u = prob.upper[j]!;
      const l = prob.lower[j]!;
      if (u !== Infinity && l !== -Infinity) {
        rows[m] = j;
        rhs[m++] = 0.5 * (u + l);
      }
    }
    if (m < k) return null;
    const x = new Float64Array(k);
    leastSquaresRows(this.a, rows, m, rhs, x, this.ws);
    for (let i = 0; i < k; i++) if (!Number.isFinite(x[i]!)) return null;
    return x;
  }

  /**
   * Stiefel reference crash (dual feasible by construction: run the dual simplex), or — with fewer
   * than k+1 two-sided rows — a primal start: z0 in free slots plus its most violated constraint,
   * which is a vertex of (z, δ) with δ = the largest deviation of z0 (run the primal simplex; a
   * dual simplex would walk without progress when the optimum is δ = 0, e.g. in phase 1 of (8)).
   */
  private coldStart(prob: ChebyshevProblem, z0in: Float64Array | null, allowLocks: boolean): "dual" | "dual-locked" | "primal" {
    const e = this.engine;
    const { n, k, p } = e;
    const z0 = z0in ?? this.leastSquaresStart(prob);
    if (z0) {
      if (allowLocks && this.referenceStart(prob, z0, true)) return e.hasLocks() ? "dual-locked" : "dual";
      if (this.referenceStart(prob, z0, false)) return "dual";
    }
    const zs = new Float64Array(k);
    const lo = prob.zLower ?? -Infinity;
    const hi = prob.zUpper ?? Infinity;
    for (let i = 0; i < k; i++) zs[i] = Math.min(hi, Math.max(lo, z0 ? z0[i]! : 0));
    if (!Number.isFinite(zs[0]!) && k > 0) zs.fill(0);
    // the most violated row side at zs
    const A = this.a.data;
    const wu = prob.upperWeight;
    const wl = prob.lowerWeight;
    let worst = 0;
    let worstId = -1;
    for (let j = 0; j < n; j++) {
      if (!e.rowActive(j)) continue;
      let s = 0;
      for (let i = 0; i < k; i++) s += A[j * k + i]! * zs[i]!;
      const u = prob.upper[j]!;
      if (u !== Infinity) {
        const d = (wu ? wu[j]! : 1) * (s - u);
        if (d > worst) {
          worst = d;
          worstId = vertexIds.upper(j);
        }
      }
      const l = prob.lower[j]!;
      if (l !== -Infinity) {
        const d = (wl ? wl[j]! : 1) * (l - s);
        if (d > worst) {
          worst = d;
          worstId = vertexIds.lower(j);
        }
      }
    }
    const ids = new Int32Array(p);
    for (let i = 0; i < k; i++) ids[i] = vertexIds.artificial(i);
    ids[k] = worstId >= 0 ? worstId : vertexIds.deltaLower(n, k);
    if (!e.startFromBasis(ids, zs)) {
      // a signed permutation plus one row with a −1 in the δ column cannot be singular
      throw new Error("internal: primal start basis singular");
    }
    return worstId >= 0 ? "primal" : "dual";
  }

  private referenceStart(prob: ChebyshevProblem, z0: Float64Array, withBounds: boolean): boolean {
    const e = this.engine;
    const { n, k, p } = e;
    const A = this.a.data;
    const wu = prob.upperWeight;
    const wl = prob.lowerWeight;
    // deviations of the two-sided rows at z0
    const cand: number[] = [];
    const dev = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const u = prob.upper[j]!;
      const l = prob.lower[j]!;
      if (u === Infinity || l === -Infinity) continue;
      let s = 0;
      for (let i = 0; i < k; i++) s += A[j * k + i]! * z0[i]!;
      dev[j] = Math.max((wu ? wu[j]! : 1) * (s - u), (wl ? wl[j]! : 1) * (l - s));
      cand.push(j);
    }
    cand.sort((x, y) => dev[y]! - dev[x]!);
    if (withBounds) {
      const lo = prob.zLower ?? -Infinity;
      const hi = prob.zUpper ?? Infinity;
      const bounds: number[] = [];
      const free: number[] = [];
      for (let i = 0; i < k; i++) {
        if (lo !== -Infinity && z0[i]! <= lo) bounds.push(vertexIds.zLower(n, i));
        else if (hi !== Infinity && z0[i]! >= hi) bounds.push(vertexIds.zUpper(n, i));
        else free.push(i);
      }
      if (bounds.length > 0) return this.boundedReference(prob, cand, dev, free, bounds);
    }
    if (cand.length < p) return false;
    const ref = cand.slice(0, p);
    // ν: Σ ν_j a_j = 0, Σ ν_j = 1  ⇔  B0ᵀν = e_p with B0 rows (a_j, 1); ν = last row of B0⁻¹
    const b0 = new Float64Array(p * p);
    for (let q = 0; q < p; q++) {
      const j = ref[q]!;
      for (let i = 0; i < k; i++) b0[q * p + i] = A[j * k + i]!;
      b0[q * p + k] = 1;
    }
    const inv = new Float64Array(p * p);
    if (!(invertInPlace(b0, p, inv, new Int32Array(p)) > 1e-12)) return false;
    const nu = inv.subarray(k * p, k * p + p);
    // pick the sign κ of the reference whose levelled deviation (dual objective) is larger
    let bestObj = -Infinity;
    let bestKappa = 1;
    for (const kappa of [1, -1]) {
      let norm = 0;
      let obj = 0;
      for (let q = 0; q < p; q++) {
        const j = ref[q]!;
        const up = kappa * nu[q]! >= 0;
        const w = up ? (wu ? wu[j]! : 1) : wl ? wl[j]! : 1;
        const mu = Math.abs(nu[q]!) / w;
        norm += mu;
        // dual objective −Σ μ h with h = wU·u (upper) or −wL·l (lower)
        obj -= mu * (up ? w * prob.upper[j]! : -w * prob.lower[j]!);
      }
      obj /= norm;
      if (obj > bestObj) {
        bestObj = obj;
        bestKappa = kappa;
      }
    }
    // B's rows are (s_j w_j a_j, −1) = D·(B0 row + u_j e_pᵀ) with D = diag(s_j w_j) and
    // u_j = −1/(s_j w_j) − 1: B⁻¹ follows from B0⁻¹ by Sherman–Morrison and a column scaling
    const ids = new Int32Array(p);
    const sw = new Float64Array(p);
    for (let q = 0; q < p; q++) {
      const j = ref[q]!;
      const up = bestKappa * nu[q]! >= 0;
      ids[q] = up ? vertexIds.upper(j) : vertexIds.lower(j);
      sw[q] = up ? (wu ? wu[j]! : 1) : -(wl ? wl[j]! : 1);
    }
    const x = new Float64Array(p);
    let denom = 1;
    for (let q = 0; q < p; q++) denom += nu[q]! * (-1 / sw[q]! - 1);
    for (let r = 0; r < p; r++) {
      let t = 0;
      for (let q = 0; q < p; q++) t += inv[r * p + q]! * (-1 / sw[q]! - 1);
      x[r] = t / denom;
    }
    if (!(Math.abs(denom) > 1e-300)) return false;
    const nuCopy = Float64Array.from(nu);
    for (let r = 0; r < p; r++) {
      const xr = x[r]!;
      const o = r * p;
      for (let c = 0; c < p; c++) inv[o + c] = (inv[o + c]! - xr * nuCopy[c]!) / sw[c]!;
    }
    e.startWithInverse(ids, inv);
    return e.dualFeasible();
  }
}
