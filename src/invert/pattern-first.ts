/**
 * ℓ∞ inversion through the activation pattern. On a fixed pattern P, G is affine in z
 * (pre_d = J_P z + o_P, section 3: "when the ReLU configuration for each layer is given, the
 * recovery problem becomes to solve a simple linear system"), so once P is known the only LP
 * needed is Algorithm 1's in z — k + 1 unknowns against the n output rows — instead of one LP per
 * layer (on 20-100-500 the 500×100 layer LP is ~90 % of a layer-wise ℓ∞ inversion).
 *
 * The pattern comes from layer-wise least squares on the rows that look active (Theorem 2's
 * inversion with a tolerance; no LP), settled by Gauss–Newton steps on the region (least squares in
 * z, no LP either), then: linearise at z, solve the ε search of Algorithm 1 on that affine layer,
 * and repeat from its answer while the pattern changes (at most 4 passes).
 * When the answer's own pattern is the one it was solved on, G(z) = J_P z + o_P holds at z, so the
 * true residual is the LP's δ and z is the ℓ∞ minimiser over the whole region R_P. Anything else —
 * a layer whose least squares is rank-deficient (Theorem 2's non-unique case), a pattern that keeps
 * changing, an LP that fails — returns null and the caller runs the layer-wise algorithm, which
 * stays available as published with `refine: false`.
 */
import { diffNorms } from "../linalg/norms.js";
import { activationRange } from "../model/activation.js";
import { checkVector, type DenseLayer, type Generator } from "../model/generator.js";
import { type LayerContext, type LayerInverter } from "./layer.js";
import { LayerLp, type LpSettings, lpSettings } from "./lp-layer.js";
import { type InvertOptions } from "./options.js";
import { linearizeAt, patternOf, relinearize } from "./refine.js";
import { type InversionResult, type LayerReport } from "./result.js";

/** Passes of linearise → LP before giving up on a pattern that keeps changing. */
const MAX_PASSES = 4;
/** Every layer must have at least this many outputs per input for the pattern-first path. */
const MIN_EXPANSION = 2;
/** Hidden-layer reconstructions below this fraction of their largest value count as inactive. */
const HIDDEN_ACTIVE_FRACTION = 1e-3;
/**
 * The least squares that find the pattern (the start's and the Gauss–Newton steps') use output rows
 * above this multiple of the noise guess. An "off" output reads as its noise, up to ~the guess (the
 * largest negative observation); one such row taken as active pulls the fit by its whole
 * pre-activation and flips units: on 100-250-600 the start's pattern was off by 35–80 units on 3 of
 * 6 observations, and right on 5 of 6 with the margin. The LP still sees every row.
 */
const NOISE_MARGIN = 2;
/** The start's output least squares keeps at most this many rows per layer input (the largest). */
const ROWS_PER_INPUT = 2;
/** Gauss–Newton steps on the region (least squares in z, no LP) before the first LP pass. */
const MAX_SETTLE_STEPS = 4;

/** Hidden units whose side differs between two patterns of {@link patternOf}. */
function patternDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) d++;
  return d;
}

/**
 * The network linearised at z's pattern, after Gauss–Newton steps that settle that pattern
 * without an LP: z ← the least-squares fit of J_P z + o_P to the output rows that look active
 * (section 3's "simple linear system" on the region), repeated while the pattern changes and the
 * number of changed units falls. Each step costs one linearisation (or its rank-one update) and a
 * k-unknown least squares — a fraction of an LP pass. With the start's rows chosen as below, one
 * LP pass then suffices on every one of 40 observations of 20-100-500 and 10 of 100-250-600 at
 * noise 1e-4 (was 2.4 passes a 20-100-500 inversion, and 100-250-600 not tried). Returns the last
 * z and its linearisation.
 */
function settlePattern(
  gen: Generator,
  xs: Float64Array,
  z0: Float64Array,
  ctx: LayerContext,
  settings: LpSettings,
): { z: Float64Array; pattern: string; layer: DenseLayer } {
  let z = z0;
  let pattern = patternOf(gen, z);
  let layer = linearizeAt(gen, z);
  let moved = Infinity;
  for (let step = 0; step < MAX_SETTLE_STEPS; step++) {
    const L = new LayerLp(layer, xs, ctx, settings);
    const z2 = L.leastSquares(NOISE_MARGIN * Math.max(settings.eps0, L.noiseGuess()));
    if (L.lastRank < L.k) break; // the LP's search handles rank-deficient rows
    const p2 = patternOf(gen, z2);
    const d = patternDistance(pattern, p2);
    if (d === 0) return { z: z2, pattern, layer }; // same pattern: same linearisation
    if (d >= moved) break; // not settling (a unit that flips back and forth): the LP passes go on
    moved = d;
    z = z2;
    layer = relinearize(gen, layer, pattern, p2) ?? linearizeAt(gen, z);
    pattern = p2;
  }
  return { z, pattern, layer };
}

