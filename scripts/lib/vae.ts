/**
 * Training a generator as the decoder of a variational autoencoder (Kingma & Welling 2014), by hand
 * on `Float64Array`s: batched dense layers with forward and backward passes on the blocked kernel
 * of src/linalg/gemm.ts, Adam, and the reparameterised ELBO with a Gaussian decoder. The decoder
 * is the generator G(z) that geninv inverts; the encoder only serves training.
 *
 * A seeded run is reproducible bit for bit: the stream of random numbers (initialisation, batch
 * order, reparameterisation noise) comes from `Rng`, exp from `portableExp`, and every sum runs in
 * a fixed order.
 */
import { OptionError, ShapeError, SolverError } from "../../src/errors.js";
import { portableExp } from "../../src/linalg/exp.js";
import { gemmNT, transposeInto } from "../../src/linalg/gemm.js";
import { type Activation, formatActivation } from "../../src/model/activation.js";
import { type DenseLayer, Generator } from "../../src/model/generator.js";
import { log, Rng } from "../../src/model/rng.js";
import { AdamClock, adamUpdate, ADAM_DEFAULTS } from "../../src/invert/adam.js";

/** One dense layer of a network being trained. */
export interface TrainLayerSpec {
  outputs: number;
  activation: Activation;
  bias: boolean;
  /** Multiplies the He initialisation's standard deviation (default 1); a small last layer starts the decoder near 0 instead of in noise. */
  initScale?: number;
}

/** A dense layer y = φ(W·x + b) with its gradients and batch buffers (batch ≤ maxBatch rows). */
export class TrainableDense {
  readonly weight: Float64Array;
  readonly bias: Float64Array | null;
  readonly gradWeight: Float64Array;
  readonly gradBias: Float64Array | null;
  /** Outputs of the last forward pass (batch × outputs). */
  readonly output: Float64Array;
  private readonly pre: Float64Array;
  private readonly dPre: Float64Array;
  private readonly dPreT: Float64Array;
  private readonly inT: Float64Array;
  private readonly weightT: Float64Array;
  private readonly dIn: Float64Array;

  constructor(
    readonly inputs: number,
    readonly outputs: number,
    readonly activation: Activation,
    hasBias: boolean,
    readonly maxBatch: number,
    readonly initScale = 1,
  ) {
    this.weight = new Float64Array(outputs * inputs);
    this.gradWeight = new Float64Array(outputs * inputs);
    this.bias = hasBias ? new Float64Array(outputs) : null;
    this.gradBias = hasBias ? new Float64Array(outputs) : null;
    this.pre = new Float64Array(maxBatch * outputs);
    this.output = new Float64Array(maxBatch * outputs);
    this.dPre = new Float64Array(maxBatch * outputs);
    this.dPreT = new Float64Array(maxBatch * outputs);
    this.inT = new Float64Array(maxBatch * inputs);
    this.weightT = new Float64Array(outputs * inputs);
    this.dIn = new Float64Array(maxBatch * inputs);
  }

  /** He initialisation: W_ij ~ N(0, 2 / ((1 + c²)·n_in)) for (leaky) ReLU with slope c, N(0, 1/n_in) otherwise; b = 0. */
  initialize(rng: Rng): void {
    const a = this.activation;
    const gain = a.kind === "relu" ? 2 : a.kind === "leaky_relu" ? 2 / (1 + a.slope * a.slope) : 1;
    rng.fillNormal(this.weight, this.initScale * Math.sqrt(gain / this.inputs));
    this.bias?.fill(0);
  }

