/**
 * The method registry: every inversion method is an entry here, either a per-layer inverter run by
 * the shared driver or a whole-network method. New methods plug in with {@link registerMethod}.
 */
import { OptionError } from "../errors.js";
import { type Generator } from "../model/generator.js";
import { invertLayerwise } from "./driver.js";
import { invertExactLayer } from "./exact.js";
import { invertFeasibleLayer } from "./feasible.js";
import { invertL1Layer } from "./l1.js";
import { invertLinfLayer } from "./linf.js";
import { invertRelaxedLayer } from "./relaxed.js";
import { type LayerInverter } from "./layer.js";
import { type InvertOptions } from "./options.js";
import { applyRefinement, refinable } from "./refine.js";
import { type InversionResult, isSuccess } from "./result.js";

/** A method run one layer at a time by the shared driver. */
export interface LayerwiseMethod {
  name: string;
  kind: "layerwise";
  description: string;
  layer: LayerInverter;
  /**
   * LP methods: refine the layer-wise answer with `layer` on the network linearised at it,
   * guarding this residual norm (see InvertOptions.refine).
   */
  refine?: "linf" | "l1";
}

/** A method that treats the whole network at once (gradient descent, hybrids, MILP). */
export interface WholeNetworkMethod {
  name: string;
  kind: "whole";
  description: string;
  invert: (gen: Generator, x: ArrayLike<number>, options: InvertOptions) => InversionResult;
}

/** An inversion method. */
export type InversionMethod = LayerwiseMethod | WholeNetworkMethod;

const methods = new Map<string, InversionMethod>();

/** Add (or replace) a method under its name. */
export function registerMethod(method: InversionMethod): void {
  methods.set(method.name, method);
}

/** The method called `name`. @throws OptionError naming the known methods */
export function getMethod(name: string): InversionMethod {
  const m = methods.get(name);
  if (!m) throw new OptionError(`unknown method '${name}' (known: ${[...methods.keys()].join(", ")})`);
  return m;
}

/** Every registered method. */
export function listMethods(): InversionMethod[] {
  return [...methods.values()];
}

/** Run a method on one observation. */
export function runMethod(method: InversionMethod, gen: Generator, x: ArrayLike<number>, options: InvertOptions): InversionResult {
  if (method.kind !== "layerwise") return method.invert(gen, x, options);
  const r = invertLayerwise(gen, x, method.layer, options, method.name);
  if (!method.refine || options.refine === false || !refinable(gen) || !isSuccess(r.status)) return r;
  return applyRefinement(gen, x, r, method.layer, method.refine, options);
}

registerMethod({
  name: "exact",
  kind: "layerwise",
  description: "Theorem 2: least squares on each layer's active rows; exact for realizable inputs",
  layer: invertExactLayer,
});

registerMethod({
  name: "linf",
  kind: "layerwise",
  description: "Algorithm 1: ℓ∞ LP per layer, ε found by searching the grid ε₀·αᵗ (LeakyReLU: Remark 1)",
  layer: invertLinfLayer,
  refine: "linf",
});

registerMethod({
  name: "l1",
  kind: "layerwise",
  description: "Algorithm 2: ℓ1 LP per layer, ε raised by α until the layer's ℓ1 fit stops improving",
  layer: invertL1Layer,
  refine: "l1",
});

registerMethod({
  name: "relaxed",
  kind: "layerwise",
  description: "eq. (8): relaxed LP per layer, ε = the data's own ℓ∞ noise bound (Algorithm 1's search)",
  layer: invertRelaxedLayer,
  refine: "linf",
});

registerMethod({
  name: "feasible",
  kind: "layerwise",
  description: "LP (4): realizable feasibility LP per layer; infeasible when no input reproduces the output",
  layer: invertFeasibleLayer,
});
