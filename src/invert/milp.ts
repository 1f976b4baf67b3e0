/**
 * `milp`: exact global inversion by mixed-integer programming. min over z in a box of
 * ‖A·G(z) − x‖∞ (or ‖·‖1), with G encoded exactly by one binary per ReLU / LeakyReLU unit whose
 * side the bounds leave open (src/invert/milp-model.ts), big-M constants from interval and LP
 * bounds (src/invert/milp-bounds.ts), solved by HiGHS's branch-and-cut (npm `highs`).
 *
 * Unlike the layer-wise methods it needs no expansive layers (section 3: in general the problem
 * is NP-hard, Theorem 1, so the cost is exponential in the worst case — hence the limit on
 * binaries). It reports the global optimum with HiGHS's best bound and gap, or, at the time
 * limit, the incumbent with status `time_limit` and the open gap; never an unproved optimum.
 *
 * One concept at ~500 lines — running the MILP: the HiGHS MIP call with its statuses and gap
 * (solveMip), the fixed-pattern region LP that polishes its incumbent, the start and bounds it is
 * given, and the driver (invertMilp); the formulation is milp-model.ts, the bounds milp-bounds.ts,
 * the report milp-report.ts, certificates milp-certify.ts.
 */
import { type Highs } from "highs";
import { OptionError } from "../errors.js";
import { diffNorms } from "../linalg/norms.js";
import { highsModule } from "../lp/highs.js";
import { checkVector, type Generator } from "../model/generator.js";
import { checkOperator, identityOperator, measurementCount, type MeasurementOperator, observedRows } from "../operators/operator.js";
import { invertLayerwise } from "./driver.js";
import { invertLinfLayer } from "./linf.js";
import { countUndecided, intervalBounds, observationBounds, tightenBounds, type BoundsReport } from "./milp-bounds.js";
import {
  buildMilp,
  highsModelData,
  type BuiltModel,
  measure,
  type MilpNorm,
  type MilpObservation,
  type NetworkBounds,
  monotoneUnits,
  pieceSlope,
  startVector,
  type UnitMode,
  unitModes,
} from "./milp-model.js";
import { DEFAULT_TOLERANCES, type InvertOptions } from "./options.js";
import { type MilpReport } from "./milp-report.js";
import { type InversionResult, type InversionStatus } from "./result.js";

export { type MilpReport } from "./milp-report.js";

/** Defaults of the MILP options. */
export const DEFAULT_MILP_OPTIONS = {
  /** z is searched in [−box, box]^k. */
  box: 10,
  /** Seconds for the whole call (bounds and branch-and-cut). */
  timeLimit: 60,
  /** Refuse networks with more undecided units than this. */
  maxBinaries: 1000,
  /** Milliseconds of LP bound tightening. */
  boundTimeMs: 10_000,
  norm: "linf",
} as const;

/** The z box as per-coordinate arrays. @throws OptionError */
export function milpBox(k: number, box: InvertOptions["box"]): { lower: Float64Array; upper: Float64Array } {
  const b = box ?? DEFAULT_MILP_OPTIONS.box;
  if (typeof b === "number") {
    if (!(b > 0) || !Number.isFinite(b)) throw new OptionError(`milp box must be a finite number > 0 (z in [−box, box]^k), got ${b}`);
    return { lower: new Float64Array(k).fill(-b), upper: new Float64Array(k).fill(b) };
  }
  const [lo, hi] = b;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new OptionError(`milp box [${lo}, ${hi}] must be finite with lower < upper`);
  return { lower: new Float64Array(k).fill(lo), upper: new Float64Array(k).fill(hi) };
}

/** Misfit of z in the norm. */
export function misfitOf(gen: Generator, obs: MilpObservation, z: ArrayLike<number>): number {
  const y = measure(obs.operator, gen.forward(z), obs.x.length);
  const r = diffNorms(y, obs.x);
  return obs.norm === "linf" ? r.linf : r.l1;
}

