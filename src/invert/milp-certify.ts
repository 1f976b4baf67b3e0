/**
 * Uniqueness certificates by MILP: given an observation x and a candidate ẑ, decide whether
 * every pre-image within τ on the fit — every z in the box with ‖A·G(z) − x‖∞ ≤ τ — lies within
 * ℓ∞ distance r of ẑ. For each coordinate i and side s = ±1 one MIP maximises s·(z_i − ẑ_i) over
 * that set (2k MIPs, each stopped as soon as its bound is ≤ r or an incumbent exceeds r):
 *   - every maximum's proved bound ≤ r        → `unique` (the bound is the proof's radius),
 *   - some incumbent z′ has s·(z′_i − ẑ_i) > r → `not_unique` with z′, checked by a forward pass,
 *   - a time limit leaves some side open       → `unknown`.
 * Layer-wise `non_unique` (some layer's rows cannot pin its input) does not decide this: the
 * whole network's pre-image can still be unique, which is what the certificate settles.
 */
import { OptionError } from "../errors.js";
import { diffNorms } from "../linalg/norms.js";
import { highsModule } from "../lp/highs.js";
import { checkVector, type Generator } from "../model/generator.js";
import { type Highs } from "highs";
import { type MeasurementOperator } from "../operators/operator.js";
import { intervalBounds } from "./milp-bounds.js";
import { checkBinaryLimit, computeBounds, DEFAULT_MILP_OPTIONS, milpBox, milpObservation, misfitOf, patternModes, regionLp, solveMip } from "./milp.js";
import { measure, type MilpObservation, type NetworkBounds, type UnitMode, unitModes } from "./milp-model.js";

/** Options of {@link certifyUniqueness}. */
export interface CertifyOptions {
  /** Fit tolerance τ: pre-images are the z with ‖A·G(z) − x‖∞ ≤ τ (required, ≥ 0). */
  tau: number;
  /** Radius r of the ℓ∞ ball around ẑ (required, > 0). */
  radius: number;
  operator?: MeasurementOperator;
  /** z box (default 10: [−10, 10]^k); the certificate holds over it. */
  box?: number | [number, number];
  /** Seconds for all the MIPs together (default 60). */
  timeLimit?: number;
  /** Refuse networks with more binaries than this (default 1000). */
  maxBinaries?: number;
  /** Milliseconds of LP bound tightening (default 10 000). */
  boundTimeMs?: number;
  /**
   * The radius-based split (default true): one feasibility MIP per side s·(z_i − ẑ_i) ≥ r over
   * the box cut to that side, instead of maximising s·(z_i − ẑ_i) over all the pre-images.
   */
  split?: boolean;
}

/** A second pre-image, far from ẑ. */
export interface CertificateWitness {
  z: Float64Array;
  /** ‖z′ − ẑ‖∞ and ‖z′ − ẑ‖₂. */
  distanceInf: number;
  distance2: number;
  /** ‖A·G(z′) − x‖ (forward pass): ≤ τ. */
  fit: { linf: number; l1: number; l2: number };
}

/** The answer of {@link certifyUniqueness}. */
export interface Certificate {
  verdict: "unique" | "not_unique" | "unknown";
  tau: number;
  radius: number;
  /**
   * `unique`: the proved bound on max ‖z − ẑ‖∞ over the pre-images (≤ radius). `unknown`: the
   * best bound proved (may exceed radius). `not_unique`: the bound so far.
   */
  bound: number;
  /** `not_unique`: the second pre-image. */
  witness?: CertificateWitness;
  /** ‖A·G(ẑ) − x‖∞: the candidate's own fit (should be ≤ τ). */
  candidateFit: number;
  /** MIPs solved, of 2k. */
  mips: number;
  nodes: number;
  binaries: number;
  box: [number, number];
  timeMs: number;
  warnings: string[];
}

/**
 * Decide whether every z in the box with ‖A·G(z) − x‖∞ ≤ τ lies within ℓ∞ distance r of ẑ.
 * @param gen ReLU / LeakyReLU / identity generator
 * @param x observation (length m of the operator)
 * @param zHat the candidate ẑ (e.g. an inversion's z)
 * @returns the verdict with the proof's bound, or a second pre-image
 * @throws OptionError for bad τ / r / box, or more binaries than maxBinaries; SolverError when
 *   HiGHS is not loaded; ShapeError for wrong lengths
 */