  /** output = φ(x·Wᵀ + b) for a batch x (batch × inputs). */
  forward(x: Float64Array, batch: number): Float64Array {
    const { outputs, pre, output } = this;
    gemmNT(batch, outputs, this.inputs, x, this.weight, pre);
    const n = batch * outputs;
    if (this.bias) {
      const b = this.bias;
      for (let r = 0; r < batch; r++) for (let o = 0, at = r * outputs; o < outputs; o++) pre[at + o]! += b[o]!;
    }
    const act = this.activation;
    if (act.kind === "relu") for (let i = 0; i < n; i++) output[i] = pre[i]! > 0 ? pre[i]! : 0;
    else if (act.kind === "leaky_relu") {
      const c = act.slope;
      for (let i = 0; i < n; i++) output[i] = pre[i]! > 0 ? pre[i]! : c * pre[i]!;
    } else if (act.kind === "identity") output.set(pre.subarray(0, n));
    else throw new OptionError(`training supports relu, leaky_relu and identity layers, not ${formatActivation(act)}`);
    return output;
  }

  /** Pre-activations W·x + b of the last forward pass (batch × outputs). */
  get preActivation(): Float64Array {
    return this.pre;
  }

  /**
   * Back-propagate dL/d(output) (batch × outputs) through the last forward pass on `x` — or
   * dL/d(pre-activation) when `gradientIsPreActivation` — : sets the weight and bias gradients and
   * returns dL/dx (batch × inputs) when `inputGradient`.
   */
  backward(x: Float64Array, dOut: Float64Array, batch: number, inputGradient: boolean, gradientIsPreActivation = false): Float64Array | null {
    const { inputs, outputs, pre, dPre } = this;
    const n = batch * outputs;
    const act = this.activation;
    if (gradientIsPreActivation) dPre.set(dOut.subarray(0, n));
    else if (act.kind === "relu") for (let i = 0; i < n; i++) dPre[i] = pre[i]! > 0 ? dOut[i]! : 0;
    else if (act.kind === "leaky_relu") {
      const c = act.slope;
      for (let i = 0; i < n; i++) dPre[i] = pre[i]! > 0 ? dOut[i]! : c * dOut[i]!;
    } else dPre.set(dOut.subarray(0, n));
    // dW = dPreᵀ·x, computed as (dPreᵀ)·(xᵀ)ᵀ so both operands are read along rows
    transposeInto(batch, outputs, dPre, this.dPreT);
    transposeInto(batch, inputs, x, this.inT);
    gemmNT(outputs, inputs, batch, this.dPreT, this.inT, this.gradWeight);
    if (this.gradBias) {
      const gb = this.gradBias.fill(0);
      for (let r = 0; r < batch; r++) for (let o = 0, at = r * outputs; o < outputs; o++) gb[o]! += dPre[at + o]!;
    }
    if (!inputGradient) return null;
    transposeInto(outputs, inputs, this.weight, this.weightT);
    return gemmNT(batch, inputs, outputs, dPre, this.weightT, this.dIn);
  }
}

/** A chain of trainable dense layers. */
export class TrainableNet {
  readonly layers: TrainableDense[];
  private lastInput: Float64Array | null = null;

  constructor(
    inputs: number,
    specs: readonly TrainLayerSpec[],
    readonly maxBatch: number,
  ) {
    if (specs.length === 0) throw new ShapeError("a network needs at least one layer");
    let n = inputs;
    this.layers = specs.map((s) => {
      const l = new TrainableDense(n, s.outputs, s.activation, s.bias, maxBatch, s.initScale ?? 1);
      n = s.outputs;
      return l;
    });
  }

  /** A trainable copy of a generator's layers (weights copied), e.g. to differentiate G with respect to z in batches. */
  static fromGenerator(gen: Generator, maxBatch: number): TrainableNet {
    const net = new TrainableNet(
      gen.inputSize,
      gen.layers.map((l) => ({ outputs: l.weight.rows, activation: l.activation, bias: l.bias !== null })),
      maxBatch,
    );
    gen.layers.forEach((l, i) => {
      net.layers[i]!.weight.set(l.weight.data);
      if (l.bias) net.layers[i]!.bias!.set(l.bias);
    });
    return net;
  }

