/**
 * Gradient-descent baselines on f(z) = ½‖A·G(z) − y‖²: plain GD (Hand & Voroninski; the paper's
 * section 5 settings), Adam (Bora et al.'s csgm), random restarts and Huang et al.'s sign flip.
 * They always return the best iterate seen, with status `converged` (‖∇f‖ ≤ tolerance) or
 * `max_iterations`; not converging is an outcome, never an exception.
 */
import { OptionError } from "../errors.js";
import { diffNorms } from "../linalg/norms.js";
import { checkVector, type Generator } from "../model/generator.js";
import { Rng } from "../model/rng.js";
import { checkOperator, identityOperator, measurementCount } from "../operators/operator.js";
import { GradientWorkspace, objective, objectiveAndGradient } from "./gradient.js";
import { DEFAULT_GRADIENT_OPTIONS, type InvertOptions } from "./options.js";
import { type InversionResult } from "./result.js";

/** The update rule. */
export type Optimizer = "gd" | "adam";

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;
const PROGRESS_EVERY = 100;

/**
 * Minimise ½‖A·G(z) − y‖² by gradient steps from one or more starts.
 * @param y the measurements (length m of the operator; n for the identity)
 * @throws ShapeError / InvalidValueError for bad y or init; OptionError for bad settings
 */
