/**
 * Whole-network inversion on activation regions (`region`, `region-linf`, `region-l1`): region
 * descent (region-walk.ts) from a few starts, the best walk kept, with an honest verdict.
 *
 * Starts, cheapest and most informed first, stopping as soon as one fits to tolerance:
 * 1. `options.init` when given (e.g. a gradient method's answer, or `auto`'s layer-wise answer);
 * 2. the layer-wise exact answer (Theorem 2: a least-squares solve per layer, ~ the cost of one
 *    Jacobian) when the operator is per-pixel — even where it is not the pre-image it usually
 *    lands in a neighbouring region;
 * 3. seeded random starts z ~ N(0, I), the generators' prior (`restarts` of them).
 * A start costs one Jacobian (k forward passes' worth of multiply-adds) and a k-column QR per step,
 * and a walk takes a handful of steps, so a start costs about what 20–100 gradient iterations do.
 *
 * Noisy data (no fit to tolerance) with `prior: "gaussian"` (auto's default): one more ℓ2 walk from
 * the best least-squares answer on the MAP objective ½‖A·G(z) − y‖² + ½σ²‖z‖² — the generators'
 * prior z ~ N(0, I) under Gaussian noise σ, given (`noiseSigma`) or estimated as ‖r‖₂²/(m − k) at the
 * least-squares fit (needs m ≥ 2k observed values). On Figure 3's noise it lowers the image error
 * against G(z*) by a fifth (bench/region); on data outside G's range its small σ changes little.
 * Where the posterior is broad, more MAP walks look for its other modes and the minimum-Bayes-risk
 * one is returned (region-posterior.ts).
 *
 * Verdict: fit to tolerance with rank J_P = k → `exact` (z is locally identified: the only pre-image
 * near it); rank < k → `non_unique` with the deficit; otherwise `converged` at a local minimum of
 * the piecewise objective, with a warning that names the residual (never a claim of identification);
 * the step budget spent → `max_iterations`.
 */
import { InvalidValueError, OptionError } from "../errors.js";
import { diffNorms, type Norms } from "../linalg/norms.js";
import { checkVector, type Generator } from "../model/generator.js";
import { Rng } from "../model/rng.js";
import { applyOperator, checkOperator, identityOperator, measurementCount, type MeasurementOperator, observedRows } from "../operators/operator.js";
import { invertLayerwise } from "./driver.js";
import { invertExactLayer } from "./exact.js";
import { DEFAULT_LP_OPTIONS, DEFAULT_TOLERANCES, type InvertOptions } from "./options.js";
import { type RegionNorm } from "./region-fit.js";
import { chooseMode, DEFAULT_MODE_STARTS } from "./region-posterior.js";
import { RegionWalker, type WalkOutcome } from "./region-walk.js";

export { type RegionReport } from "./result.js";
import { type InversionResult, type InversionStatus, type RegionReport } from "./result.js";

/** Random starts of the region methods when `restarts` is not given. */
export const REGION_DEFAULT_RESTARTS = 8;
/** Region fits per start (default `iterations` of the region methods). */
export const REGION_DEFAULT_STEPS = 60;
/** A walk stops at ‖A·G(z) − y‖∞ ≤ ROUNDING·max(‖y‖∞, 1): nothing left to fit in double precision. */
const ROUNDING = 1e-12;
/** Two walks whose final objectives differ by less than this fraction found the same minimum value. */
const AGREE = 1e-2;
/** Random streams of the region starts in `Rng.derive(seed, REGION_STREAM, start)`. */
const REGION_STREAM = 0x5e610;

/** Starts the region method walks from, in order. */
interface Start {
  name: string;
  z: Float64Array;
}

/**
 * Region descent in `norm` from the starts above; the best walk's z.
 * @param y the observation (length m of the operator)
 * @throws ShapeError / InvalidValueError for a bad observation, operator or init; OptionError for bad settings
 */
