/**
 * The one result shape every inverter returns, and the per-layer report the layer-wise driver fills.
 */
import { type Norms } from "../linalg/norms.js";
import { type MilpReport } from "./milp-report.js";

/**
 * Outcome of an inversion. `exact`: z reproduces the observation to tolerance and is the unique
 * pre-image layer by layer (Theorem 2). `optimal`: an LP method's optimum. `converged` /
 * `max_iterations`: an iterative method stopped by one of its convergence rules / by its budget
 * (`stopping` says which rule, the residual says how well z fits). `non_unique`: some
 * layer's pre-image is not unique, so z is one candidate, not identified. `infeasible`: no pre-image
 * fits within tolerance. `time_limit`: a global method (milp) stopped at its time limit with the
 * gap open: z is its incumbent, not a proved optimum. `failed`: a solver broke down (see warnings).
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, type InversionStatus } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 12, 30], activation: RELU, rng: 4 });
 * const status: InversionStatus = invert(gen, gen.forward([1, -0.5, 0.2]), { method: "exact" }).status;
 * const identified = status === "exact" || status === "optimal";
 * console.log(status, identified);
 * ```
 */
export type InversionStatus = "exact" | "optimal" | "converged" | "non_unique" | "infeasible" | "max_iterations" | "time_limit" | "failed";

/**
 * Outcome of inverting one layer: the per-layer counterpart of {@link InversionStatus}.
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, type LayerStatus } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 12, 30], activation: RELU, rng: 4 });
 * const r = invert(gen, gen.forward([1, -0.5, 0.2]), { method: "exact" });
 * const statuses: LayerStatus[] = r.layers.map((l) => l.status);
 * console.log(statuses); // one per layer, layer 1 first
 * ```
 */
export type LayerStatus = "exact" | "optimal" | "non_unique" | "infeasible" | "failed";

/**
 * What one layer's inversion did and how well it fits. Fields a method does not use are omitted.
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, type LayerReport } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 12, 30], activation: RELU, rng: 5 });
 * const r = invert(gen, gen.forward([0.3, 1, -1]), { method: "linf" });
 * const worst: LayerReport | undefined = [...r.layers].sort((a, b) => b.residual.linf - a.residual.linf)[0];
 * if (worst) console.log(`layer ${worst.layer}: ${worst.status}, ${worst.activeRows}/${worst.outputs} rows active`);
 * ```
 */
export interface LayerReport {
  /** 1-based layer index (layer 1 takes z). */
  layer: number;
  /** The layer's name in its source file, when it has one. */
  name?: string;
  /** This layer's outcome. */
  status: LayerStatus;
  /** n_{i-1}: unknowns solved for. */
  inputs: number;
  /** n_i: observed values. */
  outputs: number;
  /** Rows used as equalities: ReLU rows judged active, or every row of an invertible activation. */
  activeRows: number;
  /** Numerical rank of the rows used (exact method). */
  rank?: number;
  /** Dimensions left undetermined: inputs − rank (present when non-unique). */
  deficit?: number;
  /** ‖φ(W x + b) − y‖ for this layer's reconstruction x and its observation y. */
  residual: Norms;
  /** ε the method settled on (LP methods). */
  eps?: number;
  /** Optimal δ of the ℓ∞ fit (Algorithm 1). */
  delta?: number;
  /** Optimal ℓ1 fit Σ e_j (Algorithm 2). */
  l1Fit?: number;
  /** LP solves for this layer. */
  lpSolves?: number;
  /** Simplex pivots for this layer. */
  pivots?: number;
  /** The LP backend that produced the answer. */
  backend?: string;
  /** Wall time spent on this layer, in milliseconds. */
  timeMs: number;
  /**
   * Where that time went, for a layer of several steps (ℓ∞ through the activation pattern: the
   * least-squares start, the Gauss–Newton settle with the choice of the LP's rows, the LP passes,
   * the certification), in milliseconds; like every field ending in timeMs, it differs between runs.
   */
  stepTimeMs?: Record<string, number>;
  /** Why the status is what it is, when it is not plainly successful. */
  message?: string;
}

