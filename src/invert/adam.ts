/**
 * Adam (Kingma & Ba 2015, Algorithm 1), written once: Adam on z in invert/descent.ts (Bora et al.'s
 * csgm baseline) and the trainer of the shipped MNIST models in scripts/lib/vae.ts both step with
 * {@link adamUpdate}. The arithmetic is the trainer's, kept so that retraining the shipped models
 * stays bit for bit: β₁ᵗ and β₂ᵗ are running products (exact IEEE multiplications, unlike `**`,
 * whose last bit engines may differ in) and the step reads x −= (η/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε).
 */

/** Adam's hyper-parameters (the paper's defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8). */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/**
 * The step counter t of one Adam run and its bias corrections. {@link AdamClock.tick} advances t and
 * sets the two scales every {@link adamUpdate} of that step reads (no allocation per step).
 */
export class AdamClock {
  /** η/(1 − β₁ᵗ): the step size with the first moment's bias correction. */
  stepScale = 0;
  /** √(1 − β₂ᵗ): the second moment's bias correction, under the square root. */
  rootScale = 0;
  private b1t = 1;
  private b2t = 1;

  constructor(
    readonly beta1: number = ADAM_DEFAULTS.beta1,
    readonly beta2: number = ADAM_DEFAULTS.beta2,
    readonly eps: number = ADAM_DEFAULTS.eps,
  ) {}

  /** Start again at t = 0 (a new restart; the moments must be zeroed by the caller). */
  reset(): void {
    this.b1t = 1;
    this.b2t = 1;
  }

  /** t ← t + 1 with step size `lr`. */
  tick(lr: number): void {
    this.b1t *= this.beta1;
    this.b2t *= this.beta2;
    this.stepScale = lr / (1 - this.b1t);
    this.rootScale = Math.sqrt(1 - this.b2t);
  }
}

/**
 * One Adam update of x from its gradient g, with first and second moments m and v (all of one
 * length, updated in place), at the step `clock` was last ticked to.
 */
export function adamUpdate(x: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, clock: AdamClock): void {
  const { beta1: b1, beta2: b2, eps, stepScale: a, rootScale: sc2 } = clock;
  for (let i = 0; i < x.length; i++) {
    const gi = g[i]!;
    const mi = (m[i] = b1 * m[i]! + (1 - b1) * gi);
    const vi = (v[i] = b2 * v[i]! + (1 - b2) * gi * gi);
    x[i]! -= (a * mi) / (Math.sqrt(vi) / sc2 + eps);
  }
}
