/**
 * Projected gradient descent for y = A·G(z*) + e (Shah & Hegde, "Solving linear inverse problems
 * using GAN priors"): x_{t+1} = P_G(x_t + η·Aᵀ(y − A x_t)), where the projection P_G(v) = G(ẑ(v))
 * inverts the generator with any registered layer-wise method, as the paper proposes in its
 * introduction and section 6 (default the ℓ1 LP, which measured far more robust than ℓ∞ here).
 */
import { OptionError } from "../errors.js";
import { diffNorms } from "../linalg/norms.js";
import { checkVector, type Generator } from "../model/generator.js";
import { type InvertOptions } from "./options.js";
import { DEFAULT_TOLERANCES } from "./options.js";
import { type InversionMethod, runMethod } from "./method.js";
import { GradientWorkspace, jacobianRank } from "./gradient.js";
import { type InversionResult, type InversionStatus, type StoppingReport } from "./result.js";
import { validateOptions } from "./validate-options.js";
import { type MethodName } from "./method-names.js";
import { Rng } from "../model/rng.js";
import { applyOperator, applyOperatorTranspose, checkOperator, identityOperator, measurementCount } from "../operators/operator.js";

/**
 * Options of {@link projectedGradientDescent} beyond the shared ones.
 * @example
 * ```ts
 * import { applyOperator, gaussianOperator, projectedGradientDescent, randomGenerator, RELU, type PgdOptions } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 15, 40], activation: RELU, rng: 29 });
 * const operator = gaussianOperator(25, 40, 29);
 * const y = applyOperator(operator, gen.forward([1, -0.5, 0.2]), new Float64Array(25));
 * const options: PgdOptions = { operator, projection: "linf", pgdIterations: 10, pgdStep: 0.5 };
 * console.log(projectedGradientDescent(gen, y, options).residual.l2);
 * ```
 */
export interface PgdOptions extends InvertOptions {
  /**
   * The method that projects onto the range of G (default `l1`: far from the range the error of a
   * gradient step is spread over few large entries, which the ℓ1 fit tolerates and the ℓ∞ fit does not).
   */
  projection?: MethodName;
  /** Outer iterations (default 50). */
  pgdIterations?: number;
  /**
   * First gradient step η on ½‖y − A x‖² (default 1: A has N(0, 1/m) entries, so AᵀA acts as the
   * identity on differences of points in the range, Shah & Hegde's condition); halved whenever a
   * step makes the measurement fit worse.
   */
  pgdStep?: number;
  /**
   * Starts: x₀ = G(init) when `init` is a z (e.g. another method's answer, as in `adam+pgd`), else
   * x₀ = 0; then x₀ = G(z₀) for random z₀ (seeded by `seed`); the best fit is kept (default 1).
   */
  pgdRestarts?: number;
  /**
   * Stop when ‖x_{t+1} − x_t‖₂ ≤ pgdTolerance·‖x_t‖₂, or when the best measurement fit improved by
   * less than pgdTolerance·fit over the last 5 steps taken (default 1e-6).
   */
  pgdTolerance?: number;
  /**
   * Options of the projection that differ from PGD's own, e.g. `{learningRate: 0.1, iterations: 200}`
   * for an `l1+gd` projection while `learningRate` of the bag belongs to the method that gave `init`.
   */
  projectionOptions?: InvertOptions;
}

/** Iterations over which PGD's stall rule compares the run's best fit. */
const PGD_STALL_WINDOW = 5;

/** Stream tag of PGD's random starts in `Rng.derive(seed, PGD_STREAM, start)`. */
export const PGD_STREAM = 5;

/**
 * Defaults of projected gradient descent: the projection method, outer iterations, first step and stopping tolerance.
 * @example
 * ```ts
 * import { DEFAULT_PGD_OPTIONS, type PgdOptions } from "geninv";
 * // the shipped settings with twice the iterations
 * const longer: PgdOptions = { ...DEFAULT_PGD_OPTIONS, pgdIterations: 2 * DEFAULT_PGD_OPTIONS.pgdIterations };
 * console.log(longer.projection, longer.pgdIterations); // l1 100
 * ```
 */
