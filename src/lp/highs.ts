/**
 * The HiGHS backend (npm `highs`, HiGHS compiled to WebAssembly): the reference the engine is
 * tested against and the fallback when the engine reports trouble. Each family is passed as a
 * sparse CSR model through the typed-array model API (never LP text); every model is disposed.
 *
 * HiGHS loads asynchronously, so call {@link loadHighsBackend} once (the CLI does) before any
 * synchronous solve; a solve before that throws a SolverError saying so.
 */
import highsPackage, { type Highs, type ModelData } from "highs";
import { SolverError } from "../errors.js";
import { type FitProblem, type LpSolution, type LpStatus, validateProblem } from "./types.js";

// the package ships CommonJS-flavoured types over an ES module: its default export is the loader
type HighsLoader = (options?: object) => Promise<Highs>;
const loadHighs: HighsLoader =
  typeof highsPackage === "function" ? (highsPackage as HighsLoader) : (highsPackage as unknown as { default: HighsLoader }).default;

let highs: Highs | null = null;
let loading: Promise<Highs> | null = null;

/** Options of {@link loadHighsBackend}. */
export interface HighsLoadOptions {
  /**
   * Emscripten's `instantiateWasm` hook: instantiate HiGHS's WebAssembly with `imports` and hand
   * the instance to `receive` (the browser page compiles its own, xz-compressed copy of highs.wasm).
   * Default: the package's loader reads its own highs.wasm.
   */
  instantiateWasm?: (imports: object, receive: (instance: unknown) => void) => void;
}

/**
 * Load the HiGHS WebAssembly module (once; later calls return the same promise, whatever their options).
 * @param options how to instantiate the WebAssembly (default: the package's own loader)
 * @returns a promise that resolves once synchronous HiGHS solves work
 * @throws SolverError (rejecting) when the module cannot be loaded
 * @example
 * ```ts
 * import { loadHighsBackend } from "geninv";
 * await loadHighsBackend();
 * ```
 */
