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
 * true residual is the LP's δ and z is the ℓ∞ minimiser over the whole region R_P. A pattern that
 * keeps changing (or comes back) gets one more try from a second start. Anything else — a layer
 * whose least squares is rank-deficient (Theorem 2's non-unique case), no certified answer from
 * either start, an LP that fails — returns null and the caller runs the layer-wise algorithm,
 * which stays available as published with `refine: false`.
 */
import { diffNorms, type Norms } from "../linalg/norms.js";
import { activationRange } from "../model/activation.js";
import { checkVector, type DenseLayer, type Generator } from "../model/generator.js";
import { type LayerContext, type LayerFit } from "./layer.js";
import { invertLinfLayerFrom } from "./linf.js";
import { LayerLp, type LpSettings, lpSettings } from "./lp-layer.js";
import { type InvertOptions } from "./options.js";
import { linearizeAtSimd, patternOf, relinearize } from "./refine.js";
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
const ROWS_PER_INPUT = 1.5;

/** How a start reads the output rows: above noiseMargin × the noise guess, the rowsPerInput·inputs largest. */
export interface PatternStart {
  noiseMargin: number;
  rowsPerInput: number;
}
/** The first start (see {@link NOISE_MARGIN}, {@link ROWS_PER_INPUT}). */
const ROBUST_START: PatternStart = { noiseMargin: NOISE_MARGIN, rowsPerInput: ROWS_PER_INPUT };
/**
 * The second start, when the first does not certify: every row above the noise guess (the start
 * before the margin). Where the LP passes from the first start alternate between two regions —
 * a minimiser on their common boundary — this one can land in a region that certifies: measured
 * at noise 1e-2, 1 observation of 20 on 20-100-500 (rng 77), which without it fell back to the
 * layer-wise path at 2.7× the error.
 */
const PLAIN_START: PatternStart = { noiseMargin: 1, rowsPerInput: Infinity };
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
 * noise 1e-4 (was 2.4 passes a 20-100-500 inversion, and 100-250-600 not tried). Returns the
 * settled pattern, its linearisation and the last least-squares z on it (the ε search's witness
 * and the LP's start). The least squares run by the normal equations (Cholesky on a SIMD Gram,
 * normal-equations.ts) when the rows are well conditioned, by QR otherwise.
 * @param gen the generator (ReLU / LeakyReLU / identity layers)
 * @param xs the observation
 * @param z0 the start
 * @param ctx the linearised layer's context (one layer, unbounded input)
 * @param settings the LP settings (eps0 sets the row threshold's floor)
 * @param noiseMargin rows above this multiple of the noise guess enter the least squares
 * @returns the settled pattern, its linearisation and its least-squares z (see {@link SettledPattern})
 */
export function settlePattern(
  gen: Generator,
  xs: Float64Array,
  z0: Float64Array,
  ctx: LayerContext,
  settings: LpSettings,
  noiseMargin: number,
): SettledPattern {
  let z = z0;
  let pattern = patternOf(gen, z);
  let layer = linearizeAtSimd(gen, z);
  let moved = Infinity;
  for (let step = 0; step < MAX_SETTLE_STEPS; step++) {
    const L = new LayerLp(layer, xs, ctx, settings);
    const z2 = L.leastSquares(noiseMargin * Math.max(settings.eps0, L.noiseGuess()), true);
    if (L.lastRank < L.k) break; // the LP's search handles rank-deficient rows
    const p2 = patternOf(gen, z2);
    const d = patternDistance(pattern, p2);
    if (d === 0) return { pattern, layer, z: z2 }; // same pattern: same linearisation
    if (d >= moved) return { pattern, layer, z: z2 }; // not settling (a unit that flips back and forth): the LP passes go on
    moved = d;
    z = z2;
    layer = relinearize(gen, layer, pattern, p2) ?? linearizeAtSimd(gen, z);
    pattern = p2;
  }
  return { pattern, layer, z: null };
}

/** What {@link settlePattern} hands to the LP passes. */
export interface SettledPattern {
  /** The settled pattern ({@link patternOf}). */
  pattern: string;
  /** The network linearised on it. */
  layer: DenseLayer;
  /** The last Gauss–Newton least-squares z on that linearisation's rows (the LP's witness and start), or null when there is none (rank-deficient rows, or the steps ran out while moving). */
  z: Float64Array | null;
}

/**
 * The output rows the start's least squares uses: those above `noise`, but at most the `keep`
 * largest — the start only has to be close enough for the Gauss–Newton steps, and its QR costs in
 * proportion to the rows (1.5 rows per input: on 20-100-500, 150 of ~250 rows; on 20-60-784, 90
 * of ~390; 100-250-600 keeps all ~300, fewer than 1.5·250). Measured against 2 rows per input:
 * 0.91× the time on 20-100-500, the same z on 60 of 60 observations.
 * @param y the observation
 * @param noise the noise threshold (a multiple of the noise guess)
 * @param keep at most this many rows
 * @returns the threshold: rows with y_j above it enter the least squares
 */
export function outputThreshold(y: Float64Array, noise: number, keep: number): number {
  let above = 0;
  for (let j = 0; j < y.length; j++) if (y[j]! > noise) above++;
  if (above <= keep) return noise;
  const sorted = Float64Array.from(y).sort();
  return Math.max(noise, sorted[y.length - keep - 1]!); // exactly `keep` rows lie above (ties aside)
}

/**
 * Layer-wise least squares from the observation down to z on the rows that look active: output
 * rows above the data's noise guess (at most the 1.5·inputs largest, {@link outputThreshold}), hidden units above 10⁻³ of the layer's largest value. Null
 * when a layer's rows do not determine its input (rank < inputs).
 */
export function leastSquaresStart(gen: Generator, x: Float64Array, options: InvertOptions, start: PatternStart = ROBUST_START): Float64Array | null {
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
    const thr =
      i === gen.depth - 1
        ? outputThreshold(y, start.noiseMargin * Math.max(settings.eps0, L.noiseGuess()), start.rowsPerInput * L.k)
        : HIDDEN_ACTIVE_FRACTION * L.yMax();
    const z = L.leastSquares(thr, true);
    if (L.lastRank < L.k) return null;
    y = z;
  }
  return y;
}

/**
 * Algorithm 1 on the network linearised at the pattern of a least-squares start (see the module
 * header); null when that cannot be certified, and the caller falls back to the layer-wise path.
 */
export function patternFirstLinf(gen: Generator, x: ArrayLike<number>, options: InvertOptions, method: string): InversionResult | null {
  checkVector(x, gen.outputSize, "observation");
  const t0 = performance.now();
  if (lpSettings(options).search !== "search") return null; // the paper's scan keeps its layer-wise form
  // the least-squares pattern is close enough only on expansive layers: measured, it settles in
  // one pass on 20-100-500 (40 of 40) and 100-250-600 (10 of 10, 2.4–2.5 outputs per input);
  // below 2 outputs per input it is not tried
  if (gen.layers.some((l) => l.weight.rows < MIN_EXPANSION * l.weight.cols)) return null;
  const xs = Float64Array.from(x);
  const ctx: LayerContext = { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options };
  const count = { lpSolves: 0, pivots: 0 };
  for (const start of [ROBUST_START, PLAIN_START]) {
    const z = leastSquaresStart(gen, xs, options, start);
    if (!z) return null;
    const r = certifiedPasses(gen, xs, z, ctx, options, start, count);
    if (r === "failed") return null;
    if (!r) continue;
    const second = start === PLAIN_START ? ", second start" : "";
    const report: LayerReport = {
      layer: gen.depth,
      name: `network linearised at its activation pattern (${r.passes} pass${r.passes > 1 ? "es" : ""}${second})`,
      inputs: gen.inputSize,
      outputs: gen.outputSize,
      ...r.report,
      lpSolves: count.lpSolves,
      pivots: count.pivots,
      timeMs: performance.now() - t0,
    };
    const nonUnique = r.report.status === "non_unique";
    return {
      method,
      status: nonUnique ? "non_unique" : "optimal",
      z: r.z,
      residual: r.residual,
      layers: [report],
      timeMs: performance.now() - t0,
      warnings: nonUnique
        ? [`network: ${r.report.message ?? "the ℓ∞ LP in z leaves directions free"}`, "z is one candidate pre-image, not identified: do not trust it as z*"]
        : [],
    };
  }
  return null;
}

/**
 * The LP passes from one start: settle its pattern, solve Algorithm 1 on the linearisation, repeat
 * while the answer's pattern changes (at most {@link MAX_PASSES}; a pattern seen before ends it:
 * the passes would only alternate). The answer when it lies in the region it was solved on, null
 * when it does not, "failed" when an LP fails or the answer's true residual is not the LP's.
 */
function certifiedPasses(
  gen: Generator,
  xs: Float64Array,
  z0: Float64Array,
  ctx: LayerContext,
  options: InvertOptions,
  start: PatternStart,
  count: { lpSolves: number; pivots: number },
): { z: Float64Array; residual: Norms; report: LayerFit; passes: number } | null | "failed" {
  const settled = settlePattern(gen, xs, z0, ctx, lpSettings(options), start.noiseMargin);
  let { pattern, layer } = settled;
  // the settled least squares on this very layer is the first pass's witness and LP start: it
  // leaves out the rows just above the noise guess (off units whose noise reads as on), so the
  // cold LP starts near its optimum (315 → 140 pivots on 100-250-600) and skips its own QR
  let witness = settled.z;
  const seen = new Set([pattern]);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const r = invertLinfLayerFrom(layer, xs, ctx, witness ? { witness } : {});
    witness = null;
    count.lpSolves += r.report.lpSolves ?? 0;
    count.pivots += r.report.pivots ?? 0;
    if (r.report.status !== "optimal" && r.report.status !== "non_unique") return "failed";
    const z = r.x;
    const next = patternOf(gen, z);
    if (next !== pattern) {
      if (seen.has(next)) return null;
      seen.add(next);
      layer = relinearize(gen, layer, pattern, next) ?? linearizeAtSimd(gen, z);
      pattern = next;
      continue;
    }
    // the answer lies in the region it was solved on: G(z) = J_P z + o_P there
    const residual = diffNorms(gen.forward(z), xs);
    const linear = r.report.residual.linf; // ‖φ(J_P z + o_P) − x‖∞, the LP's own fit
    if (!(residual.linf <= linear * (1 + 1e-9) + 1e-12 * (1 + linear))) return "failed";
    return { z, residual, report: r.report, passes: pass + 1 };
  }
  return null;
}