export const DEFAULT_PGD_OPTIONS = { projection: "l1", pgdIterations: 50, pgdStep: 1, pgdTolerance: 1e-6 } as const;

/**
 * Recover z from y = A·G(z*) + e by projected gradient descent, the projection's method looked up
 * by name with `methodNamed` (the registry's `projectionMethod`: this module sits below the registry).
 * Returns the iterate whose measurements fit best, ‖A·G(z) − y‖, with status `converged` (a
 * stopping rule met, `stopping` says which), `max_iterations`, or `non_unique` when ∂(A·G)/∂z is
 * rank-deficient at z.
 * @throws ShapeError / InvalidValueError for bad y; OptionError for bad settings or a projection that is not an inverter
 */
export function projectedGradientDescentWith(
  gen: Generator,
  y: ArrayLike<number>,
  options: PgdOptions,
  methodNamed: (name: string) => InversionMethod,
): InversionResult {
  const t0 = performance.now();
  validateOptions(options, "pgd"); // pgdIterations, pgdStep, pgdRestarts, … by the shared rules
  const op = options.operator ?? identityOperator(gen.outputSize);
  checkOperator(op, gen.outputSize);
  const m = measurementCount(op);
  checkVector(y, m, "observation");
  const projectionName = options.projection ?? DEFAULT_PGD_OPTIONS.projection;
  if (projectionName === "pgd") throw new OptionError("pgd cannot project with itself: choose e.g. --projection linf");
  const projection = methodNamed(projectionName);
  const iterations = options.pgdIterations ?? DEFAULT_PGD_OPTIONS.pgdIterations;
  const eta = options.pgdStep ?? DEFAULT_PGD_OPTIONS.pgdStep;
  const restarts = options.pgdRestarts ?? 1;
  const tol = options.pgdTolerance ?? DEFAULT_PGD_OPTIONS.pgdTolerance;

  // restart 0 starts from G(init) when a z is given (e.g. another method's answer), else from 0
  let init: Float64Array | undefined;
  if (options.init !== undefined && typeof options.init !== "string") {
    checkVector(options.init, gen.inputSize, "initial z");
    init = Float64Array.from(options.init);
  }
  const n = gen.outputSize;
  // the projection inverts G itself, without the operator
  const projOptions: InvertOptions = { ...options, ...options.projectionOptions, init: undefined, operator: identityOperator(n), onProgress: undefined };
  const x = new Float64Array(n);
  const v = new Float64Array(n);
  const ax = new Float64Array(m);
  const back = new Float64Array(n);
  let best: InversionResult | null = null;
  let bestFit = Infinity;
  let halvings = 0;
  let total = 0;
  const warnings: string[] = [];
  const gInit = init !== undefined ? gen.forward(init) : undefined;
  if (init !== undefined) {
    // the given start is a candidate too: PGD never returns a worse measurement fit than it
    applyOperator(op, gInit!, ax);
    const fit = diffNorms(ax, y, m);
    if (Number.isFinite(fit.l2)) {
      bestFit = fit.l2;
      best = { method: "pgd", status: "max_iterations", z: init, residual: fit, layers: [], timeMs: 0, warnings: [] };
    }
  }
  let bestReason: StoppingReport["reason"] = "budget";
  let bestRunIterations = 0;
  // the run's best fit PGD_STALL_WINDOW iterations ago, for the stall rule
  const history = new Float64Array(PGD_STALL_WINDOW);
  for (let r = 0; r < restarts; r++) {
    let step = eta;
    let runBest = Infinity;
    let t = 0;
    let reason: StoppingReport["reason"] = "budget";
    let bestInRun = false;
    let accepted = 0; // steps taken (not halved)
    if (r === 0 && gInit !== undefined) x.set(gInit);
    else if (r === 0) x.fill(0);
    else x.set(gen.forward(Rng.derive(options.seed ?? 0, PGD_STREAM, r).fillNormal(new Float64Array(gen.inputSize))));
    for (; t < iterations; t++) {
      // gradient step on ½‖y − A x‖², then project onto the range of G
      applyOperator(op, x, ax);
      for (let i = 0; i < m; i++) ax[i] = y[i]! - ax[i]!;
      applyOperatorTranspose(op, ax, back);
      for (let i = 0; i < n; i++) v[i] = x[i]! + step * back[i]!;
      const p = runMethod(projection, gen, v, projOptions);
      const gz = gen.forward(p.z);
      applyOperator(op, gz, ax);
      const fit = diffNorms(ax, y, m);
      options.onProgress?.(r * iterations + t + 1, restarts * iterations);
      if (fit.l2 < bestFit) {
        bestFit = fit.l2;
        best = { ...p, residual: fit };
        bestInRun = true;
      }
      if (!(fit.l2 < runBest) && t > 0 && halvings < 20 * restarts) {
        // the step overshot (A is far from an isometry when m ≪ n): halve it and retry from x
        step /= 2;
        halvings++;
        continue;
      }
      runBest = Math.min(runBest, fit.l2);
      let dx = 0;
      let nx = 0;
      for (let i = 0; i < n; i++) {
        dx += (gz[i]! - x[i]!) ** 2;
        nx += x[i]! * x[i]!;
      }
      x.set(gz);
      // step rule: a fixed point of the projected step (met whether or not the fit moved at rounding level)
      if (Math.sqrt(dx) <= tol * Math.sqrt(nx)) {
        reason = "step";
        t++;
        break;
      }
      // stall rule: the run's best fit improved by less than tol·fit over the last window
      const slot = accepted % PGD_STALL_WINDOW;
      if (accepted >= PGD_STALL_WINDOW && history[slot]! - runBest <= tol * runBest) {
        reason = "objective";
        t++;
        break;
      }
      history[slot] = runBest;
      accepted++;
    }
    total += t;
    if (bestInRun || r === 0) {
      bestReason = reason;
      bestRunIterations = t;
    }
  }
  if (best === null) {
    // no iterate (and no start) had a finite measurement fit: say so instead of returning nothing
    return {
      method: "pgd",
      status: "failed",
      z: new Float64Array(gen.inputSize),
      residual: diffNorms(new Float64Array(m).fill(NaN), y, m),
      layers: [],
      timeMs: performance.now() - t0,
      warnings: [`pgd: no iterate had a finite measurement fit ‖A·G(z) − y‖ in ${total} iterations (values too large for double precision?)`],
      iterations: total,
      stopping: { reason: "diverged", met: false, iterations: total, budget: iterations },
    };
  }
  const met = bestReason !== "budget";
  if (halvings > 0) warnings.push(`pgd: step halved ${halvings} time(s) because the measurement fit grew`);
  if (init !== undefined && best!.z === init) warnings.push("pgd: no PGD iterate fit the measurements better than the given start: z is the start");
  if (best!.status === "failed") warnings.push(`pgd: the ${projectionName} projection failed: ${best!.warnings.join("; ")}`);
  // a fixed point identifies z only where A·G is locally one-to-one (full-rank Jacobian)
  const ws = new GradientWorkspace(gen, op);
  const rank = jacobianRank(ws, best!.z, options.rankTolerance ?? DEFAULT_TOLERANCES.rankTolerance);
  const k = gen.inputSize;
  if (rank < k) {
    warnings.push(`pgd: ∂(A·G)/∂z has rank ${rank} < ${k} at z (the network is flat along ${k - rank} direction(s) there): z is one candidate, not identified`);
  }
  const yNorm = Math.max(diffNorms(y, undefined, m).l2, 1e-300);
  const status: InversionStatus = rank < k ? "non_unique" : met ? "converged" : "max_iterations";
  if (!met) {
    warnings.push(
      `pgd: stopped by the iteration budget (${iterations}) before a stopping rule was met; the fit is ‖A·G(z) − y‖/‖y‖ = ${(bestFit / yNorm).toExponential(2)}; raise --pgd-iterations to go on`,
    );
  }
  return {
    method: "pgd",
    status,
    z: best!.z,
    residual: best!.residual,
    layers: best!.layers,
    timeMs: performance.now() - t0,
    warnings: [...warnings, `pgd: projection ${projectionName}, ${total} iterations${restarts > 1 ? ` over ${restarts} starts` : ""}`],
    iterations: total,
    stopping: { reason: bestReason, met, iterations: bestRunIterations, budget: iterations },
  };
}
