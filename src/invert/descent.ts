/**
 * Gradient-descent baselines on f(z) = ½‖A·G(z) − y‖²: plain GD (Hand & Voroninski; the paper's
 * section 5 settings), Adam (Bora et al.'s csgm), random restarts and Huang et al.'s sign flip.
 * They always return the best iterate seen, with status `converged` (a stopping rule met),
 * `max_iterations` (the budget ran out), `non_unique` (flat at z) or `failed` (diverged); not
 * converging is an outcome, never an exception.
 */
import { OptionError } from "../errors.js";
import { diffNorms } from "../linalg/norms.js";
import { checkVector, type Generator } from "../model/generator.js";
import { Rng } from "../model/rng.js";
import { checkOperator, identityOperator, measurementCount } from "../operators/operator.js";
import { GradientWorkspace, gradientOfLastObjective, jacobianRank, objective, objectiveAndGradient } from "./gradient.js";
import { AdamClock, adamUpdate } from "./adam.js";
import { DEFAULT_GRADIENT_OPTIONS, DEFAULT_TOLERANCES, type InvertOptions } from "./options.js";
import { type InversionResult, type InversionStatus, type StoppingReport } from "./result.js";
import { validateOptions } from "./validate-options.js";

/**
 * The update rule of {@link invertGradient}: plain gradient descent or Adam.
 * @example
 * ```ts
 * import { invertGradient, randomGenerator, RELU, type Optimizer } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 8, 20], activation: RELU, rng: 28 });
 * const x = gen.forward([0.5, -0.5]);
 * for (const opt of ["gd", "adam"] as Optimizer[]) console.log(opt, invertGradient(gen, x, { iterations: 100 }, opt).status);
 * ```
 */
export type Optimizer = "gd" | "adam";

const PROGRESS_EVERY = 100;
/** Iterations over which the stall rule compares the run's best objective. */
const STALL_WINDOW = 20;

/** One restart's stopping and growth record. */
interface RunRecord {
  reason: StoppingReport["reason"];
  iterations: number;
  /** Smallest f of the run and its iteration; the last finite f and its iteration. */
  minF: number;
  minIter: number;
  lastF: number;
  lastIter: number;
}

/**
 * Minimise ½‖A·G(z) − y‖² by gradient steps from one or more starts.
 * `gd` steps by Armijo backtracking by default (the step adapts to the network's scale);
 * `lineSearch: false` gives the paper's fixed step. Stops at ‖∇f‖ ≤ gradientTolerance, or when f
 * stalls (objectiveTolerance), or at the iteration budget. A growing objective is reported with
 * its numbers, divergence is `failed`, and an answer where ∂(A·G)/∂z is rank-deficient (a flat
 * network, a width-1 layer) is `non_unique`: a vanishing gradient there identifies nothing.
 * @param gen the generator G
 * @param y the measurements (length m of the operator; n for the identity)
 * @param options the gradient options (learningRate, iterations, restarts, init, …) and the operator
 * @param optimizer `gd` or `adam`
 * @param method the name the result and its warnings carry (default the optimizer's)
 * @returns the best iterate seen, with its status, stopping rule, fit and warnings
 * @throws ShapeError / InvalidValueError for bad y or init; OptionError for bad settings (the shared rules, validate-options.ts)
 * @example
 * ```ts
 * import { invertGradient, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [5, 40, 100], activation: RELU, rng: 1 });
 * const y = gen.forward([1, -1, 0.5, 0.2, -0.3]);
 * const r = invertGradient(gen, y, { iterations: 200, restarts: 2, seed: 3 }, "adam");
 * console.log(r.status, r.residual.l2);
 * ```
 */
