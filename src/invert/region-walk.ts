/**
 * Region descent from one start: read the activation pattern P at z, fit the observation on the
 * region's affine model (region-fit.ts), and step toward that fit with a backtracking line search
 * on the TRUE objective ‖A·G(z) − y‖ — the step may leave R_P, which is how the walk moves to a
 * neighbouring region. In ℓ2 the step is the region's least-squares optimum (Gauss–Newton) when it
 * lowers the true objective, else a Levenberg–Marquardt step on the region's model (damping raised
 * until the true objective decreases; cheaper than halving along the Gauss–Newton direction, which
 * points far outside a small region when the data are not in the range of G), else steepest
 * descent. Stops when the fit is at rounding level or nothing decreases the objective
 * With a prior weight λ > 0 (ℓ2 only) the objective is the MAP one, ½‖A·G(z) − y‖² + ½λ‖z‖² (the
 * generators' prior z ~ N(0, I) under Gaussian noise of variance λ), and the region's optimum is the
 * ridge solve (JᵀJ + λI)d = −Jᵀe − λz (the paper's section 6 asks to "blend our algorithms with gradient descent": this is the
 * piecewise-linear structure of section 3 used as a Gauss–Newton / sequential-LP method).
 */
import { type FitSolverOptions } from "../lp/backend.js";
import { GradientWorkspace, objective, objectiveAndGradient } from "./gradient.js";
import { fitLeastSquares, fitLp, RegionFitWorkspace, type RegionNorm, regionRank } from "./region-fit.js";
import { RegionWorkspace, RowKind } from "./region-model.js";
import { type Generator } from "../model/generator.js";
import { type MeasurementOperator } from "../operators/operator.js";

/** Backtracking halvings before a direction counts as no descent (2⁻⁴⁰ of the full step). */
const MAX_HALVINGS = 20;
/** The walk stops when two accepted steps in a row lower the objective by less than this fraction (ℓ∞ / ℓ1). */
const STALL = 1e-6;
/**
 * The same for ℓ2 (of ½‖r‖², i.e. 5e-4 of ‖r‖): Levenberg–Marquardt steps along the kinks of a
 * non-realizable fit gain less than this per region, and on the shipped generators a stricter rule
 * doubled the region fits per walk without lowering the median error (bench/region, real digits).
 */
const STALL_L2 = 1e-3;
/** Levenberg–Marquardt trials on one region before the direction counts as no descent. */
const MAX_DAMPINGS = 30;

/** Everything one walk needs, shared by every start of one inversion. */
export class RegionWalker {
  readonly model: RegionWorkspace;
  readonly fit: RegionFitWorkspace;
  readonly grad: GradientWorkspace;
  private readonly cand: Float64Array;
  private readonly trial: Float64Array;
  private readonly g: Float64Array;
  /** Levenberg–Marquardt buffers: JᵀJ (lower triangle), Jᵀe, the damped system, the step. */
  private readonly jtj: Float64Array;
  private readonly jte: Float64Array;
  private readonly sys: Float64Array;
  private readonly d: Float64Array;
  /** The walk's current damping (−1: not yet set). */
  private lambda = -1;
  /**
   * ℓ2: weight λ of the prior term ½λ‖z‖² in the objective (0: the least-squares fit). The MAP
   * estimate under z ~ N(0, I) and Gaussian noise of variance σ² is λ = σ².
   */
  priorWeight = 0;
  /** ‖y‖∞ floored at 1: the scale of fit tolerances. */
  readonly scale: number;
  lpSolves = 0;
  pivots = 0;
  objectiveEvaluations = 0;

  constructor(
    gen: Generator,
    op: MeasurementOperator,
    readonly y: Float64Array,
    readonly norm: RegionNorm,
    /** ‖A·G(z) − y‖∞ at or below which the fit counts as at rounding level (absolute). */
    readonly roundingLevel: number,
    readonly rankTol: number,
    readonly maxSteps: number,
    readonly lp: FitSolverOptions,
  ) {
    this.model = new RegionWorkspace(gen, op);
    this.model.oneSidedRows = norm !== "l2";
    this.fit = new RegionFitWorkspace(this.model);
    this.grad = new GradientWorkspace(gen, op);
    this.cand = new Float64Array(gen.inputSize);
    this.trial = new Float64Array(gen.inputSize);
    this.g = new Float64Array(gen.inputSize);
    const k = gen.inputSize;
    this.jtj = new Float64Array(k * k);
    this.jte = new Float64Array(k);
    this.sys = new Float64Array(k * k);
    this.d = new Float64Array(k);
    let s = 1;
    for (let i = 0; i < y.length; i++) s = Math.max(s, Math.abs(y[i]!));
    this.scale = s;
  }