export function invertGradient(gen: Generator, y: ArrayLike<number>, options: InvertOptions, optimizer: Optimizer, method: string = optimizer): InversionResult {
  const t0 = performance.now();
  const op = options.operator ?? identityOperator(gen.outputSize);
  checkOperator(op, gen.outputSize);
  checkVector(y, measurementCount(op), "observation");
  const k = gen.inputSize;
  const lr = options.learningRate ?? (optimizer === "adam" ? DEFAULT_GRADIENT_OPTIONS.learningRateAdam : DEFAULT_GRADIENT_OPTIONS.learningRateGd);
  const iterations = options.iterations ?? DEFAULT_GRADIENT_OPTIONS.iterations;
  const tol = options.gradientTolerance ?? DEFAULT_GRADIENT_OPTIONS.gradientTolerance;
  const restarts = options.restarts ?? DEFAULT_GRADIENT_OPTIONS.restarts;
  const seed = options.seed ?? DEFAULT_GRADIENT_OPTIONS.seed;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new OptionError(`learning rate must be a positive number, got ${lr}`);
  if (!Number.isSafeInteger(iterations) || iterations < 0) throw new OptionError(`iterations must be a non-negative integer, got ${iterations}`);
  if (!Number.isSafeInteger(restarts) || restarts < 1) throw new OptionError(`restarts must be a positive integer, got ${restarts}`);
  if (!(tol >= 0)) throw new OptionError(`gradient tolerance must be ≥ 0, got ${tol}`);
  const init = options.init ?? "random";
  if (typeof init !== "string") checkVector(init, k, "initial z");
  else if (init !== "random" && init !== "zero") throw new OptionError(`init must be random, zero or a vector, got '${init}'`);

  const ws = new GradientWorkspace(gen, op);
  const z = new Float64Array(k);
  const neg = new Float64Array(k);
  const grad = new Float64Array(k);
  const m1 = new Float64Array(k);
  const m2 = new Float64Array(k);
  const best = new Float64Array(k);
  let bestF = Infinity;
  let bestConverged = false;
  let totalIterations = 0;
  let convergedRestarts = 0;
  const planned = iterations * restarts;

  for (let r = 0; r < restarts; r++) {
    if (r === 0 && typeof init !== "string") z.set(Array.from(init));
    else if (r === 0 && init === "zero") z.fill(0);
    else Rng.derive(seed, r).fillNormal(z);
    m1.fill(0);
    m2.fill(0);
    let step = lr;
    let converged = false;
    let f = Infinity;
    let t = 0;
    for (; t < iterations; t++) {
      if (options.signFlip) {
        // Huang et al.: the objective has a spurious basin near −z*, so compare before stepping
        for (let i = 0; i < k; i++) neg[i] = -z[i]!;
        if (objective(ws, y, neg) < objective(ws, y, z)) z.set(neg);
      }
      f = objectiveAndGradient(ws, y, z, grad);
      if (!Number.isFinite(f)) break;
      if (f < bestF) {
        bestF = f;
        best.set(z);
        bestConverged = false;
      }
      let gn = 0;
      for (let i = 0; i < k; i++) gn += grad[i]! * grad[i]!;
      if (Math.sqrt(gn) <= tol) {
        converged = true;
        if (f <= bestF) bestConverged = true;
        break;
      }
      if (optimizer === "gd" && options.lineSearch) {
        // Armijo backtracking: shrink the step until f falls enough, then let it grow again
        const gn2 = gn;
        let accepted = false;
        for (let tries = 0; tries < 40; tries++) {
          for (let i = 0; i < k; i++) neg[i] = z[i]! - step * grad[i]!;
          if (objective(ws, y, neg) <= f - 1e-4 * step * gn2) {
            accepted = true;
            break;
          }
          step /= 2;
        }
        if (!accepted) {
          converged = true; // no descent along −∇f at machine precision: a stationary point
          if (f <= bestF) bestConverged = true;
          break;
        }
        z.set(neg);
        step = Math.min(step * 2, 1e6 * lr);
      } else if (optimizer === "gd") {
        for (let i = 0; i < k; i++) z[i]! -= lr * grad[i]!;
      } else {
        const c1 = 1 - ADAM_BETA1 ** (t + 1);
        const c2 = 1 - ADAM_BETA2 ** (t + 1);
        for (let i = 0; i < k; i++) {
          const g = grad[i]!;
          m1[i] = ADAM_BETA1 * m1[i]! + (1 - ADAM_BETA1) * g;
          m2[i] = ADAM_BETA2 * m2[i]! + (1 - ADAM_BETA2) * g * g;
          z[i]! -= (lr * (m1[i]! / c1)) / (Math.sqrt(m2[i]! / c2) + ADAM_EPS);
        }
      }
      if (options.onProgress && (totalIterations + t + 1) % PROGRESS_EVERY === 0) options.onProgress(totalIterations + t + 1, planned);
    }
    totalIterations += converged ? t + 1 : t;
    if (converged) convergedRestarts++;
    else if (iterations > 0 || bestF === Infinity) {
      // the last step's point was never evaluated
      const fLast = objective(ws, y, z);
      if (fLast < bestF) {
        bestF = fLast;
        best.set(z);
        bestConverged = false;
      }
    }
  }
  options.onProgress?.(planned, planned);

  const fitted = applyForResidual(ws, best);
  const residual = diffNorms(fitted, y, measurementCount(op));
  const warnings: string[] = [];
  if (!Number.isFinite(bestF)) warnings.push(`${method}: the iterates diverged (f is not finite); lower the learning rate`);
  const yNorm = Math.max(diffNorms(y).l2, 1e-300);
  const rel = residual.l2 / yNorm;
  if (bestConverged && rel > 1e-3) {
    warnings.push(
      `${method}: converged to a stationary point that does not fit the observation (‖A·G(z) − y‖/‖y‖ = ${rel.toExponential(2)}): a local minimum; try restarts or an LP method (linf, linf+gd)`,
    );
  }
  if (restarts > 1) warnings.push(`${method}: best of ${restarts} starts (${convergedRestarts} converged)`);
  return {
    method,
    status: bestConverged ? "converged" : "max_iterations",
    z: best,
    residual,
    layers: [],
    timeMs: performance.now() - t0,
    warnings,
    iterations: totalIterations,
  };
}

/** A·G(z) for the final report (a fresh copy). */
function applyForResidual(ws: GradientWorkspace, z: Float64Array): Float64Array {
  objective(ws, new Float64Array(ws.m), z);
  return Float64Array.from(ws.residual);
}
