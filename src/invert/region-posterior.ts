/**
 * Which posterior mode the MAP stage returns when the posterior is broad (auto / region with
 * `prior: "gaussian"`). Under noise as large as the signal (Figure 3's σ² = 0.3: ‖e‖ ≈ 2.3‖G(z*)‖)
 * the posterior of z has several modes whose MAP objectives differ by less than the noise variance
 * but whose images differ by a third of the image: the highest one is a lottery ticket. Measured on
 * Figure 3's digits, picking the walk's own mode gave a median image error of 0.360 (8 digits) and
 * 0.344 (40), Adam 0.354 / 0.361; the lowest MAP objective of five walks 0.360 / 0.342.
 *
 * So, when the Laplace posterior at the first mode is broad — its image spread √(σ²·dof) is more
 * than {@link BROAD_POSTERIOR} of ‖A·G(ẑ)‖, dof = tr(JᵀJ(JᵀJ + σ²I)⁻¹) — walk the MAP objective from
 * `modeStarts` seeded draws of the prior, keep the distinct modes, weigh each by its Laplace evidence
 * (on its region G is affine, so the posterior there is N(ẑ, σ²H⁻¹), H = JᵀJ + σ²I, of mass
 * ∝ exp(−f/σ²)·det(H/σ²)^(−1/2)), and return the minimum-Bayes-risk mode: the one of least expected
 * squared image distance ‖G(ẑᵢ) − G(ẑⱼ)‖² to the others under those weights. With one dominant mode
 * that is the dominant mode. On the same digits: 0.340 (8) and 0.323 (40); on 20 digits of seeds 1,
 * 2 and 3, 0.307 / 0.256 / 0.301 against the walk's own mode's 0.329 / 0.260 / 0.311 and Adam's
 * 0.397 / 0.312 / 0.372 (`geninv reproduce fig3 --methods adam,auto`, docs/region.md).
 * Data outside G's range with a small σ (held-out real digits: √(σ²k)/‖A·G(ẑ)‖ ≤ 0.05) do not
 * search, nor spend a Jacobian on the Laplace approximation.
 */
import { type Generator } from "../model/generator.js";
import { Rng } from "../model/rng.js";
import { applyOperator, type MeasurementOperator } from "../operators/operator.js";
import { type RegionWalker, type WalkOutcome } from "./region-walk.js";

/** Laplace image spread √(σ²·dof)/‖A·G(ẑ)‖ above which the posterior counts as broad and other modes are sought. */
export const BROAD_POSTERIOR = 0.1;
/** MAP walks from prior draws on a broad posterior when `modeStarts` is not given. */
export const DEFAULT_MODE_STARTS = 4;
/** Two modes closer than this (relative to max(1, ‖z‖)) are one. */
const SAME_MODE = 1e-6;
/** Random streams of the mode search's starts in `Rng.derive(seed, MODE_STREAM, start)`. */
const MODE_STREAM = 0x90de5;

/** What the mode search found, for the result's report. */
export interface ModeSearch {
  /** The returned walk (the minimum-Bayes-risk mode, or the first one when no search ran). */
  walk: WalkOutcome;
  /**
   * √(σ²·dof)/‖A·G(ẑ)‖ at the first mode, or its upper bound √(σ²k)/‖A·G(ẑ)‖ when that is already
   * ≤ {@link BROAD_POSTERIOR}; null when the mode's Hessian was not positive definite.
   */
  spread: number | null;
  /** Region fits spent by the extra walks. */
  steps: number;
  /** Present when the search ran: each distinct mode's MAP objective and normalised evidence weight, and which one was returned. */
  modes?: { objective: number[]; weight: number[]; chosen: number; walks: number };
}

/**
 * The mode the MAP stage returns, from the first MAP walk `first` (see the module header).
 * @param walker a walker with its prior weight σ² set
 */
export function chooseMode(gen: Generator, op: MeasurementOperator, walker: RegionWalker, first: WalkOutcome, modeStarts: number, seed: number): ModeSearch {
  const lam = walker.priorWeight;
  const k = gen.inputSize;
  const firstImage = gen.forward(first.z);
  const observed = applyOperator(op, firstImage, new Float64Array(walker.y.length));
  const signal = Math.hypot(...observed);
  // dof ≤ k: when √(σ²k) is already a small part of the signal (data off G's range with a small σ̂), no Jacobian is spent
  const bound = signal > 0 ? Math.sqrt(lam * k) / signal : Infinity;
  if (bound <= BROAD_POSTERIOR) return { walk: first, spread: bound, steps: 0 };
  const firstLaplace = walker.laplace(first.z);
  const spread = firstLaplace && signal > 0 ? Math.sqrt(lam * Math.max(0, firstLaplace.dof)) / signal : null;
  if (spread === null || spread <= BROAD_POSTERIOR || modeStarts === 0) return { walk: first, spread, steps: 0 };
  const modes: { walk: WalkOutcome; logEvidence: number; image: Float64Array }[] = [
    { walk: first, logEvidence: -first.objective / lam - 0.5 * firstLaplace!.logDetScaled, image: firstImage },
  ];
  let steps = 0;
  for (let s = 0; s < modeStarts; s++) {
    const w = walker.walk(Rng.derive(seed, MODE_STREAM, s).fillNormal(new Float64Array(k)));
    steps += w.steps;
    if (w.stop === "fit_failed") continue;
    const scale = SAME_MODE * Math.max(1, Math.hypot(...w.z));
    if (modes.some((m) => distance(m.walk.z, w.z) <= scale)) continue;
    const lap = walker.laplace(w.z);
    if (!lap) continue; // no Gaussian approximation of its mass: not weighed
    modes.push({ walk: w, logEvidence: -w.objective / lam - 0.5 * lap.logDetScaled, image: gen.forward(w.z) });
  }
  const top = Math.max(...modes.map((m) => m.logEvidence));
  const raw = modes.map((m) => Math.exp(m.logEvidence - top));
  const total = raw.reduce((a, b) => a + b, 0);
  const weight = raw.map((v) => v / total);
  // the minimum-Bayes-risk mode: least expected squared image distance to the others
  let chosen = 0;
  let bestRisk = Infinity;
  modes.forEach((m, i) => {
    let risk = 0;
    modes.forEach((o, j) => (risk += weight[j]! * distance(m.image, o.image) ** 2));
    if (risk < bestRisk) {
      bestRisk = risk;
      chosen = i;
    }
  });
  return {
    walk: modes[chosen]!.walk,
    spread,
    steps,
    modes: { objective: modes.map((m) => m.walk.objective), weight, chosen, walks: 1 + modeStarts },
  };
}

/** ‖a − b‖₂. */
function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}
