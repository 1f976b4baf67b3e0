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
import { activationRange, applyActivation } from "../model/activation.js";
import { checkVector, type DenseLayer, type Generator } from "../model/generator.js";
import { type LayerContext, type LayerFit } from "./layer.js";
import { invertLinfLayerFrom } from "./linf.js";
import { LayerLp, type LpSettings, lpSettings, noiseGuessOf } from "./lp-layer.js";
import { type InvertOptions } from "./options.js";
import { hiddenTrace, linearizeAtSimd, outputPreActivation, patternOf, relinearize } from "./refine.js";
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
/**
 * An output row is left out of the LP when, at the start z, its pre-activation lies this many
 * noise floors (max(ε₀, noise guess)) below its observation: ~10× the ~1e-4 by which the LP moves
 * an off row's pre-activation from the settled z on 100-250-600 (measured on the bench's 10).
 */
const FAR_BELOW = 10;
/**
 * Of the far-below rows, the largest observations stay in the LP: an off row with x_j > ε is
 * two-sided and cannot be met, so those rows are what put Algorithm 1's ε above the noise (on
 * 100-250-600, ε = 1.145e-4 against the largest off observation 9.9e-5 on all 10 bench
 * observations); leaving them out would let the LP's ε fall below them.
 */
const PIN_ROWS = 8;
/** Below this fraction of the output rows left out, the LP keeps all rows (nothing to gain). */
const MIN_LEFT_OUT = 0.1;

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
 * @param rows linearise only these output rows (at least those the least squares reads:
 *   {@link settleRows}); null for all. The least squares are the same either way.
 * @param pattern0 z0's pattern when the caller has it ({@link hiddenTrace}); null to form it
 * @returns the settled pattern, its linearisation (on `rows`) and its least-squares z (see {@link SettledPattern})
 */
export function settlePattern(
  gen: Generator,
  xs: Float64Array,
  z0: Float64Array,
  ctx: LayerContext,
  settings: LpSettings,
  noiseMargin: number,
  rows: Int32Array | null = null,
  pattern0: string | null = null,
): SettledPattern {
  const threshold = noiseMargin * Math.max(settings.eps0, noiseGuessOf(gen.layers[gen.depth - 1]!.activation, xs));
  const ys = rows ? gather(xs, rows) : xs;
  let z = z0;
  let pattern = pattern0 ?? patternOf(gen, z);
  let layer = linearizeAtSimd(gen, z, rows);
  let moved = Infinity;
  for (let step = 0; step < MAX_SETTLE_STEPS; step++) {
    const L = new LayerLp(layer, ys, ctx, settings);
    const z2 = L.leastSquares(threshold, true);
    if (L.lastRank < L.k) break; // the LP's search handles rank-deficient rows
    const p2 = patternOf(gen, z2);
    const d = patternDistance(pattern, p2);
    if (d === 0) return { pattern, layer, z: z2, at: z }; // same pattern: same linearisation
    if (d >= moved) return { pattern, layer, z: z2, at: z }; // not settling (a unit that flips back and forth): the LP passes go on
    moved = d;
    z = z2;
    layer = relinearize(gen, layer, pattern, p2, rows) ?? linearizeAtSimd(gen, z, rows);
    pattern = p2;
  }
  return { pattern, layer, z: null, at: z };
}

/** xs at `rows`. */
function gather(xs: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = xs[rows[r]!]!;
  return out;
}

/**
 * The output rows the Gauss–Newton least squares read (those above `threshold`, as
 * {@link LayerLp.leastSquares} picks them for a ReLU output); null when the output is not ReLU
 * (every row is read through its activation).
 */
export function settleRows(gen: Generator, xs: Float64Array, threshold: number): Int32Array | null {
  if (gen.layers[gen.depth - 1]!.activation.kind !== "relu") return null;
  let m = 0;
  for (let j = 0; j < xs.length; j++) if (xs[j]! > threshold) m++;
  const rows = new Int32Array(m);
  for (let j = 0, r = 0; j < xs.length; j++) if (xs[j]! > threshold) rows[r++] = j;
  return rows;
}

/**
 * Which output rows the LP in z needs (ReLU outputs; issue 13's lead "linearise only the rows the
 * LP can use"). An off output (x_j at noise level, pre-activation well below 0) enters Algorithm
 * 1's LP as the one-sided row w_jᵀz + o_j ≤ x_j + δ, and one far from binding never enters the
 * simplex basis — yet forming its row of J_P and every O(n·k) pass of the LP read it. Left out:
 * rows with x_j ≤ `floor` whose pre-activation at the start z lies {@link FAR_BELOW}·floor below
 * x_j, except the {@link PIN_ROWS} largest such x_j (they pin ε, see there) and the largest
 * negative observation (the LP's noise guess). The answer is then checked on the left-out rows
 * ({@link leftOutHold}); the LP over all rows runs when it does not hold.
 * @param xs the observation
 * @param pre the output pre-activation at the start z ({@link outputPreActivation}; only rows with x_j ≤ floor are read)
 * @param floor max(ε₀, the noise guess)
 * @returns the LP's rows and the left-out ones (both ascending), or null to keep every row
 */
