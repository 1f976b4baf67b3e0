/**
 * Random networks and samples as in the paper's experiments: W_ij ~ N(0, 1/n_i) with n_i the
 * layer's output size, z* ~ N(0, I), and uniform or Gaussian output noise.
 */
import { InvalidValueError, OptionError, ShapeError } from "../errors.js";
import { firstNonFinite } from "../linalg/norms.js";
import { type Matrix } from "../linalg/matrix.js";
import { type Activation } from "./activation.js";
import { type DenseLayer, Generator, layerName } from "./generator.js";
import { Rng } from "./rng.js";

/**
 * Options of {@link randomGenerator}.
 * @example
 * ```ts
 * import { randomGenerator, type RandomGeneratorOptions, RELU, IDENTITY } from "geninv";
 * const opts: RandomGeneratorOptions = { sizes: [3, 12, 30], activation: [RELU, IDENTITY], bias: true, rng: 5 };
 * console.log(randomGenerator(opts).depth); // 2
 * ```
 */
export interface RandomGeneratorOptions {
  /** Widths [k, n_1, …, n_d]; at least two entries. */
  sizes: readonly number[];
  /** One activation per layer (d entries), or one for all layers. */
  activation: Activation | readonly Activation[];
  /** Draw biases b_i ~ N(0, 1/n_i) too (default false, as in the paper's section 4). */
  bias?: boolean;
  /** Seed or stream; the draws are weights row-major then bias, layer by layer. */
  rng: Rng | number;
}

/**
 * A random generator with Gaussian weights N(0, 1/n_i), as in the paper's section 5.1.
 * @param opts the widths [k, n_1, …, n_d], the activation(s), biases or not, and the seed
 * @returns the generator, its weights drawn row-major layer by layer from the seed
 * @throws ShapeError for fewer than two widths or a width that is not a positive integer
 * @example
 * ```ts
 * import { leakyRelu, randomGenerator } from "geninv";
 * const gen = randomGenerator({ sizes: [20, 100, 500], activation: leakyRelu(0.1), rng: 7 });
 * console.log(gen.inputSize, gen.outputSize); // 20 500
 * ```
 */
export function randomGenerator(opts: RandomGeneratorOptions): Generator {
  const { sizes } = opts;
  if (sizes.length < 2) throw new ShapeError(`sizes needs at least two widths (k and n), got [${sizes.join(",")}]`);
  sizes.forEach((s, i) => {
    if (!Number.isSafeInteger(s) || s < 1) throw new ShapeError(`sizes[${i}] must be a positive integer, got ${s}`);
  });
  const d = sizes.length - 1;
  const acts = Array.isArray(opts.activation) ? (opts.activation as readonly Activation[]) : Array(d).fill(opts.activation);
  if (acts.length !== d) throw new ShapeError(`${acts.length} activations given for ${d} layers`);
  const rng = typeof opts.rng === "number" ? new Rng(opts.rng) : opts.rng;
  const layers: DenseLayer[] = [];
  for (let i = 0; i < d; i++) {
    const nIn = sizes[i]!;
    const nOut = sizes[i + 1]!;
    const scale = 1 / Math.sqrt(nOut);
    const weight = { rows: nOut, cols: nIn, data: rng.fillNormal(new Float64Array(nOut * nIn), scale) };
    const bias = opts.bias ? rng.fillNormal(new Float64Array(nOut), scale) : null;
    layers.push({ weight, bias, activation: acts[i]! });
  }
  return new Generator(layers);
}

/**
 * Output noise: none, U(−a, a) per entry (`level` = a), or N(0, σ²) per entry (`level` = σ).
 * @example
 * ```ts
 * import { addNoise, type NoiseSpec, Rng } from "geninv";
 * const noise: NoiseSpec = { kind: "uniform", level: 1e-3 };
 * const x = addNoise(new Float64Array(4), noise, new Rng(1));
 * console.log(x.every((v) => Math.abs(v) <= 1e-3)); // true
 * ```
 */
export type NoiseSpec = { kind: "none" } | { kind: "uniform"; level: number } | { kind: "gaussian"; level: number };

/**
 * Parse `uniform:1e-3`, `gaussian:0.1` or `none` (the CLI's `--noise`).
 * @param spec the noise spec
 * @returns the noise as a {@link NoiseSpec}
 * @throws OptionError for a spec not understood or a level that is not a finite number ≥ 0
 * @example
 * ```ts
 * import { parseNoise } from "geninv";
 * const noise = parseNoise("gaussian:0.01"); // { kind: "gaussian", level: 0.01 }
 * ```
 */
