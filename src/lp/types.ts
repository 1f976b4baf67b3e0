/**
 * The three tall-thin LP families the per-layer inverters solve, as plain data, and what a solve
 * returns. Every family fits the n rows of an n×k matrix A (a layer's weights) through s = A·z:
 *
 *   row j's deviation  d_j(z) = max(0, wU_j·(s_j − u_j), wL_j·(l_j − s_j))
 *
 * with an upper target u_j (∞ when the row has no upper side) and a lower target l_j (−∞: no lower
 * side — a ReLU "off" row, eq. (6)). The weights express how a deviation of the pre-activation s
 * shows in the layer's output (1 for ReLU rows; the slope c on LeakyReLU's negative side, Remark 1).
 *
 * - Chebyshev (ℓ∞, Algorithm 1):  minimise δ = max_j d_j(z), optionally subject to δ ≤ δmax.
 * - LAD (ℓ1, Algorithm 2):         minimise Σ_j d_j(z).
 * - relaxed (eq. (8)):             maximise c·z subject to s_j ≤ u_j.
 *
 * All three accept box bounds lo ≤ z_i ≤ hi (hidden-layer reconstructions are ReLU outputs, so ≥ 0).
 */
import { InvalidValueError, ShapeError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { leastSquaresRows, type QrWorkspace } from "../linalg/qr.js";

/**
 * Outcome of one LP solve. `numerical_error` means the engine could not keep its basis well
 * conditioned (the caller falls back to HiGHS); `iteration_limit` that the pivot budget ran out.
 * @example
 * ```ts
 * import { FitSolver, fromRows, type LpStatus } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const solver = new FitSolver(a);
 * // |s_j − 1| ≤ δ on three rows, δ capped at 0.1: no z fits them all that well
 * const status: LpStatus = solver.chebyshev({ kind: "chebyshev", a, upper: Float64Array.of(1, 1, 1), lower: Float64Array.of(1, 1, 1), deltaMax: 0.1 }).status;
 * console.log(status); // infeasible
 * ```
 */
export type LpStatus = "optimal" | "infeasible" | "unbounded" | "iteration_limit" | "numerical_error";

/**
 * The rows shared by every family: targets and weights of s = A·z.
 * @example
 * ```ts
 * import { fromRows, type FitRows } from "geninv";
 * // a ReLU layer observed as [1, 0, 3]: rows 0 and 2 two-sided (s_j = x_j), row 1 "off" (s_1 ≤ 0)
 * const rows: FitRows = { a: fromRows([[1, 0], [0, 1], [1, 1]]), upper: Float64Array.of(1, 0, 3), lower: Float64Array.of(1, -Infinity, 3) };
 * console.log(rows.a.rows, rows.zLower ?? -Infinity);
 * ```
 */
export interface FitRows {
  /** The n×k matrix A, row-major (a layer's W; never copied or modified). */
  a: Matrix;
  /** Upper targets u_j (Infinity: no upper side). */
  upper: Float64Array;
  /** Lower targets l_j (−Infinity: no lower side). */
  lower: Float64Array;
  /** Upper-side weights wU_j > 0 (null: all 1). */
  upperWeight?: Float64Array | null;
  /** Lower-side weights wL_j > 0 (null: all 1). */
  lowerWeight?: Float64Array | null;
  /** Lower bound on every z_i (default −Infinity). */
  zLower?: number;
  /** Upper bound on every z_i (default Infinity). */
  zUpper?: number;
}

/**
 * Algorithm 1's LP: min δ s.t. d_j(z) ≤ δ for all j, lo ≤ z ≤ hi, 0 ≤ δ (≤ δmax).
 * @example
 * ```ts
 * import { FitSolver, fromRows, type ChebyshevProblem } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const p: ChebyshevProblem = { kind: "chebyshev", a, upper: Float64Array.of(1, 2, 3), lower: Float64Array.of(1, 2, 3) };
 * const r = new FitSolver(a).chebyshev(p);
 * console.log(r.status, Array.from(r.z), r.objective); // optimal, ≈ [1, 2], δ ≈ 0
 * ```
 */
export interface ChebyshevProblem extends FitRows {
  /** Tags the family. */
  kind: "chebyshev";
  /** Algorithm 1's cap δ ≤ ε: the LP is infeasible when the optimal δ exceeds it (default ∞). */
  deltaMax?: number;
}

/**
 * Algorithm 2's LP: min Σ_j d_j(z) s.t. lo ≤ z ≤ hi.
 * @example
 * ```ts
 * import { FitSolver, fromRows, type LadProblem } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * // the rows disagree (z_0 = 1, z_1 = 2, z_0 + z_1 = 10): the least total misfit Σ d_j is 7
 * const p: LadProblem = { kind: "lad", a, upper: Float64Array.of(1, 2, 10), lower: Float64Array.of(1, 2, 10) };
 * const r = new FitSolver(a).ladFit(p);
 * console.log(r.status, r.objective); // optimal, 7
 * ```
 */
export interface LadProblem extends FitRows {
  /** Tags the family. */
  kind: "lad";
}

/**
 * eq. (8): max c·z s.t. s_j ≤ u_j (lower targets are ignored), lo ≤ z ≤ hi.
 * @example
 * ```ts
 * import { FitSolver, fromRows, type RelaxedProblem } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * // max z_0 + z_1 s.t. z_0 ≤ 1, z_1 ≤ 2, z_0 + z_1 ≤ 2.5
 * const p: RelaxedProblem = { kind: "relaxed", a, upper: Float64Array.of(1, 2, 2.5), lower: new Float64Array(3).fill(-Infinity), cost: Float64Array.of(1, 1) };
 * const r = new FitSolver(a).relaxed(p);
 * console.log(r.status, r.objective); // optimal, 2.5
 * ```
 */
export interface RelaxedProblem extends FitRows {
  /** Tags the family. */
  kind: "relaxed";
  /** The objective c (length k), maximised. */
  cost: Float64Array;
}

/**
 * Any of the three families, told apart by `kind`.
 * @example
 * ```ts
 * import { fromRows, validateProblem, type FitProblem } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const target = Float64Array.of(1, 2, 3);
 * const problems: FitProblem[] = [
 *   { kind: "chebyshev", a, upper: target, lower: target },
 *   { kind: "lad", a, upper: target, lower: target },
 * ];
 * for (const p of problems) validateProblem(p);
 * ```
 */
export type FitProblem = ChebyshevProblem | LadProblem | RelaxedProblem;

/**
 * What a solve returns, whichever backend.
 * @example
 * ```ts
 * import { FitSolver, fromRows, type LpSolution } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const target = Float64Array.of(1, 2, 3);
 * const r: LpSolution = new FitSolver(a).chebyshev({ kind: "chebyshev", a, upper: target, lower: target });
 * console.log(r.status, r.objective, `${r.pivots} pivots on ${r.backend}`);
 * ```
 */
export interface LpSolution {
  /** How the solve ended; see {@link LpStatus}. */
  status: LpStatus;
  /** The minimiser / maximiser (meaningful when `status` is `optimal`). */
  z: Float64Array;
  /**
   * Optimal objective: δ (Chebyshev), Σ d_j (LAD), c·z (relaxed). For an infeasible Chebyshev
   * problem with a cap, a proven lower bound on the uncapped optimum (> δmax) when known, else NaN.
   */
  objective: number;
  /** Simplex pivots (engine) or simplex iterations (HiGHS). */
  pivots: number;
  /** Which backend produced the answer. */
  backend: string;
  /** Why the status is not `optimal`, or a note about the answer. */
  message?: string;
}

/**
 * Throws ShapeError / InvalidValueError unless the problem is well formed (names the field).
 * @param p the problem to check: matrix entries finite, targets and weights of length n, bounds an interval
 * @returns nothing: it returns only when `p` is well formed
 * @throws ShapeError when a target, weight or cost has the wrong length; InvalidValueError for a non-finite
 * matrix entry, a NaN target, a weight ≤ 0, bounds that are not an interval or a negative `deltaMax`
 * @example
 * ```ts
 * import { fromRows, InvalidValueError, validateProblem } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * validateProblem({ kind: "lad", a, upper: Float64Array.of(1, 2, 3), lower: Float64Array.of(1, 2, 3) });
 * try {
 *   validateProblem({ kind: "lad", a, upper: Float64Array.of(1, NaN, 3), lower: Float64Array.of(1, 2, 3) });
 * } catch (e) {
 *   if (!(e instanceof InvalidValueError)) throw e; // "LP upper target [1] is NaN …"
 * }
 * ```
 */
export function validateProblem(p: FitProblem): void {
  validateMatrix(p.a);
  validateRows(p);
}

/** Throws unless A is a non-empty matrix of finite numbers. */
export function validateMatrix(a: Matrix): void {
  const n = a.rows;
  const k = a.cols;
  if (!(n >= 1 && k >= 1) || a.data.length !== n * k) throw new ShapeError(`LP matrix is ${n}×${k} with ${a.data.length} entries`);
  // x − x is an exact 0 for every finite x and NaN for ±Infinity and NaN: sums of zeros stay 0
  const d = a.data;
  const m = d.length;
  let z0 = 0;
  let z1 = 0;
  let i = 0;
  for (; i + 1 < m; i += 2) {
    z0 += d[i]! - d[i]!;
    z1 += d[i + 1]! - d[i + 1]!;
  }
  if (i < m) z0 += d[i]! - d[i]!;
  if (z0 === 0 && z1 === 0) return;
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]!)) {
      throw new InvalidValueError(`LP matrix entry [${Math.floor(i / k)}][${i % k}] is ${a.data[i]} (must be finite)`);
    }
  }
}