export function invertGradient(
  gen: Generator,
  y: ArrayLike<number>,
  options: InvertOptions,
  optimizer: Optimizer,
  method: string = optimizer,
): InversionResult {
  const t0 = performance.now();
  validateOptions(options, method); // the same rules and messages as invert() and the CLI
  const op = options.operator ?? identityOperator(gen.outputSize);
  checkOperator(op, gen.outputSize);
  checkVector(y, measurementCount(op), "observation");
  const k = gen.inputSize;
  const lr = options.learningRate ?? (optimizer === "adam" ? DEFAULT_GRADIENT_OPTIONS.learningRateAdam : DEFAULT_GRADIENT_OPTIONS.learningRateGd);
  const iterations = options.iterations ?? DEFAULT_GRADIENT_OPTIONS.iterations;
  const tol = options.gradientTolerance ?? DEFAULT_GRADIENT_OPTIONS.gradientTolerance;
  const ftol = options.objectiveTolerance ?? DEFAULT_GRADIENT_OPTIONS.objectiveTolerance;
  const restarts = options.restarts ?? DEFAULT_GRADIENT_OPTIONS.restarts;
  const seed = options.seed ?? DEFAULT_GRADIENT_OPTIONS.seed;
  const lineSearch = optimizer === "gd" && (options.lineSearch ?? DEFAULT_GRADIENT_OPTIONS.lineSearch);
  const init = options.init ?? "random";
  if (typeof init !== "string") checkVector(init, k, "initial z");
  else if (init !== "random" && init !== "zero") throw new OptionError(`init must be random, zero or a vector, got '${init}'`);

  const ws = new GradientWorkspace(gen, op);
  const z = new Float64Array(k);
  const neg = new Float64Array(k);
  const grad = new Float64Array(k);
  const m1 = new Float64Array(k);
  const m2 = new Float64Array(k);
  const adam = new AdamClock();
  const best = new Float64Array(k);
  // best f of the run STALL_WINDOW iterations ago, for the stall rule
  const history = new Float64Array(STALL_WINDOW);
  let bestF = Infinity;
  let bestConverged = false;
  let bestRun = -1;
  let totalIterations = 0;
  let convergedRestarts = 0;
  const planned = iterations * restarts;
  const runs: RunRecord[] = [];
  /** z, of finite value f, was evaluated at iteration t of restart r: the run's last point, and the best so far when lowest. */
  const evaluated = (run: RunRecord, f: number, t: number, r: number): void => {
    run.lastF = f;
    run.lastIter = t;
    if (f < bestF) {
      bestF = f;
      best.set(z);
      bestConverged = false;
      bestRun = r;
    }
  };

  for (let r = 0; r < restarts; r++) {
    if (r === 0 && typeof init !== "string") z.set(Array.from(init));
    else if (r === 0 && init === "zero") z.fill(0);
    else Rng.derive(seed, r).fillNormal(z);
    m1.fill(0);
    m2.fill(0);
    adam.reset();
    let step = lr;
    let reason: RunRecord["reason"] = "budget";
    let f = Infinity;
    let runBestF = Infinity;
    let reuse = false;
    let acceptedF = NaN;
    const run: RunRecord = { reason, iterations: 0, minF: Infinity, minIter: 0, lastF: NaN, lastIter: 0 };
    let t = 0;
    for (; t < iterations; t++) {
      if (options.signFlip) {
        // Huang et al.: the objective has a spurious basin near −z*, so compare before stepping
        for (let i = 0; i < k; i++) neg[i] = -z[i]!;
        if (objective(ws, y, neg) < objective(ws, y, z)) z.set(neg);
      }
      if (reuse) {
        // the accepted trial point was the workspace's last forward pass: only the backward pass is left
        f = acceptedF;
        gradientOfLastObjective(ws, grad);
      } else f = objectiveAndGradient(ws, y, z, grad);
      reuse = false;
      if (!Number.isFinite(f)) {
        reason = "diverged";
        break;
      }
      evaluated(run, f, t, r);
      if (f < run.minF) {
        run.minF = f;
        run.minIter = t;
      }
      let gn = 0;
      for (let i = 0; i < k; i++) gn += grad[i]! * grad[i]!;
      if (Math.sqrt(gn) <= tol) {
        reason = "gradient";
        break;
      }
      // stall rule: the run's best f fell by less than ftol·f over the last STALL_WINDOW iterations
      runBestF = Math.min(runBestF, f);
      const slot = t % STALL_WINDOW;
      // (only while f stays near that best: a growing f is divergence, not a stall)
      if (ftol > 0 && t >= STALL_WINDOW && history[slot]! - runBestF <= ftol * runBestF && f <= 2 * runBestF) {
        reason = "objective";
        break;
      }
      history[slot] = runBestF;
      if (lineSearch) {
        // Armijo backtracking: shrink the step until f falls enough, then let it grow again
        let accepted = false;
        for (let tries = 0; tries < 60; tries++) {
          for (let i = 0; i < k; i++) neg[i] = z[i]! - step * grad[i]!;
          const trial = objective(ws, y, neg);
          if (trial <= f - 1e-4 * step * gn) {
            accepted = true;
            acceptedF = trial;
            break;
          }
          step /= 2;
        }
        if (!accepted) {
          reason = "line_search"; // no descent along −∇f at machine precision: a stationary point
          break;
        }
        z.set(neg);
        reuse = !options.signFlip; // the sign flip evaluates other points first
        step = Math.min(step * 2, 1e6 * lr);
      } else if (optimizer === "gd") {
        for (let i = 0; i < k; i++) z[i]! -= lr * grad[i]!;
      } else {
        adam.tick(lr); // t + 1 steps of this restart
        adamUpdate(z, grad, m1, m2, adam);
      }
      if (options.onProgress && (totalIterations + t + 1) % PROGRESS_EVERY === 0) options.onProgress(totalIterations + t + 1, planned);
    }
    const met = reason !== "budget" && reason !== "diverged";
    run.reason = reason;
    run.iterations = met ? t + 1 : t;
    runs.push(run);
    totalIterations += run.iterations;
    if (met) {
      convergedRestarts++;
      // the run that holds the best iterate ended by a rule (Adam's best may precede its last point)
      if (bestRun === r) bestConverged = true;
    } else if (reason === "budget") {
      // the last step's point was never evaluated
      const fLast = objective(ws, y, z);
      if (Number.isFinite(fLast)) evaluated(run, fLast, t, r);
    }
  }
  options.onProgress?.(planned, planned);

  const fitted = applyForResidual(ws, best);
  const residual = diffNorms(fitted, y, measurementCount(op));
  const warnings: string[] = [];
  const stepName = optimizer === "adam" ? `learning rate ${lr}` : `fixed step ${lr}`;
  const cure =
    optimizer === "adam"
      ? "lower --lr (learningRate)"
      : "the default Armijo line search avoids this (do not pass --fixed-step / lineSearch: false), or lower --lr";
  const grew = runs.filter((run) => run.reason === "diverged" || (Number.isFinite(run.minF) && run.lastF > 2 * run.minF + 1e-300));
  if (grew.length > 0) {
    // a descent method whose objective grows has a step too large for the network's curvature
    const g = grew[0]!;
    const end = g.reason === "diverged" ? `, then became non-finite at iteration ${g.iterations}` : "";
    const runNote = restarts > 1 ? ` (in ${grew.length} of ${restarts} starts; first: start ${runs.indexOf(g) + 1})` : "";
    warnings.push(
      `${method}: the objective grew from ${fmt(g.minF)} (iteration ${g.minIter}) to ${fmt(g.lastF)} (iteration ${g.lastIter})${end}${runNote}: the ${stepName} is too large for this network; ${cure}`,
    );
  }
  if (!Number.isFinite(bestF)) warnings.push(`${method}: the iterates diverged (f is not finite); ${cure}`);
  const bestRecord = bestRun >= 0 ? runs[bestRun]! : runs[runs.length - 1];
  const diverged = !Number.isFinite(bestF) || bestRecord?.reason === "diverged";
  const yNorm = Math.max(diffNorms(y).l2, 1e-300);
  const rel = residual.l2 / yNorm;
  if (bestConverged && rel > 1e-3) {
    warnings.push(
      `${method}: converged to a stationary point that does not fit the observation (‖A·G(z) − y‖/‖y‖ = ${rel.toExponential(2)}): a local minimum unless the data are this noisy; try restarts or an LP method (linf, linf+gd)`,
    );
  }
  // a vanishing gradient identifies z only where A·G is locally one-to-one (full-rank Jacobian)
  const rank = Number.isFinite(bestF) ? jacobianRank(ws, best, options.rankTolerance ?? DEFAULT_TOLERANCES.rankTolerance) : k;
  if (rank < k) {
    warnings.push(
      `${method}: ∂(A·G)/∂z has rank ${rank} < ${k} at z (the network is flat along ${k - rank} direction(s) there${rank === 0 ? ": the gradient vanishes everywhere nearby" : ""}): z is one candidate, not identified`,
    );
  }
  if (restarts > 1) warnings.push(`${method}: best of ${restarts} starts (${convergedRestarts} converged)`);
  const gradientNorm = Number.isFinite(bestF) ? gradientNormAt(ws, y, best, grad) : NaN;
  const status: InversionStatus = diverged ? "failed" : rank < k ? "non_unique" : bestConverged ? "converged" : "max_iterations";
  if (status === "max_iterations") {
    warnings.push(
      `${method}: stopped by the iteration budget (${iterations}) before a stopping rule was met (‖∇f‖ = ${fmt(gradientNorm)} > ${tol}); the fit is ‖A·G(z) − y‖/‖y‖ = ${rel.toExponential(2)}; raise --iterations to go on`,
    );
  }
  return {
    method,
    status,
    z: best,
    residual,
    layers: [],
    timeMs: performance.now() - t0,
    warnings,
    iterations: totalIterations,
    stopping: {
      reason: diverged ? "diverged" : (bestRecord?.reason ?? "budget"),
      met: bestConverged,
      iterations: bestRecord?.iterations ?? 0,
      budget: iterations,
      gradientNorm,
    },
  };
}

/** ‖∇f(z)‖₂ (overwrites `grad`). */
function gradientNormAt(ws: GradientWorkspace, y: ArrayLike<number>, z: Float64Array, grad: Float64Array): number {
  objectiveAndGradient(ws, y, z, grad);
  let s = 0;
  for (let i = 0; i < grad.length; i++) s += grad[i]! * grad[i]!;
  return Math.sqrt(s);
}

/** Three significant digits. */
function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(3) : String(v);
}

/** A·G(z) for the final report (a fresh copy). */
function applyForResidual(ws: GradientWorkspace, z: Float64Array): Float64Array {
  objective(ws, new Float64Array(ws.m), z);
  return Float64Array.from(ws.residual);
}
