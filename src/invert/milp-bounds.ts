/**
 * Pre-activation bounds L ≤ a ≤ U for every unit, for the MILP's big-M rows: interval arithmetic
 * from the z box, the observation's own bounds on the last layer (a misfit ≤ cap pins each
 * observed output to [x − cap, x + cap]), then LP bounds: min and max of each undecided unit's
 * pre-activation over the LP relaxation of the whole network with the misfit capped. Every bound
 * is computed and then padded outward by a relative 1e-7 (the LP solves' tolerance), so a bound
 * never cuts off a true point.
 */
import { type Highs } from "highs";
import { type Generator } from "../model/generator.js";
import { buildMilp, highsModelData, type MilpObservation, monotoneUnits, type NetworkBounds, observedValueByUnit, pieceSlope } from "./milp-model.js";

/** Relative outward padding of LP bounds (HiGHS's primal feasibility tolerance is 1e-9 here). */
const BOUND_PAD = 1e-7;
/** Outward padding of interval sums, relative to the magnitude of their terms. */
const INTERVAL_PAD = 1e-13;

/** What the bound computation did. */
export interface BoundsReport {
  /** Undecided ReLU / LeakyReLU units after interval (and observation) bounds. */
  undecidedInterval: number;
  /** Undecided units after LP tightening. */
  undecided: number;
  /** LPs solved to tighten. */
  lps: number;
  timeMs: number;
  /** True when the time budget stopped the tightening early (the remaining bounds are the interval ones). */
  truncated: boolean;
  /** True when some unit's bounds cross: no z in the box fits within the cap. */
  empty: boolean;
}

/** Interval bounds of every layer's pre-activation for z in the box, intersected with `known`. */
export function intervalBounds(gen: Generator, box: { lower: Float64Array; upper: Float64Array }, known?: NetworkBounds): NetworkBounds {
  const lower: Float64Array[] = [];
  const upper: Float64Array[] = [];
  let inLo = Float64Array.from(box.lower);
  let inHi = Float64Array.from(box.upper);
  gen.layers.forEach((layer, li) => {
    const { rows: nOut, cols: nIn, data: w } = layer.weight;
    const lo = new Float64Array(nOut);
    const hi = new Float64Array(nOut);
    const slope = pieceSlope(layer, li);
    const outLo = new Float64Array(nOut);
    const outHi = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) {
      const bias = layer.bias ? layer.bias[j]! : 0;
      let l = bias;
      let h = bias;
      let scale = Math.abs(bias);
      for (let c = 0; c < nIn; c++) {
        const v = w[j * nIn + c]!;
        if (v >= 0) {
          l += v * inLo[c]!;
          h += v * inHi[c]!;
        } else {
          l += v * inHi[c]!;
          h += v * inLo[c]!;
        }
        scale += Math.abs(v) * Math.max(Math.abs(inLo[c]!), Math.abs(inHi[c]!));
      }
      // outward by the sums' rounding (a few ulps of the terms' magnitude)
      l -= INTERVAL_PAD * scale;
      h += INTERVAL_PAD * scale;
      if (known) {
        l = Math.max(l, known.lower[li]![j]!);
        h = Math.min(h, known.upper[li]![j]!);
      }
      lo[j] = l;
      hi[j] = h;
      outLo[j] = act(slope, l);
      outHi[j] = act(slope, h);
    }
    lower.push(lo);
    upper.push(hi);
    inLo = outLo;
    inHi = outHi;
  });
  return { lower, upper };
}

function act(slope: number | null, a: number): number {
  if (slope === null) return Math.max(a, 0);
  return a >= 0 ? a : slope * a;
}

function inverseAct(slope: number | null, y: number): number {
  // the smallest a with φ(a) = y for y > 0 (ReLU), or φ⁻¹(y) (LeakyReLU, identity)
  if (slope === null) return y;
  return y >= 0 ? y : y / slope;
}

/**
 * Tighten the last layer from the observation (identity / mask operators): an observed output
 * with misfit ≤ cap lies in [x − cap, x + cap], so its pre-activation lies in φ⁻¹ of that
 * (for ReLU: a ≤ x + cap, and a ≥ x − cap when x − cap > 0, the unit then being on).
 */
export function observationBounds(gen: Generator, obs: MilpObservation, cap: number, b: NetworkBounds): void {
  if (!Number.isFinite(cap)) return;
  const d = gen.depth;
  const slope = pieceSlope(gen.layers[d - 1]!, d - 1);
  const seen = observedValueByUnit(obs, gen.outputSize);
  if (!seen) return;
  const lo = b.lower[d - 1]!;
  const hi = b.upper[d - 1]!;
  for (let j = 0; j < seen.length; j++) {
    const v = seen[j]!;
    if (Number.isNaN(v)) continue;
    const top = v + cap;
    const bottom = v - cap;
    hi[j] = Math.min(hi[j]!, inverseAct(slope, top));
    if (slope !== null || bottom > 0) lo[j] = Math.max(lo[j]!, inverseAct(slope, bottom));
  }
}