export function invertRegion(gen: Generator, y: ArrayLike<number>, options: InvertOptions, norm: RegionNorm, method: string): InversionResult {
  const t0 = performance.now();
  const op = options.operator ?? identityOperator(gen.outputSize);
  checkOperator(op, gen.outputSize);
  const m = measurementCount(op);
  checkVector(y, m, "observation");
  const k = gen.inputSize;
  const restarts = options.restarts ?? REGION_DEFAULT_RESTARTS;
  const maxSteps = options.iterations ?? REGION_DEFAULT_STEPS;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(restarts) || restarts < 0) throw new OptionError(`restarts must be a non-negative integer, got ${restarts}`);
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) throw new OptionError(`iterations (region fits per start) must be a positive integer, got ${maxSteps}`);
  const prior = options.prior ?? "none";
  if (prior === "gaussian" && norm !== "l2") throw new OptionError(`prior gaussian is for the ℓ2 region methods (auto, region), not ${method}`);
  if (prior !== "gaussian" && options.noiseSigma !== undefined) throw new OptionError(`noiseSigma is for prior gaussian, not prior ${prior}`);
  if (prior !== "gaussian" && options.modeStarts !== undefined) throw new OptionError(`modeStarts is for prior gaussian, not prior ${prior}`);
  const modeStarts = options.modeStarts ?? DEFAULT_MODE_STARTS;
  if (!Number.isSafeInteger(modeStarts) || modeStarts < 0) throw new OptionError(`modeStarts must be a non-negative integer, got ${modeStarts}`);
  const fitTol = options.fitTolerance ?? DEFAULT_TOLERANCES.fitTolerance;
  const rankTol = options.rankTolerance ?? DEFAULT_TOLERANCES.rankTolerance;
  const ys = Float64Array.from(y);
  const scale = Math.max(1, ...Array.from(ys, Math.abs));
  const walker = new RegionWalker(gen, op, ys, norm, ROUNDING * scale, rankTol, maxSteps, {
    backend: options.lpBackend ?? DEFAULT_LP_OPTIONS.lpBackend,
    fallback: options.lpFallback ?? DEFAULT_LP_OPTIONS.lpFallback,
    ...(options.lpMaxPivots !== undefined ? { maxPivots: options.lpMaxPivots } : {}),
  });
  const warnings: string[] = [];
  const starts = fixedStarts(gen, ys, op, options, warnings);
  let best: (WalkOutcome & { start: string }) | null = null;
  let walked = 0;
  let agreed = false;
  let steps = 0;
  const total = starts.length + restarts;
  for (let s = 0; s < total; s++) {
    const start =
      s < starts.length
        ? starts[s]!
        : { name: `random ${s - starts.length + 1}`, z: Rng.derive(seed, REGION_STREAM, s - starts.length).fillNormal(new Float64Array(k)) };
    const w = walker.walk(start.z);
    walked++;
    steps += w.steps;
    options.onProgress?.(s + 1, total);
    // two walks ending at the same objective: the data's own misfit (noise), which more starts will not lower
    if (best && Math.abs(w.objective - best.objective) <= AGREE * best.objective) agreed = true;
    if (!best || w.objective < best.objective) best = { ...w, start: start.name };
    if (agreed && options.regionAgreeStop !== false) break;
    if (best.linf <= fitTol * scale && best.rank === k && best.rows > k) break; // fits to tolerance and identified: no start can do better
  }
  let b = best!;
  const residualAt = (z: Float64Array): Norms => diffNorms(applyOperator(op, gen.forward(z), new Float64Array(m)), ys);
  let residual = residualAt(b.z);
  let priorReport: RegionReport["prior"];
  // the prior moves only data that do not fit (on a fit it would only pull z off the pre-image)
  if (prior === "gaussian" && residual.linf > fitTol * scale && b.stop !== "fit_failed") {
    const sigma = options.noiseSigma;
    const ls = residual;
    if (sigma === undefined && m < 2 * k) {
      warnings.push(`prior gaussian skipped: estimating the noise level needs m ≥ 2k = ${2 * k} observed values, got ${m} (give noiseSigma / --noise-sigma)`);
    } else {
      // the MAP estimate: λ = σ², σ² estimated from the least-squares fit's residual with m − k degrees of freedom
      const variance = sigma !== undefined ? sigma * sigma : (ls.l2 * ls.l2) / (m - k);
      if (!(variance > 0 && variance < Infinity)) {
        if (sigma !== undefined) throw new OptionError(`noiseSigma ${sigma}: its square ${variance} is no usable prior weight`);
        throw new InvalidValueError(`the least-squares residual ‖r‖₂ = ${ls.l2} gives no usable noise variance for the prior (${variance})`);
      }
      walker.priorWeight = variance;
      const w = walker.walk(b.z);
      steps += w.steps;
      if (w.stop === "fit_failed") {
        warnings.push(`prior gaussian: the MAP walk's region fit failed (${w.message ?? "unknown reason"}); z is the least-squares answer`);
      } else {
        const search = chooseMode(gen, op, walker, w, modeStarts, seed);
        steps += search.steps;
        b = { ...search.walk, start: search.modes && search.modes.chosen > 0 ? `mode search ${search.modes.chosen}` : b.start };
        residual = residualAt(b.z);
        priorReport = {
          kind: "gaussian",
          noiseSigma: Math.sqrt(variance),
          estimated: sigma === undefined,
          leastSquaresResidualL2: ls.l2,
          posteriorSpread: search.spread,
          ...(search.modes ? { modes: search.modes } : {}),
        };
        warnings.push(
          `MAP estimate under the prior z ~ N(0, I) with noise σ = ${Math.sqrt(variance).toExponential(3)} (${sigma === undefined ? "estimated from the least-squares residual" : "given"}), walked from the least-squares answer (‖r‖₂ = ${ls.l2.toExponential(3)}); prior: none returns that answer`,
        );
        if (search.modes) {
          const { objective, weight, chosen, walks } = search.modes;
          const highest = objective.indexOf(Math.min(...objective));
          warnings.push(
            `broad posterior (Laplace image spread ${search.spread!.toFixed(3)} of ‖A·G(z)‖): ${objective.length} distinct modes from ${walks} MAP walks; z is the mode of least expected squared image distance to the others (Laplace-evidence weight ${weight[chosen]!.toFixed(3)}, MAP objective ${objective[chosen]!.toExponential(4)}; the highest-density mode's is ${objective[highest]!.toExponential(4)}); modeStarts: 0 keeps the first mode`,
          );
        }
      }
      walker.priorWeight = 0;
    }
  }
  const fitted = residual.linf <= fitTol * scale;
  let status: InversionStatus;
  if (b.stop === "fit_failed" && !fitted) {
    status = "failed";
    warnings.push(`the region fit failed: ${b.message ?? "unknown reason"}`);
  } else if (b.rank < k) {
    status = "non_unique";
    warnings.push(
      `J_P has rank ${b.rank} < k = ${k} on the final activation region: z is one of a ${k - b.rank}-dimensional family that fits as well, not identified`,
    );
  } else if (fitted && b.rows <= k) {
    // k equations in k unknowns: every region whose affine map reaches y has its own exact fit
    status = "non_unique";
    warnings.push(
      `the fit uses ${b.rows} observed values for k = ${k} unknowns: with no redundant equation an exact fit does not single out z (other activation regions may fit as exactly)`,
    );
  } else if (fitted) status = "exact";
  else if (b.stop === "max_steps") {
    status = "max_iterations";
    warnings.push(`the step budget (${maxSteps} region fits a start) ran out with residual ‖r‖∞ = ${residual.linf.toExponential(3)}`);
  } else {
    status = "converged";
    warnings.push(
      `local minimum of the ${priorReport ? "MAP" : norm} objective with residual ‖r‖₂ = ${residual.l2.toExponential(3)}, ‖r‖∞ = ${residual.linf.toExponential(3)} (‖y‖₂ = ${Math.hypot(...ys).toExponential(3)}): not a fit to tolerance, so z is ${priorReport?.modes ? `the chosen mode of ${priorReport.modes.walks} MAP walks` : `the best of ${walked} starts`}, not identified — noisy data, or a spurious local minimum`,
    );
  }
  const region: RegionReport = {
    norm,
    starts: walked,
    bestStart: b.start,
    steps,
    regionsVisited: b.regions,
    rank: b.rank,
    ...(b.rank < k ? { deficit: k - b.rank } : {}),
    localMinimum: b.localMinimum,
    fitted,
    lpSolves: walker.lpSolves,
    pivots: walker.pivots,
    forwardPasses: walker.objectiveEvaluations,
    jacobians: walker.model.jacobians,
    ...(priorReport ? { prior: priorReport } : {}),
  };
  return { method, status, z: b.z, residual, layers: [], timeMs: performance.now() - t0, warnings, iterations: steps, region };
}

