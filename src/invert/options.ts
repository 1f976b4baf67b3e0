/**
 * Options shared by every inversion method. Each method reads the fields it documents and
 * ignores the rest, so one options object can drive any method from the registry.
 */
import { type MeasurementOperator } from "../operators/operator.js";
import { type LpBackendName } from "../lp/backend.js";

/**
 * Options for {@link invert}; every field has a default.
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, type InvertOptions } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 8 });
 * const options: InvertOptions = { fitTolerance: 1e-6, eps0: 1e-7, lpBackend: "engine" };
 * const r = invert(gen, gen.forward([1, 0.5]), { ...options, method: "linf" });
 * console.log(r.status, r.residual.linf);
 * ```
 */
export interface InvertOptions {
  /**
   * A ReLU output counts as active ("on") when it exceeds activeTolerance·max(‖y‖∞, 1e-300)
   * (default 1e-5). Exact inversion solves on the active rows only (Theorem 2). Dropping a tiny
   * active row costs one equation, counting an inactive one adds a wrong equation, so the default
   * sits above the noise that float32 data leaves in reconstructed hidden layers (~1e-6).
   */
  activeTolerance?: number;
  /**
   * A layer (and the whole inversion) counts as exactly fitted when ‖φ(Wx + b) − y‖∞ ≤
   * fitTolerance·max(‖y‖∞, 1) (default 1e-5: data stored in float32 passes, noisier data does not).
   */
  fitTolerance?: number;
  /** Pivots |R_jj| ≤ rankTolerance·|R_11| count as rank loss (default 1e-10). */
  rankTolerance?: number;
  /**
   * The measurement operator A of y = A·G(z) + e (default identity). Gradient methods take any A;
   * layer-wise methods take the identity or a row mask (they invert from the observed rows only).
   */
  operator?: MeasurementOperator;
  /**
   * Gradient methods: step size (default 1 for `gd`, the paper's random-net setting, where it is
   * the first trial step of the Armijo line search unless `lineSearch` is false; 0.01 for `adam`).
   */
  learningRate?: number;
  /** Gradient methods: iterations per restart (default 1000). */
  iterations?: number;
  /** Gradient methods: stop a restart when ‖∇f‖₂ ≤ gradientTolerance (default 1e-9, as in the paper). */
  gradientTolerance?: number;
  /**
   * Gradient methods: also stop a restart when its best f fell by less than objectiveTolerance·f
   * over the last 20 iterations (default 1e-10; 0 turns the rule off, as in the paper, whose only
   * rule is the gradient norm). Noisy data leave f > 0 at the minimum, where ‖∇f‖ ≤ 1e-9 may never be
   * reached in floating point: this rule reports such a run as converged instead of out of budget.
   */
  objectiveTolerance?: number;
  /** Gradient methods: number of starts, the best iterate of all is returned (default 1). */
  restarts?: number;
  /** Gradient methods: seed of the random starts (default 0). */
  seed?: number;
  /**
   * Gradient methods: the first start — `random` (N(0, I), default), `zero`, or a given z; later
   * restarts are random. Hybrids (`linf+gd`) start from their layer-wise method's answer.
   */
  init?: "random" | "zero" | ArrayLike<number>;
  /** Gradient methods: Huang et al.'s sign flip — before each step keep the better of z and −z. */
  signFlip?: boolean;
  /**
   * Gradient descent: choose each step by Armijo backtracking from the learning rate (halve until f
   * falls enough, double again after a success) instead of a fixed step (default true: a fixed step
   * of 1 diverges on trained networks such as the shipped MNIST generator, whose curvature is far
   * above 1). `false` is the paper's baseline (fixed learning rate), which the figures use.
   */
  lineSearch?: boolean;
  /** Gradient methods: called now and then with (iterations done, iterations planned). */
  onProgress?: (done: number, total: number) => void;
  /**
   * LP methods: ε₀, the first point of the ε grid ε₀·αᵗ of Algorithms 1 and 2 (default 1e-6). It is
   * only where the grid starts: geninv searches the grid for the ε the data needs (no noise level
   * has to be given).
   */
  eps0?: number;
  /** LP methods: α > 1, the grid's factor (default 1.2, as in the paper's section 5.1). */
  alpha?: number;
  /** LP methods: `engine` (the dense simplex, default) or `highs` (HiGHS, needs loadHighsBackend()). */
  lpBackend?: LpBackendName;
  /** LP methods: re-solve with HiGHS when the engine reports trouble (default true; HiGHS must be loaded). */
  lpFallback?: boolean;
  /**
   * LP methods: how to find ε on the grid. `search` (default): gallop and bisect from a feasible
   * point, warm-starting every LP — the same ε as the scan, with far fewer solves. `scan`: the
   * paper's loop ε₀, ε₀α, ε₀α², … (for comparison).
   */
  epsSearch?: "search" | "scan";
  /** LP methods: engine pivot budget per LP solve (default automatic, about 50·(rows + inputs)). */
  lpMaxPivots?: number;
  /**
   * LP methods: after the layer-wise pass, solve the method's layer LP once more on the whole
   * network linearised at the answer (its activation pattern fixed), and keep the result if the
   * true residual does not grow (default true). `false` gives the paper's layer-wise algorithms
   * as they are.
   */
  refine?: boolean;
  /**
   * Region methods: walk from the layer-wise exact answer (Theorem 2 per layer) before the random
   * starts, when the operator is the identity or a mask (default true).
   */
  regionLayerwiseStart?: boolean;
  /**
   * Region methods: stop starting walks once two have ended at the same objective value (within
   * 1 %) — the misfit of noisy data, which further starts do not lower (default true).
   */
  regionAgreeStop?: boolean;
  /**
   * `auto` and `region` (ℓ2), on data that do not fit to tolerance (noise, data outside G's range):
   * `gaussian` (auto's default) returns the MAP estimate under the generators' prior z ~ N(0, I) and
   * Gaussian noise σ — min ½‖A·G(z) − y‖² + ½σ²‖z‖², walked from the least-squares answer; `none`
   * (region's default) returns the least-squares fit. Data that fit are never moved.
   */
  prior?: "gaussian" | "none";
  /**
   * prior `gaussian`: the noise's standard deviation per observed value, when known (default:
   * estimated from the least-squares fit's residual as ‖r‖₂/√(m − k), which needs m ≥ 2k).
   */
  noiseSigma?: number;
  /**
   * prior `gaussian`, when the posterior is broad (its Laplace image spread at the first MAP mode is
   * above 0.1 of the signal, as under Figure 3's noise): MAP walks from this many seeded draws of the
   * prior that look for its other modes; the minimum-Bayes-risk mode is returned (default 4; 0 keeps
   * the first mode).
   */
  modeStarts?: number;
  /** milp: the residual norm minimised, `linf` (default) or `l1`. */
  milpNorm?: "linf" | "l1";
  /**
   * milp: the box z is searched in — a number b for [−b, b]^k (default 10), or [lower, upper].
   * The optimum, the infeasibility proofs and the uniqueness certificates hold over this box.
   */
  box?: number | [number, number];
  /** milp: seconds for the whole solve (default 60); at the limit the incumbent is returned with status `time_limit`. */
  timeLimit?: number;
  /** milp: refuse networks with more undecided ReLU units (binaries) than this (default 1000). */
  maxBinaries?: number;
  /** milp: only z with misfit ≤ maxMisfit count (feasibility: `infeasible` when none exists). */
  maxMisfit?: number;
  /** milp: the MIP start: `layerwise` (the ℓ∞ layer-wise answer, default), `none`, or a z. */
  milpStart?: "layerwise" | "none" | ArrayLike<number>;
  /** milp: tighten big-M bounds by LPs (default true). */
  milpTighten?: boolean;
  /** milp: milliseconds of LP bound tightening (default 10 000, at most half the time limit). */
  boundTimeMs?: number;
}

