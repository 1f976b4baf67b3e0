/**
 * The relaxed LP (8) for one ReLU layer: max Σ_j max(0, x_j)·(w_jᵀz + b_j) s.t.
 * w_jᵀz + b_j ≤ x_j + ε — no ReLU configuration is guessed; large outputs pull their rows up to
 * their bound, outputs near zero hardly count.
 *
 * ε comes from the data, never from the truth (the authors' code sets it from the true noise):
 * it is the ε at which Algorithm 1's constraints first become feasible (see linfSearch), and the
 * ℓ∞ minimiser found there is a feasible starting point for (8). LeakyReLU and invertible layers
 * have no configuration to relax: they get Remark 1's / the plain ℓ∞ LP (reported in the message).
 */
import { type RelaxedProblem } from "../lp/types.js";
import { type LayerInverter, layerResidual, scaleOf } from "./layer.js";
import { linfSearch } from "./eps-search.js";
import { LayerLp, lpSettings, solverReport, withNotes } from "./lp-layer.js";
import { type LayerStatus } from "./result.js";

/**
 * eq. (8) on one layer: the relaxed LP, with ε taken from the data.
 * @param layer the layer (W, b, φ)
 * @param y its observed or reconstructed output, `layer.weight.rows` values
 * @param ctx the layer's place in the network (input range) and the caller's options
 * @returns the layer input x and its {@link LayerFit}: `eps` set, `message` saying when Remark 1's or the plain ℓ∞ LP stood in
 * @throws OptionError for invalid LP options (`eps0`, `alpha`, `lpBackend`, `epsSearch`, `lpMaxPivots`); SolverError
 * when the LP backend breaks down (e.g. `lpBackend: "highs"` not loaded)
 * @example
 * ```ts
 * import { invertRelaxedLayer, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20], activation: RELU, rng: 19 });
 * const y = gen.forward([0.5, -1, 2]);
 * const { x, report } = invertRelaxedLayer(gen.layers[0]!, y, { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: {} });
 * console.log(report.status, report.eps, report.message ?? "", x.length);
 * ```
 */
export const invertRelaxedLayer: LayerInverter = (layer, y, ctx) => {
  const L = new LayerLp(layer, y, ctx, lpSettings(ctx.options));
  const scratch = new Float64Array(L.n);
  const r = linfSearch(L);
  if (r.status !== "optimal" || L.model.kind !== "relu") {
    const status: LayerStatus = r.status === "optimal" ? "optimal" : r.status;
    const note = r.status === "optimal" ? `${layer.activation.kind} layer: no ReLU configuration to relax, used the ℓ∞ LP (Remark 1)` : r.message;
    return {
      x: r.z,
      report: {
        status,
        activeRows: r.onRows,
        residual: layerResidual(layer, r.z, y, scratch),
        eps: r.eps,
        ...(Number.isFinite(r.delta) ? { delta: r.delta } : {}),
        ...solverReport(L),
        ...(withNotes(L, note) ? { message: withNotes(L, note)! } : {}),
      },
    };
  }
  // numerically exact fit only (not the float32-level fit tolerance: (8) has work to do at e = 1e-6)
  if (r.delta <= 1e-11 * scaleOf(y, 1)) {
    // realizable: at ε = 0 the solutions of (8) are exactly the layer's pre-image, which the ℓ∞
    // minimiser (δ = 0) belongs to — no degenerate LP needed
    return {
      x: r.z,
      report: {
        status: r.free > 0 ? "non_unique" : "optimal",
        activeRows: r.onRows,
        residual: layerResidual(layer, r.z, y, scratch),
        eps: Math.max(r.delta, 0),
        delta: r.delta,
        ...solverReport(L),
        message: withNotes(
          L,
          r.free > 0
            ? `the pre-image is not unique: ${r.free} direction(s) of the layer input are unconstrained (only ${r.onRows} two-sided rows)`
            : "realizable layer (δ = 0): the ℓ∞ minimiser is in the pre-image, which solves (8) at ε = 0",
        )!,
      },
    };
  }
  const { n, k } = L;
  // the smallest slack at which (8)'s rows admit the ℓ∞ minimiser: δ* ≤ ε (0 for realizable data)
  const eps = Math.max(r.delta, 0);
  const upper = new Float64Array(n);
  const cost = new Float64Array(k);
  const A = L.a.data;
  for (let j = 0; j < n; j++) {
    upper[j] = L.t[j]! + eps;
    const w = y[j]! > 0 ? y[j]! : 0;
    if (w === 0) continue;
    for (let i = 0; i < k; i++) cost[i]! += w * A[j * k + i]!;
  }
  const prob: RelaxedProblem = {
    kind: "relaxed",
    a: L.a,
    upper,
    lower: new Float64Array(n).fill(-Infinity),
    cost,
    zLower: L.zLower,
    zUpper: L.zUpper,
  };
  const res = L.solver.relaxed(prob, { z0: r.z, warm: r.warm ?? null });
  const ok = res.status === "optimal";
  const x = ok ? res.z : r.z;
  let status: LayerStatus = ok ? "optimal" : res.status === "infeasible" ? "infeasible" : "failed";
  let message: string | undefined = ok ? res.message : `relaxed LP (8) at ε = ${eps.toExponential(3)}: ${res.status}${res.message ? ` — ${res.message}` : ""}`;
  if (ok && res.message && /not unique/.test(res.message)) status = "non_unique";
  if (!ok && res.status === "unbounded") {
    status = "failed";
    message = `relaxed LP (8) is unbounded at ε = ${eps.toExponential(3)}: the layer's outputs do not pin its input`;
  }
  return {
    x,
    report: {
      status,
      activeRows: r.onRows,
      residual: layerResidual(layer, x, y, scratch),
      eps,
      delta: r.delta,
      ...solverReport(L),
      ...(withNotes(L, message) ? { message: withNotes(L, message)! } : {}),
    },
  };
};
