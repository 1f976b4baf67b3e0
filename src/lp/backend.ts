/**
 * One object per layer that solves the three families on the chosen backend, keeps the engine's
 * state for warm starts, counts solves and pivots, and falls back to HiGHS when the engine reports
 * trouble (`numerical_error`, `iteration_limit`, or an internal error).
 */
import { GeninvError, OptionError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { ChebyshevSolver, type EngineSolution } from "./chebyshev.js";
import { highsLoaded, solveWithHighs } from "./highs.js";
import { LadSolver, type LadSnapshot } from "./lad.js";
import { RelaxedSolver } from "./relaxed.js";
import { type ChebyshevProblem, type FitProblem, type LadProblem, type LpSolution, type RelaxedProblem } from "./types.js";
import { type VertexSnapshot } from "./vertex-simplex.js";

/** The LP backends: the purpose-built dense engine, or HiGHS (WebAssembly). */
export type LpBackendName = "engine" | "highs";

/** The backend names, for option parsing. */
export const LP_BACKENDS: readonly LpBackendName[] = ["engine", "highs"];

/** Settings of a {@link FitSolver}. */
export interface FitSolverOptions {
  backend?: LpBackendName;
  /** Re-solve with HiGHS when the engine reports trouble (default true; needs HiGHS loaded). */
  fallback?: boolean;
  /** Engine pivot budget per solve (default: automatic, ~50·(n + k)). */
  maxPivots?: number;
}

/** A solve's answer plus what a later solve can warm-start from. */
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

/** Solves the per-layer LP families on one matrix. */
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
    return this.run(p, () => {
      this.set.cheb ??= new ChebyshevSolver(this.a, this.engineOptions());
      const r: EngineSolution = this.set.cheb.solve(p, { z0: hint.z0 ?? null, warm: (hint.warm as VertexSnapshot | undefined) ?? null });
      return { ...r, ...(r.snapshot ? { warm: r.snapshot } : {}) };
    });
  }

  /** Algorithm 2's LP. */
  ladFit(p: LadProblem, hint: SolveHint = {}): FitResult {
    return this.run(p, () => {
      this.set.lad ??= new LadSolver(this.a);
      const r = this.set.lad.solve(p, {
        z0: hint.z0 ?? null,
        warm: (hint.warm as LadSnapshot | undefined) ?? null,
        ...(this.maxPivots !== undefined ? { maxPivots: this.maxPivots } : {}),
      });
      return { ...r, ...(r.snapshot ? { warm: r.snapshot } : {}) };
    });
  }

  /** eq. (8); `hint.warm` may be the ℓ∞ LP's basis at the same ε (its tight upper sides seed the start). */
  relaxed(p: RelaxedProblem, hint: SolveHint = {}): FitResult {
    return this.run(p, () => {
      this.set.rel ??= new RelaxedSolver(this.a, this.engineOptions());
      const w = hint.warm as VertexSnapshot | undefined;
      return this.set.rel.solve(p, { z0: hint.z0 ?? null, tight: w && "lam" in w ? w.basis : null });
    });
  }

  private engineOptions(): { maxPivots?: number } {
    return this.maxPivots !== undefined ? { maxPivots: this.maxPivots } : {};
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