export function lpRows(xs: Float64Array, pre: Float64Array, floor: number): { rows: Int32Array; leftOut: Int32Array } | null {
  const n = xs.length;
  let neg = 0;
  for (let j = 1; j < n; j++) if (xs[j]! < xs[neg]!) neg = j;
  const far: number[] = [];
  for (let j = 0; j < n; j++) if (j !== neg && xs[j]! <= floor && pre[j]! <= xs[j]! - FAR_BELOW * floor) far.push(j);
  if (far.length - PIN_ROWS < MIN_LEFT_OUT * n) return null;
  // the PIN_ROWS largest observations among them stay (insertion into a short list, largest first; ties: the lower row)
  const keep = new Uint8Array(n).fill(1);
  for (const j of far) keep[j] = 0;
  const top = new Int32Array(PIN_ROWS).fill(-1);
  for (const j of far) {
    let q = PIN_ROWS - 1;
    if (top[q]! >= 0 && !(xs[j]! > xs[top[q]!]!)) continue;
    while (q > 0 && (top[q - 1]! < 0 || xs[j]! > xs[top[q - 1]!]!)) {
      top[q] = top[q - 1]!;
      q--;
    }
    top[q] = j;
  }
  for (let i = 0; i < PIN_ROWS; i++) keep[top[i]!] = 1;
  let m = 0;
  for (let j = 0; j < n; j++) m += keep[j]!;
  const rows = new Int32Array(m);
  const leftOut = new Int32Array(n - m);
  for (let j = 0, a = 0, b = 0; j < n; j++) {
    if (keep[j]) rows[a++] = j;
    else leftOut[b++] = j;
  }
  return { rows, leftOut };
}

/**
 * {@link lpRows} at the start z0, reading the true pre-activation only of the rows the
 * Gauss–Newton least squares do not use (those above noiseMargin·floor are never left out).
 * @param gen the generator (ReLU output; otherwise null)
 * @param xs the observation
 * @param z0 the start
 * @param floor max(ε₀, the noise guess)
 * @param noiseMargin the start's noise margin ({@link PatternStart})
 * @param hidden the last hidden output at z0 when the caller has it ({@link hiddenTrace}); null to evaluate it
 * @returns the LP's rows and the left-out ones, or null to keep every row
 */
export function chooseLpRows(
  gen: Generator,
  xs: Float64Array,
  z0: Float64Array,
  floor: number,
  noiseMargin: number,
  hidden: Float64Array | null = null,
): { rows: Int32Array; leftOut: Int32Array } | null {
  const ls = settleRows(gen, xs, noiseMargin * floor);
  return ls ? lpRows(xs, outputPreActivation(gen, z0, complement(ls, xs.length), hidden), floor) : null;
}

/**
 * True when the LP's answer at grid ε with optimal δ is also the LP's answer over every row: each
 * left-out row is one-sided at ε (x_j ≤ ε) and met, w_jᵀz + o_j ≤ x_j + δ, with its pre-activation
 * read off the true network (on the certified region it is the linearised row's). Then z is
 * feasible at ε with the same δ for the LP over all rows, of which the LP solved is a relaxation
 * (so no smaller grid ε is feasible there either): the same ε, δ and minimiser (Algorithm 1).
 * @param xs the observation
 * @param pre the output pre-activation at z
 * @param leftOut the rows the LP did not see
 * @param eps the LP's ε
 * @param delta its optimal δ
 * @returns whether the answer stands for all rows
 */
export function leftOutHold(xs: Float64Array, pre: Float64Array, leftOut: Int32Array, eps: number, delta: number): boolean {
  for (let i = 0; i < leftOut.length; i++) {
    const j = leftOut[i]!;
    if (!(xs[j]! <= eps && pre[j]! - xs[j]! <= delta)) return false;
  }
  return true;
}

/** Milliseconds spent in each step of {@link patternFirstLinf} (the result's `stepTimeMs`). */
interface PatternSteps {
  start: number;
  settle: number;
  lp: number;
  certify: number;
}