  /** The walk's objective in its norm: ½‖r‖₂² (ℓ2), ‖r‖∞ or ‖r‖₁, r = A·G(z) − y. Leaves r in grad.residual. */
  value(z: Float64Array): number {
    this.objectiveEvaluations++;
    const half = objective(this.grad, this.y, z);
    if (this.norm === "l2") return this.priorWeight > 0 ? half + 0.5 * this.priorWeight * sumSquares(z) : half;
    const r = this.grad.residual;
    let v = 0;
    if (this.norm === "linf") for (let i = 0; i < r.length; i++) v = Math.max(v, Math.abs(r[i]!));
    else for (let i = 0; i < r.length; i++) v += Math.abs(r[i]!);
    return v;
  }

  /** ‖r‖∞ of the last {@link value} call. */
  private lastLinf(): number {
    const r = this.grad.residual;
    let v = 0;
    for (let i = 0; i < r.length; i++) v = Math.max(v, Math.abs(r[i]!));
    return v;
  }

  /** Walk from z0 (not modified). */
  walk(z0: ArrayLike<number>): WalkOutcome {
    const { k } = this.model;
    const z = Float64Array.from(z0);
    const { cand, trial } = this;
    let f = this.value(z);
    let linf = this.lastLinf();
    const regions = new Set<number>();
    let steps = 0;
    let rank = -1;
    let rows = 0;
    let slow = 0;
    let localMinimum = false;
    let stopped: WalkOutcome["stop"] = "max_steps";
    let message: string | undefined;
    this.lambda = -1;
    // with a prior the step is the ridge solve of dampedStep: the region's least-squares fit (a QR per
    // step) would only give the rank, which is read once where the walk ends
    const ridge = this.norm === "l2" && this.priorWeight > 0;
    for (; steps < this.maxSteps;) {
      if (linf <= this.roundingLevel) {
        stopped = "fitted";
        break;
      }
      this.model.linearize(z, this.y);
      regions.add(this.model.patternHash);
      steps++;
      if (!ridge) {
        const fit = this.norm === "l2" ? fitLeastSquares(this.fit, z, this.y, cand, this.rankTol) : fitLp(this.fit, z, this.y, this.norm, cand, this.lp);
        this.lpSolves += fit.lpSolves;
        this.pivots += fit.pivots;
        rank = fit.rank;
        rows = fit.rows;
        if (!fit.ok) {
          stopped = "fit_failed";
          message = fit.message;
          break;
        }
      }
      let accepted = false;
      let ft = f;
      if (this.norm === "l2") {
        // the region's least-squares optimum (Gauss–Newton: exact in one step on the right region),
        // else Levenberg–Marquardt steps on the same region's model, whose trials cost a forward pass each;
        // with a prior the region's optimum is the ridge solve, the first (undamped) trial of dampedStep
        if (ridge) accepted = (ft = this.dampedStep(z, f, true)) < f;
        else {
          trial.set(cand);
          ft = this.value(trial);
          accepted = ft < f;
          if (!accepted) accepted = (ft = this.dampedStep(z, f, false)) < f;
        }
      } else {
        // the line search on the true objective, from the region's optimum back toward z
        for (let h = 0, t = 1; h < MAX_HALVINGS; h++, t *= 0.5) {
          for (let i = 0; i < k; i++) trial[i] = z[i]! + t * (cand[i]! - z[i]!);
          ft = this.value(trial);
          if (ft < f) {
            accepted = true;
            break;
          }
        }
      }
      if (!accepted && this.norm === "l2") accepted = (ft = this.steepestStep(z, f)) < f;
      if (!accepted) {
        // no descent along the region's fit (nor, in ℓ2, along −∇f): a local minimum of the objective
        localMinimum = true;
        stopped = "no_descent";
        break;
      }
      const drop = f - ft;
      z.set(trial);
      f = ft;
      linf = this.lastLinf();
      // progress below STALL twice running: creeping along a kink between regions, at a local minimum
      slow = drop <= (this.norm === "l2" ? STALL_L2 : STALL) * (f + drop) ? slow + 1 : 0;
      if (slow >= 2) {
        localMinimum = true;
        stopped = "stalled";
        break;
      }
    }
    if (steps === 0 || stopped === "fitted") {
      // the rank of J_P where the walk ended
      this.model.linearize(z, this.y);
      regions.add(this.model.patternHash);
      ({ rank, rows } = regionRank(this.fit, this.y, this.rankTol));
    } else if (this.norm !== "l2" || ridge) ({ rank, rows } = regionRank(this.fit, this.y, this.rankTol)); // the last region fitted
    return { z, objective: f, linf, steps, regions: regions.size, rank, rows, localMinimum, stop: stopped, ...(message ? { message } : {}) };
  }

