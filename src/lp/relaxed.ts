/**
 * The engine's front end for the relaxed LP (8): max c·z s.t. a_j·z ≤ u_j, lo ≤ z ≤ hi.
 *
 * Phase 1 is a Chebyshev problem on the same rows (min δ with a_j·z − u_j ≤ δ): its optimum is 0
 * exactly when (8) is feasible, and its minimiser is a feasible point. Phase 2 is the primal simplex
 * from that point (or from a feasible point the caller already has, e.g. the ℓ∞ solution of the
 * same layer), with every variable starting in a free slot; finally the free slots that are left
 * are pivoted out so the answer is a vertex.
 */
import { ShapeError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { ChebyshevSolver, type EngineSolution } from "./chebyshev.js";
import { type ChebyshevProblem, type RelaxedProblem, validateMatrix, validateRows } from "./types.js";
import { type VertexOptions, VertexSimplex, vertexIds } from "./vertex-simplex.js";

/**
 * Options of {@link RelaxedSolver.solve}.
 * @example
 * ```ts
 * import { fromRows, RelaxedSolver, type RelaxedSolveOptions } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const options: RelaxedSolveOptions = { z0: Float64Array.of(0, 0) }; // feasible: skips phase 1
 * const r = new RelaxedSolver(a).solve({ kind: "relaxed", a, upper: Float64Array.of(1, 2, 2.5), lower: new Float64Array(3).fill(-Infinity), cost: Float64Array.of(1, 1) }, options);
 * console.log(r.status, r.objective); // optimal, 2.5
 * ```
 */
export interface RelaxedSolveOptions {
  /** A point believed feasible (checked); skips phase 1 when it is. */
  z0?: Float64Array | null;
  /**
   * Constraint ids (as in the engine: 2j = row j's upper side, 2n+2i / 2n+2i+1 = bounds on z_i)
   * believed tight at z0 — e.g. the upper sides in the basis of the ℓ∞ LP solved at ε = δ* — to
   * start the primal simplex from instead of free slots only.
   */
  tight?: ArrayLike<number> | null;
}

/**
 * Engine for eq. (8) on one matrix A. Most callers want {@link FitSolver}.
 * @throws ShapeError from `solve` when the problem's matrix is not this solver's A; ShapeError /
 * InvalidValueError for a malformed problem
 * @example
 * ```ts
 * import { fromRows, RelaxedSolver } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * // max z_0 s.t. z_0 ≤ 1, z_1 ≤ 2, z_0 + z_1 ≤ 2.5, 0 ≤ z
 * const r = new RelaxedSolver(a).solve({ kind: "relaxed", a, upper: Float64Array.of(1, 2, 2.5), lower: new Float64Array(3).fill(-Infinity), cost: Float64Array.of(1, 0), zLower: 0 });
 * console.log(r.status, r.objective); // optimal, 1
 * ```
 */
export class RelaxedSolver {
  readonly engine: VertexSimplex;
  private readonly a: Matrix;
  private phase1: ChebyshevSolver | null = null;
  private readonly options: VertexOptions;

  constructor(a: Matrix, options: VertexOptions = {}) {
    validateMatrix(a);
    this.a = a;
    this.options = options;
    this.engine = new VertexSimplex(a, false, options);
  }

  /** Solve eq. (8) for `prob` (whose matrix must be this solver's A). */
  solve(prob: RelaxedProblem, options: RelaxedSolveOptions = {}): EngineSolution {
    if (prob.a !== this.a && prob.a.data !== this.a.data) throw new ShapeError("this solver was built for another matrix");
    validateRows(prob);
    const { n, k } = this.engine;
    const zLo = prob.zLower ?? -Infinity;
    const zHi = prob.zUpper ?? Infinity;
    const scale = targetScale(prob.upper);
    const feasTol = 1e-9 * scale;
    let pivots = 0;
    let z0 = options.z0 ?? null;
    if (z0 && maxViolation(this.a, prob.upper, z0, zLo, zHi) > feasTol) z0 = null;
    if (!z0) {
      // phase 1: min δ with every row one-sided
      this.phase1 ??= new ChebyshevSolver(this.a, this.options);
      const lower = new Float64Array(n).fill(-Infinity);
      const p1: ChebyshevProblem = { kind: "chebyshev", a: this.a, upper: prob.upper, lower, zLower: zLo, zUpper: zHi };
      const r = this.phase1.solve(p1, { snapshot: false, z0: new Float64Array(k).fill(Number.isFinite(zLo) ? zLo : 0) });
      pivots += r.pivots;
      if (r.status !== "optimal") {
        return { status: r.status, z: r.z, objective: NaN, pivots, backend: "engine", message: `phase 1: ${r.message ?? r.status}` };
      }
      if (r.objective > feasTol) {
        return {
          status: "infeasible",
          z: r.z,
          objective: NaN,
          pivots,
          backend: "engine",
          message: `no z meets every row: the smallest possible largest violation is ${r.objective.toExponential(3)}`,
        };
      }
      z0 = r.z;
    }
    const e = this.engine;
    const neg = new Float64Array(k);
    for (let i = 0; i < k; i++) neg[i] = -prob.cost[i]!;
    e.setCost(neg);
    e.setProblem({ upper: prob.upper, lower: null, upperWeight: null, lowerWeight: null }, zLo, zHi);
    const ids = new Int32Array(k);
    for (let i = 0; i < k; i++) ids[i] = vertexIds.artificial(i);
    let started = false;
    if (options.tight && options.tight.length > 0) {
      // the tight constraints, then free slots for the variables they leave open
      const t = this.tightAt(prob, z0, options.tight, scale);
      if (t.length > 0) {
        const used = new Uint8Array(k);
        let q = 0;
        for (const id of t) {
          if (q >= k) break;
          ids[q++] = id;
        }
        // free slots: variables not already fixed by a bound in the list
        for (const id of t) if (id >= 2 * n) used[(id - 2 * n) >> 1] = 1;
        for (let i = 0; i < k && q < k; i++) if (!used[i]) ids[q++] = vertexIds.artificial(i);
        started = q === k && e.startFromBasis(ids, z0);
      }
    }
    if (!started) {
      for (let i = 0; i < k; i++) ids[i] = vertexIds.artificial(i);
      e.startFromBasis(ids, z0);
    }
    const out = e.primalSimplex();
    pivots += out.pivots;
    const z = Float64Array.from(e.v.subarray(0, k));
    if (out.status !== "optimal") {
      const status = out.status === "bound" ? "infeasible" : out.status;
      return { status, z, objective: NaN, pivots, backend: "engine", ...(out.message ? { message: out.message } : {}) };
    }
    const free = e.purgeArtificials();
    pivots += e.pivots - out.pivots;
    z.set(e.v.subarray(0, k));
    let obj = 0;
    for (let i = 0; i < k; i++) obj += prob.cost[i]! * z[i]!;
    const viol = maxViolation(this.a, prob.upper, z, zLo, zHi);
    if (viol > feasTol) {
      return { status: "numerical_error", z, objective: obj, pivots, backend: "engine", message: `answer violates a row by ${viol.toExponential(3)}` };
    }
    return {
      status: "optimal",
      z,
      objective: obj,
      pivots,
      backend: "engine",
      ...(free > 0 ? { message: `${free} direction(s) of z are not pinned by any row: the optimum is not unique` } : {}),
    };
  }
  /** The ids among `ids` whose constraint is tight (within tolerance) at z0, in order. */
  private tightAt(prob: RelaxedProblem, z0: Float64Array, ids: ArrayLike<number>, scale: number): number[] {
    const { n, k } = this.engine;
    const A = this.a.data;
    const out: number[] = [];
    const tol = 1e-9 * scale;
    for (let q = 0; q < ids.length; q++) {
      const id = ids[q]!;
      if (id < 0) continue;
      if (id < 2 * n) {
        if ((id & 1) === 1) continue;
        const j = id >> 1;
        let s = 0;
        for (let i = 0; i < k; i++) s += A[j * k + i]! * z0[i]!;
        if (Math.abs(s - prob.upper[j]!) <= tol) out.push(id);
      } else if (id < 2 * n + 2 * k) {
        const i = (id - 2 * n) >> 1;
        const bound = ((id - 2 * n) & 1) === 0 ? (prob.zLower ?? -Infinity) : (prob.zUpper ?? Infinity);
        if (Math.abs(z0[i]! - bound) <= tol) out.push(id);
      }
    }
    return out;
  }
}

function targetScale(u: Float64Array): number {
  let s = 1;
  for (let j = 0; j < u.length; j++) if (u[j] !== Infinity) s = Math.max(s, Math.abs(u[j]!));
  return s;
}

/** Largest violation of a_j·z ≤ u_j and the bounds. */
function maxViolation(a: Matrix, upper: Float64Array, z: ArrayLike<number>, lo: number, hi: number): number {
  const { rows: n, cols: k, data } = a;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const u = upper[j]!;
    if (u === Infinity) continue;
    let s = 0;
    for (let i = 0; i < k; i++) s += data[j * k + i]! * z[i]!;
    if (s - u > worst) worst = s - u;
  }
  for (let i = 0; i < k; i++) {
    if (lo - z[i]! > worst) worst = lo - z[i]!;
    if (z[i]! - hi > worst) worst = z[i]! - hi;
  }
  return worst;
}