/**
 * The output rows the start's least squares uses: those above the noise guess, but at most the
 * ROWS_PER_INPUT·inputs largest — the start only has to be close enough for the Gauss–Newton steps,
 * and its QR costs in proportion to the rows (on 20-100-500, 200 of ~250 rows; on 20-60-784, 120 of
 * ~390; below 2 rows per input nothing is dropped, where conditioning would suffer).
 */
function outputThreshold(y: Float64Array, noise: number, inputs: number): number {
  const keep = ROWS_PER_INPUT * inputs;
  let above = 0;
  for (let j = 0; j < y.length; j++) if (y[j]! > noise) above++;
  if (above <= keep) return noise;
  const sorted = Float64Array.from(y).sort();
  return Math.max(noise, sorted[y.length - keep - 1]!); // exactly `keep` rows lie above (ties aside)
}

/**
 * Layer-wise least squares from the observation down to z on the rows that look active: output
 * rows above the data's noise guess (at most the 2·inputs largest, {@link outputThreshold}), hidden units above 10⁻³ of the layer's largest value. Null
 * when a layer's rows do not determine its input (rank < inputs).
 */
export function leastSquaresStart(gen: Generator, x: Float64Array, options: InvertOptions): Float64Array | null {
  const settings = lpSettings(options);
  let y = x;
  for (let i = gen.depth - 1; i >= 0; i--) {
    const layer = gen.layers[i]!;
    const ctx: LayerContext = {
      index: i,
      depth: gen.depth,
      inputRange: i === 0 ? [-Infinity, Infinity] : activationRange(gen.layers[i - 1]!.activation),
      options,
    };
    const L = new LayerLp(layer, y, ctx, settings);
    const thr = i === gen.depth - 1 ? outputThreshold(y, NOISE_MARGIN * Math.max(settings.eps0, L.noiseGuess()), L.k) : HIDDEN_ACTIVE_FRACTION * L.yMax();
    const z = L.leastSquares(thr);
    if (L.lastRank < L.k) return null;
    y = z;
  }
  return y;
}

/**
 * Algorithm 1 on the network linearised at the pattern of a least-squares start (see the module
 * header); null when that cannot be certified, and the caller falls back to the layer-wise path.
 */
export function patternFirstLinf(
  gen: Generator,
  x: ArrayLike<number>,
  inverter: LayerInverter,
  options: InvertOptions,
  method: string,
): InversionResult | null {
  checkVector(x, gen.outputSize, "observation");
  const t0 = performance.now();
  if (lpSettings(options).search !== "search") return null; // the paper's scan keeps its layer-wise form
  // the least-squares pattern is close enough only on expansive layers: measured, it settles in
  // one pass on 20-100-500 (40 of 40) and 100-250-600 (10 of 10, 2.4–2.5 outputs per input);
  // below 2 outputs per input it is not tried
  if (gen.layers.some((l) => l.weight.rows < MIN_EXPANSION * l.weight.cols)) return null;
  const xs = Float64Array.from(x);
  let z = leastSquaresStart(gen, xs, options);
  if (!z) return null;
  const ctx: LayerContext = { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options };
  let lpSolves = 0;
  let pivots = 0;
  let { pattern, layer } = settlePattern(gen, xs, z, ctx, lpSettings(options));
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const r = inverter(layer, xs, ctx);
    lpSolves += r.report.lpSolves ?? 0;
    pivots += r.report.pivots ?? 0;
    if (r.report.status !== "optimal" && r.report.status !== "non_unique") return null;
    z = r.x;
    const next = patternOf(gen, z);
    if (next !== pattern) {
      layer = relinearize(gen, layer, pattern, next) ?? linearizeAt(gen, z);
      pattern = next;
      continue;
    }
    // the answer lies in the region it was solved on: G(z) = J_P z + o_P there
    const residual = diffNorms(gen.forward(z), xs);
    const linear = r.report.residual.linf; // ‖φ(J_P z + o_P) − x‖∞, the LP's own fit
    if (!(residual.linf <= linear * (1 + 1e-9) + 1e-12 * (1 + linear))) return null;
    const report: LayerReport = {
      layer: gen.depth,
      name: `network linearised at its activation pattern (${pass + 1} pass${pass > 0 ? "es" : ""})`,
      inputs: gen.inputSize,
      outputs: gen.outputSize,
      ...r.report,
      lpSolves,
      pivots,
      timeMs: performance.now() - t0,
    };
    const nonUnique = r.report.status === "non_unique";
    return {
      method,
      status: nonUnique ? "non_unique" : "optimal",
      z,
      residual,
      layers: [report],
      timeMs: performance.now() - t0,
      warnings: nonUnique
        ? [`network: ${r.report.message ?? "the ℓ∞ LP in z leaves directions free"}`, "z is one candidate pre-image, not identified: do not trust it as z*"]
        : [],
    };
  }
  return null;
}
