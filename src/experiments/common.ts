/**
 * What the figure experiments share: running one registered method on one observation into a
 * plain record, the paper's method settings, display names and colours, and CSV text.
 */
import { errorMessage, OptionError } from "../errors.js";
import { relativeError } from "../linalg/norms.js";
import { type Generator } from "../model/generator.js";
import { type InvertOptions } from "../invert/options.js";
import { getMethod, methodName, runMethod } from "../invert/registry.js";
import { type InversionResult, type InversionStatus } from "../invert/result.js";
import { type MarkerShape, PALETTE } from "../render/svg.js";

/**
 * One method's result on one run, as stored in the CSV/JSON (non-finite numbers become null).
 * @example
 * ```ts
 * import { fig1Config, runFig1, type MethodOutcome } from "geninv/experiments";
 * const r = await runFig1(fig1Config({ sizes: [2, 8, 20], levels: [1e-3], runs: 2, methods: ["linf"] }), { mode: "in-process" });
 * const outcomes: MethodOutcome[] = r.records.flatMap((rec) => rec?.methods ?? []);
 * console.log(outcomes.map((o) => `${o.method}: ${o.status}, relative error ${o.relError}`));
 * ```
 */
export interface MethodOutcome {
  /** The method's registry name. */
  method: string;
  /** The method's status, or `failed` when it threw. */
  status: InversionStatus;
  /** ‖z − z*‖₂ / ‖z*‖₂. */
  relError: number | null;
  /** ‖G(z) − x‖₂ and ‖G(z) − x‖∞. */
  residualL2: number | null;
  /** ‖G(z) − x‖∞. */
  residualLinf: number | null;
  /** Wall time of the inversion, in milliseconds. */
  timeMs: number;
  /** Iterations taken (iterative methods). */
  iterations?: number;
  /** Why it failed (thrown error message). */
  error?: string;
}

/**
 * Method options that reproduce the paper's section 5.1 settings: α = 1.2 for the LP methods;
 * gradient descent with the fixed learning rate 1, at most 1000 iterations, stop at ‖∇‖ ≤ 1e-9. A method
 * reads the fields it knows and ignores the others (src/invert/options.ts).
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU } from "geninv";
 * import { PAPER_METHOD_OPTIONS } from "geninv/experiments";
 * const gen = randomGenerator({ sizes: [2, 8, 20], activation: RELU, rng: 30 });
 * // gradient descent as the paper ran it, with a smaller budget
 * const r = invert(gen, gen.forward([0.5, 1]), { ...PAPER_METHOD_OPTIONS.gd, iterations: 100, method: "gd" });
 * console.log(r.status, r.iterations);
 * ```
 */
export const PAPER_METHOD_OPTIONS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  linf: { alpha: 1.2 },
  l1: { alpha: 1.2 },
  relaxed: { alpha: 1.2 },
  // the paper's fixed step and single stopping rule (geninv's defaults add a line search and a stall rule)
  gd: { learningRate: 1, lineSearch: false, iterations: 1000, gradientTolerance: 1e-9, objectiveTolerance: 0 },
  "linf+gd": { alpha: 1.2, learningRate: 1, iterations: 1000, gradientTolerance: 1e-9, objectiveTolerance: 0 },
};

/**
 * The paper's settings for its MNIST network (section 5.2): gradient descent with learning rate
 * 1e-3 and up to 10,000 iterations; Adam as in csgm (learning rate 0.01, 1000 steps, 3 restarts);
 * hybrids refine with a step that suits trained networks.
 */
// objectiveTolerance 0: the gradient-norm rule only, as the figures were measured (no stall rule)
const CSGM_ADAM = { learningRate: 0.01, iterations: 1000, restarts: 3, gradientTolerance: 1e-9, objectiveTolerance: 0 };
// PGD's projection: ℓ1 LP refined by a short ℓ2 descent (measured best on the shipped generator)
const PGD_PROJECTION = { projection: "l1+gd", projectionOptions: { learningRate: 0.1, iterations: 200, objectiveTolerance: 0 } };
export const TRAINED_NET_METHOD_OPTIONS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  gd: { learningRate: 1e-3, lineSearch: false, iterations: 10_000, gradientTolerance: 1e-9, objectiveTolerance: 0 },
  adam: CSGM_ADAM,
  "linf+gd": { learningRate: 0.1, iterations: 1000, gradientTolerance: 1e-9, objectiveTolerance: 0 },
  "l1+gd": { learningRate: 0.1, iterations: 1000, gradientTolerance: 1e-9, objectiveTolerance: 0 },
  pgd: { ...PGD_PROJECTION, pgdRestarts: 3 },
  // csgm's Adam, then one PGD run from its answer: Adam lands near z* from few measurements, PGD makes it exact
  "adam+pgd": { ...CSGM_ADAM, ...PGD_PROJECTION, pgdRestarts: 1 },
};

/** The LP methods, whose initial ε guess (eps0) Figure 1 can set to the noise level, as the authors' code does (eps0FromNoise). */
export const LP_METHODS: readonly string[] = ["linf", "l1", "relaxed", "linf+gd"];

/** Options for `method` in one run: paper defaults, then the user's overrides, then per-run fields. */
export function methodOptions(
  method: string,
  overrides: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined,
  perRun: Record<string, unknown>,
): InvertOptions & Record<string, unknown> {
  return { ...(PAPER_METHOD_OPTIONS[method] ?? {}), ...(overrides?.[method] ?? {}), ...perRun };
}