  /**
   * The current region's Gauss–Newton system of the walk's ℓ2 objective at z: JᵀJ + λI (lower
   * triangle) in `jtj` and Jᵀe + λz in `jte`, e the model's residual at d = 0 (the prior's ½λ‖z‖²
   * adds its Hessian λI and its gradient λz).
   */
  private normalEquations(z: Float64Array): void {
    const { model, jtj, jte } = this;
    const { k, m, M, base, kind } = model;
    const y = this.y;
    jtj.fill(0);
    jte.fill(0);
    for (let r = 0; r < m; r++) {
      const kr = kind[r]!;
      if (kr === RowKind.Skip) continue;
      const e = base[r]! - (kr === RowKind.Upper ? Math.min(y[r]!, 0) : y[r]!);
      const o = r * k;
      for (let i = 0; i < k; i++) {
        const v = M[o + i]!;
        if (v === 0) continue;
        jte[i]! += v * e;
        const io = i * k;
        for (let j = 0; j <= i; j++) jtj[io + j]! += v * M[o + j]!;
      }
    }
    const prior = this.priorWeight;
    if (prior > 0)
      for (let i = 0; i < k; i++) {
        jtj[i * k + i]! += prior;
        jte[i]! += prior * z[i]!;
      }
  }

  /**
   * The Laplace approximation of the posterior at a mode z of the MAP objective (ℓ2, prior weight
   * λ > 0): on z's region G is affine, so the objective's Hessian there is exactly H = JᵀJ + λI and
   * the posterior is ≈ N(z, λH⁻¹). Returns log det(H/λ) (the mode's evidence is −f/λ − ½ of it) and
   * the effective degrees of freedom tr(JᵀJ·H⁻¹) = k − λ·tr(H⁻¹); null when H is not positive definite.
   */
  laplace(z: Float64Array): { logDetScaled: number; dof: number } | null {
    const lam = this.priorWeight;
    if (this.norm !== "l2" || !(lam > 0)) return null;
    const { jtj, sys, d } = this;
    const { k } = this.model;
    this.model.linearize(z, this.y);
    this.normalEquations(z);
    sys.set(jtj);
    if (!choleskyFactor(sys, k)) return null;
    let logDet = 0;
    for (let i = 0; i < k; i++) logDet += 2 * Math.log(sys[i * k + i]! / Math.sqrt(lam));
    // tr(H⁻¹) = ‖L⁻¹‖_F²: column j of L⁻¹ by forward substitution on e_j
    let trace = 0;
    for (let j = 0; j < k; j++) {
      d.fill(0);
      for (let i = j; i < k; i++) {
        let t = i === j ? 1 : 0;
        const io = i * k;
        for (let p = j; p < i; p++) t -= sys[io + p]! * d[p]!;
        d[i] = t / sys[io + i]!;
        trace += d[i]! * d[i]!;
      }
    }
    return { logDetScaled: logDet, dof: k - lam * trace };
  }