/** What {@link settlePattern} hands to the LP passes. */
export interface SettledPattern {
  /** The settled pattern ({@link patternOf}). */
  pattern: string;
  /** The network linearised on it. */
  layer: DenseLayer;
  /** The last Gauss–Newton least-squares z on that linearisation's rows (the LP's witness and start), or null when there is none (rank-deficient rows, or the steps ran out while moving). */
  z: Float64Array | null;
  /** A point whose pattern is `pattern` (where the linearisation holds). */
  at: Float64Array;
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
    const z = L.leastSquares(thr, true, false, true); // only its pattern is read: an f32 Gram, no refinement step
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
  const steps: PatternSteps = { start: 0, settle: 0, lp: 0, certify: 0 };
  for (const start of [ROBUST_START, PLAIN_START]) {
    const ts = performance.now();
    const z = leastSquaresStart(gen, xs, options, start);
    steps.start += performance.now() - ts;
    if (!z) return null;
    let r = certifiedPasses(gen, xs, z, ctx, options, start, count, true, steps);
    if (r === "rows") r = certifiedPasses(gen, xs, z, ctx, options, start, count, false, steps); // a left-out row binds: the LP on every row
    if (r === "failed" || r === "rows") return null;
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
      stepTimeMs: { ...steps },
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
 * when it does not, "failed" when an LP fails or the answer's true residual is not the LP's,
 * "rows" when the LP left out rows ({@link lpRows}, with `subset`) that the answer does not meet
 * (the caller runs the passes again on every row).
 */
function certifiedPasses(
  gen: Generator,
  xs: Float64Array,
  z0: Float64Array,
  ctx: LayerContext,
  options: InvertOptions,
  start: PatternStart,
  count: { lpSolves: number; pivots: number },
  subset: boolean,
  steps: PatternSteps,
): { z: Float64Array; residual: Norms; report: LayerFit; passes: number } | null | "failed" | "rows" {
  let tStep = performance.now();
  const lap = (step: keyof PatternSteps): void => {
    const now = performance.now();
    steps[step] += now - tStep;
    tStep = now;
  };
  const settings = lpSettings(options);
  const floor = Math.max(settings.eps0, noiseGuessOf(gen.layers[gen.depth - 1]!.activation, xs));
  // with `subset`, the rows are chosen at the start (the rows below the noise floor read at z0: the
  // Gauss–Newton steps move an off row's pre-activation by far less than FAR_BELOW floors), J_P is
  // formed on those only, and the answer is checked on the others
  let rows: Int32Array | null = null;
  let leftOut: Int32Array | null = null;
  // z0's hidden layers once, for the choice of rows and the settle's first pattern
  const trace0 = hiddenTrace(gen, z0);
  if (subset) {
    const chosen = chooseLpRows(gen, xs, z0, floor, start.noiseMargin, trace0.hidden);
    if (chosen) ({ rows, leftOut } = chosen);
  }
  const settled = settlePattern(gen, xs, z0, ctx, settings, start.noiseMargin, rows, trace0.pattern);
  let { pattern, layer } = settled;
  const ys = rows ? gather(xs, rows) : xs;
  // the settled least squares on this very layer is the first pass's witness and LP start: it
  // leaves out the rows just above the noise guess (off units whose noise reads as on), so the
  // cold LP starts near its optimum (315 → 140 pivots on 100-250-600) and skips its own QR
  let witness = settled.z;
  const seen = new Set([pattern]);
  lap("settle");
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const r = invertLinfLayerFrom(layer, ys, ctx, witness ? { witness } : {});
    lap("lp");
    witness = null;
    count.lpSolves += r.report.lpSolves ?? 0;
    count.pivots += r.report.pivots ?? 0;
    if (r.report.status !== "optimal" && r.report.status !== "non_unique") return "failed";
    const z = r.x;
    const trace = hiddenTrace(gen, z); // its pattern, then (same region) its output layer from the same hidden output
    const next = trace.pattern;
    if (next !== pattern) {
      if (seen.has(next)) return null;
      seen.add(next);
      layer = relinearize(gen, layer, pattern, next, rows) ?? linearizeAtSimd(gen, z, rows);
      pattern = next;
      lap("settle");
      continue;
    }
    // the answer lies in the region it was solved on: G(z) = J_P z + o_P there
    const pre = outputPreActivation(gen, z, null, trace.hidden);
    const out = Float64Array.from(pre);
    applyActivation(gen.layers[gen.depth - 1]!.activation, out); // G(z), Generator.forward's sums
    const residual = diffNorms(out, xs);
    const holds = !leftOut || leftOutHold(xs, pre, leftOut, r.report.eps ?? NaN, r.report.delta ?? NaN);
    const linear = r.report.residual.linf; // ‖φ(J_P z + o_P) − x‖∞ on the LP's rows, the LP's own fit
    const seenFit = rows ? linfOn(out, xs, rows) : residual.linf; // the true residual on the same rows
    lap("certify");
    if (!holds) return "rows";
    if (!(seenFit <= linear * (1 + 1e-9) + 1e-12 * (1 + linear))) return "failed";
    // the left-out rows' linearised residual is the true one on this region: report the true residual over all rows
    const report = rows ? { ...r.report, residual } : r.report;
    return { z, residual, report, passes: pass + 1 };
  }
  return null;
}

/** The output rows (of n) that are not in `have`, ascending. */
function complement(have: Int32Array, n: number): Int32Array {
  const inHave = new Uint8Array(n);
  for (let i = 0; i < have.length; i++) inHave[have[i]!] = 1;
  const out = new Int32Array(n - have.length);
  for (let j = 0, r = 0; j < n; j++) if (!inHave[j]) out[r++] = j;
  return out;
}

/** max_{j in rows} |a_j − b_j|. */
function linfOn(a: Float64Array, b: Float64Array, rows: Int32Array): number {
  let m = 0;
  for (let r = 0; r < rows.length; r++) {
    const d = Math.abs(a[rows[r]!]! - b[rows[r]!]!);
    if (d > m || d !== d) m = d;
  }
  return m;
}
