/**
 * What the LP layer inverters share: the layer's rows as LP data for a given ε (eq. (6) for ReLU,
 * Remark 1 for LeakyReLU), the ε grid ε₀·αᵗ, a least-squares starting point, and the ε search of
 * Algorithm 1 — galloping and bisection on the grid, every LP warm-started, instead of the paper's
 * scan. No ground truth is ever consulted: every decision uses the observation and the layer.
 */
import { OptionError } from "../errors.js";
import { matrix, type Matrix } from "../linalg/matrix.js";
import { leastSquaresRows, nullSpaceRows, QrWorkspace } from "../linalg/qr.js";
import { FitSolver, type FitResult, LP_BACKENDS, type LpBackendName } from "../lp/backend.js";
import { type ChebyshevProblem } from "../lp/types.js";
import { type LadSnapshot } from "../lp/lad.js";
import { type VertexSnapshot } from "../lp/vertex-simplex.js";
import { activationDerivative, inverseActivation } from "../model/activation.js";
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
    const br = this.breaks;
    let lo = 0;
    let hi = br.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (br[m]! <= eps) lo = m + 1;
      else hi = m;
    }
    return lo > 0 ? br[lo - 1]! : -1;
  }

  /** Smallest class boundary |y_j| > ε (Infinity if none). */
  boundaryAbove(eps: number): number {
    const br = this.breaks;
    let lo = 0;
    let hi = br.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (br[m]! <= eps) lo = m + 1;
      else hi = m;
    }
    return lo < br.length ? br[lo]! : Infinity;
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
    const leaky = this.model.kind !== "relu";
    return {
      kind: "chebyshev",
      a: this.a,
      upper: this.upper,
      lower: this.lower,
      upperWeight: leaky ? this.wU : null,
      lowerWeight: leaky ? this.wL : null,
      zLower: this.zLower,
      zUpper: this.zUpper,
      deltaMax: cap,
    };
  }

  /**
   * Least squares on the rows that look active at threshold ε (for LeakyReLU and invertible
   * activations, on every usable row through the inverse activation, eq. (5)), clamped to the
   * input range. A starting point and a feasibility witness, never an answer by itself.
   */
  leastSquares(eps: number): Float64Array {
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
    // blocked QR first (fast); pivoted Householder QR when the rows are rank-deficient or ill-conditioned
    this.lastRank = 0;
    if (m > 0) {
      this.lastRank = leastSquaresRows(this.a, rows, m, rhs, z, lsWorkspace).rank;
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

  /** A noise-level guess from the data alone: a ReLU output below 0 can only be noise. */
  noiseGuess(): number {
    if (this.model.kind !== "relu") return 0;
    let g = 0;
    for (let j = 0; j < this.n; j++) if (-this.y[j]! > g) g = -this.y[j]!;
    return g;
  }
}

const lsWorkspace = new QrWorkspace();

/** The outcome of the ε search of Algorithm 1 on one layer. */
export interface LinfSearch {
  status: "optimal" | "infeasible" | "failed";
  /** Grid index and value of the ε settled on. */
  t: number;
  eps: number;
  /** Optimal δ at that ε, and the minimiser. */
  delta: number;
  z: Float64Array;
  /** Rows used two-sided at that ε. */
  onRows: number;
  /** Free directions left in the engine's basis (> 0: the LP optimum does not pin z). */
  free: number;
  /** The engine basis at the answer (warm start for a follow-up LP). */
  warm: VertexSnapshot | LadSnapshot | undefined;
  /**
   * Every row sits at its own least deviation at z (the free-direction shortcut), so z is optimal
   * for the ℓ1 LP at the same ε as well.
   */
  rowMinimal?: boolean;
  message?: string;
}

/**
 * Algorithm 1 with geninv's ε search: the answer is the first ε on the grid ε₀·αᵗ at which the
 * LP with the cap δ ≤ ε is feasible — the same ε the paper's scan stops at, because the feasible
 * set only grows with ε (rows only lose their lower side, the cap only loosens) — found by:
 *
 * 1. a witness: least squares on the rows that look active gives a z whose largest deviation
 *    bounds the optimal δ at every ε, so the first grid ε above it is feasible (no LP needed);
 * 2. one cold LP there; its optimal δ, and the gap to the next class boundary below, let the
 *    search drop to lower grid points for free (same rows, δ still under ε);
 * 3. galloping down (1, 2, 4, … grid steps) then bisection; every probe is the last feasible LP
 *    plus lower sides for the rows that switch on, so the engine warm-starts it with the dual
 *    simplex from the saved basis and stops as soon as δ provably exceeds the probe's ε.
 *
 * `scan` runs the paper's loop instead (ε₀, ε₀α, … until feasible), for comparison.
 */
export function linfSearch(L: LayerLp): LinfSearch {
  const s = new Float64Array(L.n);
  const guess = L.noiseGuess();
  if (L.settings.search === "scan") return linfScan(L, L.leastSquares(Math.max(L.eps0, guess)));
  // 1. witness: least squares on the rows that look active, and the first grid ε at which that
  //    point fits every row within ε. Without a noise guess (a hidden layer: its reconstruction
  //    is ≥ 0) a few activity thresholds are tried — tiny reconstructed values are errors, and
  //    counting them as active rows spoils the fit — and the best witness is kept.
  const thresholds = [Math.max(L.eps0, guess)];
  if (!(guess > L.eps0) && L.model.kind === "relu") {
    const ymax = L.yMax();
    for (const f of [1e-4, 1e-3, 1e-2]) if (f * ymax > thresholds[thresholds.length - 1]!) thresholds.push(f * ymax);
  }
  if (L.rowsAt(L.eps0) < L.k) {
    // fewer two-sided rows at ε₀ than unknowns (Theorem 2's non-unique case): realizable data are
    // answered in the free directions alone, without the least-squares witness
    const pre = preimageShortcut(L, s);
    if (pre) return pre;
  }
  let z0: Float64Array = new Float64Array(L.k);
  let tW = L.tMax + 1;
  let dW = Infinity;
  let rankW = 0;
  for (const thr of thresholds) {
    const z = L.leastSquares(thr);
    if (thr === L.eps0 && L.lastRank < L.k && L.rowsAt(L.eps0) >= L.k) {
      // rows at ε₀ leave directions free: realizable data are answered in those directions alone
      const pre = preimageShortcut(L, s);
      if (pre) return pre;
    }
    L.activities(z, s);
    // first grid ε this witness fits (searched up to the best so far; at ε₀ its deviation decides ties)
    const { t, d } = L.firstFit(s, Math.min(tW, L.tMax));
    if (t < tW || (t === 0 && tW === 0 && d < dW)) {
      tW = t;
      z0 = z;
      dW = d;
      rankW = L.lastRank;
    }
    // a full-rank witness that fits to rounding needs no other threshold
    if (tW === 0 && dW <= 1e-3 * L.eps0 && rankW === L.k) break;
  }
  const fits = realizableShortcut(L, z0, tW, dW, rankW, s);
  if (fits) return fits;
  if (tW > L.tMax) tW = L.tMax;
  // 2. one cold LP, uncapped: at the noise guess when the data offer one below the witness
  //    (negative ReLU outputs), else at the witness
  const tS = guess > L.eps0 ? Math.min(tW, L.firstAtLeast(guess)) : tW;
  let tHi = tS;
  let on = L.rowsAt(L.eps(tHi));
  let best = L.solver.chebyshev(L.chebyshevProblem(Infinity), { z0 });
  let lo = -1;
  if (best.status === "optimal" && best.objective > L.eps(tHi)) {
    // infeasible there; its optimal δ bounds δ at every larger ε, so the first grid ε above it is
    // feasible — a loosening of this LP, warm-started by the primal simplex
    lo = tHi;
    tHi = Math.min(L.tMax, Math.max(tHi + 1, L.firstAtLeast(best.objective)));
    on = L.rowsAt(L.eps(tHi));
    best = L.solver.chebyshev(L.chebyshevProblem(L.eps(tHi)), { z0, warm: best.warm ?? null });
  }
  while (best.status === "infeasible" && tHi < L.tMax) {
    // only if rounding put the witness on the wrong side: move up
    lo = tHi;
    tHi = Math.min(L.tMax, Math.max(tHi + 1, L.firstAtLeast(best.objective)));
    on = L.rowsAt(L.eps(tHi));
    best = L.solver.chebyshev(L.chebyshevProblem(L.eps(tHi)), { z0, warm: best.warm ?? null });
  }
  if (best.status !== "optimal") return searchFailure(L, best, tHi, on);
  let bestT = tHi;
  let bestOn = on;
  const descend = (): void => {
    // same rows down to the class boundary below, and δ stays under ε down to δ itself
    const floor = Math.max(best.objective, L.boundaryBelow(L.eps(bestT)) * (1 + 1e-12));
    const t = L.firstAtLeast(floor);
    if (t < bestT) bestT = t;
  };
  descend();
  // 3. gallop down, then bisect
  let step = 1;
  const probe = (t: number): boolean | null => {
    const onT = L.rowsAt(L.eps(t));
    const r = L.solver.chebyshev(L.chebyshevProblem(L.eps(t)), { z0, warm: best.warm ?? null });
    if (r.status === "optimal") {
      best = r;
      bestT = t;
      bestOn = onT;
      descend();
      return true;
    }
    if (r.status === "infeasible") return false;
    failure = r;
    return null;
  };
  let failure: FitResult | null = null;
  // realizable data (δ at rounding level): the search ends at ε₀ unless ε₀ is infeasible — try it first
  if (bestT > 0 && lo < 0 && best.objective <= 1e-3 * L.eps0) {
    const ok = probe(0);
    if (ok === false) lo = 0;
  }
  while (failure === null && bestT - lo > 1) {
    const t = Math.max(lo + 1, bestT - step);
    const ok = probe(t);
    if (ok === null) break;
    if (ok) step *= 2;
    else {
      lo = t;
      break;
    }
  }
  while (failure === null && bestT - lo > 1) {
    const mid = (lo + bestT) >> 1;
    const ok = probe(mid);
    if (ok === null) break;
    if (!ok) lo = mid;
  }
  if (failure) return searchFailure(L, failure, bestT, bestOn);
  return {
    status: "optimal",
    t: bestT,
    eps: L.eps(bestT),
    delta: best.objective,
    z: best.z,
    onRows: bestOn,
    free: freeOf(best, L.k, bestOn),
    warm: best.warm,
  };
}

/**
 * Realizable data: when the least-squares witness meets every row at ε₀ within 10⁻³·ε₀, the
 * search would stop at ε₀ and any LP minimiser differs from the witness by rounding only (both
 * have δ ≤ 10⁻³·ε₀), so the witness is returned with no LP. The pre-image is certified unique only
 * when the two-sided rows have full rank; otherwise the rank deficit is the number of free
 * directions, read off the two-sided rows at ε₀ themselves.
 */
function realizableShortcut(L: LayerLp, z: Float64Array, tW: number, dW: number, rankW: number, s: Float64Array): LinfSearch | null {
  const tol = 1e-3 * L.eps0;
  if (tW !== 0 || !(dW <= tol)) return null;
  let zw = z;
  let rank = rankW;
  if (rank < L.k) {
    // the witness came from a subset of the rows two-sided at ε₀: judge the rank on all of them
    const z2 = L.leastSquares(L.eps0);
    L.activities(z2, s);
    L.rowsAt(L.eps0);
    if (L.maxDeviation(s) > tol) return null;
    zw = z2;
    rank = L.lastRank;
  }
  L.activities(zw, s);
  const on = L.rowsAt(L.eps0);
  return { status: "optimal", t: 0, eps: L.eps0, delta: L.maxDeviation(s), z: zw, onRows: on, free: L.k - rank, warm: undefined };
}

/**
 * Realizable data whose two-sided rows leave directions free (Theorem 2's non-unique case: fewer
 * active outputs than inputs): the least-squares witness fits those rows but may break the others.
 * Every point fitting the equality rows (both sides at one target: ReLU "on" rows, LeakyReLU rows
 * on either side, invertible rows) is z₀ + N·u (N a null-space basis), so the remaining rows —
 * one-sided ReLU rows, LeakyReLU middle rows, and the input's bounds as rows — become a Chebyshev
 * LP in the d free coordinates alone: d + 1 unknowns instead of k + 1. A point it finds with
 * δ ≤ 10⁻³·ε₀ is an answer of the full LP at ε₀, where the search would stop; otherwise (noisy
 * data) the full search runs. LeakyReLU rows with 0 < x_j ≤ ε₀ (Remark 1's middle case, sides
 * crossing) are pinned at their crossing, where their deviation is least; a point with every row
 * at its own least deviation is optimal for the ℓ∞ and the ℓ1 LP at once (`rowMinimal`). This is
 * what keeps a half-observed output layer of 500 inputs and 392 observed rows (mnist-leaky,
 * bottom half hidden) from a 501-unknown LP (~10 s) and the ℓ1 LP in 500 unknowns after it.
 */
function preimageShortcut(L: LayerLp, s: Float64Array): LinfSearch | null {
  const { n, k, upper, lower, wU, wL } = L;
  const leaky = L.model.kind !== "relu";
  const tol = 1e-3 * L.eps0;
  L.rowsAt(L.eps0);
  // rows pinned to one point: both sides at one target, or (Remark 1's middle rows with
  // 0 < x_j ≤ ε) sides that cross, whose deviation is least at the crossing
  const isEq = (j: number): boolean => upper[j] !== Infinity && lower[j] !== -Infinity && lower[j]! >= upper[j]!;
  let on = 0;
  for (let j = 0; j < n; j++) if (isEq(j)) on++;
  if (on === 0) return null;
  const rows = new Int32Array(on);
  const rhs = new Float64Array(on);
  let floor = 0; // max_j min_s d_j(s): no z does better (0 unless sides cross)
  for (let j = 0, m = 0; j < n; j++) {
    if (!isEq(j)) continue;
    const u = upper[j]!;
    const l = lower[j]!;
    const a = leaky ? wU[j]! : 1;
    const b = leaky ? wL[j]! : 1;
    rows[m] = j;
    rhs[m++] = l === u ? u : (a * u + b * l) / (a + b);
    if (l > u) floor = Math.max(floor, (a * b * (l - u)) / (a + b));
  }
  const z0 = new Float64Array(k);
  const ns = nullSpaceRows(L.a, rows, on, rhs, z0, lsWorkspace);
  const d = ns.dim;
  if (d === 0) return null;
  L.activities(z0, s);
  for (let m = 0; m < on; m++) {
    const j = rows[m]!;
    if ((leaky ? wU[j]! : 1) * Math.abs(s[j]! - rhs[m]!) > tol) return null; // noisy: not this case
  }
  const hasLo = L.zLower !== -Infinity;
  const hasHi = L.zUpper !== Infinity;
  let nJ = 0;
  for (let j = 0; j < n; j++) if (!isEq(j) && (upper[j] !== Infinity || lower[j] !== -Infinity)) nJ++;
  const nR = nJ + (hasLo ? k : 0) + (hasHi ? k : 0);
  const z = z0;
  const N = ns.basis;
  if (nR > 0) {
    // row j: w_jᵀ(z₀ + N u) within its sides  ⇔  (w_jᵀN) u within the sides shifted by w_jᵀz₀;
    // a bound lo ≤ z_i ≤ hi is the row N_i u within [lo − z₀_i, hi − z₀_i]
    const b = new Float64Array(nR * d);
    const up = new Float64Array(nR).fill(Infinity);
    const lw = new Float64Array(nR).fill(-Infinity);
    const wu = new Float64Array(nR).fill(1);
    const wl = new Float64Array(nR).fill(1);
    const A = L.a.data;
    let r = 0;
    for (let j = 0; j < n; j++) {
      if (isEq(j) || (upper[j] === Infinity && lower[j] === -Infinity)) continue;
      const o = j * k;
      const br = r * d;
      for (let i = 0; i < k; i++) {
        const w = A[o + i]!;
        if (w === 0) continue;
        const on2 = i * d;
        for (let q = 0; q < d; q++) b[br + q]! += w * N[on2 + q]!;
      }
      if (upper[j] !== Infinity) up[r] = upper[j]! - s[j]!;
      if (lower[j] !== -Infinity) lw[r] = lower[j]! - s[j]!;
      if (leaky) {
        wu[r] = wU[j]!;
        wl[r] = wL[j]!;
      }
      r++;
    }
    for (const side of [hasLo ? -1 : 0, hasHi ? 1 : 0]) {
      if (side === 0) continue;
      for (let i = 0; i < k; i++, r++) {
        b.set(N.subarray(i * d, (i + 1) * d), r * d);
        if (side < 0) lw[r] = L.zLower - z0[i]!;
        else up[r] = L.zUpper - z0[i]!;
      }
    }
    const bm = matrix(nR, d, b);
    const sub = new FitSolver(bm, {
      backend: L.settings.backend,
      fallback: L.settings.fallback,
      ...(L.settings.maxPivots !== undefined ? { maxPivots: L.settings.maxPivots } : {}),
    });
    const res = sub.chebyshev({ kind: "chebyshev", a: bm, upper: up, lower: lw, upperWeight: leaky ? wu : null, lowerWeight: leaky ? wl : null, deltaMax: Infinity });
    L.solver.solves += sub.solves;
    L.solver.pivots += sub.pivots;
    for (const u of sub.used) L.solver.used.add(u);
    L.solver.notes.push(...sub.notes);
    if (res.status !== "optimal" || !(res.objective <= tol)) return null;
    const u = res.z;
    for (let i = 0; i < k; i++) {
      let t = 0;
      const oi = i * d;
      for (let q = 0; q < d; q++) t += N[oi + q]! * u[q]!;
      z[i] = Math.min(L.zUpper, Math.max(L.zLower, z[i]! + t));
    }
  }
  // the answer is judged on the layer's own rows, as any other: every row at its own least
  // deviation, so no z does better in ℓ∞ (δ = floor) or in ℓ1
  L.activities(z, s);
  const onRows = L.rowsAt(L.eps0);
  const delta = L.maxDeviation(s);
  if (!(delta <= floor + tol)) return null;
  return { status: "optimal", t: 0, eps: L.eps0, delta, z, onRows, free: d, warm: undefined, rowMinimal: true };
}

/** The paper's Algorithm 1 loop: ε₀, ε₀α, … until the LP is feasible. */
function linfScan(L: LayerLp, z0: Float64Array): LinfSearch {
  let warm: VertexSnapshot | LadSnapshot | undefined;
  for (let t = 0; t <= L.tMax; t++) {
    const on = L.rowsAt(L.eps(t));
    const r = L.solver.chebyshev(L.chebyshevProblem(L.eps(t)), { z0, warm: warm ?? null });
    if (r.status === "optimal") return { status: "optimal", t, eps: L.eps(t), delta: r.objective, z: r.z, onRows: on, free: freeOf(r, L.k, on), warm: r.warm };
    if (r.status !== "infeasible") return searchFailure(L, r, t, on);
    warm = r.warm;
  }
  const on = L.rowsAt(L.eps(L.tMax));
  return {
    status: "infeasible",
    t: L.tMax,
    eps: L.eps(L.tMax),
    delta: NaN,
    z: z0,
    onRows: on,
    free: 0,
    warm: undefined,
    message: `no ε up to ${L.eps(L.tMax).toExponential(3)} makes the ℓ∞ LP feasible`,
  };
}

function searchFailure(L: LayerLp, r: FitResult, t: number, on: number): LinfSearch {
  return {
    status: r.status === "infeasible" ? "infeasible" : "failed",
    t,
    eps: L.eps(t),
    delta: NaN,
    z: r.z,
    onRows: on,
    free: 0,
    warm: undefined,
    message: `ℓ∞ LP at ε = ${L.eps(t).toExponential(3)}: ${r.status}${r.message ? ` — ${r.message}` : ""}`,
  };
}

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
