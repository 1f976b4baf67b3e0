/**
 * The shape every inversion method has — a per-layer inverter run by the shared driver, or a
 * whole-network method — and {@link runMethod}, which runs one. The table of names is registry.ts.
 */
import { OptionError } from "../errors.js";
import { type Generator } from "../model/generator.js";
import { checkOperator, observedRows } from "../operators/operator.js";
import { invertLayerwise } from "./driver.js";
import { type LayerInverter } from "./layer.js";
import { type InvertOptions } from "./options.js";
import { patternFirstLinf } from "./pattern-first.js";
import { applyRefinement, refinable } from "./refine.js";
import { type InversionResult, isSuccess } from "./result.js";
import { validateOptions } from "./validate-options.js";

/**
 * A method run one layer at a time by the shared driver.
 * @example
 * ```ts
 * import { invert, invertFeasibleLayer, randomGenerator, registerMethod, RELU, type LayerwiseMethod } from "geninv";
 * const feasibleRefined: LayerwiseMethod = { name: "feasible-refined-doc", kind: "layerwise", description: "LP (4), refined in ℓ∞", layer: invertFeasibleLayer, refine: "linf" };
 * const name = registerMethod(feasibleRefined);
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 25 });
 * console.log(invert(gen, gen.forward([0.3, 0.7]), { method: name }).status);
 * ```
 */
export interface LayerwiseMethod {
  /** The registry name (`invert(…, { method: name })`). */
  name: string;
  /** Tags the shape: run by the layer-wise driver. */
  kind: "layerwise";
  /** One line for `geninv methods` and the docs. */
  description: string;
  /** The per-layer step. */
  layer: LayerInverter;
  /**
   * LP methods: refine the layer-wise answer with `layer` on the network linearised at it,
   * guarding this residual norm (see InvertOptions.refine).
   */
  refine?: "linf" | "l1";
}

/**
 * A method that treats the whole network at once (gradient descent, hybrids, MILP).
 * @example
 * ```ts
 * import { invert, randomGenerator, registerMethod, RELU, type WholeNetworkMethod } from "geninv";
 * // Adam from z = 0 with a small budget, under a name of its own
 * const quickAdam: WholeNetworkMethod = { name: "quick-adam-doc", kind: "whole", description: "Adam from z = 0, 200 iterations", invert: (g, x, o) => invert(g, x, { ...o, method: "adam", init: "zero", iterations: 200 }) };
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 26 });
 * console.log(invert(gen, gen.forward([0.3, 0.7]), { method: registerMethod(quickAdam) }).iterations);
 * ```
 */
export interface WholeNetworkMethod {
  /** The registry name (`invert(…, { method: name })`). */
  name: string;
  /** Tags the shape: called once on the whole network. */
  kind: "whole";
  /** One line for `geninv methods` and the docs. */
  description: string;
  /** Inverts x ≈ G(z) (or y ≈ A·G(z) with `options.operator`) and returns the common result. */
  invert: (gen: Generator, x: ArrayLike<number>, options: InvertOptions) => InversionResult;
}

/**
 * An inversion method: layer-wise (a per-layer step run by the shared driver) or whole-network.
 * @example
 * ```ts
 * import { listMethods, type InversionMethod } from "geninv";
 * const describe = (m: InversionMethod): string => `${m.name} (${m.kind}): ${m.description}`;
 * console.log(listMethods().filter((m) => m.kind === "layerwise").map(describe).join("\n"));
 * ```
 */
export type InversionMethod = LayerwiseMethod | WholeNetworkMethod;

/**
 * Run a method on one observation. Layer-wise methods see only the observed rows when the
 * operator is a mask; a dense operator needs a whole-network method (gd, adam, pgd).
 * @throws OptionError naming the first bad option (validate-options.ts), or for a dense operator given to a layer-wise method
 */
export function runMethod(method: InversionMethod, gen: Generator, x: ArrayLike<number>, options: InvertOptions): InversionResult {
  validateOptions(options, method.name);
  if (method.kind !== "layerwise") return method.invert(gen, x, options);
  const op = options.operator;
  let g = gen;
  if (op && op.kind === "mask") {
    checkOperator(op, gen.outputSize);
    // residuals are then over the observed rows: the unobserved ones cannot be checked
    g = observedRows(gen, op.rows);
  } else if (op && op.kind === "dense") {
    throw new OptionError(
      `method '${method.name}' inverts G layer by layer and cannot take a dense measurement matrix: use auto (the default), region, pgd, gd or adam`,
    );
  }
  if (method.name === "linf" && method.refine === "linf" && options.refine !== false && refinable(g)) {
    // ℓ∞ through the activation pattern: one LP in z instead of one per layer (null: not certified)
    const fast = patternFirstLinf(g, x, options, method.name);
    if (fast) return fast;
  }
  const r = invertLayerwise(g, x, method.layer, options, method.name);
  // a non-unique answer is refined too: a better-fitting candidate, still reported non_unique
  if (!method.refine || options.refine === false || !refinable(g) || !(isSuccess(r.status) || r.status === "non_unique")) return r;
  return applyRefinement(g, x, r, method.layer, method.refine, options);
}