/** Throws unless targets, weights, bounds (and cost, cap) fit the matrix and are valid numbers. */
export function validateRows(p: FitProblem): void {
  const { a, upper, lower } = p;
  const n = a.rows;
  const k = a.cols;
  if (upper.length !== n) throw new ShapeError(`LP upper targets have ${upper.length} entries, expected ${n}`);
  if (lower.length !== n) throw new ShapeError(`LP lower targets have ${lower.length} entries, expected ${n}`);
  for (let j = 0; j < n; j++) {
    const u = upper[j]!;
    const l = lower[j]!;
    if (Number.isNaN(u) || u === -Infinity) throw new InvalidValueError(`LP upper target [${j}] is ${u} (finite or +Infinity)`);
    if (Number.isNaN(l) || l === Infinity) throw new InvalidValueError(`LP lower target [${j}] is ${l} (finite or −Infinity)`);
  }
  for (const [name, w] of [
    ["upperWeight", p.upperWeight],
    ["lowerWeight", p.lowerWeight],
  ] as const) {
    if (!w) continue;
    if (w.length !== n) throw new ShapeError(`LP ${name} has ${w.length} entries, expected ${n}`);
    for (let j = 0; j < n; j++) {
      if (!(w[j]! > 0 && Number.isFinite(w[j]!))) throw new InvalidValueError(`LP ${name}[${j}] is ${w[j]} (must be finite and > 0)`);
    }
  }
  const lo = p.zLower ?? -Infinity;
  const hi = p.zUpper ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi || lo === Infinity || hi === -Infinity) {
    throw new InvalidValueError(`LP variable bounds [${lo}, ${hi}] are not an interval`);
  }
  if (p.kind === "chebyshev" && p.deltaMax !== undefined && (Number.isNaN(p.deltaMax) || p.deltaMax < 0)) {
    throw new InvalidValueError(`LP deltaMax is ${p.deltaMax} (must be ≥ 0)`);
  }
  if (p.kind === "relaxed") {
    if (p.cost.length !== k) throw new ShapeError(`LP cost has ${p.cost.length} entries, expected ${k}`);
    for (let i = 0; i < k; i++) if (!Number.isFinite(p.cost[i]!)) throw new InvalidValueError(`LP cost[${i}] is ${p.cost[i]} (must be finite)`);
  }
}

