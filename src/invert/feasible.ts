/**
 * The realizable LP (4) for one layer: find z with w_jᵀz + b_j = x_j where x_j > 0 and
 * w_jᵀz + b_j ≤ 0 where x_j = 0 (hidden inputs ≥ 0). Solved as the Chebyshev LP with ε at the
 * active tolerance: the data are realizable exactly when its optimal δ is zero (to the fit
 * tolerance), and then its minimiser is a point of (4)'s solution polytope.
 */
import { type LayerInverter, layerResidual, scaleOf } from "./layer.js";
import { freeOf, LayerLp, lpSettings, solverReport, withNotes } from "./lp-layer.js";
import { DEFAULT_TOLERANCES } from "./options.js";
import { type LayerStatus } from "./result.js";

/**
 * LP (4) on one layer: `exact` when realizable, `infeasible` (with the smallest misfit) when not.
 * @param layer the layer (W, b, φ)
 * @param y its observed or reconstructed output, `layer.weight.rows` values
 * @param ctx the layer's place in the network (input range) and the caller's options
 * @returns the layer input x and its {@link LayerFit}: status `exact` when realizable, else `infeasible` with the smallest misfit as `delta`
 * @throws OptionError for invalid LP options (`eps0`, `alpha`, `lpBackend`, `epsSearch`, `lpMaxPivots`); SolverError
 * when the LP backend breaks down (e.g. `lpBackend: "highs"` not loaded)
 * @example
 * ```ts
 * import { invertFeasibleLayer, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20], activation: RELU, rng: 20 });
 * const y = gen.forward([0.5, -1, 2]);
 * const { x, report } = invertFeasibleLayer(gen.layers[0]!, y, { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: {} });
 * if (report.status !== "exact") throw new Error(`noise-free data are realizable, got ${report.status}`);
 * ```
 */
export const invertFeasibleLayer: LayerInverter = (layer, y, ctx) => {
  const opts = ctx.options;
  const L = new LayerLp(layer, y, ctx, lpSettings(opts));
  const activeTol = opts.activeTolerance ?? DEFAULT_TOLERANCES.activeTolerance;
  const fitTol = opts.fitTolerance ?? DEFAULT_TOLERANCES.fitTolerance;
  const thr = activeTol * scaleOf(y, 1e-300);
  const on = L.rowsAt(thr);
  const r = L.solver.chebyshev(L.chebyshevProblem(Infinity), { z0: L.leastSquares(thr) });
  const scratch = new Float64Array(L.n);
  const fitBound = fitTol * scaleOf(y, 1);
  let status: LayerStatus;
  let message: string | undefined;
  if (r.status !== "optimal") {
    status = "failed";
    message = `LP (4): ${r.status}${r.message ? ` — ${r.message}` : ""}`;
  } else if (r.objective <= fitBound) {
    const free = freeOf(r, L.k, on);
    status = free > 0 ? "non_unique" : "exact";
    if (free > 0) message = `LP (4) does not pin ${free} direction(s) of the layer input: one point of its solution set`;
  } else {
    status = "infeasible";
    message = `not realizable: no input reproduces this layer's output within ${fitBound.toExponential(3)} (smallest ℓ∞ misfit ${r.objective.toExponential(3)}; try linf, l1 or relaxed)`;
  }
  return {
    x: r.z,
    report: {
      status,
      activeRows: on,
      residual: layerResidual(layer, r.z, y, scratch),
      eps: thr,
      ...(r.status === "optimal" ? { delta: r.objective } : {}),
      ...solverReport(L),
      ...(withNotes(L, message) ? { message: withNotes(L, message)! } : {}),
    },
  };
};
