/**
 * One object per layer that solves the three families on the chosen backend, keeps the engine's
 * state for warm starts, counts solves and pivots, and falls back to HiGHS when the engine reports
 * trouble (`numerical_error`, `iteration_limit`, or an internal error).
 *
 * Scaling: the engine's tolerances have absolute floors near 1 and HiGHS treats |values| ≥ 1e20 as
 * infinite, so targets far from unit size (1e150·G(z*), one 1e300 pixel, or 1e-150) are solved
 * as the problem with every target, bound and cap divided by a power of two σ (exact in floating
 * point: s = A·z becomes s/σ = A·(z/σ)); z and the objective are multiplied back.
 */
import { GeninvError, OptionError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { ChebyshevSolver, type EngineSolution } from "./chebyshev.js";
import { highsLoaded, solveWithHighs } from "./highs.js";
import { LadSolver, type LadSnapshot } from "./lad.js";
import { RelaxedSolver } from "./relaxed.js";
import { type ChebyshevProblem, type FitProblem, type LadProblem, type LpSolution, type RelaxedProblem } from "./types.js";
import { type VertexSnapshot } from "./vertex-simplex.js";

/**
 * The LP backends: the purpose-built dense engine, or HiGHS (WebAssembly).
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, type LpBackendName } from "geninv";
 * const backend: LpBackendName = "engine";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 24 });
 * console.log(invert(gen, gen.forward([1, -1]), { method: "linf", lpBackend: backend }).layers.map((l) => l.backend));
 * ```
 */
export type LpBackendName = "engine" | "highs";

/**
 * The backend names, for option parsing.
 * @example
 * ```ts
 * import { LP_BACKENDS, type LpBackendName } from "geninv";
 * const parseBackend = (s: string): LpBackendName => {
 *   const b = LP_BACKENDS.find((name) => name === s);
 *   if (!b) throw new Error(`lpBackend must be one of ${LP_BACKENDS.join(", ")}`);
 *   return b;
 * };
 * console.log(parseBackend("highs"));
 * ```
 */
export const LP_BACKENDS: readonly LpBackendName[] = ["engine", "highs"];

/**
 * Settings of a {@link FitSolver}.
 * @example
 * ```ts
 * import { FitSolver, fromRows, type FitSolverOptions } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const t = Float64Array.of(1, 2, 3);
 * // the engine alone (no HiGHS fallback), at most 200 pivots a solve
 * const options: FitSolverOptions = { backend: "engine", fallback: false, maxPivots: 200 };
 * console.log(new FitSolver(a, options).ladFit({ kind: "lad", a, upper: t, lower: t }).status);
 * ```
 */
export interface FitSolverOptions {
  /** Which backend solves (default `engine`). */
  backend?: LpBackendName;
  /** Re-solve with HiGHS when the engine reports trouble (default true; needs HiGHS loaded). */
  fallback?: boolean;
  /** Engine pivot budget per solve (default: automatic, ~50·(n + k)). */
  maxPivots?: number;
}

/**
 * A solve's answer plus what a later solve can warm-start from.
 * @example
 * ```ts
 * import { FitSolver, fromRows, type FitResult } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const solver = new FitSolver(a);
 * const first: FitResult = solver.chebyshev({ kind: "chebyshev", a, upper: Float64Array.of(1, 2, 4), lower: Float64Array.of(1, 2, 4) });
 * // the next problem of the ε schedule starts from the first one's basis
 * const next = solver.chebyshev({ kind: "chebyshev", a, upper: Float64Array.of(1, 2, 4), lower: Float64Array.of(1, 2, 4), deltaMax: 0.5 }, { warm: first.warm ?? null });
 * console.log(first.objective, next.status, first.fallback ?? "no fallback");
 * ```
 */
export interface FitResult extends LpSolution {
  /** Engine basis at the answer (absent for HiGHS). */
  warm?: VertexSnapshot | LadSnapshot;
  /** Set when the engine failed and HiGHS produced the answer: why. */
  fallback?: string;
}

/** Hints for one solve. */
export interface SolveHint {
  z0?: Float64Array | null;
  warm?: VertexSnapshot | LadSnapshot | null;
}

/**
 * Engine objects hold p² and n-sized buffers: keep them per matrix (a layer's weights outlive
 * many inversions) instead of allocating them for every layer of every inversion.
 */
interface EngineSet {
  cheb?: ChebyshevSolver;
  lad?: LadSolver;
  rel?: RelaxedSolver;
}
const engines = new WeakMap<Matrix, EngineSet>();

/**
 * Chebyshev engines by shape, the most recently used first out: a matrix met for the first time
 * (pattern-first linearises a new layer for every inversion) takes the engine of its shape and
 * rebinds it (copies A in) instead of building one — the buffers, the SIMD memory and its instance
 * cost ~0.5 ms on 600×100, more than the copy. The engine is shared by the matrices' sets; each
 * solve binds it to its own matrix first, and every solve starts cold or from its own snapshot.
 */
const chebPool = new Map<string, ChebyshevSolver>();
const CHEB_POOL_SIZE = 8;

function pooledChebyshev(a: Matrix): ChebyshevSolver {
  const key = `${a.rows}x${a.cols}`;
  let s = chebPool.get(key);
  if (s) {
    chebPool.delete(key);
    s.rebind(a);
  } else s = new ChebyshevSolver(a);
  chebPool.set(key, s);
  if (chebPool.size > CHEB_POOL_SIZE) chebPool.delete(chebPool.keys().next().value!);
  return s;
}

/** Targets within [2^-20, 2^20] in magnitude are solved as they are. */
const SCALE_FREE_EXPONENT = 20;

/**
 * The power of two σ a problem's targets are divided by: 1 when the largest finite |target| (or
 * finite bound) lies within 2^±20, else 2^round(log2 of it). Non-finite values are the
 * validators' business.
 */
export function problemScale(p: FitProblem): number {
  let m = 0;
  const n = p.upper.length;
  for (let j = 0; j < n; j++) {
    const u = Math.abs(p.upper[j]!);
    const l = Math.abs(p.lower[j]!);
    if (u !== Infinity && u > m) m = u;
    if (l !== Infinity && l > m) m = l;
  }
  for (const b of [p.zLower, p.zUpper]) if (b !== undefined && Number.isFinite(b) && Math.abs(b) > m) m = Math.abs(b);
  if (!(m > 0) || !Number.isFinite(m)) return 1;
  const e = Math.round(Math.log2(m));
  return Math.abs(e) <= SCALE_FREE_EXPONENT ? 1 : Math.pow(2, e);
}

function scaleTargets(v: Float64Array, inv: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = v[j]! * inv; // ±Infinity stays ±Infinity
  return out;
}

/** `p` with targets, bounds and the cap divided by σ (a power of two, so exactly). */
function scaledProblem<P extends FitProblem>(p: P, sigma: number): P {
  const inv = 1 / sigma;
  const q = { ...p, upper: scaleTargets(p.upper, inv), lower: scaleTargets(p.lower, inv) };
  if (p.zLower !== undefined) q.zLower = p.zLower * inv;
  if (p.zUpper !== undefined) q.zUpper = p.zUpper * inv;
  if (q.kind === "chebyshev" && q.deltaMax !== undefined) q.deltaMax = q.deltaMax * inv;
  return q;
}

let fallbacksMissed = 0;

/**
 * How many times, in this thread, the engine reported trouble and HiGHS was not loaded to answer
 * instead. A caller that solves before HiGHS has loaded (the browser page) compares it before and
 * after a solve: unchanged, the answer is the one a loaded HiGHS would have given too.
 * @returns the running count
 */
export function missedHighsFallbacks(): number {
  return fallbacksMissed;
}

/**
 * Solves the per-layer LP families on one matrix: scales the problem, picks the backend, warm-starts
 * and, when the engine reports trouble and HiGHS is loaded, re-solves with HiGHS.
 * @throws OptionError from the constructor for an unknown backend; ShapeError / InvalidValueError
 * from a solve for a malformed problem; SolverError when `backend: "highs"` is not loaded or fails
 * @example
 * ```ts
 * import { FitSolver, fromRows } from "geninv";
 * const a = fromRows([[1, 0], [0, 1], [1, 1]]);
 * const t = Float64Array.of(1, 2, 3);
 * const solver = new FitSolver(a);
 * const r = solver.chebyshev({ kind: "chebyshev", a, upper: t, lower: t });
 * console.log(r.status, Array.from(r.z), `${solver.solves} solve(s), ${solver.pivots} pivots`);
 * ```
 */
export class FitSolver {
  readonly backend: LpBackendName;
  private readonly a: Matrix;
  private readonly fallbackOn: boolean;
  private readonly maxPivots: number | undefined;
  private readonly set: EngineSet;
  /** LP solves so far. */
  solves = 0;
  /** Pivots (engine) / simplex iterations (HiGHS) so far. */
  pivots = 0;
  /** Backends that produced answers. */
  readonly used = new Set<string>();
  /** Notes about fallbacks and failures, for the layer report. */
  readonly notes: string[] = [];
  /**
   * The scale σ of this solver's problems, fixed at the first solve so that warm starts (kept in
   * scaled units) stay valid across the ε schedule of one layer.
   */
  private sigma: number | undefined;

  constructor(a: Matrix, options: FitSolverOptions = {}) {
    const backend = options.backend ?? "engine";
    if (!LP_BACKENDS.includes(backend)) throw new OptionError(`unknown LP backend '${String(backend)}' (expected engine or highs)`);
    this.backend = backend;
    this.a = a;
    this.fallbackOn = options.fallback ?? true;
    this.maxPivots = options.maxPivots;
    // engines with a custom pivot budget are private to this solver; default ones are shared
    if (this.maxPivots !== undefined) this.set = {};
    else {
      let set = engines.get(a);
      if (!set) engines.set(a, (set = {}));
      this.set = set;
    }
  }

  /** Algorithm 1's LP. */
  chebyshev(p: ChebyshevProblem, hint: SolveHint = {}): FitResult {
    return this.scaled(p, hint, (q, h) =>
      this.run(q, () => {
        // engines with a custom pivot budget are this solver's own; default ones come from the shape pool
        this.set.cheb ??= this.maxPivots !== undefined ? new ChebyshevSolver(this.a, this.engineOptions()) : pooledChebyshev(this.a);
        if (this.maxPivots === undefined) this.set.cheb.rebind(this.a); // a pooled engine may be bound to another matrix now
        const r: EngineSolution = this.set.cheb.solve(q, { z0: h.z0 ?? null, warm: (h.warm as VertexSnapshot | undefined) ?? null });
        return { ...r, ...(r.snapshot ? { warm: r.snapshot } : {}) };
      }),
    );
  }

  /** Algorithm 2's LP. */
  ladFit(p: LadProblem, hint: SolveHint = {}): FitResult {
    return this.scaled(p, hint, (q, h) =>
      this.run(q, () => {
        this.set.lad ??= new LadSolver(this.a);
        const r = this.set.lad.solve(q, {
          z0: h.z0 ?? null,
          warm: (h.warm as LadSnapshot | undefined) ?? null,
          ...(this.maxPivots !== undefined ? { maxPivots: this.maxPivots } : {}),
        });
        return { ...r, ...(r.snapshot ? { warm: r.snapshot } : {}) };
      }),
    );
  }

  /** eq. (8); `hint.warm` may be the ℓ∞ LP's basis at the same ε (its tight upper sides seed the start). */
  relaxed(p: RelaxedProblem, hint: SolveHint = {}): FitResult {
    return this.scaled(p, hint, (q, h) =>
      this.run(q, () => {
        this.set.rel ??= new RelaxedSolver(this.a, this.engineOptions());
        const w = h.warm as VertexSnapshot | undefined;
        return this.set.rel.solve(q, { z0: h.z0 ?? null, tight: w && "lam" in w ? w.basis : null });
      }),
    );
  }

  private engineOptions(): { maxPivots?: number } {
    return this.maxPivots !== undefined ? { maxPivots: this.maxPivots } : {};
  }

  /**
   * Solve `p` through `solve` — on the problem divided by σ when its targets are far from unit
   * size (see the module header) — and put z and the objective back in the caller's units.
   */
  private scaled<P extends FitProblem>(p: P, hint: SolveHint, solve: (q: P, h: SolveHint) => FitResult): FitResult {
    this.sigma ??= problemScale(p);
    const sigma = this.sigma;
    if (sigma === 1) return solve(p, hint);
    const z0 = hint.z0 ? hint.z0.map((v) => v / sigma) : hint.z0;
    const r = solve(scaledProblem(p, sigma), { ...hint, z0 });
    const z = r.z.map((v) => v * sigma);
    return { ...r, z, objective: r.objective * sigma, ...(r.message ? { message: `${r.message} (in units of ${sigma.toExponential(3)})` } : {}) };
  }

  private run(p: FitProblem, engine: () => FitResult): FitResult {
    this.solves++;
    if (this.backend === "highs") return this.account(solveWithHighs(p));
    let r: FitResult;
    try {
      r = engine();
    } catch (e) {
      if (e instanceof GeninvError) throw e; // bad input is the caller's to hear about
      // an engine bug must not take the user's answer with it: report it and let HiGHS answer
      r = {
        status: "numerical_error",
        z: new Float64Array(p.a.cols),
        objective: NaN,
        pivots: 0,
        backend: "engine",
        message: `engine error: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    if (r.status !== "numerical_error" && r.status !== "iteration_limit") return this.account(r);
    const why = `engine ${r.status}${r.message ? ` (${r.message})` : ""}`;
    this.pivots += r.pivots;
    if (!this.fallbackOn) {
      this.notes.push(`${why}; HiGHS fallback disabled`);
      return this.account({ ...r, pivots: 0 });
    }
    if (!highsLoaded()) {
      fallbacksMissed++;
      this.notes.push(`${why}; HiGHS fallback not loaded (call loadHighsBackend())`);
      return this.account({ ...r, pivots: 0 });
    }
    const h = solveWithHighs(p);
    this.notes.push(`${why}; answered by HiGHS`);
    return this.account({ ...h, fallback: why });
  }

  private account(r: FitResult): FitResult {
    this.pivots += r.pivots;
    this.used.add(r.backend);
    return r;
  }
}