/** d_j(z) for every row, written to `out` (length n); `s` holds A·z. Returns max and sum. */
export function rowDeviations(p: FitRows, s: ArrayLike<number>, out?: Float64Array): { max: number; sum: number } {
  const n = p.a.rows;
  let max = 0;
  let sum = 0;
  const wu = p.upperWeight;
  const wl = p.lowerWeight;
  for (let j = 0; j < n; j++) {
    const sj = s[j]!;
    let d = 0;
    const u = p.upper[j]!;
    if (u !== Infinity) {
      const e = (wu ? wu[j]! : 1) * (sj - u);
      if (e > d) d = e;
    }
    const l = p.lower[j]!;
    if (l !== -Infinity) {
      const e = (wl ? wl[j]! : 1) * (l - sj);
      if (e > d) d = e;
    }
    if (out) out[j] = d;
    if (d > max) max = d;
    sum += d;
  }
  return { max, sum };
}

/**
 * The engines' cold-start point: least squares on the two-sided rows (targets at the middle of
 * their sides), or null when there are fewer such rows than unknowns or the fit is not finite.
 */
export function twoSidedLeastSquares(p: FitRows, ws: QrWorkspace): Float64Array | null {
  const n = p.a.rows;
  const k = p.a.cols;
  const rows = new Int32Array(n);
  const rhs = new Float64Array(n);
  let m = 0;
  for (let j = 0; j < n; j++) {
    const u = p.upper[j]!;
    const l = p.lower[j]!;
    if (u !== Infinity && l !== -Infinity) {
      rows[m] = j;
      rhs[m++] = 0.5 * (u + l);
    }
  }
  if (m < k) return null;
  const x = new Float64Array(k);
  leastSquaresRows(p.a, rows, m, rhs, x, ws);
  for (let i = 0; i < k; i++) if (!Number.isFinite(x[i]!)) return null;
  return x;
}