  get inputs(): number {
    return this.layers[0]!.inputs;
  }

  get outputs(): number {
    return this.layers[this.layers.length - 1]!.outputs;
  }

  initialize(rng: Rng): void {
    for (const l of this.layers) l.initialize(rng);
  }

  /** Outputs for a batch (a view of the last layer's buffer, valid until the next forward). */
  forward(x: Float64Array, batch: number): Float64Array {
    if (batch > this.maxBatch) throw new ShapeError(`batch of ${batch} exceeds the network's ${this.maxBatch}`);
    this.lastInput = x;
    let h = x;
    for (const l of this.layers) h = l.forward(h, batch);
    return h;
  }

  /**
   * Gradients of all parameters for dL/d(output) — or for dL/d(last pre-activation) when
   * `gradientIsPreActivation` —; returns dL/d(input) when asked.
   */
  backward(dOut: Float64Array, batch: number, inputGradient = false, gradientIsPreActivation = false): Float64Array | null {
    if (!this.lastInput) throw new ShapeError("backward before forward");
    let d: Float64Array | null = dOut;
    const last = this.layers.length - 1;
    for (let i = last; i >= 0; i--) {
      const x = i === 0 ? this.lastInput : this.layers[i - 1]!.output;
      d = this.layers[i]!.backward(x, d!, batch, i > 0 || inputGradient, i === last && gradientIsPreActivation);
    }
    return d;
  }

  /** Every parameter array with its gradient, in a fixed order. */
  parameters(): { value: Float64Array; grad: Float64Array }[] {
    return this.layers.flatMap((l) => [{ value: l.weight, grad: l.gradWeight }, ...(l.bias ? [{ value: l.bias, grad: l.gradBias! }] : [])]);
  }

  /** The layers as an immutable geninv generator (weights copied), named fc1, fc2, … */
  toGenerator(): Generator {
    const layers: DenseLayer[] = this.layers.map((l, i) => ({
      weight: { rows: l.outputs, cols: l.inputs, data: Float64Array.from(l.weight) },
      bias: l.bias ? Float64Array.from(l.bias) : null,
      activation: l.activation,
      name: `fc${i + 1}`,
    }));
    return new Generator(layers);
  }
}

/** Adam (Kingma & Ba 2015) over a fixed list of parameter arrays: one clock, one {@link adamUpdate} per array (src/invert/adam.ts). */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private readonly clock: AdamClock;

  constructor(
    private readonly params: { value: Float64Array; grad: Float64Array }[],
    beta1: number = ADAM_DEFAULTS.beta1,
    beta2: number = ADAM_DEFAULTS.beta2,
    eps: number = ADAM_DEFAULTS.eps,
  ) {
    this.m = params.map((p) => new Float64Array(p.value.length));
    this.v = params.map((p) => new Float64Array(p.value.length));
    this.clock = new AdamClock(beta1, beta2, eps);
  }

  /** One update with step size `lr` from the gradients currently stored. */
  step(lr: number): void {
    this.clock.tick(lr);
    this.params.forEach((p, k) => adamUpdate(p.value, p.grad, this.m[k]!, this.v[k]!, this.clock));
  }
}

