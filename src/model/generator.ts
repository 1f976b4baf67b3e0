/**
 * The feed-forward generator G(z) = φ_d(W_d … φ_1(W_1 z + b_1) … + b_d) of the paper's eq. (3).
 */
import { InvalidValueError, ShapeError } from "../errors.js";
import { type Matrix, matVec } from "../linalg/matrix.js";
import { firstNonFinite } from "../linalg/norms.js";
import { type Activation, applyActivation, formatActivation } from "./activation.js";

/**
 * One dense layer: output = φ(W·input + b), W is n_out × n_in row-major (PyTorch's `Linear.weight`).
 * @example
 * ```ts
 * import { type DenseLayer, fromRows, Generator, RELU } from "geninv";
 * const layer: DenseLayer = { weight: fromRows([[1, -1], [2, 0]]), bias: Float64Array.of(0, -1), activation: RELU, name: "fc1" };
 * console.log(Array.from(new Generator([layer]).forward([1, 3]))); // [ 0, 1 ]
 * ```
 */
export interface DenseLayer {
  /** W, n_out × n_in row-major. */
  readonly weight: Matrix;
  /** b (n_out entries), or null for a layer without bias. */
  readonly bias: Float64Array | null;
  /** φ, applied after W·input + b. */
  readonly activation: Activation;
  /** Where the layer came from (e.g. `fc3` in a checkpoint), for messages. */
  readonly name?: string;
}

/**
 * A feed-forward generator of dense layers. Immutable once built; validated on construction.
 * @param layers the dense layers, input first (each layer's columns = the previous layer's rows)
 * @throws ShapeError / InvalidValueError naming the layer for mismatched shapes or non-finite weights
 * @example
 * ```ts
 * import { Generator, RELU } from "geninv";
 * const gen = new Generator([
 *   { weight: { rows: 3, cols: 2, data: Float64Array.of(1, 0, 0, 1, 1, 1) }, bias: null, activation: RELU },
 * ]);
 * console.log(Array.from(gen.forward([1, -2]))); // [1, 0, 0]
 * ```
 */
export class Generator {
  /** The layers, first (closest to z) to last. */
  readonly layers: readonly DenseLayer[];
  private readonly scratch: Float64Array[];

  /**
   * @throws ShapeError when consecutive layers do not chain or a bias has the wrong length
   * @throws InvalidValueError when a weight or bias is NaN or infinite
   */
  constructor(layers: readonly DenseLayer[]) {
    if (layers.length === 0) throw new ShapeError("a generator needs at least one layer");
    layers.forEach((layer, i) => {
      const { rows, cols, data } = layer.weight;
      const where = layerName(layer, i);
      if (!(rows > 0 && cols > 0) || data.length !== rows * cols) {
        throw new ShapeError(`${where}: weight is ${rows}×${cols} with ${data.length} entries`);
      }
      if (i > 0 && cols !== layers[i - 1]!.weight.rows) {
        throw new ShapeError(`${where}: weight takes ${cols} inputs but ${layerName(layers[i - 1]!, i - 1)} has ${layers[i - 1]!.weight.rows} outputs`);
      }
      if (layer.bias && layer.bias.length !== rows) {
        throw new ShapeError(`${where}: bias has ${layer.bias.length} entries, expected ${rows}`);
      }
      const bad = firstNonFinite(data);
      if (bad >= 0) {
        throw new InvalidValueError(`${where}: weight[${Math.floor(bad / cols)}][${bad % cols}] is ${data[bad]} (weights must be finite)`);
      }
      if (layer.bias) {
        const bb = firstNonFinite(layer.bias);
        if (bb >= 0) throw new InvalidValueError(`${where}: bias[${bb}] is ${layer.bias[bb]} (biases must be finite)`);
      }
    });
    this.layers = Object.freeze([...layers]);
    this.scratch = layers.map((l) => new Float64Array(l.weight.rows));
  }

  /** Latent dimension k = n_0. */
  get inputSize(): number {
    return this.layers[0]!.weight.cols;
  }

  /** Output dimension n = n_d. */
  get outputSize(): number {
    return this.layers[this.layers.length - 1]!.weight.rows;
  }

  /** Number of layers d. */
  get depth(): number {
    return this.layers.length;
  }

  /** Layer widths [n_0 = k, n_1, …, n_d = n]. */
  get sizes(): number[] {
    return [this.inputSize, ...this.layers.map((l) => l.weight.rows)];
  }

  /** Total number of weights and biases. */
  get parameterCount(): number {
    return this.layers.reduce((s, l) => s + l.weight.data.length + (l.bias ? l.bias.length : 0), 0);
  }

  /** G(z); writes into `out` when given (length n). */
  forward(z: ArrayLike<number>, out?: Float64Array): Float64Array {
    checkVector(z, this.inputSize, "z");
    const last = this.layers.length - 1;
    let input: ArrayLike<number> = z;
    for (let i = 0; i <= last; i++) {
      const layer = this.layers[i]!;
      const target = i === last && out ? out : this.scratch[i]!;
      matVec(layer.weight, input, target, layer.bias);
      applyActivation(layer.activation, target, layer.weight.rows);
      input = target;
    }
    return out ?? Float64Array.from(this.scratch[last]!);
  }

  /** Every layer's output [z_1, …, z_d] for one z (fresh arrays). */
  forwardTrace(z: ArrayLike<number>): Float64Array[] {
    checkVector(z, this.inputSize, "z");
    const outs: Float64Array[] = [];
    let input: ArrayLike<number> = z;
    for (const layer of this.layers) {
      const o = new Float64Array(layer.weight.rows);
      matVec(layer.weight, input, o, layer.bias);
      applyActivation(layer.activation, o);
      outs.push(o);
      input = o;
    }
    return outs;
  }

  /** G applied to each row of a batch (batch × k) → (batch × n). */
  forwardBatch(zs: Matrix): Matrix {
    if (zs.cols !== this.inputSize) {
      throw new ShapeError(`batch has ${zs.cols} columns, the generator takes ${this.inputSize} inputs`);
    }
    const n = this.outputSize;
    const data = new Float64Array(zs.rows * n);
    for (let b = 0; b < zs.rows; b++) {
      this.forward(zs.data.subarray(b * zs.cols, (b + 1) * zs.cols), data.subarray(b * n, (b + 1) * n));
    }
    return { rows: zs.rows, cols: n, data };
  }

  /** One line per layer, e.g. `layer 1: 20 → 100, relu, bias`. */
  describe(): string[] {
    return this.layers.map((l, i) => `${layerName(l, i)}: ${l.weight.cols} → ${l.weight.rows}, ${formatActivation(l.activation)}${l.bias ? ", bias" : ""}`);
  }
}

/** `layer 2` or `layer 2 (fc4)`: how messages name a layer (1-based, as in the paper). */
export function layerName(layer: DenseLayer, index: number): string {
  return layer.name ? `layer ${index + 1} (${layer.name})` : `layer ${index + 1}`;
}

/** Throws ShapeError / InvalidValueError unless `v` has length `n` and finite entries. */
export function checkVector(v: ArrayLike<number>, n: number, what: string): void {
  if (v.length !== n) throw new ShapeError(`${what} has ${v.length} entries, expected ${n}`);
  const bad = firstNonFinite(v);
  if (bad >= 0) throw new InvalidValueError(`${what}[${bad}] is ${v[bad]} (values must be finite)`);
}
