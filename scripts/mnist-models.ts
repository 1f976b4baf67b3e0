/**
 * The recipes of the shipped MNIST generators (scripts/train-mnist.ts trains them) and the
 * finishing steps shared by training and tests: folding the fitted latent Gaussian into the first
 * layer and rounding weights to float32 precision for a compact JSON file.
 */
import { type Activation } from "../src/model/activation.js";
import { Generator } from "../src/model/generator.js";
import { type VaeConfig } from "./lib/vae.js";

/** One shipped generator: its built-in name, file and training recipe. */
export interface MnistModelRecipe {
  /** Built-in name (`--model mnist`). */
  name: "mnist" | "mnist-leaky";
  /** File under models/. */
  file: string;
  /** Training settings except the seed. */
  config: Omit<VaeConfig, "seed">;
  description: string;
}

const RELU: Activation = { kind: "relu" };
const LEAKY: Activation = { kind: "leaky_relu", slope: 0.1 };

/** The recipes, in training order. Epoch counts keep each under ~6 minutes on one core (both run side by side). */
export const MNIST_RECIPES: readonly MnistModelRecipe[] = [
  {
    name: "mnist",
    file: "mnist-relu-20-60-784.json",
    description:
      "MNIST generator 20 → 60 → 784, ReLU after every layer, no biases (the paper's section 5.2 architecture; trained as a VAE decoder like the authors' released network)",
    config: {
      latent: 20,
      decoder: [
        { outputs: 60, activation: RELU, bias: false },
        { outputs: 784, activation: RELU, bias: false, initScale: 0.05 },
      ],
      encoderHidden: 400,
      likelihood: "gaussian-relu",
      sigma: 0.5,
      batchSize: 100,
      epochs: 60,
      learningRate: 1e-3,
      finalLearningRate: 1e-4,
    },
  },
  {
    name: "mnist-leaky",
    file: "mnist-leaky-20-200-500-784.json.gz",
    description: "MNIST generator 20 → 200 → 500 → 784, LeakyReLU(0.1) after every layer, no biases (trained as a VAE decoder)",
    config: {
      latent: 20,
      decoder: [
        { outputs: 200, activation: LEAKY, bias: false },
        { outputs: 500, activation: LEAKY, bias: false },
        { outputs: 784, activation: LEAKY, bias: false, initScale: 0.05 },
      ],
      encoderHidden: 400,
      likelihood: "gaussian",
      sigma: 0.5,
      batchSize: 100,
      epochs: 30,
      learningRate: 1e-3,
      finalLearningRate: 1e-4,
    },
  },
];

/**
 * The shortest decimal that rounds to the same float32 as `v` (at most 9 significant digits):
 * float32 precision (relative 6e-8) is far below what changes a generated image, and halves the file.
 */
export function float32Shortest(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === f) return s;
  }
  return Number(f.toPrecision(9));
}

/** A copy of `gen` with every weight and bias replaced by {@link float32Shortest}. */
export function roundToFloat32(gen: Generator): Generator {
  return new Generator(
    gen.layers.map((l) => ({
      ...l,
      weight: { rows: l.weight.rows, cols: l.weight.cols, data: l.weight.data.map(float32Shortest) },
      bias: l.bias ? l.bias.map(float32Shortest) : null,
    })),
  );
}