export function certifyUniqueness(gen: Generator, x: ArrayLike<number>, zHat: ArrayLike<number>, options: CertifyOptions): Certificate {
  const t0 = performance.now();
  const h = highsModule();
  const { tau, radius } = options;
  if (!(tau >= 0) || !Number.isFinite(tau)) throw new OptionError(`certificate: tau must be a finite number ≥ 0, got ${tau}`);
  if (!(radius > 0) || !Number.isFinite(radius)) throw new OptionError(`certificate: radius must be a finite number > 0, got ${radius}`);
  const k = gen.inputSize;
  checkVector(zHat, k, "candidate z");
  const obs = milpObservation(gen, x, options.operator, "linf");
  const box = milpBox(k, options.box);
  const timeLimit = options.timeLimit ?? DEFAULT_MILP_OPTIONS.timeLimit;
  if (!(timeLimit > 0)) throw new OptionError(`certificate: time limit must be > 0 seconds, got ${timeLimit}`);
  const warnings: string[] = [];
  const candidateFit = misfitOf(gen, obs, zHat);
  if (candidateFit > tau) warnings.push(`the candidate itself misfits by ${candidateFit} > τ = ${tau}: it is not one of the pre-images`);
  // the fit is only capped at τ here: outputs seen at ≤ τ are epigraphs (monotoneUnits)
  const { bounds, report } = computeBounds(
    h,
    gen,
    obs,
    box,
    tau,
    Math.min(options.boundTimeMs ?? DEFAULT_MILP_OPTIONS.boundTimeMs, timeLimit * 500),
    true,
    tau,
  );
  const modes = unitModes(gen, bounds, obs, tau);
  const binaries = modes.reduce((s, m) => s + m.filter((v) => v === "binary").length, 0);
  const base = { tau, radius, candidateFit, binaries, box: [box.lower[0]!, box.upper[0]!] as [number, number], warnings };
  if (report.empty) {
    warnings.push(`no z in the box fits within τ = ${tau} (the bounds' LP relaxation is empty): the pre-image set is empty`);
    return { ...base, verdict: "unique", bound: 0, mips: 0, nodes: 0, timeMs: performance.now() - t0 };
  }
  checkBinaryLimit(binaries, options.maxBinaries ?? DEFAULT_MILP_OPTIONS.maxBinaries, "certificate");
  const zh = Float64Array.from(zHat);
  const start = candidateFit <= tau ? zh : undefined;
  const common = { gen, obs, h, box, bounds, modes, zh, tau, radius, start };
  const loop = options.split === false ? maximiseSides(common, k, t0, timeLimit) : splitSides(common, k, t0, timeLimit);
  const { bound, mips, nodes, open } = loop;
  if (loop.empty) {
    warnings.push(...loop.warnings, "the pre-image set is empty");
    return { ...base, verdict: "unique", bound: 0, mips, nodes, timeMs: performance.now() - t0 };
  }
  warnings.push(...loop.warnings);
  if (loop.witness)
    return {
      ...base,
      verdict: "not_unique",
      bound: Math.max(bound, loop.witness.distanceInf),
      witness: loop.witness,
      mips,
      nodes,
      timeMs: performance.now() - t0,
    };
  if (open) {
    warnings.push(`time limit or solver trouble: some coordinate's maximum is not proved ≤ r = ${radius} (best bound ${bound})`);
    return { ...base, verdict: "unknown", bound, mips, nodes, timeMs: performance.now() - t0 };
  }
  return { ...base, verdict: "unique", bound, mips, nodes, timeMs: performance.now() - t0 };
}

/** What the certificate's MIPs share. */
interface SideContext {
  gen: Generator;
  obs: MilpObservation;
  h: Highs;
  box: { lower: Float64Array; upper: Float64Array };
  bounds: NetworkBounds;
  modes: UnitMode[][];
  zh: Float64Array;
  tau: number;
  radius: number;
  start: Float64Array | undefined;
}

/** What the side MIPs found. */
interface SideOutcome {
  bound: number;
  mips: number;
  nodes: number;
  open: boolean;
  empty: boolean;
  witness?: CertificateWitness;
  warnings: string[];
}

/** A far point checked by a forward pass (polished on its activation region first), or null. */
function farWitness(
  c: SideContext,
  z: Float64Array,
  i: number,
  s: 1 | -1,
  zCost: Float64Array,
  bounds: NetworkBounds,
  warnings: string[],
): CertificateWitness | null {
  const { gen, obs, h, box, modes, zh, tau, radius } = c;
  const polished = regionLp(h, gen, obs, box, bounds, patternModes(gen, modes, z), tau, zCost);
  const cand = polished && misfitOf(gen, obs, polished) <= tau * (1 + 1e-9) + 1e-12 ? polished : z;
  const dev = s * (cand[i]! - zh[i]!);
  const fit = misfitOf(gen, obs, cand);
  if (dev > radius && fit <= tau * (1 + 1e-6) + 1e-12) {
    const d = diffNorms(cand, zh);
    const y = measure(obs.operator, gen.forward(cand), obs.x.length);
    return { z: cand, distanceInf: d.linf, distance2: d.l2, fit: diffNorms(y, obs.x) };
  }
  if (dev > radius) warnings.push(`coordinate ${i}: the MIP's far point fits only to ${fit} in a forward pass (τ = ${tau}); not counted`);
  return null;
}

/**
 * The radius-based split: the pre-images outside the ball are those with s·(z_i − ẑ_i) > r for
 * some (i, s), so each of the 2k sides is its own feasibility question over the box cut to
 * s·(z_i − ẑ_i) ≥ r, with interval bounds recomputed on that smaller box (inside the whole
 * box's LP bounds). Infeasible on every side → unique (bound r); a point on a side → not_unique.
 * Each side gets an equal share of the time left, then the open ones share what is left again,
 * so one hard side cannot starve the others (a witness on a later side is still found).
 */