/** One MIP to solve: the network, the observation, the box, the bounds and the objective. */
export interface MipTask {
  gen: Generator;
  obs: MilpObservation;
  box: { lower: Float64Array; upper: Float64Array };
  bounds: NetworkBounds;
  /** Misfit cap (δ ≤ cap). */
  cap: number;
  /** Minimise this linear cost on z instead of the misfit. */
  zCost?: Float64Array;
  /** Seconds. */
  timeLimit: number;
  /** A point to start from (its column vector is computed). */
  start?: ArrayLike<number> | undefined;
  /** Stop as soon as the incumbent objective is below this / the bound is above this. */
  stopBelow?: number;
  stopAbove?: number;
}

/** What one MIP solve gave. */
export interface MipOutcome {
  status: "optimal" | "infeasible" | "time_limit" | "interrupted" | "failed";
  solverStatus: string;
  /** Incumbent z (null when HiGHS has none). */
  z: Float64Array | null;
  objective: number;
  bound: number;
  gap: number;
  nodes: number;
  lpIterations: number;
  binaries: number;
  seconds: number;
  message?: string;
  model: BuiltModel;
}

/** Smallest misfit cap, relative to ‖x‖∞ (well above HiGHS's 1e-9 feasibility tolerance). */
const CAP_FLOOR = 1e-6;

const MIP_OPTIONS = {
  output_flag: false,
  log_to_console: false,
  mip_rel_gap: 0,
  mip_abs_gap: 1e-12,
  mip_feasibility_tolerance: 1e-9,
  primal_feasibility_tolerance: 1e-9,
  dual_feasibility_tolerance: 1e-9,
} as const;

/** The outcome of a MIP HiGHS could not build or run: no incumbent, no bound, no work counted. */
function failedMip(base: { binaries: number; model: BuiltModel }, solverStatus: string, message: string): MipOutcome {
  return { ...base, status: "failed", solverStatus, z: null, objective: NaN, bound: -Infinity, gap: Infinity, nodes: 0, lpIterations: 0, seconds: 0, message };
}

/**
 * Solve one MIP with HiGHS. Failure and limits are outcomes: HiGHS throwing, or ending in any
 * status but optimal / infeasible, gives `failed` / `time_limit` with whatever incumbent it had.
 */