/**
 * Defaults of the LP methods' options (`eps0`, `alpha`, `lpBackend`, `lpFallback`, `epsSearch` of
 * {@link InvertOptions}).
 * @example
 * ```ts
 * import { DEFAULT_LP_OPTIONS, invert, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 9 });
 * // ten times the default starting ε, everything else as shipped
 * const r = invert(gen, gen.forward([0.2, -0.8]), { method: "linf", eps0: 10 * DEFAULT_LP_OPTIONS.eps0 });
 * console.log(DEFAULT_LP_OPTIONS.lpBackend, r.status);
 * ```
 */
export const DEFAULT_LP_OPTIONS = {
  eps0: 1e-6,
  alpha: 1.2,
  lpBackend: "engine",
  lpFallback: true,
  epsSearch: "search",
} as const;

/**
 * Defaults of the shared options (`activeTolerance`, `fitTolerance`, `rankTolerance` of
 * {@link InvertOptions}).
 * @example
 * ```ts
 * import { DEFAULT_TOLERANCES, invert, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 10 });
 * const r = invert(gen, gen.forward([0.6, 0.1]), { method: "exact", fitTolerance: DEFAULT_TOLERANCES.fitTolerance / 10 });
 * console.log(DEFAULT_TOLERANCES, r.status);
 * ```
 */
export const DEFAULT_TOLERANCES = {
  activeTolerance: 1e-5,
  fitTolerance: 1e-5,
  rankTolerance: 1e-10,
} as const;

/**
 * Defaults of the gradient methods (`gd`, `adam`): learning rates, iteration budget, stopping
 * tolerances, line search, restarts and seed.
 * @example
 * ```ts
 * import { DEFAULT_GRADIENT_OPTIONS, invert, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 8, 20], activation: RELU, rng: 11 });
 * const budget = DEFAULT_GRADIENT_OPTIONS.iterations / 10; // a tenth of the default
 * const r = invert(gen, gen.forward([0.5, 0.5]), { method: "gd", iterations: budget });
 * console.log(r.status, r.iterations);
 * ```
 */
export const DEFAULT_GRADIENT_OPTIONS = {
  learningRateGd: 1,
  learningRateAdam: 0.01,
  iterations: 1000,
  gradientTolerance: 1e-9,
  objectiveTolerance: 1e-10,
  lineSearch: true,
  restarts: 1,
  seed: 0,
} as const;
