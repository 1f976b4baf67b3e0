/**
 * Algorithm 1's ε search on one layer: the first ε on the grid ε₀·αᵗ at which the ℓ∞ LP with the
 * cap δ ≤ ε is feasible — the ε the paper's scan stops at — found with a least-squares witness,
 * one cold LP, then galloping and bisection, every probe warm-started (see {@link linfSearch});
 * plus the no-LP answers for realizable data and the LP in the free directions of a layer with
 * fewer pinned rows than inputs. The search's state is explicit ({@link SearchState}).
 */
import { matrix } from "../linalg/matrix.js";
import { nullSpaceRows } from "../linalg/qr.js";
import { FitSolver, type FitResult } from "../lp/backend.js";
import { type LadSnapshot } from "../lp/lad.js";
import { type VertexSnapshot } from "../lp/vertex-simplex.js";
import { freeOf, type LayerLp, lsWorkspace } from "./lp-layer.js";

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

/** What a caller already knows about a layer's LP (see {@link linfSearch}). */
export interface LinfStart {
  /**
   * A least-squares fit of the layer's rows that look active, of full rank (the caller's own, e.g.
   * pattern-first's Gauss–Newton step on the same linearised layer): used as the search's witness
   * and the cold LP's starting point instead of a least squares of its own. Only the path changes:
   * the search still stops at the first feasible grid ε and returns that LP's minimiser.
   */
  witness?: Float64Array;
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
export function linfSearch(L: LayerLp, start: LinfStart = {}): LinfSearch {
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
  if (start.witness) {
    // the caller's full-rank least-squares point of these rows: the witness, without a QR of our own
    z0 = start.witness;
    L.activities(z0, s);
    ({ t: tW, d: dW } = L.firstFit(s, L.tMax));
    rankW = L.k;
  }
  for (const thr of start.witness ? [] : thresholds) {
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
  const st: SearchState = { best, bestT: tHi, bestOn: on, lo, z0, failure: null };
  descend(L, st);
  // 3. gallop down, then bisect
  // realizable data (δ at rounding level): the search ends at ε₀ unless ε₀ is infeasible — try it first
  if (st.bestT > 0 && st.lo < 0 && st.best.objective <= 1e-3 * L.eps0) {
    if (probe(L, st, 0) === false) st.lo = 0;
  }
  for (let step = 1; st.failure === null && st.bestT - st.lo > 1; step *= 2) {
    const t = Math.max(st.lo + 1, st.bestT - step);
    const ok = probe(L, st, t);
    if (ok === null) break;
    if (!ok) {
      st.lo = t;
      break;
    }
  }
  while (st.failure === null && st.bestT - st.lo > 1) {
    const mid = (st.lo + st.bestT) >> 1;
    const ok = probe(L, st, mid);
    if (ok === null) break;
    if (!ok) st.lo = mid;
  }
  if (st.failure) return searchFailure(L, st.failure, st.bestT, st.bestOn);
  return {
    status: "optimal",
    t: st.bestT,
    eps: L.eps(st.bestT),
    delta: st.best.objective,
    z: st.best.z,
    onRows: st.bestOn,
    free: freeOf(st.best, L.k, st.bestOn),
    warm: st.best.warm,
  };
}

/**
 * The state of the downward search: the lowest feasible grid point found (its LP answer, index
 * and two-sided rows), the highest grid index known infeasible, and the first solver failure.
 */
interface SearchState {
  best: FitResult;
  bestT: number;
  bestOn: number;
  /** Highest grid index proven infeasible (−1: none). */
  lo: number;
  z0: Float64Array;
  failure: FitResult | null;
}

/** Same rows down to the class boundary below, and δ stays under ε down to δ itself: lower bestT for free. */
function descend(L: LayerLp, st: SearchState): void {
  const floor = Math.max(st.best.objective, L.boundaryBelow(L.eps(st.bestT)) * (1 + 1e-12));
  const t = L.firstAtLeast(floor);
  if (t < st.bestT) st.bestT = t;
}

/**
 * Solve the capped LP at grid point t, warm-started from the best basis: true (feasible; the
 * state moves down), false (infeasible), null (solver failure, recorded in the state).
 */
function probe(L: LayerLp, st: SearchState, t: number): boolean | null {
  const onT = L.rowsAt(L.eps(t));
  const r = L.solver.chebyshev(L.chebyshevProblem(L.eps(t)), { z0: st.z0, warm: st.best.warm ?? null });
  if (r.status === "optimal") {
    st.best = r;
    st.bestT = t;
    st.bestOn = onT;
    descend(L, st);
    return true;
  }
  if (r.status === "infeasible") return false;
  st.failure = r;
  return null;
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
    const res = sub.chebyshev({
      kind: "chebyshev",
      a: bm,
      upper: up,
      lower: lw,
      upperWeight: leaky ? wu : null,
      lowerWeight: leaky ? wl : null,
      deltaMax: Infinity,
    });
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