/** Count units whose side the bounds leave open (ReLU units in `monotone` are epigraphs, not counted). */
export function countUndecided(gen: Generator, b: NetworkBounds, monotone?: Uint8Array[] | null): number {
  let n = 0;
  gen.layers.forEach((layer, li) => {
    const slope = pieceSlope(layer, li);
    if (slope === 1) return;
    const lo = b.lower[li]!;
    const hi = b.upper[li]!;
    for (let j = 0; j < lo.length; j++) {
      if (!(lo[j]! < 0 && hi[j]! > 0)) continue;
      if (slope === null && monotone && monotone[li]![j] === 1) continue;
      n++;
    }
  });
  return n;
}

/** Options of {@link tightenBounds}. */
export interface TightenOptions {
  /** Misfit cap used in the relaxation (the incumbent's misfit, or the certificate's τ). */
  cap: number;
  /** Milliseconds the tightening may take (default 10 000). */
  timeBudgetMs?: number;
  /** Last-layer ReLU outputs observed at ≤ this are epigraphs (`monotoneUnits`; default 0). */
  seenAtMost?: number;
}

/**
 * LP bounds: for each layer in turn, each still-undecided unit's pre-activation is minimised and
 * maximised over the LP relaxation of the whole network (with the current bounds and the misfit
 * ≤ cap); a bound that improves replaces the interval one and the later layers' interval bounds
 * are recomputed from it. Modifies `b` in place.
 */
export function tightenBounds(
  h: Highs,
  gen: Generator,
  obs: MilpObservation,
  box: { lower: Float64Array; upper: Float64Array },
  b: NetworkBounds,
  options: TightenOptions,
): BoundsReport {
  const t0 = performance.now();
  const budget = options.timeBudgetMs ?? 10_000;
  const monotone = monotoneUnits(gen, obs, options.seenAtMost ?? 0);
  const undecidedInterval = countUndecided(gen, b, monotone);
  let lps = 0;
  let truncated = false;
  let empty = crossed(b);
  for (let li = 0; li < gen.depth && !empty && !truncated; li++) {
    const layer = gen.layers[li]!;
    const slope = pieceSlope(layer, li);
    if (slope === 1) continue;
    const lo = b.lower[li]!;
    const hi = b.upper[li]!;
    const todo: number[] = [];
    for (let j = 0; j < lo.length; j++) {
      if (!(lo[j]! < 0 && hi[j]! > 0)) continue;
      // last-layer epigraphs need no bounds (no later layer uses them)
      if (li === gen.depth - 1 && slope === null && monotone[li]![j] === 1) continue;
      todo.push(j);
    }
    if (todo.length === 0) continue;
    const built = buildMilp(gen, obs, box, b, h.infinity, { relax: true, misfitCap: options.cap, seenAtMost: options.seenAtMost ?? 0 });
    const model = h.createModel(highsModelData(h, built, { cost: new Float64Array(built.numCols), integer: false }));
    try {
      model.options.set({
        output_flag: false,
        log_to_console: false,
        solver: "simplex",
        primal_feasibility_tolerance: 1e-9,
        dual_feasibility_tolerance: 1e-9,
        time_limit: 30,
      });
      const inCols = li === 0 ? Int32Array.from({ length: gen.inputSize }, (_, i) => i) : built.outCol[li - 1]!;
      const { cols: nIn, data: w } = layer.weight;
      let costed: number[] = [];
      for (const j of todo) {
        if (performance.now() - t0 > budget) {
          truncated = true;
          break;
        }
        const bias = layer.bias ? layer.bias[j]! : 0;
        for (const c of costed) model.changeColCost(c, 0);
        costed = [];
        for (let c = 0; c < nIn; c++) {
          const col = inCols[c]!;
          const v = w[j * nIn + c]!;
          if (col < 0 || v === 0) continue;
          costed.push(col);
        }
        for (const side of [1, -1] as const) {
          // side 1: min a (a lower bound); side −1: min −a (an upper bound)
          for (let c = 0; c < nIn; c++) {
            const col = inCols[c]!;
            const v = w[j * nIn + c]!;
            if (col < 0 || v === 0) continue;
            model.changeColCost(col, side * v);
          }
          model.run();
          lps++;
          const status = model.getModelStatus();
          if (status === h.constants.modelStatus.infeasible) {
            // the relaxation is empty: no z in the box fits within the cap
            empty = true;
            break;
          }
          if (status !== h.constants.modelStatus.optimal) continue; // keep the interval bound
          const value = side * model.getObjectiveValue() + bias;
          const pad = BOUND_PAD * (1 + Math.abs(value));
          if (side === 1) lo[j] = Math.max(lo[j]!, value - pad);
          else hi[j] = Math.min(hi[j]!, value + pad);
        }
        if (empty) break;
        if (lo[j]! > hi[j]!) {
          empty = true;
          break;
        }
      }
    } finally {
      model.dispose();
    }
    // later layers: recompute interval bounds from the tightened ones
    const again = intervalBounds(gen, box, b);
    for (let t = li + 1; t < gen.depth; t++) {
      b.lower[t]!.set(again.lower[t]!);
      b.upper[t]!.set(again.upper[t]!);
    }
    if (!empty) empty = crossed(b);
  }
  return { undecidedInterval, undecided: countUndecided(gen, b, monotone), lps, timeMs: performance.now() - t0, truncated, empty };
}

function crossed(b: NetworkBounds): boolean {
  for (let i = 0; i < b.lower.length; i++) {
    const lo = b.lower[i]!;
    const hi = b.upper[i]!;
    for (let j = 0; j < lo.length; j++) if (lo[j]! > hi[j]!) return true;
  }
  return false;
}