/** The outcome record of an inversion result against the truth z*. */
export function outcomeOf(r: InversionResult, zTrue: ArrayLike<number>): MethodOutcome {
  return {
    method: r.method,
    status: r.status,
    relError: finiteOrNull(relativeError(r.z, zTrue)),
    residualL2: finiteOrNull(r.residual.l2),
    residualLinf: finiteOrNull(r.residual.linf),
    timeMs: r.timeMs,
    ...(r.iterations !== undefined ? { iterations: r.iterations } : {}),
    // a failed status carries its reason (the solver's message) into the CSV's error column
    ...(r.status === "failed" && r.warnings.length > 0 ? { error: r.warnings.join("; ") } : {}),
  };
}

/** The outcome of a method that threw. */
export function failedOutcome(method: string, timeMs: number, e: unknown): MethodOutcome {
  return { method, status: "failed", relError: null, residualL2: null, residualLinf: null, timeMs, error: errorMessage(e) };
}

/** Run `method` on x and compare with the truth; a thrown error becomes a `failed` outcome. */
export function runOutcome(gen: Generator, x: Float64Array, zTrue: Float64Array, method: string, options: InvertOptions): MethodOutcome {
  const t0 = performance.now();
  try {
    return { ...outcomeOf(runMethod(getMethod(methodName(method)), gen, x, options), zTrue), method };
  } catch (e) {
    return failedOutcome(method, performance.now() - t0, e);
  }
}

/** `v` when finite, else null (JSON has no NaN). */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** @throws OptionError naming the unknown method and the registered ones */
export function checkMethods(methods: readonly string[]): void {
  if (methods.length === 0) throw new OptionError("no methods given");
  const seen = new Set<string>();
  for (const m of methods) {
    methodName(m); // throws OptionError listing the known methods
    if (seen.has(m)) throw new OptionError(`method '${m}' listed twice`);
    seen.add(m);
  }
}

const DISPLAY: Record<string, { label: string; color: string; marker: MarkerShape }> = {
  linf: { label: "ℓ∞ LP (Alg. 1)", color: PALETTE[0], marker: "circle" },
  l1: { label: "ℓ1 LP (Alg. 2)", color: PALETTE[1], marker: "triangle" },
  gd: { label: "gradient descent", color: PALETTE[2], marker: "diamond" },
  exact: { label: "exact (Thm. 2)", color: PALETTE[3], marker: "square" },
  relaxed: { label: "relaxed LP (eq. 8)", color: PALETTE[4], marker: "circle" },
  "linf+gd": { label: "ℓ∞ LP + GD", color: PALETTE[5], marker: "square" },
  adam: { label: "Adam", color: PALETTE[6], marker: "diamond" },
  pgd: { label: "PGD (LP projection)", color: PALETTE[7], marker: "circle" },
  "adam+pgd": { label: "Adam, then PGD", color: PALETTE[8], marker: "square" },
  auto: { label: "auto (region descent)", color: PALETTE[9], marker: "triangle" },
  region: { label: "region descent (ℓ2)", color: PALETTE[9], marker: "triangle" },
};

/** Legend label, colour and marker of a method (unknown methods get the remaining colours). */
export function methodStyle(method: string, index: number): { label: string; color: string; marker: MarkerShape } {
  return DISPLAY[method] ?? { label: method, color: PALETTE[(7 + index) % PALETTE.length]!, marker: "circle" };
}

/**
 * The checks every sweep's configuration shares: its axis values distinct, runs ≥ 1, a seed ≥ 0 and
 * known methods, each listed once. @throws OptionError naming the field
 */
export function checkSweep(c: { runs: number; seed: number; methods: readonly string[] }, axis: readonly number[], axisName: string): void {
  if (new Set(axis).size !== axis.length) throw new OptionError(`${axisName} must be distinct, got ${axis.join(",")}`);
  if (!Number.isSafeInteger(c.runs) || c.runs < 1) throw new OptionError(`runs must be a positive integer, got ${c.runs}`);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new OptionError(`seed must be a non-negative integer, got ${c.seed}`);
  checkMethods(c.methods);
}

/** A sweep's trials, run-major (every axis value once, then again), so a partial sweep covers the whole axis. */
export function runMajorTrials<V, T>(axis: readonly V[], runs: number, trial: (value: V, run: number) => T): T[] {
  const out: T[] = [];
  for (let run = 0; run < runs; run++) for (const v of axis) out.push(trial(v, run));
  return out;
}

/** A CSV cell: null and undefined are empty. */
export type CsvCell = string | number | boolean | null | undefined;

/**
 * A record's CSV rows: its own cells, then one row per method outcome (`cells`), or the `failed`
 * row when no method ran (the trial itself failed).
 */
export function outcomeRows(
  base: readonly CsvCell[],
  methods: readonly MethodOutcome[],
  cells: (o: MethodOutcome) => CsvCell[],
  failed: CsvCell[],
): CsvCell[][] {
  return methods.length === 0 ? [[...base, ...failed]] : methods.map((o) => [...base, ...cells(o)]);
}

/** CSV text (RFC 4180 quoting) from a header and rows; null/undefined become empty cells. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  const cell = (v: string | number | boolean | null | undefined): string => {
    if (v === null || v === undefined) return "";
    const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}
