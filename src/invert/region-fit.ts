/**
 * The convex fit on one activation region: with the region's affine model of the observation
 * (region-model.ts), find the z' that fits y best in ℓ2 (least squares by Householder QR with
 * column pivoting, which also gives the rank of J_P on the observed rows), or in ℓ∞ / ℓ1 (Algorithm 1's
 * Chebyshev LP / Algorithm 2's LAD LP written in z, through the LP module's FitSolver). k unknowns
 * whatever the widths of the layers.
 */
import { type Matrix } from "../linalg/matrix.js";
import { leastSquaresRows, QrWorkspace } from "../linalg/qr.js";
import { FitSolver, type FitSolverOptions } from "../lp/backend.js";
import { type RegionWorkspace, RowKind } from "./region-model.js";

/** Norm of the region fit and of the objective the walk descends. */
export type RegionNorm = "l2" | "linf" | "l1";

/** The answer of one region fit. */
export interface RegionFit {
  /** The minimiser z' of the region's model (written into the caller's buffer). */
  ok: boolean;
  /** Numerical rank of the model's rows (J_P on the observed rows, through the operator). */
  rank: number;
  /** Rows the fit used. */
  rows: number;
  lpSolves: number;
  pivots: number;
  /** Why the fit failed (LP status), when it did. */
  message?: string;
}

/** Buffers of the least-squares fit. */
export class RegionFitWorkspace {
  readonly qr = new QrWorkspace();
  readonly rows: Int32Array;
  readonly rhs: Float64Array;
  readonly d: Float64Array;
  readonly mat: Matrix;

  constructor(readonly model: RegionWorkspace) {
    this.rows = new Int32Array(model.m);
    this.rhs = new Float64Array(model.m);
    this.d = new Float64Array(model.k);
    this.mat = { rows: model.m, cols: model.k, data: model.M };
  }
}

/**
 * ℓ2: z' = z + argmin_d Σ (base_r + M_r·d − y_r)² over the rows the model fits (a one-sided ReLU row
 * counts while it is on, fitted to 0). Returns the rank of those rows.
 */
export function fitLeastSquares(fw: RegionFitWorkspace, z: Float64Array, y: ArrayLike<number>, out: Float64Array, rankTol: number): RegionFit {
  const { model, rows, rhs, d } = fw;
  let m = 0;
  for (let r = 0; r < model.m; r++) {
    const kind = model.kind[r]!;
    if (kind === RowKind.Skip) continue;
    rows[m] = r;
    rhs[m] = (kind === RowKind.Upper ? Math.min(y[r]!, 0) : y[r]!) - model.base[r]!;
    m++;
  }
  if (m === 0) {
    // no observed value depends on z here (every ReLU output off): the region's model is flat
    out.set(z);
    return { ok: true, rank: 0, rows: 0, lpSolves: 0, pivots: 0 };
  }
  const info = leastSquaresRows(fw.mat, rows, m, rhs, d, fw.qr, rankTol);
  for (let i = 0; i < model.k; i++) out[i] = z[i]! + d[i]!;
  return { ok: true, rank: info.rank, rows: m, lpSolves: 0, pivots: 0 };
}

/** The rank of the region's fitted rows (for the ℓ∞ / ℓ1 fits, which do not factor M). */
export function regionRank(fw: RegionFitWorkspace, y: ArrayLike<number>, rankTol: number): { rank: number; rows: number } {
  const { model, rows, rhs, d } = fw;
  let m = 0;
  for (let r = 0; r < model.m; r++) {
    if (model.kind[r] === RowKind.Skip) continue;
    rows[m] = r;
    rhs[m] = y[r]! - model.base[r]!;
    m++;
  }
  if (m === 0) return { rank: 0, rows: 0 };
  return { rank: leastSquaresRows(fw.mat, rows, m, rhs, d, fw.qr, rankTol).rank, rows: m };
}

/**
 * ℓ∞ (Algorithm 1's LP in z: min δ s.t. |model_r(z') − y_r| ≤ δ) or ℓ1 (Algorithm 2's LAD in z).
 * A ReLU output observed ≤ 0 is one-sided (eq. (6)): model_r(z') ≤ y_r, whichever side it is on now,
 * so the answer keeps such pixels off without listing the region's other sign constraints.
 */
export function fitLp(
  fw: RegionFitWorkspace,
  z: Float64Array,
  y: ArrayLike<number>,
  norm: "linf" | "l1",
  out: Float64Array,
  solverOptions: FitSolverOptions,
): RegionFit {
  const { model } = fw;
  const { m, k } = model;
  // the LP works on s = M·z': targets shift by M·z − base
  const upper = new Float64Array(m);
  const lower = new Float64Array(m);
  const M = model.M;
  for (let r = 0; r < m; r++) {
    let mz = 0;
    for (let i = 0; i < k; i++) mz += M[r * k + i]! * z[i]!;
    const shift = mz - model.base[r]!;
    const kind = model.kind[r]!;
    if (kind === RowKind.Fit) {
      upper[r] = y[r]! + shift;
      lower[r] = y[r]! + shift;
    } else {
      upper[r] = Math.min(y[r]!, 0) + shift;
      lower[r] = -Infinity;
    }
  }
  // a fresh matrix: the LP engines keep per-matrix state, and M is rewritten at every step
  const a: Matrix = { rows: m, cols: k, data: Float64Array.from(M) };
  const solver = new FitSolver(a, solverOptions);
  const r = norm === "linf" ? solver.chebyshev({ kind: "chebyshev", a, upper, lower }, { z0: z }) : solver.ladFit({ kind: "lad", a, upper, lower }, { z0: z });
  if (r.status !== "optimal") {
    return {
      ok: false,
      rank: k,
      rows: m,
      lpSolves: solver.solves,
      pivots: solver.pivots,
      message: `${norm} region LP: ${r.status}${r.message ? ` (${r.message})` : ""}`,
    };
  }
  out.set(r.z);
  return { ok: true, rank: k, rows: m, lpSolves: solver.solves, pivots: solver.pivots };
}