export function parseNoise(spec: string): NoiseSpec {
  const s = spec.trim().toLowerCase();
  if (s === "none" || s === "0") return { kind: "none" };
  const m = /^(uniform|gaussian|normal):(.+)$/.exec(s);
  if (!m) throw new OptionError(`noise '${spec}' not understood (expected uniform:<a>, gaussian:<sigma> or none)`);
  const level = Number(m[2]);
  if (!Number.isFinite(level) || level < 0) throw new OptionError(`noise '${spec}': level must be a finite number ≥ 0`);
  return { kind: m[1] === "uniform" ? "uniform" : "gaussian", level };
}

/** The CLI spelling of a noise spec. */
export function formatNoise(noise: NoiseSpec): string {
  return noise.kind === "none" ? "none" : `${noise.kind}:${noise.level}`;
}

/**
 * Add noise to `x` in place.
 * @param x the values, changed in place
 * @param noise what to add (none, U(−a, a) or N(0, σ²) per entry)
 * @param rng the stream the noise is drawn from
 * @returns x
 * @throws nothing
 * @example
 * ```ts
 * import { addNoise, parseNoise, Rng } from "geninv";
 * const x = new Float64Array([0.5, 0.25, 1]);
 * addNoise(x, parseNoise("uniform:1e-3"), new Rng(1));
 * ```
 */
export function addNoise(x: Float64Array, noise: NoiseSpec, rng: Rng): Float64Array {
  if (noise.kind === "uniform") for (let i = 0; i < x.length; i++) x[i]! += rng.uniformIn(-noise.level, noise.level);
  else if (noise.kind === "gaussian") for (let i = 0; i < x.length; i++) x[i]! += noise.level * rng.normal();
  return x;
}

/**
 * A batch of latent codes, their clean images and noisy observations (rows are samples).
 * @example
 * ```ts
 * import { randomGenerator, RELU, type SampleBatch, sampleObservations } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 1 });
 * const s: SampleBatch = sampleObservations(gen, 3, 2);
 * console.log(s.z.rows, s.z.cols, s.x.cols); // 3 2 25
 * ```
 */
export interface SampleBatch {
  /** The latent codes z* (count × k), drawn from N(0, I). */
  z: Matrix;
  /** G(z*) (count × n), before noise. */
  clean: Matrix;
  /** The observations G(z*) + noise (count × n). */
  x: Matrix;
}

/**
 * Draw `count` samples: for each, z* ~ N(0, I) then the output noise.
 * @param gen the generator G
 * @param count how many samples (≥ 1)
 * @param rng seed or stream of the draws
 * @param noise the output noise (default none)
 * @returns z* (count × k), the clean outputs G(z*) and the observations x (count × n)
 * @throws OptionError for a count that is not a positive integer; InvalidValueError naming the layer when G(z*) overflows float64 (e.g. weights near 1e300)
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU, sampleObservations } from "geninv";
 * const gen = randomGenerator({ sizes: [5, 30, 80], activation: RELU, rng: 1 });
 * const s = sampleObservations(gen, 1, 2, { kind: "uniform", level: 1e-3 });
 * const r = invert(gen, s.x.data, { method: "linf" }); // Algorithm 1 on noisy data
 * ```
 */
export function sampleObservations(gen: Generator, count: number, rng: Rng | number, noise: NoiseSpec = { kind: "none" }): SampleBatch {
  if (!Number.isSafeInteger(count) || count < 1) throw new OptionError(`count must be a positive integer, got ${count}`);
  const r = typeof rng === "number" ? new Rng(rng) : rng;
  const k = gen.inputSize;
  const n = gen.outputSize;
  const z = new Float64Array(count * k);
  const clean = new Float64Array(count * n);
  const x = new Float64Array(count * n);
  for (let b = 0; b < count; b++) {
    const zb = r.fillNormal(z.subarray(b * k, (b + 1) * k));
    const cb = gen.forward(zb, clean.subarray(b * n, (b + 1) * n));
    if (firstNonFinite(cb) >= 0) throw nonFiniteOutput(gen, zb, b);
    const xb = x.subarray(b * n, (b + 1) * n);
    xb.set(cb);
    addNoise(xb, noise, r);
  }
  return { z: { rows: count, cols: k, data: z }, clean: { rows: count, cols: n, data: clean }, x: { rows: count, cols: n, data: x } };
}

/** The error for a sample whose image is not finite: the first layer whose output overflows, and by how much its weights are to blame. */
export function nonFiniteOutput(gen: Generator, z: Float64Array, sample: number): InvalidValueError {
  const trace = gen.forwardTrace(z);
  const i = Math.max(
    0,
    trace.findIndex((o) => firstNonFinite(o) >= 0),
  );
  const layer = gen.layers[i]!;
  const out = trace[i]!;
  const j = firstNonFinite(out);
  let big = 0;
  for (const w of layer.weight.data) big = Math.max(big, Math.abs(w));
  return new InvalidValueError(
    `${layerName(layer, i)}: output[${j}] of sample ${sample} is ${out[j]} (largest |weight| of the layer ${big.toExponential(3)}): G(z) overflows float64, so the model cannot be sampled; rescale its weights`,
  );
}
