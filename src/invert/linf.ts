/**
 * Algorithm 1 (ℓ∞ LP) for one layer: the smallest ε on the grid ε₀·αᵗ at which
 * min δ s.t. |w_jᵀz + b_j − x_j| ≤ δ (x_j > ε), w_jᵀz + b_j ≤ x_j + δ (x_j ≤ ε), δ ≤ ε
 * is feasible, and its minimiser. LeakyReLU layers use Remark 1's rows. Hidden-layer
 * reconstructions are ReLU outputs, so the LP keeps them ≥ 0.
 */
import { type DenseLayer } from "../model/generator.js";
import { type LayerContext, type LayerInverter, type LayerSolution, layerResidual } from "./layer.js";
import { linfSearch, type LinfStart } from "./eps-search.js";
import { LayerLp, lpSettings, solverReport, withNotes } from "./lp-layer.js";
import { type LayerStatus } from "./result.js";

/**
 * Algorithm 1 on one layer, with geninv's ε search (see {@link linfSearch}).
 * @param layer the layer (W, b, φ)
 * @param y its observed or reconstructed output, `layer.weight.rows` values
 * @param ctx the layer's place in the network (input range) and the caller's options
 * @returns the layer input x and its {@link LayerFit}: `delta` (the optimal ℓ∞ fit) and `eps` set
 * @throws OptionError for invalid LP options (`eps0`, `alpha`, `lpBackend`, `epsSearch`, `lpMaxPivots`); SolverError
 * when the LP backend breaks down (e.g. `lpBackend: "highs"` not loaded)
 * @example
 * ```ts
 * import { invertLinfLayer, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20], activation: RELU, rng: 17 });
 * const y = gen.forward([0.5, -1, 2]);
 * const { x, report } = invertLinfLayer(gen.layers[0]!, y, { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: {} });
 * console.log(report.status, report.eps, report.delta, x.length);
 * ```
 */
export const invertLinfLayer: LayerInverter = (layer, y, ctx) => invertLinfLayerFrom(layer, y, ctx, {});

/**
 * {@link invertLinfLayer} with what the caller already knows about the layer's LP (a full-rank
 * least-squares witness, see {@link LinfStart}); same ε and minimiser, fewer steps to them.
 */
export function invertLinfLayerFrom(layer: DenseLayer, y: Float64Array, ctx: LayerContext, start: LinfStart): LayerSolution {
  const L = new LayerLp(layer, y, ctx, lpSettings(ctx.options));
  const r = linfSearch(L, start);
  const x = r.z;
  const residual = layerResidual(layer, x, y, new Float64Array(L.n));
  let status: LayerStatus = r.status;
  let message = r.message;
  if (status === "optimal" && r.free > 0) {
    status = "non_unique";
    message = `the ℓ∞ LP optimum leaves ${r.free} direction(s) of the layer input unconstrained (only ${r.onRows} two-sided rows)`;
  }
  return {
    x,
    report: {
      status,
      activeRows: r.onRows,
      residual,
      eps: r.eps,
      ...(Number.isFinite(r.delta) ? { delta: r.delta } : {}),
      ...solverReport(L),
      ...(withNotes(L, message) ? { message: withNotes(L, message)! } : {}),
    },
  };
}
