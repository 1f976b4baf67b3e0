/**
 * The layer-wise driver: inverts from the last layer back to z with any {@link LayerInverter},
 * collecting one report per layer into the common {@link InversionResult}.
 */
import { diffNorms } from "../linalg/norms.js";
import { activationRange } from "../model/activation.js";
import { checkVector, type Generator, layerName } from "../model/generator.js";
import { type LayerContext, type LayerInverter } from "./layer.js";
import { type InvertOptions } from "./options.js";
import { type InversionResult, type InversionStatus, type LayerReport, worseStatus } from "./result.js";

const UNBOUNDED: readonly [number, number] = [-Infinity, Infinity];

/**
 * Invert `x ≈ G(z)` one layer at a time: for i = d … 1, x_{i-1} = inverter(layer i, x_i).
 * @param gen the generator G
 * @param x the observation, `gen.outputSize` values
 * @param inverter the per-layer step (e.g. {@link invertExactLayer}, {@link invertLinfLayer})
 * @param options passed to the inverter in its {@link LayerContext}
 * @param method the name recorded in the result's `method`
 * @returns one {@link InversionResult}: z, ‖G(z) − x‖, one report per layer (layer 1 first), the worst layer's status
 * @throws ShapeError / InvalidValueError when x has the wrong length or non-finite entries; whatever the
 * inverter throws (e.g. OptionError for bad LP options, SolverError when an LP backend breaks down)
 * @example
 * ```ts
 * import { invertLayerwise, invertL1Layer, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 15 });
 * const r = invertLayerwise(gen, gen.forward([0.3, -0.6]), invertL1Layer, {}, "l1");
 * console.log(r.status, r.layers.map((l) => l.l1Fit));
 * ```
 */
export function invertLayerwise(gen: Generator, x: ArrayLike<number>, inverter: LayerInverter, options: InvertOptions, method: string): InversionResult {
  checkVector(x, gen.outputSize, "observation");
  const t0 = performance.now();
  const d = gen.depth;
  const reports: LayerReport[] = new Array(d);
  const warnings: string[] = [];
  let y: Float64Array = Float64Array.from(x);
  let status: InversionStatus = "exact";
  for (let i = d - 1; i >= 0; i--) {
    const layer = gen.layers[i]!;
    const ctx: LayerContext = {
      index: i,
      depth: d,
      inputRange: i === 0 ? UNBOUNDED : activationRange(gen.layers[i - 1]!.activation),
      options,
    };
    const tl = performance.now();
    const { x: input, report } = inverter(layer, y, ctx);
    reports[i] = {
      layer: i + 1,
      ...(layer.name ? { name: layer.name } : {}),
      inputs: layer.weight.cols,
      outputs: layer.weight.rows,
      ...report,
      timeMs: performance.now() - tl,
    };
    // below a non-unique layer the input is an arbitrary candidate, so its misfit certifies nothing
    if (!(status === "non_unique" && report.status === "infeasible")) status = worseStatus(status, report.status);
    if (report.message && report.status !== "exact" && report.status !== "optimal") {
      warnings.push(`${layerName(layer, i)}: ${report.message}`);
    }
    y = input;
  }
  const residual = diffNorms(gen.forward(y), x);
  if (status === "non_unique") warnings.push("z is one candidate pre-image, not identified: do not trust it as z*");
  return { method, status, z: y, residual, layers: reports, timeMs: performance.now() - t0, warnings };
}