/** Settings of {@link trainVae}. */
export interface VaeConfig {
  /** Latent dimension k. */
  latent: number;
  /** The decoder (= generator) layers, from z to the image. */
  decoder: TrainLayerSpec[];
  /** Width of the encoder's hidden ReLU layer (encoder: n → hidden → 2k, with biases). */
  encoderHidden: number;
  /**
   * The decoder's likelihood p(x | z) with a = the last layer's pre-activation:
   * `gaussian`: x ~ N(G(z), σ²I). `censored`: x = max(0, a + σε), ε ~ N(0, I) — the Tobit model, the
   * natural noise model of a ReLU output layer: a zero pixel costs −log Φ(−a/σ), which keeps pushing
   * background pre-activations below zero (clean exact zeros), and a stroke pixel costs
   * (x − a)²/(2σ²) even while a < 0, so a dead output unit still learns. Needs a ReLU last layer.
   * `gaussian-relu`: the Gaussian cost (relu(a) − x)²/(2σ²), except that a stroke pixel (x > 0) with
   * a < 0 costs (a − x)²/(2σ²) ≥ x²/(2σ²) — an upper bound that keeps dead output units learning,
   * without the censored model's push of uncertain pixels below zero. Needs a ReLU last layer.
   */
  likelihood: "gaussian" | "censored" | "gaussian-relu";
  /** Noise scale σ of the likelihood: a squared error costs 1/(2σ²). */
  sigma: number;
  batchSize: number;
  epochs: number;
  /** Adam step size at the start; it decays smoothly (cubic smoothstep, shaped like a half cosine) to `finalLearningRate`. */
  learningRate: number;
  finalLearningRate: number;
  seed: number;
}

/** Losses of one epoch, per digit (sums over pixels and latent coordinates, means over digits). */
export interface EpochStats {
  epoch: number;
  /** Training objective −ELBO (without the constant n/2·log 2πσ²), averaged over the epoch's batches. */
  loss: number;
  /** Mean squared error per pixel of the training reconstructions (sampled z). */
  trainMse: number;
  /** KL(q(z|x) ‖ N(0, I)) on the training batches. */
  kl: number;
  /** −ELBO on the held-out digits with z = μ(x) (deterministic). */
  testLoss: number;
  /** Mean squared error per pixel of held-out reconstructions G(μ(x)). */
  testMse: number;
  /** Wall-clock seconds since training started. */
  seconds: number;
}

/** Digits to train on: `count` rows of `dim` values. */
export interface TrainingData {
  count: number;
  images: Float64Array;
}

/** What {@link trainVae} returns. */
export interface VaeResult {
  decoder: Generator;
  encoder: TrainableNet;
  history: EpochStats[];
}

/** Hooks called while training. */
export interface TrainHooks {
  /** After every minibatch. */
  onStep?: (stepsDone: number, stepsTotal: number) => void;
  onEpoch?: (stats: EpochStats) => void;
}

