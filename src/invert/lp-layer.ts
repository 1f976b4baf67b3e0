/**
 * What the LP layer inverters share: the layer's rows as LP data for a given ε (eq. (6) for ReLU,
 * Remark 1 for LeakyReLU), the ε grid ε₀·αᵗ and its class boundaries, a least-squares starting
 * point, and the report helpers. The ε search of Algorithm 1 is in eps-search.ts. No ground truth
 * is ever consulted: every decision uses the observation and the layer.
 */
import { OptionError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { NormalEquationsWorkspace, normalEquationsRows } from "../linalg/normal-equations.js";
import { leastSquaresRows, QrWorkspace } from "../linalg/qr.js";
import { FitSolver, type FitResult, LP_BACKENDS, type LpBackendName } from "../lp/backend.js";
import { type ChebyshevProblem, type FitRows, type LadProblem } from "../lp/types.js";
import { type VertexSnapshot } from "../lp/vertex-simplex.js";
import { type Activation, activationDerivative, inverseActivation } from "../model/activation.js";
import { type DenseLayer } from "../model/generator.js";
import { type LayerContext } from "./layer.js";
import { DEFAULT_LP_OPTIONS, type InvertOptions } from "./options.js";

/** The LP options with defaults filled in and validated. */
export interface LpSettings {
  eps0: number;
  alpha: number;
  backend: LpBackendName;
  fallback: boolean;
  search: "search" | "scan";
  maxPivots: number | undefined;
}

/** Validate and complete the LP options. @throws OptionError naming the option */
export function lpSettings(o: InvertOptions): LpSettings {
  const eps0 = o.eps0 ?? DEFAULT_LP_OPTIONS.eps0;
  const alpha = o.alpha ?? DEFAULT_LP_OPTIONS.alpha;
  if (!(typeof eps0 === "number" && Number.isFinite(eps0) && eps0 > 0)) throw new OptionError(`eps0 must be a finite number > 0, got ${String(eps0)}`);
  if (!(typeof alpha === "number" && Number.isFinite(alpha) && alpha > 1)) throw new OptionError(`alpha must be a finite number > 1, got ${String(alpha)}`);
  const backend = o.lpBackend ?? DEFAULT_LP_OPTIONS.lpBackend;
  if (!LP_BACKENDS.includes(backend)) throw new OptionError(`lpBackend must be engine or highs, got '${String(backend)}'`);
  const search = o.epsSearch ?? DEFAULT_LP_OPTIONS.epsSearch;
  if (search !== "search" && search !== "scan") throw new OptionError(`epsSearch must be search or scan, got '${String(search)}'`);
  const mp = o.lpMaxPivots;
  if (mp !== undefined && !(Number.isSafeInteger(mp) && mp >= 1)) throw new OptionError(`lpMaxPivots must be an integer ≥ 1, got ${String(mp)}`);
  return { eps0, alpha, backend, fallback: o.lpFallback ?? DEFAULT_LP_OPTIONS.lpFallback, search, maxPivots: mp };
}

/** How a layer's rows are read: ReLU (eq. (6)), LeakyReLU (Remark 1), or an invertible map. */
type RowModel = { kind: "relu" } | { kind: "leaky"; c: number } | { kind: "inverse" };

/** One layer prepared for the LP methods. */
export class LayerLp {
  readonly a: Matrix;
  readonly n: number;
  readonly k: number;
  readonly y: Float64Array;
  /** y − b (ReLU, LeakyReLU targets before the slope is undone). */
  readonly t: Float64Array;
  readonly model: RowModel;
  readonly zLower: number;
  readonly zUpper: number;
  /** Grid: ε_t = eps0·αᵗ for t = 0 … tMax. */
  readonly eps0: number;
  readonly alpha: number;
  readonly tMax: number;
  /** Row data of the last {@link rowsAt} call. */
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly wU: Float64Array;
  readonly wL: Float64Array;
  /** Pre-activation targets and weights of an invertible activation (rows outside its range: NaN). */
  private readonly pre: Float64Array | null = null;
  private readonly preW: Float64Array | null = null;
  /** |y_j| sorted ascending: where the row classification changes. */
  private readonly breaks: Float64Array;
  /** Numerical rank of the rows used by the last {@link leastSquares} call. */
  lastRank = 0;
  readonly solver: FitSolver;
  readonly settings: LpSettings;

  constructor(layer: DenseLayer, y: Float64Array, ctx: LayerContext, settings: LpSettings) {
    this.settings = settings;
    this.a = layer.weight;
    this.n = layer.weight.rows;
    this.k = layer.weight.cols;
    this.y = y;
    const n = this.n;
    const b = layer.bias;
    this.t = new Float64Array(n);
    for (let j = 0; j < n; j++) this.t[j] = y[j]! - (b ? b[j]! : 0);
    const act = layer.activation;
    if (act.kind === "relu") this.model = { kind: "relu" };
    else if (act.kind === "leaky_relu") this.model = { kind: "leaky", c: act.slope };
    else {
      this.model = { kind: "inverse" };
      this.pre = new Float64Array(n);
      this.preW = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const p = inverseActivation(act, y[j]!);
        if (Number.isFinite(p)) {
          this.pre[j] = p - (b ? b[j]! : 0);
          // a pre-activation deviation shows in the output scaled by φ'
          this.preW[j] = Math.max(activationDerivative(act, p), 1e-12);
        } else this.pre[j] = NaN;
      }
    }
    [this.zLower, this.zUpper] = ctx.inputRange;
    this.eps0 = settings.eps0;
    this.alpha = settings.alpha;
    let ymax = 0;
    for (let j = 0; j < n; j++) ymax = Math.max(ymax, Math.abs(y[j]!));
    // beyond 4·max|y| + 1 no row changes class and any δ a fit needs is below ε
    this.tMax = Math.max(0, Math.ceil(Math.log((4 * ymax + 1) / this.eps0) / Math.log(this.alpha)));
    this.upper = new Float64Array(n);
    this.lower = new Float64Array(n);
    this.wU = new Float64Array(n).fill(1);
    this.wL = new Float64Array(n).fill(1);
    // class boundaries: a ReLU row switches at ε = y_j > 0; a LeakyReLU row at ε = |y_j|
    const br: number[] = [];
    if (this.model.kind === "relu") for (let j = 0; j < n; j++) if (y[j]! > 0) br.push(y[j]!);
    if (this.model.kind === "leaky") for (let j = 0; j < n; j++) if (y[j] !== 0) br.push(Math.abs(y[j]!));
    this.breaks = Float64Array.from(br).sort();
    this.solver = new FitSolver(layer.weight, {
      backend: settings.backend,
      fallback: settings.fallback,
      ...(settings.maxPivots !== undefined ? { maxPivots: settings.maxPivots } : {}),
    });
  }

  /** ε_t. */
  eps(t: number): number {
    return this.eps0 * Math.pow(this.alpha, t);
  }

  /** Smallest t ≥ 0 with ε_t ≥ x (tMax + 1 when none on the grid). */
  firstAtLeast(x: number): number {
    if (!(x > this.eps0)) return 0;
    let t = Math.max(0, Math.floor(Math.log(x / this.eps0) / Math.log(this.alpha)) - 1);
    while (t <= this.tMax && this.eps(t) < x) t++;
    return t;
  }

  /**
   * The first grid index t ≤ tLimit at which activities s fit every row within ε_t (the rows of
   * eq. (6) / Remark 1 at ε_t), and the deviation there; tLimit + 1 and the last deviation seen
   * when none does. Equal to scanning t = 0, 1, …, but visits only grid points where the rows
   * change class or the deviation can first be met: between two class boundaries the rows, hence
   * the deviation d, are constant, so the first candidate there is the first ε_t ≥ d. (On data
   * of 1e150·G(z*) the grid has ~2,000 points; the scan cost ~1 s.)
   */
  firstFit(s: Float64Array, tLimit: number): { t: number; d: number } {
    let t = 0;
    let d = Infinity;
    while (t <= tLimit) {
      this.rowsAt(this.eps(t));
      d = this.maxDeviation(s);
      if (d <= this.eps(t)) return { t, d };
      const next = this.boundaryAbove(this.eps(t));
      const tc = this.firstAtLeast(d);
      // the rows stay as they are for ε in [ε_t, next): the first grid ε ≥ d there fits, else none does
      t = tc > t && this.eps(tc) < next ? tc : Math.max(t + 1, this.firstAtLeast(next));
    }
    return { t: tLimit + 1, d };
  }

  /** Largest class boundary |y_j| ≤ ε (−1 if none): below it the rows classify differently. */
  boundaryBelow(eps: number): number {
    const i = this.boundariesUpTo(eps);
    return i > 0 ? this.breaks[i - 1]! : -1;
  }

  /** Smallest class boundary |y_j| > ε (Infinity if none). */
  boundaryAbove(eps: number): number {
    const i = this.boundariesUpTo(eps);
    return i < this.breaks.length ? this.breaks[i]! : Infinity;
  }

  /** How many class boundaries are ≤ ε (binary search in the sorted |y_j|). */
  private boundariesUpTo(eps: number): number {
    const br = this.breaks;
    let lo = 0;
    let hi = br.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (br[m]! <= eps) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /**
   * Fill upper/lower/wU/wL with the rows at threshold ε (eq. (6) / Remark 1); returns how many rows
   * are used as two-sided ("on") rows.
   */
  rowsAt(eps: number): number {
    const { n, y, t, upper, lower, wU, wL } = this;
    let on = 0;
    const m = this.model;
    if (m.kind === "relu") {
      for (let j = 0; j < n; j++) {
        upper[j] = t[j]!;
        // eq. (6): x_j − ε ≤ w_jᵀz ≤ x_j + ε when x_j > ε, else only the upper side
        if (y[j]! > eps) {
          lower[j] = t[j]!;
          on++;
        } else lower[j] = -Infinity;
      }
    } else if (m.kind === "leaky") {
      const c = m.c;
      const b = this.y; // targets below are written in pre-activation units: s = a·z must meet φ⁻¹
      for (let j = 0; j < n; j++) {
        const yj = b[j]!;
        const bias = yj - t[j]!;
        if (yj > eps) {
          upper[j] = t[j]!;
          lower[j] = t[j]!;
          wU[j] = 1;
          wL[j] = 1;
          on++;
        } else if (yj > -eps) {
          // Remark 1, middle case: (x_j − δ)/c ≤ w_jᵀz ≤ x_j + δ
          upper[j] = yj - bias;
          wU[j] = 1;
          lower[j] = yj / c - bias;
          wL[j] = c;
        } else {
          // Remark 1, negative case: x_j − δ ≤ c·w_jᵀz ≤ x_j + δ
          upper[j] = yj / c - bias;
          lower[j] = yj / c - bias;
          wU[j] = c;
          wL[j] = c;
          on++;
        }
      }
    } else {
      const pre = this.pre!;
      const w = this.preW!;
      for (let j = 0; j < n; j++) {
        const p = pre[j]!;
        if (p === p) {
          upper[j] = p;
          lower[j] = p;
          wU[j] = w[j]!;
          wL[j] = w[j]!;
          on++;
        } else {
          upper[j] = Infinity;
          lower[j] = -Infinity;
        }
      }
    }
    return on;
  }

  /** Algorithm 1's LP at ε (rows must be loaded by {@link rowsAt}), capped at δ ≤ cap. */
  chebyshevProblem(cap: number): ChebyshevProblem {
    return { kind: "chebyshev", ...this.rowData(), deltaMax: cap };
  }

  /** Algorithm 2's LP at ε (rows must be loaded by {@link rowsAt}). */
  ladProblem(): LadProblem {
    return { kind: "lad", ...this.rowData() };
  }

  /** The loaded rows as an LP's data (weights only for LeakyReLU, Remark 1). */
  private rowData(): FitRows {
    const leaky = this.model.kind !== "relu";
    return {
      a: this.a,
      upper: this.upper,
      lower: this.lower,
      upperWeight: leaky ? this.wU : null,
      lowerWeight: leaky ? this.wL : null,
      zLower: this.zLower,
      zUpper: this.zUpper,
    };
  }

  /**
   * Least squares on the rows that look active at threshold ε (for LeakyReLU and invertible
   * activations, on every usable row through the inverse activation, eq. (5)), clamped to the
   * input range. A starting point and a feasibility witness, never an answer by itself.
   * @param eps the threshold of the rows that look active
   * @param normal solve by the normal equations ({@link normalEquationsRows}) when the rows are
   *   well conditioned, by QR otherwise (and always when false: the LP methods' own starts keep QR)
   * @param refine with `normal`, take the normal equations' refinement step (false only where the
   *   answer is read for its signs: pattern-first's start)
   * @param single with `normal`, form the Gram in f32 ({@link normalEquationsRows}' `single`; again
   *   only where the answer is read for its signs)
   */
  leastSquares(eps: number, normal = false, refine = true, single = false): Float64Array {
    const { n, k, y, t } = this;
    const rows = new Int32Array(n);
    const rhs = new Float64Array(n);
    let m = 0;
    const md = this.model;
    for (let j = 0; j < n; j++) {
      if (md.kind === "relu") {
        if (y[j]! > eps) {
          rows[m] = j;
          rhs[m++] = t[j]!;
        }
      } else if (md.kind === "leaky") {
        rows[m] = j;
        rhs[m++] = y[j]! >= 0 ? t[j]! : y[j]! / md.c - (y[j]! - t[j]!);
      } else {
        const p = this.pre![j]!;
        if (p === p) {
          rows[m] = j;
          rhs[m++] = p;
        }
      }
    }
    const z = new Float64Array(k);
    // normal equations when asked and well conditioned; else blocked QR, then pivoted QR when the rows are rank-deficient or ill-conditioned
    this.lastRank = 0;
    if (m > 0) {
      const fast = normal ? normalEquationsRows(this.a, rows, m, rhs, z, neWorkspace, undefined, refine, single, false) : null;
      this.lastRank = fast ? fast.rank : leastSquaresRows(this.a, rows, m, rhs, z, lsWorkspace).rank;
    }
    for (let i = 0; i < k; i++) {
      if (!Number.isFinite(z[i]!)) z[i] = 0;
      if (z[i]! < this.zLower) z[i] = this.zLower;
      if (z[i]! > this.zUpper) z[i] = this.zUpper;
    }
    return z;
  }

  /** s = A·z. */
  activities(z: ArrayLike<number>, out: Float64Array): Float64Array {
    const { n, k } = this;
    const A = this.a.data;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += A[j * k + i]! * z[i]!;
      out[j] = s;
    }
    return out;
  }

  /** Largest row deviation of activities s under the rows currently loaded. */
  maxDeviation(s: Float64Array): number {
    const { n, upper, lower, wU, wL } = this;
    const leaky = this.model.kind !== "relu";
    let d = 0;
    for (let j = 0; j < n; j++) {
      const u = upper[j]!;
      if (u !== Infinity) {
        const e = (leaky ? wU[j]! : 1) * (s[j]! - u);
        if (e > d) d = e;
      }
      const l = lower[j]!;
      if (l !== -Infinity) {
        const e = (leaky ? wL[j]! : 1) * (l - s[j]!);
        if (e > d) d = e;
      }
    }
    return d;
  }

  /** max |y_j|. */
  yMax(): number {
    let m = 0;
    for (let j = 0; j < this.n; j++) m = Math.max(m, Math.abs(this.y[j]!));
    return m;
  }

  /** A noise-level guess from the data alone ({@link noiseGuessOf}). */
  noiseGuess(): number {
    return this.model.kind === "relu" ? largestNegative(this.y, this.n) : 0;
  }
}

