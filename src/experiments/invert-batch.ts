/**
 * A batch of inversions — one method, one generator, many observations — as a trial kind of the
 * runner (runner.ts), so `geninv invert` runs big batches on worker threads with the same failure
 * isolation as the figures: an observation whose inversion throws (a typed error, a bug, a solver
 * abort) becomes its own `failed` row and every other row is kept.
 *
 * Determinism: a row's result depends only on (config, its observation); the options (seed
 * included) are the same for every row, so results are identical for any number of workers and
 * any completion order, and a resumed batch equals an uninterrupted one.
 */
import { GeninvError } from "../errors.js";
import { relativeError } from "../linalg/norms.js";
import { type DenseLayer, Generator } from "../model/generator.js";
import { type InvertOptions } from "../invert/options.js";
import { getMethod, methodName, runMethod } from "../invert/registry.js";
import { type InversionStatus } from "../invert/result.js";
import { type TrialKind } from "./runner.js";

/** Everything a worker needs to invert rows (plain, structured-cloneable data). */
export interface InvertBatchConfig {
  /** The generator's layers (a Generator is rebuilt from them once per thread). */
  layers: DenseLayer[];
  /** Registered method name (hybrids such as `linf+gd` included). */
  method: string;
  /** Options of every row, without callbacks. */
  options: InvertOptions;
}

/** One observation: its index in the input, the vector the method sees, and z* when known. */
export interface InvertBatchTrial {
  index: number;
  x: Float64Array;
  truth: Float64Array | null;
}

/**
 * One output row: `{ index, ...InversionResult, relError? }`, or for a row that threw
 * `{ index, method, status: "failed", error }`.
 */
export type InvertBatchRow = { index: number; method: string; status: InversionStatus; error?: string; relError?: number } & Record<string, unknown>;

const generators = new WeakMap<InvertBatchConfig, Generator>();

/** The generator of `config`, built once per config object (per worker thread). */
export function batchGenerator(config: InvertBatchConfig): Generator {
  let g = generators.get(config);
  if (!g) {
    g = new Generator(config.layers);
    generators.set(config, g);
  }
  return g;
}

/** A copy of `a` on a SharedArrayBuffer: worker threads then share it instead of copying it. */
function shared(a: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * The config of a batch of `gen` by `method` with `options` (callbacks dropped: they cannot cross
 * threads). The weights and biases are put on SharedArrayBuffers once, so each worker thread gets
 * them without a copy (a trained generator's are megabytes).
 */
export function invertBatchConfig(gen: Generator, method: string, options: InvertOptions): InvertBatchConfig {
  const { onProgress: _drop, ...plain } = options;
  const layers = gen.layers.map((l) => ({ ...l, weight: { ...l.weight, data: shared(l.weight.data) }, bias: l.bias ? shared(l.bias) : null }));
  const config: InvertBatchConfig = { layers, method, options: plain };
  generators.set(config, gen);
  return config;
}

/** Invert one observation; `onProgress` (in-process runs only) reports progress inside it. */
export function invertRow(config: InvertBatchConfig, trial: InvertBatchTrial, onProgress?: (done: number, total: number) => void): InvertBatchRow {
  const gen = batchGenerator(config);
  const method = getMethod(methodName(config.method));
  const r = runMethod(method, gen, trial.x, onProgress ? { ...config.options, onProgress } : config.options);
  const row: InvertBatchRow = { index: trial.index, ...r };
  if (trial.truth) row.relError = relativeError(r.z, trial.truth);
  return row;
}

/** The row of an observation whose inversion threw (or whose worker died). */
export function failedRow(method: string, index: number, message: string): InvertBatchRow {
  return { index, method, status: "failed", error: message };
}

/** `geninv invert`'s batches as a runner trial kind. */
export const INVERT_TRIALS: TrialKind<InvertBatchConfig, InvertBatchTrial, InvertBatchRow> = {
  name: "invert",
  workerThreads: true,
  run(config, trial) {
    try {
      return invertRow(config, trial);
    } catch (e) {
      // a typed error is the user's answer; anything else is a bug or a crashed solver: say which
      if (e instanceof GeninvError) throw e;
      throw new Error(`internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  },
  failed: (config, trial, message) => failedRow(config.method, trial.index, message),
};