/** Steps of one epoch (the last batch of an epoch may be smaller). */
export function stepsPerEpoch(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/**
 * Train a VAE whose decoder is the generator: maximise the ELBO
 * E_q[log N(x; G(z), σ²I)] − KL(N(μ(x), diag e^{ℓ(x)}) ‖ N(0, I)) by Adam on minibatches.
 * @throws OptionError on bad settings; SolverError when the loss stops being finite
 */
export function trainVae(config: VaeConfig, train: TrainingData, test: TrainingData | null, hooks: TrainHooks = {}): VaeResult {
  const { latent: k, batchSize, epochs, sigma } = config;
  const dim = config.decoder[config.decoder.length - 1]?.outputs ?? 0;
  for (const [v, name] of [
    [k, "latent"],
    [batchSize, "batchSize"],
    [epochs, "epochs"],
    [config.encoderHidden, "encoderHidden"],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new OptionError(`${name} must be a positive integer, got ${v}`);
  }
  if (!(sigma > 0) || !(config.learningRate > 0) || !(config.finalLearningRate > 0)) {
    throw new OptionError("sigma and the learning rates must be positive");
  }
  if (!["gaussian", "censored", "gaussian-relu"].includes(config.likelihood)) {
    throw new OptionError(`unknown likelihood '${String(config.likelihood)}' (expected gaussian, censored or gaussian-relu)`);
  }
  if (config.likelihood !== "gaussian" && config.decoder[config.decoder.length - 1]!.activation.kind !== "relu") {
    throw new OptionError(`the ${config.likelihood} likelihood models a ReLU output layer; the decoder's last activation must be relu`);
  }
  if (train.images.length !== train.count * dim) throw new ShapeError(`training data has ${train.images.length} values, expected ${train.count}×${dim}`);
  const rng = Rng.derive(config.seed, 1);
  const encoder = new TrainableNet(
    dim,
    [
      { outputs: config.encoderHidden, activation: { kind: "relu" }, bias: true },
      { outputs: 2 * k, activation: { kind: "identity" }, bias: true },
    ],
    batchSize,
  );
  const decoder = new TrainableNet(k, config.decoder, batchSize);
  encoder.initialize(rng);
  decoder.initialize(rng);
  const adam = new Adam([...encoder.parameters(), ...decoder.parameters()]);

  const x = new Float64Array(batchSize * dim);
  const eps = new Float64Array(batchSize * k);
  const z = new Float64Array(batchSize * k);
  const std = new Float64Array(batchSize * k);
  const dOut = new Float64Array(batchSize * dim);
  const dEnc = new Float64Array(batchSize * 2 * k);
  const gradientAtPre = config.likelihood !== "gaussian"; // these likelihoods differentiate the output pre-activation
  const outLayer = decoder.layers[decoder.layers.length - 1]!;
  const perEpoch = stepsPerEpoch(train.count, batchSize);
  const totalSteps = perEpoch * epochs;
  const start = performance.now();
  const history: EpochStats[] = [];
  let step = 0;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(train.count);
    let lossSum = 0;
    let sqSum = 0;
    let klSum = 0;
    for (let s = 0; s < perEpoch; s++) {
      const b0 = s * batchSize;
      const B = Math.min(batchSize, train.count - b0);
      for (let r = 0; r < B; r++) {
        const src = order[b0 + r]! * dim;
        x.set(train.images.subarray(src, src + dim), r * dim);
      }
      // encoder → (μ, ℓ = log σ²), reparameterise z = μ + e^{ℓ/2}·ε
      const enc = encoder.forward(x, B);
      rng.fillNormal(eps.subarray(0, B * k));
      let kl = 0;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < k; j++) {
          const mu = enc[r * 2 * k + j]!;
          const lv = enc[r * 2 * k + k + j]!;
          const sd = portableExp(0.5 * lv);
          std[r * k + j] = sd;
          z[r * k + j] = mu + sd * eps[r * k + j]!;
          kl += 0.5 * (mu * mu + sd * sd - 1 - lv);
        }
      }
      const xhat = decoder.forward(z, B);
      let sq = 0;
      for (let i = 0; i < B * dim; i++) {
        const d = xhat[i]! - x[i]!;
        sq += d * d;
      }
      const nll = decoderNll(config.likelihood, outLayer.preActivation, xhat, x, B * dim, sigma, 1 / B, dOut);
      const loss = (nll + kl) / B;
      if (!Number.isFinite(loss)) throw new SolverError(`VAE training diverged at epoch ${epoch}, step ${s + 1}: loss is ${loss}`);
      lossSum += loss * B;
      sqSum += sq;
      klSum += kl;
      const dz = decoder.backward(dOut, B, true, gradientAtPre)!;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < k; j++) {
          const g = dz[r * k + j]!;
          const mu = enc[r * 2 * k + j]!;
          const sd = std[r * k + j]!;
          // ∂/∂μ and ∂/∂ℓ of the reconstruction term (through z) and of the KL term, per batch mean
          dEnc[r * 2 * k + j] = g + mu / B;
          dEnc[r * 2 * k + k + j] = 0.5 * g * sd * eps[r * k + j]! + (0.5 * (sd * sd - 1)) / B;
        }
      }
      encoder.backward(dEnc, B, false);
      const progress = step / Math.max(1, totalSteps - 1);
      // smoothstep decay 1 − (3p² − 2p³): polynomial, so the same bits on every engine (Math.cos is not)
      const lr = config.finalLearningRate + (config.learningRate - config.finalLearningRate) * (1 - progress * progress * (3 - 2 * progress));
      adam.step(lr);
      step++;
      hooks.onStep?.(step, totalSteps);
    }
    const evalStats = test ? evaluateVae(encoder, decoder, test, k, config.likelihood, sigma) : { loss: NaN, mse: NaN };
    const stats: EpochStats = {
      epoch,
      loss: lossSum / train.count,
      trainMse: sqSum / (train.count * dim),
      kl: klSum / train.count,
      testLoss: evalStats.loss,
      testMse: evalStats.mse,
      seconds: (performance.now() - start) / 1000,
    };
    history.push(stats);
    hooks.onEpoch?.(stats);
  }
  return { decoder: decoder.toGenerator(), encoder, history };
}