export function loadHighsBackend(options: HighsLoadOptions = {}): Promise<void> {
  if (!loading) {
    loading = (options.instantiateWasm ? loadHighs({ instantiateWasm: options.instantiateWasm }) : loadHighs()).then(
      (h: Highs) => {
        highs = h;
        return h;
      },
      (e: unknown) => {
        loading = null;
        throw new SolverError(`could not load the HiGHS solver (npm 'highs'): ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }
  return loading.then(() => undefined);
}

/**
 * The loaded HiGHS module, for callers that build their own models (the MILP method).
 * @throws SolverError when {@link loadHighsBackend} has not finished
 */
export function highsModule(): Highs {
  if (!highs) throw new SolverError("the HiGHS backend is not loaded: await loadHighsBackend() first");
  return highs;
}

/**
 * True once {@link loadHighsBackend} has finished.
 * @returns whether synchronous HiGHS solves (`lpBackend: "highs"`, {@link solveWithHighs}) work now
 * @throws never
 * @example
 * ```ts
 * import { highsLoaded, loadHighsBackend } from "geninv";
 * if (!highsLoaded()) await loadHighsBackend();
 * console.log(highsLoaded()); // true
 * ```
 */
export function highsLoaded(): boolean {
  return highs !== null;
}

/**
 * Options of {@link solveWithHighs}.
 * @example
 * ```ts
 * import { fromRows, loadHighsBackend, solveWithHighs, type HighsSolveOptions } from "geninv";
 * await loadHighsBackend();
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const options: HighsSolveOptions = { iterationLimit: 100, timeLimit: 5 };
 * const r = solveWithHighs({ kind: "lad", a, upper: Float64Array.of(1, 2, 3), lower: Float64Array.of(1, 2, 3) }, options);
 * console.log(r.status, r.backend);
 * ```
 */
export interface HighsSolveOptions {
  /** Simplex iteration budget (default: HiGHS's own, effectively unlimited). */
  iterationLimit?: number;
  /** Seconds (default 60): a guard so that nothing hangs. */
  timeLimit?: number;
}

/** The reference HiGHS settings: dual simplex to a vertex, tight tolerances, silent. */
const HIGHS_OPTIONS = {
  output_flag: false,
  log_to_console: false,
  solver: "simplex",
  primal_feasibility_tolerance: 1e-10,
  dual_feasibility_tolerance: 1e-10,
} as const;

/**
 * Solve one LP with HiGHS.
 * @param p the problem, of any family
 * @param options iteration and time limits
 * @returns the solution, with `backend` naming HiGHS and `pivots` its simplex iterations
 * @throws SolverError when HiGHS is not loaded or fails in a way no status describes; ShapeError /
 * InvalidValueError for a malformed problem
 * @example
 * ```ts
 * import { fromRows, loadHighsBackend, solveWithHighs } from "geninv";
 * await loadHighsBackend();
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const r = solveWithHighs({ kind: "chebyshev", a, upper: Float64Array.of(1, 2, 4), lower: Float64Array.of(1, 2, 4) });
 * console.log(r.status, r.objective); // optimal, ≈ 1/3
 * ```
 */
export function solveWithHighs(p: FitProblem, options: HighsSolveOptions = {}): LpSolution {
  validateProblem(p);
  const h = highs;
  if (!h) throw new SolverError("the HiGHS backend is not loaded: await loadHighsBackend() first");
  const data = buildModel(p, h.infinity, h.constants.objectiveSense);
  const k = p.a.cols;
  let model;
  try {
    model = h.createModel(data);
  } catch (e) {
    throw new SolverError(`HiGHS rejected the ${p.kind} model: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    model.options.set({ ...HIGHS_OPTIONS, time_limit: options.timeLimit ?? 60 });
    if (options.iterationLimit !== undefined) model.options.set({ simplex_iteration_limit: options.iterationLimit });
    model.run();
    let code = model.getModelStatus();
    if (code === h.constants.modelStatus.unboundedOrInfeasible) {
      // presolve could not tell which: solve again without it
      model.options.set({ presolve: "off" });
      model.clearSolver();
      model.run();
      code = model.getModelStatus();
    }
    const pivots = Number(model.info.get("simplex_iteration_count"));
    const ms = h.constants.modelStatus;
    let status: LpStatus;
    let message: string | undefined;
    if (code === ms.optimal) status = "optimal";
    else if (code === ms.infeasible) status = "infeasible";
    else if (code === ms.unbounded) status = "unbounded";
    else if (code === ms.unboundedOrInfeasible) {
      // our Chebyshev and LAD objectives are bounded below, so only the relaxed LP can be unbounded
      status = p.kind === "relaxed" ? "unbounded" : "infeasible";
      message = "HiGHS: unbounded or infeasible";
    } else if (code === ms.iterationLimit || code === ms.timeLimit) {
      status = "iteration_limit";
      message = `HiGHS stopped: ${code === ms.timeLimit ? "time" : "iteration"} limit`;
    } else {
      status = "numerical_error";
      message = `HiGHS model status ${code}`;
    }
    const z = new Float64Array(k);
    let objective = NaN;
    if (status === "optimal") {
      const sol = model.getSolution();
      z.set(sol.colValue.subarray(0, k));
      objective = model.getObjectiveValue();
    }
    return { status, z, objective, pivots, backend: "highs", ...(message ? { message } : {}) };
  } catch (e) {
    if (e instanceof SolverError) throw e;
    throw new SolverError(`HiGHS failed on a ${p.kind} LP (${p.a.rows}×${k}): ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    model.dispose();
  }
}

/** The family as a HiGHS model: columns z (then δ, or e_1..e_n for LAD), rows in CSR. */
function buildModel(p: FitProblem, inf: number, sense: { minimize: unknown; maximize: unknown }): ModelData {
  const { a, upper, lower } = p;
  const n = a.rows;
  const k = a.cols;
  const wu = p.upperWeight;
  const wl = p.lowerWeight;
  const extra = p.kind === "chebyshev" ? 1 : p.kind === "lad" ? n : 0;
  const numCols = k + extra;
  let numRows = 0;
  for (let j = 0; j < n; j++) {
    if (upper[j] !== Infinity) numRows++;
    if (p.kind !== "relaxed" && lower[j] !== -Infinity) numRows++;
  }
  const rowLen = k + (extra > 0 ? 1 : 0);
  const starts = new Int32Array(numRows + 1);
  const indices = new Int32Array(numRows * rowLen);
  const values = new Float64Array(numRows * rowLen);
  const rowLower = new Float64Array(numRows);
  const rowUpper = new Float64Array(numRows);
  let r = 0;
  let q = 0;
  const addRow = (j: number, w: number, slackCol: number, slackCoef: number, lo: number, hi: number): void => {
    starts[r] = q;
    const o = j * k;
    for (let i = 0; i < k; i++) {
      const v = w * a.data[o + i]!;
      if (v === 0) continue;
      indices[q] = i;
      values[q++] = v;
    }
    if (slackCol >= 0) {
      indices[q] = slackCol;
      values[q++] = slackCoef;
    }
    rowLower[r] = lo;
    rowUpper[r] = hi;
    r++;
  };
  for (let j = 0; j < n; j++) {
    const slack = p.kind === "chebyshev" ? k : p.kind === "lad" ? k + j : -1;
    const u = upper[j]!;
    if (u !== Infinity) {
      const w = wu ? wu[j]! : 1;
      // wU·(a_j·z − u_j) ≤ δ (or e_j)
      addRow(j, w, slack, -1, -inf, w * u);
    }
    const l = lower[j]!;
    if (p.kind !== "relaxed" && l !== -Infinity) {
      const w = wl ? wl[j]! : 1;
      // wL·(l_j − a_j·z) ≤ δ (or e_j)
      addRow(j, w, slack, 1, w * l, inf);
    }
  }
  starts[numRows] = q;
  const colCost = new Float64Array(numCols);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols);
  const zlo = p.zLower ?? -Infinity;
  const zhi = p.zUpper ?? Infinity;
  for (let i = 0; i < k; i++) {
    colLower[i] = zlo === -Infinity ? -inf : zlo;
    colUpper[i] = zhi === Infinity ? inf : zhi;
  }
  if (p.kind === "chebyshev") {
    colCost[k] = 1;
    colLower[k] = 0;
    const cap = p.deltaMax ?? Infinity;
    colUpper[k] = cap === Infinity ? inf : cap;
  } else if (p.kind === "lad") {
    for (let j = 0; j < n; j++) {
      colCost[k + j] = 1;
      colLower[k + j] = 0;
      colUpper[k + j] = inf;
    }
  } else {
    colCost.set(p.cost);
  }
  return {
    numCols,
    numRows,
    sense: (p.kind === "relaxed" ? sense.maximize : sense.minimize) as ModelData["sense"],
    colCost,
    colLower,
    colUpper,
    rowLower,
    rowUpper,
    matrix: { format: "csr", numRows, numCols, starts, indices: indices.subarray(0, q), values: values.subarray(0, q) },
  };
}
