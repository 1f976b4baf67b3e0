/**
 * Algorithm 2 (ℓ1 LP) for one layer: min Σ e_j s.t. |w_jᵀz + b_j − x_j| ≤ e_j (x_j > ε),
 * w_jᵀz + b_j ≤ x_j + e_j (x_j ≤ ε), e ≥ 0, for ε ← εα until the layer's ℓ1 fit
 * ‖φ(W z + b) − x‖₁ stops improving; the previous z is the answer. LeakyReLU layers use the ℓ1
 * form of Remark 1's rows; hidden-layer reconstructions are kept ≥ 0.
 *
 * Where ε starts: the paper starts at a given noise level. geninv starts where Algorithm 1's search
 * (see linfSearch) finds the ℓ∞ constraints become feasible — the data's own noise bound — and
 * skips grid points that leave every row in its class (the same LP, hence the same z and fit,
 * would end the loop by a tie rather than by the fit getting worse). `epsSearch: "scan"` runs the
 * paper's loop from ε₀ instead.
 */
import { rowDeviations } from "../lp/types.js";
import { type LayerInverter, layerResidual } from "./layer.js";
import { linfSearch } from "./eps-search.js";
import { LayerLp, lpSettings, solverReport, withNotes } from "./lp-layer.js";
import { type LadSnapshot } from "../lp/lad.js";

/**
 * Algorithm 2 on one layer: the ℓ1 fit Σ e_j at the ε it settles on.
 * @param layer the layer (W, b, φ)
 * @param y its observed or reconstructed output, `layer.weight.rows` values
 * @param ctx the layer's place in the network (input range) and the caller's options
 * @returns the layer input x and its {@link LayerFit}: `l1Fit` (the optimal Σ e_j) and `eps` set
 * @throws OptionError for invalid LP options (`eps0`, `alpha`, `lpBackend`, `epsSearch`, `lpMaxPivots`); SolverError
 * when the LP backend breaks down (e.g. `lpBackend: "highs"` not loaded)
 * @example
 * ```ts
 * import { invertL1Layer, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20], activation: RELU, rng: 18 });
 * const y = gen.forward([0.5, -1, 2]);
 * const { x, report } = invertL1Layer(gen.layers[0]!, y, { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: {} });
 * console.log(report.status, report.eps, report.l1Fit, x.length);
 * ```
 */
export const invertL1Layer: LayerInverter = (layer, y, ctx) => {
  const L = new LayerLp(layer, y, ctx, lpSettings(ctx.options));
  const scratch = new Float64Array(L.n);
  const search = L.settings.search === "search";
  let t = 0;
  let z0: Float64Array;
  if (search) {
    const r = linfSearch(L);
    if (r.status === "failed") {
      return {
        x: r.z,
        report: {
          status: "failed",
          activeRows: r.onRows,
          residual: layerResidual(layer, r.z, y, scratch),
          eps: r.eps,
          ...solverReport(L),
          message: withNotes(L, r.message)!,
        },
      };
    }
    t = r.status === "optimal" ? r.t : 0;
    z0 = r.z;
    if (r.status === "optimal" && r.t === 0 && (r.delta <= 1e-3 * L.eps0 || r.rowMinimal === true)) {
      // realizable data: the ℓ∞ answer meets every row at ε₀ to rounding (or at its own least
      // deviation, in a layer that leaves directions free), so it is an optimum of the ℓ1 LP at ε₀
      // and the loop would stop there (a non-identifiable layer's candidate gains nothing from a
      // larger ε) — no ℓ1 LP needed
      L.rowsAt(L.eps0);
      const free = Math.max(r.free, L.k - r.onRows);
      const nonUnique =
        free > 0 ? `the ℓ1 LP optimum leaves ${free} direction(s) of the layer input unconstrained (only ${r.onRows} two-sided rows)` : undefined;
      const message = withNotes(L, nonUnique);
      return {
        x: z0,
        report: {
          status: free > 0 ? "non_unique" : "optimal",
          activeRows: r.onRows,
          residual: layerResidual(layer, z0, y, scratch),
          eps: r.eps,
          l1Fit: rowDeviations(L.chebyshevProblem(Infinity), L.activities(z0, scratch)).sum,
          ...solverReport(L),
          ...(message ? { message } : {}),
        },
      };
    }
  } else z0 = L.leastSquares(L.eps0);
  let prev: { t: number; z: Float64Array; fit: number; obj: number; on: number; free: number } | null = null;
  let warm: LadSnapshot | undefined;
  let failure: string | undefined;
  for (;;) {
    const on = L.rowsAt(L.eps(t));
    const r = L.solver.ladFit(L.ladProblem(), { z0: prev ? prev.z : z0, warm: warm ?? null });
    if (r.status !== "optimal") {
      failure = `ℓ1 LP at ε = ${L.eps(t).toExponential(3)}: ${r.status}${r.message ? ` — ${r.message}` : ""}`;
      break;
    }
    const fit = layerResidual(layer, r.z, y, scratch).l1;
    // Algorithm 2: stop when ‖φ(z⁽ᵗ⁾) − x‖₁ ≥ ‖φ(z⁽ᵗ⁻¹⁾) − x‖₁ and return z⁽ᵗ⁻¹⁾
    if (prev && fit >= prev.fit) break;
    let free = 0;
    const snap = r.warm as LadSnapshot | undefined;
    if (snap) for (let q = 0; q < snap.basis.length; q++) if (snap.basis[q]! < 0) free++;
    // fewer two-sided rows than unknowns cannot identify the input (Theorem 2), vertex or not
    free = Math.max(free, L.k - on);
    prev = { t, z: r.z, fit, obj: r.objective, on, free };
    warm = r.warm as LadSnapshot | undefined;
    let next = t + 1;
    if (search) next = Math.max(next, L.firstAtLeast(L.boundaryAbove(L.eps(t))));
    if (next > L.tMax) break;
    t = next;
  }
  if (!prev) {
    return {
      x: z0,
      report: { status: "failed", activeRows: 0, residual: layerResidual(layer, z0, y, scratch), ...solverReport(L), message: withNotes(L, failure)! },
    };
  }
  const residual = layerResidual(layer, prev.z, y, scratch);
  const nonUnique =
    prev.free > 0 ? `the ℓ1 LP optimum leaves ${prev.free} direction(s) of the layer input unconstrained (only ${prev.on} two-sided rows)` : undefined;
  const message = withNotes(L, [nonUnique, failure ? `stopped early (${failure}); kept the last good ε` : undefined].filter(Boolean).join("; ") || undefined);
  return {
    x: prev.z,
    report: {
      status: prev.free > 0 ? "non_unique" : "optimal",
      activeRows: prev.on,
      residual,
      eps: L.eps(prev.t),
      l1Fit: prev.obj,
      ...solverReport(L),
      ...(message ? { message } : {}),
    },
  };
};