/** −ELBO with z = μ(x) and the per-pixel MSE of G(μ(x)) on a data set. */
export function evaluateVae(
  encoder: TrainableNet,
  decoder: TrainableNet,
  data: TrainingData,
  k: number,
  likelihood: VaeConfig["likelihood"],
  sigma: number,
): { loss: number; mse: number } {
  const dim = encoder.inputs;
  const B = encoder.maxBatch;
  const z = new Float64Array(B * k);
  const grad = new Float64Array(B * dim);
  const outLayer = decoder.layers[decoder.layers.length - 1]!;
  let sq = 0;
  let total = 0;
  for (let b0 = 0; b0 < data.count; b0 += B) {
    const n = Math.min(B, data.count - b0);
    const x = data.images.subarray(b0 * dim, (b0 + n) * dim);
    const enc = encoder.forward(x, n);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < k; j++) {
        const mu = enc[r * 2 * k + j]!;
        const lv = enc[r * 2 * k + k + j]!;
        z[r * k + j] = mu;
        total += 0.5 * (mu * mu + portableExp(lv) - 1 - lv);
      }
    }
    const xhat = decoder.forward(z, n);
    for (let i = 0; i < n * dim; i++) {
      const d = xhat[i]! - x[i]!;
      sq += d * d;
    }
    total += decoderNll(likelihood, outLayer.preActivation, xhat, x, n * dim, sigma, 0, grad);
  }
  return { loss: total / data.count, mse: sq / (data.count * dim) };
}

/**
 * −log p(x | z) summed over `n` pixels (constants dropped), with its gradient times `scale` written
 * to `grad`: with respect to the output for `gaussian`, to the pre-activation otherwise.
 */