function splitSides(c: SideContext, k: number, t0: number, timeLimit: number): SideOutcome {
  const { gen, obs, h, box, bounds, zh, tau, radius } = c;
  const warnings: string[] = [];
  let mips = 0;
  let nodes = 0;
  let todo: { i: number; s: 1 | -1 }[] = [];
  for (let i = 0; i < k; i++) for (const s of [1, -1] as const) todo.push({ i, s });
  for (let pass = 0; pass < 2 && todo.length > 0; pass++) {
    const still: typeof todo = [];
    for (let t = 0; t < todo.length; t++) {
      const { i, s } = todo[t]!;
      const left = timeLimit - (performance.now() - t0) / 1000;
      if (left <= 0.05) {
        still.push(...todo.slice(t));
        break;
      }
      const share = left / (todo.length - t);
      const side = { lower: Float64Array.from(box.lower), upper: Float64Array.from(box.upper) };
      if (s > 0) side.lower[i] = Math.max(side.lower[i]!, zh[i]! + radius);
      else side.upper[i] = Math.min(side.upper[i]!, zh[i]! - radius);
      if (side.lower[i]! > side.upper[i]!) continue; // the box holds no point that far on this side
      const sideBounds = intervalBounds(gen, side, bounds);
      if (sideBounds.lower.some((l, li) => l.some((v, j) => v > sideBounds.upper[li]![j]!))) continue; // interval bounds cross: empty
      const zCost = new Float64Array(k);
      zCost[i] = -s;
      // any incumbent is a far point: stop at the first one
      const out = solveMip(h, { gen, obs, box: side, bounds: sideBounds, cap: tau, zCost, timeLimit: share, stopBelow: Infinity });
      mips++;
      nodes += Math.max(out.nodes, 0);
      if (out.status === "infeasible") continue;
      if (out.status === "failed") warnings.push(`coordinate ${i} (${s > 0 ? "+" : "−"}): ${out.message ?? "HiGHS failed"}`);
      if (out.z) {
        const w = farWitness(c, out.z, i, s, zCost, sideBounds, warnings);
        if (w) return { bound: w.distanceInf, mips, nodes, open: false, empty: false, witness: w, warnings };
      }
      still.push({ i, s });
    }
    todo = still;
  }
  const open = todo.length > 0;
  // unique: every far side is empty, so max ‖z − ẑ‖∞ ≤ r; open: the box's own extent bounds it
  let bound = radius;
  for (const { i, s } of todo) bound = Math.max(bound, s > 0 ? box.upper[i]! - zh[i]! : zh[i]! - box.lower[i]!);
  return { bound, mips, nodes, open, empty: false, warnings };
}

/**
 * Without the split: for each (i, s) one MIP maximises s·(z_i − ẑ_i) over all the pre-images,
 * stopped once its bound is ≤ r or an incumbent exceeds r; each gets all the time left.
 */
function maximiseSides(c: SideContext, k: number, t0: number, timeLimit: number): SideOutcome {
  const { gen, obs, h, box, bounds, zh, tau, radius, start } = c;
  const warnings: string[] = [];
  let bound = 0;
  let mips = 0;
  let nodes = 0;
  let open = false;
  for (let i = 0; i < k; i++) {
    for (const s of [1, -1] as const) {
      const remaining = timeLimit - (performance.now() - t0) / 1000;
      if (remaining <= 0) {
        open = true;
        bound = Math.max(bound, Math.max(s * (box.upper[i]! - zh[i]!), s * (box.lower[i]! - zh[i]!)));
        continue;
      }
      // minimise −s·z_i; deviation s·(z_i − ẑ_i) = −objective − s·ẑ_i
      const zCost = new Float64Array(k);
      zCost[i] = -s;
      const threshold = -radius - s * zh[i]!;
      const out = solveMip(h, { gen, obs, box, bounds, cap: tau, zCost, timeLimit: remaining, start, stopBelow: threshold, stopAbove: threshold });
      mips++;
      nodes += Math.max(out.nodes, 0);
      if (out.status === "infeasible") {
        warnings.push(`the MIP for ${s > 0 ? "+" : "−"}z_${i} found no z within τ`);
        return { bound: 0, mips, nodes, open: false, empty: true, warnings };
      }
      if (out.status === "failed") warnings.push(`coordinate ${i} (${s > 0 ? "max" : "min"}): ${out.message ?? "HiGHS failed"}`);
      const proved = out.status === "failed" ? -Infinity : out.status === "optimal" ? out.objective : out.bound;
      const devBound = -proved - s * zh[i]!;
      if (out.z) {
        const w = farWitness(c, out.z, i, s, zCost, bounds, warnings);
        if (w) return { bound: Math.max(bound, w.distanceInf), mips, nodes, open: false, empty: false, witness: w, warnings };
      }
      if (!(devBound <= radius * (1 + 1e-9))) open = true;
      bound = Math.max(bound, Number.isFinite(devBound) ? devBound : Infinity);
    }
  }
  return { bound, mips, nodes, open, empty: false, warnings };
}