/**
 * The result of inverting one observation, whatever the method.
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, type InversionResult } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 6 });
 * const r: InversionResult = invert(gen, gen.forward([0.7, -0.2]), { method: "exact" });
 * console.log(r.method, r.status, Array.from(r.z), r.residual.l2, `${r.layers.length} layers`, r.warnings);
 * ```
 */
export interface InversionResult {
  /** Method name as given to the registry (e.g. `exact`, `linf`, `gd`). */
  method: string;
  /** How the inversion ended; see {@link InversionStatus}. */
  status: InversionStatus;
  /** The latent code found (a candidate only when status is `non_unique`). */
  z: Float64Array;
  /** ‖G(z) − x‖ (or ‖A·G(z) − y‖ with a measurement operator). */
  residual: Norms;
  /** Per-layer reports, layer 1 first (empty for whole-network methods). */
  layers: LayerReport[];
  /** Wall time of the whole inversion, in milliseconds. */
  timeMs: number;
  /** Human-readable notes on anything unusual (fallbacks, tolerances loosened, solver trouble). */
  warnings: string[];
  /** Iterations taken (iterative methods). */
  iterations?: number;
  /** What the MILP did: optimum, best bound, gap, nodes (method `milp`). */
  milp?: MilpReport;
  /** Whole-network refinement after a layer-wise LP pass (see `InvertOptions.refine`). */
  refinement?: RefinementReport;
  /** What a region method (`region`, `region-linf`, `region-l1`, `auto`) did. */
  region?: RegionReport;
  /** `auto`: the method whose answer z is (e.g. `exact` or `region`). */
  producedBy?: string;
  /** Iterative methods: which rule ended the run that produced z, and whether it was a convergence rule. */
  stopping?: StoppingReport;
}

/** What a region method did, in the result's `region` field. */
export interface RegionReport {
  /** Norm of the region fits and of the objective descended. */
  norm: "l2" | "linf" | "l1";
  /** Starts walked, and which one gave z (`init`, `layerwise`, `random 3`, …). */
  starts: number;
  bestStart: string;
  /** Region fits (least squares / LP solves in z) over all starts. */
  steps: number;
  /** Distinct activation patterns the winning walk visited. */
  regionsVisited: number;
  /** Rank of J_P (through the operator, on the fitted rows) at the final region; k when identified. */
  rank: number;
  /** k − rank, when positive. */
  deficit?: number;
  /** No descent from z along the region's fit (ℓ2: nor along −∇f): a local minimum of the piecewise objective. */
  localMinimum: boolean;
  /** The winning walk fitted the observation to tolerance. */
  fitted: boolean;
  lpSolves: number;
  pivots: number;
  /** Objective evaluations (forward passes) over all starts, line searches included. */
  forwardPasses: number;
  /** Jacobian formations (each ≈ k forward passes of multiply-adds). */
  jacobians: number;
  /** Present when z is the MAP estimate under the prior (`prior: "gaussian"` on data that do not fit). */
  prior?: {
    kind: "gaussian";
    /** σ of the noise the MAP objective assumed (its prior weight is σ²). */
    noiseSigma: number;
    /** σ was estimated from the least-squares fit's residual, ‖r‖₂/√(m − k) (else given). */
    estimated: boolean;
    /** ‖A·G(z) − y‖₂ of the least-squares answer the MAP walk started from. */
    leastSquaresResidualL2: number;
    /**
     * The Laplace posterior's image spread at the first MAP mode, √(σ²·dof)/‖A·G(ẑ)‖ with
     * dof = tr(JᵀJ(JᵀJ + σ²I)⁻¹); above 0.1 the posterior counts as broad and other modes are sought.
     * When its upper bound √(σ²k)/‖A·G(ẑ)‖ is already ≤ 0.1, that bound (no Jacobian spent on it);
     * null when the mode's Hessian was not positive definite.
     */
    posteriorSpread: number | null;
    /**
     * Present when other modes were sought (a broad posterior, `modeStarts` > 0): each distinct
     * mode's MAP objective and Laplace-evidence weight (normalised), the index of the returned one
     * (the least expected squared image distance to the others; 0 is the first walk's), and the MAP
     * walks run.
     */
    modes?: { objective: number[]; weight: number[]; chosen: number; walks: number };
  };
}