export function decoderNll(
  likelihood: VaeConfig["likelihood"],
  pre: Float64Array,
  out: Float64Array,
  x: Float64Array,
  n: number,
  sigma: number,
  scale: number,
  grad: Float64Array,
): number {
  const inv = 1 / (sigma * sigma);
  let nll = 0;
  if (likelihood === "gaussian") {
    for (let i = 0; i < n; i++) {
      const d = out[i]! - x[i]!;
      nll += 0.5 * d * d * inv;
      grad[i] = d * inv * scale;
    }
    return nll;
  }
  if (likelihood === "gaussian-relu") {
    for (let i = 0; i < n; i++) {
      const a = pre[i]!;
      const d = x[i]! > 0 || a > 0 ? a - x[i]! : 0;
      nll += 0.5 * d * d * inv;
      grad[i] = d * inv * scale;
    }
    return nll;
  }
  const w0 = 1 / (sigma * Math.SQRT2);
  for (let i = 0; i < n; i++) {
    const a = pre[i]!;
    if (x[i]! > 0) {
      const d = a - x[i]!;
      nll += 0.5 * d * d * inv;
      grad[i] = d * inv * scale;
    } else {
      // P(x = 0) = Φ(−a/σ) = erfc(a/(σ√2))/2
      nll -= logHalfErfc(a * w0);
      grad[i] = -logHalfErfcSlope * w0 * scale;
    }
  }
  return nll;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const LN_HALF = -0.6931471805599453;
/** d/dw log(erfc(w)/2) at the argument of the last {@link logHalfErfc} call. */
let logHalfErfcSlope = 0;

/**
 * log(erfc(w)/2), stable for large |w|, from the Chebyshev fit of erfc in Numerical Recipes
 * (relative error < 1.2e-7): erfc(w) = t·exp(−w² + P(t)), t = 1/(1 + w/2), for w ≥ 0.
 * Also sets {@link logHalfErfcSlope}.
 */
export function logHalfErfc(w: number): number {
  const aw = Math.abs(w);
  const t = 1 / (1 + 0.5 * aw);
  const p =
    -1.26551223 +
    t *
      (1.00002368 +
        t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  if (w >= 0) {
    // e^{−w²}/erfc(w) = e^{−P}/t
    logHalfErfcSlope = (-TWO_OVER_SQRT_PI * portableExp(-p)) / t;
    return LN_HALF + log(t) - w * w + p;
  }
  const e = t * portableExp(-w * w + p); // erfc(|w|)
  logHalfErfcSlope = (-TWO_OVER_SQRT_PI * portableExp(-w * w)) / (2 - e);
  return LN_HALF + log(2 - e);
}

/**
 * Second moment E[z zᵀ] of the aggregate posterior q(z) = mean over x of N(μ(x), diag σ²(x)),
 * i.e. mean of μμᵀ + diag σ² over the data (k × k, row-major).
 */
export function aggregatePosteriorMoment(encoder: TrainableNet, data: TrainingData, k: number): Float64Array {
  const dim = encoder.inputs;
  const B = encoder.maxBatch;
  const m = new Float64Array(k * k);
  for (let b0 = 0; b0 < data.count; b0 += B) {
    const n = Math.min(B, data.count - b0);
    const enc = encoder.forward(data.images.subarray(b0 * dim, (b0 + n) * dim), n);
    for (let r = 0; r < n; r++) {
      const o = r * 2 * k;
      for (let i = 0; i < k; i++) {
        const mi = enc[o + i]!;
        for (let j = 0; j <= i; j++) m[i * k + j]! += mi * enc[o + j]!;
        m[i * k + i]! += portableExp(enc[o + k + i]!);
      }
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      m[i * k + j]! /= data.count;
      m[j * k + i] = m[i * k + j]!;
    }
  }
  return m;
}

/** Lower-triangular L with L·Lᵀ = S for a symmetric positive definite k × k `s`. @throws SolverError when S is not positive definite */
export function cholesky(s: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let d = s[j * k + j]!;
    for (let p = 0; p < j; p++) d -= l[j * k + p]! * l[j * k + p]!;
    if (!(d > 0)) throw new SolverError(`Cholesky: matrix is not positive definite (pivot ${j} is ${d})`);
    const ljj = Math.sqrt(d);
    l[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let v = s[i * k + j]!;
      for (let p = 0; p < j; p++) v -= l[i * k + p]! * l[j * k + p]!;
      l[i * k + j] = v / ljj;
    }
  }
  return l;
}

/**
 * G'(z) = G(L·z): the generator with a linear map of its input folded into the first layer
 * (W₁ ← W₁·L). With L·Lᵀ the second moment of the aggregate posterior, z ~ N(0, I) then lands where
 * the encoder put the training digits (ex-post density fitting, Ghosh et al. 2020), which makes
 * prior samples far more digit-like, without changing the architecture.
 */
export function foldInputTransform(gen: Generator, l: Float64Array): Generator {
  const first = gen.layers[0]!;
  const { rows, cols, data } = first.weight;
  if (l.length !== cols * cols) throw new ShapeError(`input transform has ${l.length} entries, expected ${cols}×${cols}`);
  const w = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let p = 0; p < cols; p++) s += data[i * cols + p]! * l[p * cols + j]!;
      w[i * cols + j] = s;
    }
  }
  return new Generator([{ ...first, weight: { rows, cols, data: w } }, ...gen.layers.slice(1)]);
}
