/**
 * A small MNIST digit classifier (784 → hidden → 10 MLP, softmax, Adam), trained in seconds, to
 * judge generated digits the way the Inception score does: a recognisable digit is one a
 * classifier trained on real digits labels with confidence, and a good generator draws all ten.
 */
import { OptionError, ShapeError } from "../../src/errors.js";
import { portableExp } from "../../src/linalg/exp.js";
import { Rng } from "../../src/model/rng.js";
import { Adam, TrainableNet } from "./vae.js";

/** Settings of {@link trainDigitClassifier}. */
export interface DigitClassifierOptions {
  hidden?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

/** Labelled digits: `count` rows of 784 values and their labels 0–9. */
export interface LabelledDigits {
  count: number;
  images: Float64Array;
  labels: Uint8Array;
}

/** Class probabilities of a batch of images. */
export interface DigitClassifier {
  /** Probabilities (count × 10, rows sum to 1) for `count` images of 784 values. */
  predict(images: Float64Array, count: number): Float64Array;
}

/** Train the classifier on labelled digits (deterministic for a seed). */
export function trainDigitClassifier(data: LabelledDigits, opts: DigitClassifierOptions = {}): DigitClassifier {
  const hidden = opts.hidden ?? 128;
  const epochs = opts.epochs ?? 4;
  const batch = opts.batchSize ?? 64;
  const lr = opts.learningRate ?? 2e-3;
  const dim = 784;
  if (data.images.length !== data.count * dim || data.labels.length !== data.count) {
    throw new ShapeError(`classifier data: ${data.images.length} values and ${data.labels.length} labels for ${data.count} digits of ${dim} pixels`);
  }
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new OptionError(`epochs must be a positive integer, got ${epochs}`);
  const rng = new Rng(opts.seed ?? 0);
  const net = new TrainableNet(
    dim,
    [
      { outputs: hidden, activation: { kind: "relu" }, bias: true },
      { outputs: 10, activation: { kind: "identity" }, bias: true },
    ],
    batch,
  );
  net.initialize(rng);
  const adam = new Adam(net.parameters());
  const x = new Float64Array(batch * dim);
  const grad = new Float64Array(batch * 10);
  const probs = new Float64Array(batch * 10);
  for (let e = 0; e < epochs; e++) {
    const order = rng.permutation(data.count);
    for (let b0 = 0; b0 < data.count; b0 += batch) {
      const n = Math.min(batch, data.count - b0);
      for (let r = 0; r < n; r++) x.set(data.images.subarray(order[b0 + r]! * dim, (order[b0 + r]! + 1) * dim), r * dim);
      softmaxRows(net.forward(x, n), n, probs);
      // d(mean cross-entropy)/d(logits) = (p − onehot)/n
      for (let r = 0; r < n; r++) {
        const y = data.labels[order[b0 + r]!]!;
        for (let c = 0; c < 10; c++) grad[r * 10 + c] = (probs[r * 10 + c]! - (c === y ? 1 : 0)) / n;
      }
      net.backward(grad, n);
      adam.step(lr);
    }
  }
  return {
    predict(images: Float64Array, count: number): Float64Array {
      if (images.length !== count * dim) throw new ShapeError(`predict: ${images.length} values for ${count} images of ${dim} pixels`);
      const out = new Float64Array(count * 10);
      for (let b0 = 0; b0 < count; b0 += batch) {
        const n = Math.min(batch, count - b0);
        softmaxRows(net.forward(images.subarray(b0 * dim, (b0 + n) * dim), n), n, out.subarray(b0 * 10, (b0 + n) * 10));
      }
      return out;
    },
  };
}

function softmaxRows(logits: Float64Array, n: number, out: Float64Array): void {
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < 10; c++) max = Math.max(max, logits[r * 10 + c]!);
    let s = 0;
    for (let c = 0; c < 10; c++) s += out[r * 10 + c] = portableExp(logits[r * 10 + c]! - max);
    for (let c = 0; c < 10; c++) out[r * 10 + c]! /= s;
  }
}

/** How recognisable and varied a set of digits is, judged by a classifier. */
export interface DigitQuality {
  /** Mean of the classifier's top probability. */
  meanConfidence: number;
  /** Fraction of images whose top probability is at least 0.9. */
  confidentFraction: number;
  /** How many images the classifier assigns to each digit 0–9. */
  classCounts: number[];
  /** exp(H(mean p)): the effective number of classes drawn (10 when all are equally frequent). */
  effectiveClasses: number;
  /** Accuracy against `labels`, when they were given. */
  accuracy?: number;
}

/** Score `count` images (784 values each) with a classifier. */
export function digitQuality(classifier: DigitClassifier, images: Float64Array, count: number, labels?: Uint8Array): DigitQuality {
  const p = classifier.predict(images, count);
  const classCounts = new Array<number>(10).fill(0);
  const marginal = new Float64Array(10);
  let conf = 0;
  let confident = 0;
  let correct = 0;
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let c = 0; c < 10; c++) {
      marginal[c]! += p[r * 10 + c]! / count;
      if (p[r * 10 + c]! > p[r * 10 + best]!) best = c;
    }
    classCounts[best]!++;
    conf += p[r * 10 + best]!;
    if (p[r * 10 + best]! >= 0.9) confident++;
    if (labels && labels[r] === best) correct++;
  }
  let h = 0;
  for (let c = 0; c < 10; c++) if (marginal[c]! > 0) h -= marginal[c]! * Math.log(marginal[c]!);
  return {
    meanConfidence: conf / count,
    confidentFraction: confident / count,
    classCounts,
    effectiveClasses: Math.exp(h),
    ...(labels ? { accuracy: correct / count } : {}),
  };
}