  /**
   * Levenberg–Marquardt on the current region's model (ℓ2): d = −(JᵀJ + μI)⁻¹Jᵀe, μ raised ×4 until
   * the TRUE objective decreases (a rejected trial costs one forward pass and a k×k Cholesky), lowered
   * ÷3 after a success and kept for the next region. With the prior weight λ the model's objective
   * gains ½λ‖z + d‖²: JᵀJ + λI and Jᵀe + λz. `undampedFirst`: try μ = 0 first (the region's own
   * optimum). Writes `trial`; returns the objective there.
   */
  private dampedStep(z: Float64Array, f: number, undampedFirst: boolean): number {
    const { jtj, jte, sys, d, trial } = this;
    const { k } = this.model;
    this.normalEquations(z);
    let maxDiag = 0;
    for (let i = 0; i < k; i++) maxDiag = Math.max(maxDiag, jtj[i * k + i]!);
    if (!(maxDiag > 0)) return f;
    if (this.lambda < 0) this.lambda = 1e-3 * maxDiag;
    for (let t = undampedFirst ? -1 : 0; t < MAX_DAMPINGS; t++) {
      const mu = t < 0 ? 0 : this.lambda;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j <= i; j++) sys[i * k + j] = jtj[i * k + j]!;
        sys[i * k + i]! += mu;
      }
      if (choleskySolve(sys, jte, d, k)) {
        for (let i = 0; i < k; i++) trial[i] = z[i]! - d[i]!;
        const ft = this.value(trial);
        if (ft < f) {
          if (t >= 0) this.lambda /= 3;
          return ft;
        }
      }
      if (t >= 0) this.lambda *= 4;
    }
    return f;
  }

  /** One backtracking step along −∇f (ℓ2), written to `trial`; returns the objective there. */
  private steepestStep(z: Float64Array, f: number): number {
    const { g, trial } = this;
    const k = z.length;
    objectiveAndGradient(this.grad, this.y, z, g);
    const prior = this.priorWeight;
    if (prior > 0) for (let i = 0; i < k; i++) g[i]! += prior * z[i]!;
    let gg = 0;
    for (let i = 0; i < k; i++) gg += g[i]! * g[i]!;
    if (!(gg > 0)) return f;
    // f ≥ 0: the step f/‖∇f‖² reaches 0 on a linear model
    let t = f / gg;
    for (let h = 0; h < MAX_HALVINGS; h++, t *= 0.5) {
      for (let i = 0; i < k; i++) trial[i] = z[i]! - t * g[i]!;
      const ft = this.value(trial);
      if (ft < f) return ft;
    }
    return f;
  }
}

/** What one walk found. */
export interface WalkOutcome {
  z: Float64Array;
  /** Final objective in the walk's norm (½‖r‖² for ℓ2). */
  objective: number;
  /** ‖A·G(z) − y‖∞ at the end. */
  linf: number;
  /** Region fits solved. */
  steps: number;
  /** Distinct activation patterns visited. */
  regions: number;
  /** Rank of J_P on the fitted rows at the last region. */
  rank: number;
  /** Rows the last region's fit used (observed values that depend on z there). */
  rows: number;
  localMinimum: boolean;
  stop: "fitted" | "no_descent" | "stalled" | "max_steps" | "fit_failed";
  message?: string;
}

/** ‖z‖₂². */
function sumSquares(z: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += z[i]! * z[i]!;
  return s;
}

/**
 * Solve S·x = b for a symmetric positive definite k×k S given by its lower triangle (row-major;
 * overwritten by its Cholesky factor). Returns false when S is not numerically positive definite.
 */
function choleskySolve(S: Float64Array, b: Float64Array, x: Float64Array, k: number): boolean {
  if (!choleskyFactor(S, k)) return false;
  for (let i = 0; i < k; i++) {
    const io = i * k;
    let t = b[i]!;
    for (let p = 0; p < i; p++) t -= S[io + p]! * x[p]!;
    x[i] = t / S[io + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let t = x[i]!;
    for (let p = i + 1; p < k; p++) t -= S[p * k + i]! * x[p]!;
    x[i] = t / S[i * k + i]!;
  }
  return true;
}

/** Cholesky factor L (lower triangle, in place) of a symmetric k×k S given by its lower triangle; false when S is not numerically positive definite. */
function choleskyFactor(S: Float64Array, k: number): boolean {
  for (let j = 0; j < k; j++) {
    const jo = j * k;
    let s = S[jo + j]!;
    for (let p = 0; p < j; p++) s -= S[jo + p]! * S[jo + p]!;
    if (!(s > 0)) return false;
    const dj = Math.sqrt(s);
    S[jo + j] = dj;
    for (let i = j + 1; i < k; i++) {
      const io = i * k;
      let t = S[io + j]!;
      for (let p = 0; p < j; p++) t -= S[io + p]! * S[jo + p]!;
      S[io + j] = t / dj;
    }
  }
  return true;
}