/** The informed starts: the caller's init, then the layer-wise exact answer where one exists. */
function fixedStarts(gen: Generator, y: Float64Array, op: MeasurementOperator, options: InvertOptions, warnings: string[]): Start[] {
  const k = gen.inputSize;
  const out: Start[] = [];
  const init = options.init;
  if (init !== undefined && typeof init !== "string") {
    checkVector(init, k, "initial z");
    out.push({ name: "init", z: Float64Array.from(init) });
  } else if (init === "zero") out.push({ name: "zero", z: new Float64Array(k) });
  else if (init !== undefined && init !== "random") throw new OptionError(`init must be random, zero or a vector, got '${String(init)}'`);
  // a layer that sees fewer rows than it has inputs cannot be inverted alone (and its rank-deficient
  // least squares costs more than a whole walk): the layer-wise answer is then no start worth its price
  const seen = op.kind === "mask" ? op.rows.length : gen.outputSize;
  const expansive = gen.layers.every((l, i) => (i === gen.depth - 1 ? seen : l.weight.rows) >= l.weight.cols);
  if (op.kind !== "dense" && expansive && options.regionLayerwiseStart !== false) {
    // Theorem 2 layer by layer on the observed rows: cheap, and often already in the right region
    const g = op.kind === "mask" ? observedRows(gen, op.rows) : gen;
    try {
      const r = invertLayerwise(g, y, invertExactLayer, options, "exact");
      if (r.z.every(Number.isFinite)) out.push({ name: "layerwise", z: r.z });
    } catch (e) {
      warnings.push(`layer-wise start skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}