export function solveMip(h: Highs, task: MipTask): MipOutcome {
  const { gen, obs, box, bounds } = task;
  // with a cost on z the ℓ∞ misfit is only capped: outputs seen at ≤ cap are epigraphs (monotoneUnits)
  const seenAtMost = task.zCost && obs.norm === "linf" ? task.cap : 0;
  const built = buildMilp(gen, obs, box, bounds, h.infinity, { misfitCap: task.cap, seenAtMost, ...(task.zCost ? { zCost: task.zCost } : {}) });
  const base = { binaries: built.binaries, model: built };
  let model;
  try {
    model = h.createModel(highsModelData(h, built));
  } catch (e) {
    return failedMip(base, "model error", `HiGHS rejected the MIP: ${errorText(e)}`);
  }
  try {
    model.options.set({ ...MIP_OPTIONS, time_limit: Math.max(task.timeLimit, 0.01) });
    if (task.start) {
      const v = startVector(gen, built, obs, task.start);
      if (v[built.misfitCol]! <= task.cap || built.misfitCols > 1) model.setSolution({ colValue: v });
    }
    const callbacks =
      task.stopBelow !== undefined || task.stopAbove !== undefined
        ? {
            [h.constants.callbackType.mipInterrupt]: (event: {
              data: { mip_primal_bound?: number; mip_dual_bound?: number };
              interrupt(): void;
            }): undefined => {
              const p = event.data.mip_primal_bound;
              const d = event.data.mip_dual_bound;
              if (task.stopBelow !== undefined && p !== undefined && p < task.stopBelow) event.interrupt();
              if (task.stopAbove !== undefined && d !== undefined && d > task.stopAbove) event.interrupt();
              return undefined;
            },
          }
        : undefined;
    model.run(callbacks);
    const code = model.getModelStatus();
    const ms = h.constants.modelStatus;
    const info = (name: string): number => {
      try {
        return Number(model!.info.get(name));
      } catch {
        return NaN;
      }
    };
    const hasPrimal = info("primal_solution_status") === 2;
    const z = hasPrimal ? Float64Array.from(model.getSolution().colValue.subarray(0, built.k)) : null;
    const objective = hasPrimal ? info("objective_function_value") : NaN;
    const bound = info("mip_dual_bound");
    const gap = info("mip_gap");
    const nodes = info("mip_node_count");
    const lpIterations = info("mip_total_lp_iterations") || info("simplex_iteration_count");
    const seconds = model.getRunTime();
    const status: MipOutcome["status"] =
      code === ms.optimal
        ? "optimal"
        : code === ms.infeasible
          ? "infeasible"
          : code === ms.timeLimit
            ? "time_limit"
            : code === ms.interrupted
              ? "interrupted"
              : code === ms.iterationLimit || code === ms.solutionLimit
                ? "time_limit"
                : "failed";
    return {
      ...base,
      status,
      solverStatus: statusName(h, code),
      z,
      objective,
      bound: status === "infeasible" ? Infinity : bound,
      gap: status === "optimal" ? 0 : gap,
      nodes,
      lpIterations,
      seconds,
      ...(status === "failed" ? { message: `HiGHS ended with model status '${statusName(h, code)}'` } : {}),
    };
  } catch (e) {
    return failedMip(base, "exception", `HiGHS failed: ${errorText(e)}`);
  } finally {
    model.dispose();
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function statusName(h: Highs, code: number): string {
  for (const [name, value] of Object.entries(h.constants.modelStatus)) {
    if (value === code) return name.replace(/([A-Z])/g, " $1").toLowerCase();
  }
  return `status ${code}`;
}

/** The activation pattern z sits in, as modes for the binary units of `model` (others unchanged). */
export function patternModes(gen: Generator, modes: UnitMode[][], z: ArrayLike<number>): UnitMode[][] {
  const trace = preActivations(gen, z);
  return modes.map((m, li) => m.map((mode, j) => (mode === "binary" || mode === "epigraph" ? (trace[li]![j]! > 0 ? "on" : "off") : mode)));
}

/** Every layer's pre-activation W y + b at z. */
export function preActivations(gen: Generator, z: ArrayLike<number>): Float64Array[] {
  const out: Float64Array[] = [];
  let input = Float64Array.from(z);
  gen.layers.forEach((layer, li) => {
    const { rows: nOut, cols: nIn, data: w } = layer.weight;
    const a = new Float64Array(nOut);
    const y = new Float64Array(nOut);
    const slope = pieceSlope(layer, li);
    for (let j = 0; j < nOut; j++) {
      let s = layer.bias ? layer.bias[j]! : 0;
      for (let c = 0; c < nIn; c++) s += w[j * nIn + c]! * input[c]!;
      a[j] = s;
      y[j] = slope === null ? Math.max(s, 0) : s >= 0 ? s : slope * s;
    }
    out.push(a);
    input = y;
  });
  return out;
}

/**
 * The LP of one activation region (the pattern of z fixed): on it G is affine, so the misfit is
 * minimised exactly by one LP (or, with `zCost`, that cost over the region's points within the
 * cap). Used to polish the MIP's answer to LP accuracy.
 */
export function regionLp(
  h: Highs,
  gen: Generator,
  obs: MilpObservation,
  box: { lower: Float64Array; upper: Float64Array },
  bounds: NetworkBounds,
  modes: UnitMode[][],
  cap: number,
  zCost?: Float64Array,
): Float64Array | null {
  const built = buildMilp(gen, obs, box, bounds, h.infinity, { modes, misfitCap: cap, ...(zCost ? { zCost } : {}) });
  const model = h.createModel(highsModelData(h, built, { integer: false }));
  try {
    model.options.set({
      output_flag: false,
      log_to_console: false,
      solver: "simplex",
      primal_feasibility_tolerance: 1e-10,
      dual_feasibility_tolerance: 1e-10,
      time_limit: 10,
    });
    model.run();
    if (model.getModelStatus() !== h.constants.modelStatus.optimal) return null;
    return Float64Array.from(model.getSolution().colValue.subarray(0, built.k));
  } catch {
    return null;
  } finally {
    model.dispose();
  }
}

/** The observation the MILP sees, checked. @throws ShapeError / InvalidValueError / OptionError */
export function milpObservation(gen: Generator, x: ArrayLike<number>, operator: MeasurementOperator | undefined, norm: MilpNorm | undefined): MilpObservation {
  const op = operator ?? identityOperator(gen.outputSize);
  checkOperator(op, gen.outputSize);
  checkVector(x, measurementCount(op), "observation");
  const nrm = norm ?? DEFAULT_MILP_OPTIONS.norm;
  if (nrm !== "linf" && nrm !== "l1") throw new OptionError(`milp norm must be linf or l1, got '${String(nrm)}'`);
  gen.layers.forEach((l, i) => pieceSlope(l, i));
  return { x: Float64Array.from(x), operator: op, norm: nrm };
}

/** Clip z into the box. */
function clip(z: ArrayLike<number>, box: { lower: Float64Array; upper: Float64Array }): Float64Array {
  return Float64Array.from(z, (v, i) => Math.min(Math.max(v, box.lower[i]!), box.upper[i]!));
}

/** A layer-wise ℓ∞ answer as a start (identity and mask operators), or null. */
function layerwiseStart(gen: Generator, obs: MilpObservation, options: InvertOptions): Float64Array | null {
  const op = obs.operator;
  if (op.kind === "dense") return null;
  try {
    const g = op.kind === "mask" ? observedRows(gen, op.rows) : gen;
    const r = invertLayerwise(g, obs.x, invertLinfLayer, { ...options, refine: false }, "linf");
    return r.z.every(Number.isFinite) ? r.z : null;
  } catch {
    return null;
  }
}

/** Bounds for a misfit cap: interval, observation, LP. */
export function computeBounds(
  h: Highs,
  gen: Generator,
  obs: MilpObservation,
  box: { lower: Float64Array; upper: Float64Array },
  cap: number,
  budgetMs: number,
  tighten = true,
  seenAtMost = 0,
): { bounds: NetworkBounds; report: BoundsReport } {
  const t0 = performance.now();
  const bounds = intervalBounds(gen, box);
  observationBounds(gen, obs, cap, bounds);
  const again = intervalBounds(gen, box, bounds);
  bounds.lower.forEach((l, i) => l.set(again.lower[i]!));
  bounds.upper.forEach((u, i) => u.set(again.upper[i]!));
  if (!tighten) {
    const n = countUndecided(gen, bounds, monotoneUnits(gen, obs, seenAtMost));
    return { bounds, report: { undecidedInterval: n, undecided: n, lps: 0, timeMs: performance.now() - t0, truncated: false, empty: false } };
  }
  const report = tightenBounds(h, gen, obs, box, bounds, { cap, timeBudgetMs: budgetMs, seenAtMost });
  return { bounds, report: { ...report, timeMs: performance.now() - t0 } };
}

/**
 * Refuse a network whose MIP would have more binaries than the limit.
 * @throws OptionError with the count and the limit
 */
export function checkBinaryLimit(count: number, limit: number, what = "milp"): void {
  if (count > limit) {
    throw new OptionError(
      `${what}: the network has ${count} undecided ReLU units after bound tightening, more than the limit of ${limit} binaries (raise it with --max-binaries / maxBinaries, or shrink the box)`,
    );
  }
}

/**
 * Global inversion by MILP: min over z ∈ box of ‖A·G(z) − x‖ (ℓ∞ or ℓ1), proved optimal by
 * HiGHS's branch-and-cut, or the incumbent and the open gap at the time limit.
 * @param gen ReLU / LeakyReLU (slope ≤ 1) / identity layers
 * @param x the observation (length m of the operator)
 * @param options `box`, `timeLimit`, `maxBinaries`, `milpNorm`, `maxMisfit`, `milpStart`, `operator`
 * @returns status `optimal` (proved), `infeasible` (no z within maxMisfit), `time_limit`, or `failed`
 * @throws OptionError when the network has more undecided units than `maxBinaries`, or an
 *   activation the MILP cannot encode; SolverError when HiGHS is not loaded
 */
export function invertMilp(gen: Generator, x: ArrayLike<number>, options: InvertOptions = {}): InversionResult {
  const t0 = performance.now();
  const h = highsModule();
  const obs = milpObservation(gen, x, options.operator, options.milpNorm);
  const k = gen.inputSize;
  const box = milpBox(k, options.box);
  const timeLimit = options.timeLimit ?? DEFAULT_MILP_OPTIONS.timeLimit;
  if (!(timeLimit > 0)) throw new OptionError(`milp time limit must be > 0 seconds, got ${timeLimit}`);
  const maxBinaries = options.maxBinaries ?? DEFAULT_MILP_OPTIONS.maxBinaries;
  if (!Number.isSafeInteger(maxBinaries) || maxBinaries < 0) throw new OptionError(`maxBinaries must be a non-negative integer, got ${maxBinaries}`);
  const maxMisfit = options.maxMisfit ?? Infinity;
  if (!(maxMisfit >= 0)) throw new OptionError(`maxMisfit must be ≥ 0, got ${maxMisfit}`);
  const warnings: string[] = [];

  // a start: the given z, or the layer-wise ℓ∞ answer, or the box centre (each clipped into the box)
  const given = options.milpStart;
  let start: Float64Array | null = null as Float64Array | null;
  let startKind: MilpReport["start"] = "none";
  if (given !== undefined && given !== "none" && given !== "layerwise") {
    checkVector(given, k, "milp start");
    start = clip(given, box);
    startKind = "given";
  } else if (given !== "none") {
    const lw = layerwiseStart(gen, obs, options);
    if (lw) {
      start = clip(lw, box);
      startKind = "layerwise";
    }
  }
  const centre = Float64Array.from(box.lower, (l, i) => (l + box.upper[i]!) / 2);
  let incumbent: Float64Array = centre;
  let incumbentMisfit = misfitOf(gen, obs, centre);
  if (start) {
    const f = misfitOf(gen, obs, start);
    if (f <= incumbentMisfit) {
      incumbent = start;
      incumbentMisfit = f;
    }
  }
  // the optimum is ≤ the incumbent's misfit: cap δ there (padded for rounding) — it fixes units
  const xScale = Math.max(
    1,
    obs.x.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
  );
  // never below CAP_FLOOR: a cap at rounding level makes HiGHS's presolve call the model infeasible
  const paddedIncumbent = Math.max(incumbentMisfit * (1 + 1e-9), CAP_FLOOR * xScale);
  const cap = Math.min(maxMisfit, paddedIncumbent);
  const budget = Math.min(options.boundTimeMs ?? DEFAULT_MILP_OPTIONS.boundTimeMs, timeLimit * 500);
  const { bounds, report: br } = computeBounds(h, gen, obs, box, cap, budget, options.milpTighten !== false);
  const modes = unitModes(gen, bounds, obs);
  const binaries = modes.reduce((s, m) => s + m.filter((v) => v === "binary").length, 0);
  const units = modes.reduce((s, m) => s + m.length, 0);
  const report = (o: Partial<MilpReport>): MilpReport => ({
    norm: obs.norm,
    solverStatus: "not run",
    proved: false,
    objective: NaN,
    bound: -Infinity,
    gap: Infinity,
    nodes: 0,
    lpIterations: 0,
    binaries,
    fixedUnits: units - binaries,
    undecidedInterval: br.undecidedInterval,
    boundLps: br.lps,
    boundTimeMs: br.timeMs,
    highsSeconds: 0,
    box: [box.lower[0]!, box.upper[0]!],
    cap,
    start: startKind,
    ...o,
  });
  const result = (status: InversionStatus, z: Float64Array, milp: MilpReport): InversionResult => {
    const y = measure(obs.operator, gen.forward(z), obs.x.length);
    return { method: "milp", status, z, residual: diffNorms(y, obs.x), layers: [], timeMs: performance.now() - t0, warnings, milp };
  };
  if (br.truncated) warnings.push(`bound tightening stopped at its time budget after ${br.lps} LPs: later units keep interval bounds`);
  if (br.empty) {
    if (maxMisfit < paddedIncumbent) {
      warnings.push(`no z in the box has misfit ≤ ${maxMisfit}: the LP relaxation with the bounds is already empty`);
      return result("infeasible", incumbent, report({ solverStatus: "infeasible (bounds)", proved: true, bound: Infinity }));
    }
    warnings.push("bound tightening found the relaxation empty although the start point fits: numerical trouble, the start point is returned");
    return result("failed", incumbent, report({ solverStatus: "bounds crossed" }));
  }
  checkBinaryLimit(binaries, maxBinaries);

  const remaining = Math.max(0.05, timeLimit - (performance.now() - t0) / 1000);
  const out = solveMip(h, { gen, obs, box, bounds, cap, timeLimit: remaining, start: incumbentMisfit <= cap ? incumbent : undefined });
  const milp = report({
    solverStatus: out.solverStatus,
    proved: out.status === "optimal",
    objective: out.objective,
    bound: out.bound,
    gap: out.gap,
    nodes: out.nodes,
    lpIterations: out.lpIterations,
    highsSeconds: out.seconds,
  });
  if (out.message) warnings.push(out.message);
  if (out.status === "infeasible" && cap >= paddedIncumbent) {
    warnings.push("HiGHS called the MIP infeasible although the start point fits: numerical trouble, the start point is returned");
    return result("failed", incumbent, milp);
  }
  if (out.status === "infeasible") {
    warnings.push(`HiGHS proved that no z in the box has ${obs.norm === "linf" ? "‖A·G(z) − x‖∞" : "‖A·G(z) − x‖₁"} ≤ ${cap}`);
    return result("infeasible", incumbent, milp);
  }
  // the better of HiGHS's z and its region's LP optimum (LP accuracy), checked by a forward pass
  let z = out.z ?? (incumbentMisfit <= cap ? incumbent : null);
  if (z && out.z) {
    const polished = regionLp(h, gen, obs, box, bounds, patternModes(gen, modes, z), cap);
    if (polished && misfitOf(gen, obs, polished) <= misfitOf(gen, obs, z)) z = polished;
  }
  if (out.status === "optimal" && z) {
    const fitTol = options.fitTolerance ?? DEFAULT_TOLERANCES.fitTolerance;
    if (misfitOf(gen, obs, z) > out.objective + fitTol * xScale)
      warnings.push(`the MIP's z misfits by ${misfitOf(gen, obs, z)} in a forward pass, above HiGHS's objective ${out.objective}: tolerance trouble`);
    return result("optimal", z, milp);
  }
  if (out.status === "time_limit" || out.status === "interrupted") {
    warnings.push(
      `time limit (${timeLimit} s): the gap is open — best misfit ${z ? misfitOf(gen, obs, z) : "none"}, best bound ${out.bound}; this is not a proved optimum`,
    );
    return result("time_limit", z ?? incumbent, milp);
  }
  return result("failed", z ?? incumbent, milp);
}