/**
 * Why an iterative method stopped. `gradient`: ‖∇f‖₂ ≤ tolerance. `objective`: f fell by less than
 * tolerance·f over the last window of iterations (stalled at the data's noise floor or a minimum).
 * `step`: PGD's iterate moved by ≤ tolerance·‖x‖. `line_search`: no descent along −∇f at machine
 * precision (a stationary point). `budget`: the iterations ran out first. `diverged`: f became
 * non-finite.
 */
export interface StoppingReport {
  reason: "gradient" | "objective" | "step" | "line_search" | "budget" | "diverged";
  /** True when a convergence rule (not the budget, not divergence) ended the run. */
  met: boolean;
  /** Iterations of that run and its budget. */
  iterations: number;
  budget: number;
  /** ‖∇f‖₂ at the returned z (gradient methods). */
  gradientNorm?: number;
}

/**
 * What the whole-network refinement of an LP method did (`InversionResult.refinement`).
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, type RefinementReport } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 7 });
 * const r = invert(gen, gen.forward([0.4, 0.9]), { method: "linf", refine: true });
 * const ref: RefinementReport | undefined = r.refinement;
 * if (ref) console.log(`${ref.norm}: ${ref.residualBefore} -> ${ref.residualAfter} in ${ref.passes} passes`);
 * ```
 */
export interface RefinementReport {
  /** Residual norm the refinement minimises and guards: `linf` or `l1`. */
  norm: "linf" | "l1";
  /** Refinement passes whose answer was kept (0: the layer-wise answer stood). */
  passes: number;
  /** LP solves over all passes. */
  lpSolves: number;
  /** Simplex pivots over all passes. */
  pivots: number;
  /** ‖G(z) − x‖ in that norm before and after. */
  residualBefore: number;
  /** ‖G(z) − x‖ in that norm after the refinement. */
  residualAfter: number;
  /** Wall time of the refinement, in milliseconds. */
  timeMs: number;
}

const STATUS_SEVERITY: Record<InversionStatus, number> = {
  exact: 0,
  optimal: 1,
  converged: 1,
  max_iterations: 2,
  time_limit: 2,
  non_unique: 3,
  infeasible: 4,
  failed: 5,
};

/** The more severe of two statuses (failed > infeasible > non_unique > max_iterations > success). */
export function worseStatus(a: InversionStatus, b: InversionStatus): InversionStatus {
  return STATUS_SEVERITY[b] > STATUS_SEVERITY[a] ? b : a;
}

/**
 * True for statuses that mean "z is a trustworthy answer" (`exact`, `optimal`, `converged`, …).
 * @param status a result's status
 * @returns whether z can be used as the answer
 * @throws nothing
 * @example
 * ```ts
 * import { invert, isSuccess, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 15, 45], activation: RELU, rng: 2 });
 * const r = invert(gen, gen.forward([1, 0, -1]));
 * if (!isSuccess(r.status)) console.warn(r.warnings.join("\n"));
 * ```
 */
export function isSuccess(status: InversionStatus): boolean {
  return STATUS_SEVERITY[status] <= 1;
}

/**
 * A plain-JSON view of a result (typed arrays become arrays), as `geninv invert -o r.json` writes it.
 * @param r the result
 * @returns an object JSON.stringify can write
 * @throws nothing
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, resultToJson } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 8, 20], activation: RELU, rng: 3 });
 * console.log(JSON.stringify(resultToJson(invert(gen, gen.forward([0.5, 1])))));
 * ```
 */
export function resultToJson(r: InversionResult): Record<string, unknown> {
  return { ...r, z: Array.from(r.z) };
}
