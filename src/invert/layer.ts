/**
 * The contract between the layer-wise driver and a per-layer inverter: given one layer and its
 * (observed or reconstructed) output y, find the layer's input x.
 */
import { type Norms, diffNorms } from "../linalg/norms.js";
import { matVec } from "../linalg/matrix.js";
import { applyActivation } from "../model/activation.js";
import { type DenseLayer } from "../model/generator.js";
import { type InvertOptions } from "./options.js";
import { type LayerReport } from "./result.js";

/**
 * What the driver tells a layer inverter about the layer's place in the network.
 * @example
 * ```ts
 * import { invertLinfLayer, randomGenerator, RELU, type LayerContext } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20], activation: RELU, rng: 12 });
 * // a one-layer network: layer 0 takes z, which may be any real vector
 * const ctx: LayerContext = { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: { eps0: 1e-7 } };
 * const { report } = invertLinfLayer(gen.layers[0]!, gen.forward([1, -1, 0.5]), ctx);
 * console.log(report.status, report.delta);
 * ```
 */
export interface LayerContext {
  /** 0-based index of the layer (0 takes z). */
  index: number;
  /** Number of layers d. */
  depth: number;
  /**
   * Interval the layer's input must lie in: (−∞, ∞) for z; [0, ∞) when the previous layer is a
   * ReLU (hidden reconstructions must be ReLU outputs); (0, 1) after a sigmoid.
   */
  inputRange: readonly [number, number];
  /** The caller's options (each method reads its own fields). */
  options: InvertOptions;
}

/**
 * The part of a {@link LayerReport} an inverter fills (the driver adds index, sizes, time).
 * @example
 * ```ts
 * import { diffNorms, type LayerFit } from "geninv";
 * // what a custom inverter reports for a layer it solved on all 20 rows with zero misfit
 * const fit: LayerFit = { status: "exact", activeRows: 20, residual: diffNorms([0, 0]) };
 * console.log(fit.status, fit.residual.linf);
 * ```
 */
export type LayerFit = Omit<LayerReport, "layer" | "name" | "inputs" | "outputs" | "timeMs">;

/**
 * A layer inverter's answer: the reconstructed input and the report of how it fits.
 * @example
 * ```ts
 * import { invertExactLayer, randomGenerator, RELU, type LayerSolution } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20], activation: RELU, rng: 13 });
 * const sol: LayerSolution = invertExactLayer(gen.layers[0]!, gen.forward([0.2, 1, -0.4]), { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: {} });
 * console.log(Array.from(sol.x), sol.report.status, sol.report.rank);
 * ```
 */
export interface LayerSolution {
  /** The reconstructed layer input (n_{i-1} values; z for layer 1). */
  x: Float64Array;
  /** How x fits the layer's output. */
  report: LayerFit;
}

/**
 * Inverts one layer: (W, b, φ), y ↦ x with φ(W x + b) ≈ y. Exact, ℓ∞, ℓ1, relaxed and MILP share it.
 * @example
 * ```ts
 * import { invertExactLayer, invertLayerwise, invertLinfLayer, randomGenerator, RELU, type LayerInverter } from "geninv";
 * // exact where the layer allows it, else the ℓ∞ LP
 * const exactOrLinf: LayerInverter = (layer, y, ctx) => {
 *   const s = invertExactLayer(layer, y, ctx);
 *   return s.report.status === "exact" ? s : invertLinfLayer(layer, y, ctx);
 * };
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 14 });
 * console.log(invertLayerwise(gen, gen.forward([1, 2]), exactOrLinf, {}, "exact-or-linf").status);
 * ```
 */
export type LayerInverter = (layer: DenseLayer, y: Float64Array, ctx: LayerContext) => LayerSolution;

/** ‖φ(W x + b) − y‖; `scratch` (length n_out) receives φ(W x + b). */
export function layerResidual(layer: DenseLayer, x: ArrayLike<number>, y: ArrayLike<number>, scratch: Float64Array): Norms {
  matVec(layer.weight, x, scratch, layer.bias);
  applyActivation(layer.activation, scratch, layer.weight.rows);
  return diffNorms(scratch, y, layer.weight.rows);
}

/** ‖v‖∞ floored at `floor`, the scale that relative tolerances multiply. */
export function scaleOf(v: ArrayLike<number>, floor: number): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (a > m) m = a;
  }
  return Math.max(m, floor);
}