/**
 * A noise-level guess from a layer's observation alone: a ReLU output below 0 can only be noise,
 * so the largest negative value; 0 for any other activation. {@link LayerLp.noiseGuess} reads it
 * off its rows, pattern-first off the whole output before it builds any layer.
 * @param activation the layer's activation
 * @param y its observation
 * @returns the guess (≥ 0)
 */
export function noiseGuessOf(activation: Activation, y: ArrayLike<number>): number {
  return activation.kind === "relu" ? largestNegative(y, y.length) : 0;
}

/** max(0, −min_j y_j) over the first n values. */
function largestNegative(y: ArrayLike<number>, n: number): number {
  let g = 0;
  for (let j = 0; j < n; j++) if (-y[j]! > g) g = -y[j]!;
  return g;
}

/** Workspace of the layers' least-squares fits (one thread, one fit at a time). */
export const lsWorkspace = new QrWorkspace();
/** Workspace of the normal-equations fits of {@link LayerLp.leastSquares}. */
const neWorkspace = new NormalEquationsWorkspace();

/**
 * Directions of the layer input the answer does not pin down: free (artificial) slots left in an
 * engine basis, and at least k − (two-sided rows) — fewer usable rows than unknowns cannot
 * identify the input (Theorem 2), even when one-sided rows make the LP optimum a vertex.
 */
export function freeOf(r: FitResult, k: number, onRows: number): number {
  let f = 0;
  const w = r.warm as VertexSnapshot | undefined;
  if (w && "lam" in w) for (let q = 0; q < w.basis.length; q++) if (w.basis[q]! < 0) f++;
  return Math.max(f, k - onRows);
}

/** The report fields every LP layer inverter fills from its solver's counters. */
export function solverReport(L: LayerLp): { lpSolves: number; pivots: number; backend: string } {
  return { lpSolves: L.solver.solves, pivots: L.solver.pivots, backend: [...L.solver.used].join("+") || L.settings.backend };
}

/** Join the solver's notes (fallbacks) with a message; a note repeated over probes is counted. */
export function withNotes(L: LayerLp, message: string | undefined): string | undefined {
  const counts = new Map<string, number>();
  for (const n of L.solver.notes) counts.set(n, (counts.get(n) ?? 0) + 1);
  const notes = [...counts].map(([n, c]) => (c > 1 ? `${n} (×${c})` : n));
  const parts = [...(message ? [message] : []), ...notes];
  return parts.length > 0 ? parts.join("; ") : undefined;
}
