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

/** What the driver tells a layer inverter about the layer's place in the network. */
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

/** The part of a {@link LayerReport} an inverter fills (the driver adds index, sizes, time). */
export type LayerFit = Omit<LayerReport, "layer" | "name" | "inputs" | "outputs" | "timeMs">;

/** A layer inverter's answer: the reconstructed input and the report of how it fits. */
export interface LayerSolution {
  x: Float64Array;
  report: LayerFit;
}

/** Inverts one layer: (W, b, φ), y ↦ x with φ(W x + b) ≈ y. Exact, ℓ∞, ℓ1, relaxed and MILP share it. */
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
