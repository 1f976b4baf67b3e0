/**
 * `auto`, the default method: the cheapest method that can be trusted on the data at hand.
 * 1. Per-pixel operators (identity, mask): Theorem 2 layer by layer (`exact`, a least-squares
 *    solve per layer). Realizable data whose every layer is expansive in what it sees are inverted
 *    exactly and identified; that answer is returned.
 * 2. Otherwise (noise, hidden pixels, a dense measurement matrix, layers too narrow for layer-wise
 *    inversion): region descent (`region`, ℓ2) with the layer-wise answer as its first start.
 * Starts are spent where they pay: with the layer-wise answer to walk from (noisy or out-of-range
 * data through the identity or a mask), random starts are off unless `restarts` asks for them —
 * on the shipped generators they lowered no median error there (held-out digits, Figure 3; see
 * bench/region) and each costs a whole walk. Without one (sensing, masks too narrow for layer-wise
 * inversion) region descent's seeded random starts run as in `region`.
 * On data that still do not fit (noise, data outside G's range) z is the MAP estimate under the
 * generators' prior z ~ N(0, I) with the noise level estimated from the least-squares residual
 * (`prior: "gaussian"`, region.ts); `prior: "none"` keeps the least-squares fit.
 * The result's `producedBy` names the method whose answer z is.
 */
import { checkVector, type Generator } from "../model/generator.js";
import { checkOperator, identityOperator, measurementCount, observedRows } from "../operators/operator.js";
import { invertLayerwise } from "./driver.js";
import { invertExactLayer } from "./exact.js";
import { type InvertOptions } from "./options.js";
import { invertRegion } from "./region.js";
import { type InversionResult } from "./result.js";

/** Random starts of `auto` when the layer-wise answer is its start and `restarts` is not given. */
export const AUTO_INFORMED_RESTARTS = 0;

/**
 * The `auto` method: exact when the data are realizable and identified, region descent otherwise.
 * @throws ShapeError / InvalidValueError for a bad observation or operator; OptionError for bad settings
 */
export function invertAuto(gen: Generator, y: ArrayLike<number>, options: InvertOptions): InversionResult {
  const t0 = performance.now();
  const op = options.operator ?? identityOperator(gen.outputSize);
  checkOperator(op, gen.outputSize);
  checkVector(y, measurementCount(op), "observation");
  let start: Float64Array | null = null;
  const notes: string[] = [];
  // a layer seeing fewer rows than it has inputs cannot be inverted alone: skip the layer-wise pass
  const seen = op.kind === "mask" ? op.rows.length : gen.outputSize;
  const expansive = gen.layers.every((l, i) => (i === gen.depth - 1 ? seen : l.weight.rows) >= l.weight.cols);
  if (op.kind !== "dense" && expansive) {
    const g = op.kind === "mask" ? observedRows(gen, op.rows) : gen;
    const exact = invertLayerwise(g, y, invertExactLayer, options, "exact");
    if (exact.status === "exact") {
      return { ...exact, method: "auto", producedBy: "exact", timeMs: performance.now() - t0 };
    }
    notes.push(`layer-wise exact inversion: ${exact.status} (‖r‖∞ = ${exact.residual.linf.toExponential(3)}); region descent from its answer`);
    if (exact.z.every(Number.isFinite)) start = exact.z;
  }
  const init = options.init;
  const informed = start !== null && (init === undefined || typeof init === "string");
  const restarts = options.restarts ?? (informed ? AUTO_INFORMED_RESTARTS : undefined);
  const region = invertRegion(
    gen,
    y,
    {
      ...options,
      prior: options.prior ?? "gaussian",
      regionLayerwiseStart: false,
      ...(informed ? { init: start! } : {}),
      ...(restarts !== undefined ? { restarts } : {}),
    },
    "l2",
    "auto",
  );
  if (informed && restarts === 0 && region.status === "converged") {
    notes.push("one start (the layer-wise answer); restarts: N adds N seeded random starts (--restarts)");
  }
  if (region.region && start && region.region.bestStart === "init") region.region.bestStart = "layerwise";
  return { ...region, producedBy: "region", timeMs: performance.now() - t0, warnings: [...notes, ...region.warnings] };
}
