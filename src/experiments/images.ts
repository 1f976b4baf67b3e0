/**
 * The paper's picture experiments on a trained generator: Figure 3 (denoising: G(z*) plus Gaussian
 * noise of variance 0.3) and Figure 4 (inpainting: only some pixels observed, inverted from the
 * observed rows alone). Each writes a PNG grid — truth | observation | one column per method —
 * and a CSV/JSON of every digit's errors and times.
 */
import { errorMessage, OptionError } from "../errors.js";
import { norm2, relativeError } from "../linalg/norms.js";
import { type Generator } from "../model/generator.js";
import { loadModel } from "../model/io/load.js";
import { addNoise, formatNoise, type NoiseSpec } from "../model/random.js";
import { Rng } from "../model/rng.js";
import { getMethod, methodName, runMethod } from "../invert/registry.js";
import { type InvertOptions } from "../invert/options.js";
import { type InversionStatus } from "../invert/result.js";
import { applyMaskForDisplay, observedIndices, parseMaskSpec, type PixelMask } from "../operators/masks.js";
import { maskOperator } from "../operators/operator.js";
import { checkMethods, finiteOrNull, methodOptions, methodStyle, TRAINED_NET_METHOD_OPTIONS, toCsv } from "./common.js";
import { imageGrid } from "../render/grid.js";
import { grayToPng } from "../render/png.js";
import { median } from "./stats.js";

/** Stream tag of the picture experiments in `Rng.derive(seed, IMAGES_STREAM, …)`. */
export const IMAGES_STREAM = 3;

/** What determines a picture experiment. */
export interface ImageFigureConfig {
  figure: "fig3" | "fig4";
  /** Built-in name or model file (default `mnist`). */
  model: string;
  /** Digits (rows of the grid), each G(z*) for z* ~ N(0, I). */
  digits: number;
  noise: NoiseSpec;
  /** Mask spec (see sensing/masks.ts), or null to observe every pixel. */
  mask: string | null;
  methods: string[];
  seed: number;
  methodOptions: Record<string, Record<string, unknown>>;
}

/** σ of Figure 3's Gaussian noise: variance 0.3. */
export const FIG3_SIGMA = Math.sqrt(0.3);

/** Figure 3's settings: Gaussian noise of variance 0.3 on the shipped ReLU generator. */
export const FIG3_DEFAULTS: Readonly<ImageFigureConfig> = {
  figure: "fig3",
  model: "mnist",
  digits: 8,
  noise: { kind: "gaussian", level: FIG3_SIGMA },
  mask: null,
  // auto: the default method (exact when realizable, else region descent from the layer-wise answer)
  methods: ["linf", "l1", "relaxed", "gd", "adam", "linf+gd", "auto"],
  seed: 0,
  methodOptions: {},
};

/** Figure 4's settings: half of the pixels observed, at random, noiseless. */
export const FIG4_DEFAULTS: Readonly<ImageFigureConfig> = {
  ...FIG3_DEFAULTS,
  figure: "fig4",
  noise: { kind: "none" },
  mask: "random:0.5",
  methods: ["linf", "l1", "gd", "adam", "linf+gd", "auto"],
};

/** One method on one digit. */
export interface ImageOutcome {
  method: string;
  status: InversionStatus;
  /** ‖ẑ − z*‖/‖z*‖. */
  relError: number | null;
  /** ‖G(ẑ) − G(z*)‖₂/‖G(z*)‖₂: how far the picture is from the truth. */
  imageError: number | null;
  timeMs: number;
  /** Work done: simplex pivots of every LP solved, and iterations (gradient steps, or region fits). */
  lpPivots?: number;
  iterations?: number;
  error?: string;
}

/** One digit: its truth, observation and every method's reconstruction. */
export interface ImageRow {
  digit: number;
  truth: Float64Array;
  observed: Float64Array;
  observedPixels: number;
  reconstructions: (Float64Array | null)[];
  outcomes: ImageOutcome[];
}

/** The result of {@link runImageFigure}. */
export interface ImageFigureResult {
  config: ImageFigureConfig;
  side: number;
  rows: ImageRow[];
  /** Median image error, relative latent error and time per method. */
  summary: Record<string, { medianImageError: number | null; medianRelError: number | null; medianTimeMs: number | null; failed: number }>;
  wallTimeMs: number;
}

/** A validated config from defaults and `partial`. @throws OptionError */
export function imageFigureConfig(figure: "fig3" | "fig4", partial: Partial<ImageFigureConfig> = {}): ImageFigureConfig {
  const d = figure === "fig3" ? FIG3_DEFAULTS : FIG4_DEFAULTS;
  const c: ImageFigureConfig = { ...d, ...partial, figure, methods: [...(partial.methods ?? d.methods)], methodOptions: partial.methodOptions ?? {} };
  if (!Number.isSafeInteger(c.digits) || c.digits < 1 || c.digits > 1000) throw new OptionError(`digits must be an integer in [1, 1000], got ${c.digits}`);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new OptionError(`seed must be a non-negative integer, got ${c.seed}`);
  checkMethods(c.methods);
  return c;
}

/**
 * Invert one observation of a square-image generator, from the observed pixels only when a mask
 * is given; returns the outcome and G(ẑ) (null when the method threw).
 */
export function invertImage(
  gen: Generator,
  observation: Float64Array,
  mask: PixelMask | null,
  truth: { z: Float64Array; image: Float64Array } | null,
  method: string,
  options: InvertOptions,
): { outcome: ImageOutcome; image: Float64Array | null } {
  const t0 = performance.now();
  try {
    let y: Float64Array = observation;
    let opts: InvertOptions = options;
    if (mask) {
      const rows = observedIndices(mask);
      y = Float64Array.from(rows, (i) => observation[i]!);
      opts = { ...options, operator: maskOperator(gen.outputSize, rows) };
    }
    const r = runMethod(getMethod(methodName(method)), gen, y, opts);
    const image = gen.forward(r.z);
    return {
      outcome: {
        method,
        status: r.status,
        relError: truth ? finiteOrNull(relativeError(r.z, truth.z)) : null,
        imageError: truth ? finiteOrNull(relativeError(image, truth.image)) : null,
        timeMs: r.timeMs,
        lpPivots: r.layers.reduce((sum, l) => sum + (l.pivots ?? 0), 0) + (r.refinement?.pivots ?? 0) + (r.region?.pivots ?? 0),
        iterations: r.iterations ?? 0,
      },
      image,
    };
  } catch (e) {
    return { outcome: { method, status: "failed", relError: null, imageError: null, timeMs: performance.now() - t0, error: errorMessage(e) }, image: null };
  }
}

/** The side of the square images `gen` draws (784 → 28). @throws OptionError when not square */
export function imageSide(gen: Generator): number {
  const side = Math.round(Math.sqrt(gen.outputSize));
  if (side * side !== gen.outputSize) throw new OptionError(`the generator outputs ${gen.outputSize} values, not a square image`);
  return side;
}

/** Resume hooks of {@link runImageFigure} (the CLI's run log): finished inversions are taken as they are. */
export interface ImageRunHooks {
  /** The outcome and G(ẑ) an interrupted run already finished for (digit, method), or undefined to run it. */
  finished?: (digit: number, method: string) => { outcome: ImageOutcome; image: Float64Array | null } | undefined;
  /** Each new inversion as soon as it exists (e.g. to append it to a run log). */
  onResult?: (digit: number, method: string, outcome: ImageOutcome, image: Float64Array | null) => void;
}

/**
 * Run a picture experiment in process (a few digits: seconds to a minute). A digit's truth,
 * observation and mask depend only on (seed, digit), so a resumed run equals an uninterrupted one.
 */
export function runImageFigure(config: ImageFigureConfig, onProgress?: (done: number, total: number) => void, hooks: ImageRunHooks = {}): ImageFigureResult {
  const t0 = performance.now();
  const gen = loadModel(config.model);
  const side = imageSide(gen);
  const rows: ImageRow[] = [];
  const total = config.digits * config.methods.length;
  let done = 0;
  for (let d = 0; d < config.digits; d++) {
    const rng = Rng.derive(config.seed, IMAGES_STREAM, d);
    const z = rng.fillNormal(new Float64Array(gen.inputSize));
    const truth = gen.forward(z);
    const observed = addNoise(Float64Array.from(truth), config.noise, rng);
    const mask = config.mask ? parseMaskSpec(config.mask, side, side, Rng.derive(config.seed, IMAGES_STREAM, d, 1)) : null;
    const row: ImageRow = {
      digit: d,
      truth,
      observed,
      observedPixels: mask ? observedIndices(mask).length : observed.length,
      reconstructions: [],
      outcomes: [],
    };
    for (const m of config.methods) {
      const opts = methodOptions(m, { [m]: { ...(TRAINED_NET_METHOD_OPTIONS[m] ?? {}), ...(config.methodOptions[m] ?? {}) } }, { seed: d });
      const prior = hooks.finished?.(d, m);
      const { outcome, image } = prior ?? invertImage(gen, observed, mask, { z, image: truth }, m, opts);
      if (!prior) hooks.onResult?.(d, m, outcome, image);
      row.outcomes.push(outcome);
      row.reconstructions.push(image);
      onProgress?.(++done, total);
    }
    if (mask) row.observed = applyMaskForDisplay(observed, mask);
    rows.push(row);
  }
  const summary: ImageFigureResult["summary"] = {};
  config.methods.forEach((m, j) => {
    const outs = rows.map((r) => r.outcomes[j]!);
    const pick = (f: (o: ImageOutcome) => number | null): number | null => {
      const v = outs.map(f).filter((x): x is number => x !== null);
      return v.length ? finiteOrNull(median(v)) : null;
    };
    summary[m] = {
      medianImageError: pick((o) => o.imageError),
      medianRelError: pick((o) => o.relError),
      medianTimeMs: pick((o) => o.timeMs),
      failed: outs.filter((o) => o.status === "failed").length,
    };
  });
  return { config, side, rows, summary, wallTimeMs: performance.now() - t0 };
}

/** The PNG grid: one row per digit; columns truth | observation | each method. */
export function imageFigurePng(result: ImageFigureResult): Uint8Array {
  const { config, side, rows } = result;
  const cols = 2 + config.methods.length;
  const tiles: (Float64Array | null)[] = [];
  for (const r of rows) tiles.push(r.truth, r.observed, ...r.reconstructions);
  const obsLabel = config.mask ? "observed" : "noisy";
  // networks whose pixels exceed 1 (e.g. the authors' VAE logits through a ReLU) are shown to their own peak
  const peak = Math.max(1, ...rows.map((r) => Math.max(...r.truth)));
  const grid = imageGrid(tiles, {
    cols,
    tileWidth: side,
    tileHeight: side,
    scale: 3,
    padding: 3,
    range: [0, peak],
    columnLabels: ["truth", obsLabel, ...config.methods.map(shortLabel)],
    title:
      config.figure === "fig3"
        ? `denoising: ${noiseTitle(config.noise)}`
        : `inpainting: ${config.mask}${config.noise.kind === "none" ? "" : `, ${noiseTitle(config.noise)}`}`,
  });
  return grayToPng(grid.data, grid.width, grid.height, {
    text: { Software: "geninv", Title: `${config.figure} on ${config.model}`, Seed: String(config.seed) },
  });
}

function noiseTitle(noise: NoiseSpec): string {
  if (noise.kind === "none") return "no noise";
  return noise.kind === "gaussian" ? `gaussian sigma ${noise.level.toPrecision(3)}` : `uniform ${noise.level.toPrecision(3)}`;
}

function shortLabel(method: string): string {
  return method.replace("relaxed", "relax").replace("+gd", "+GD").replace("adam", "adam");
}

/** One CSV row per (digit, method). */
export function imageFigureCsv(result: ImageFigureResult): string {
  const { config } = result;
  const header = ["figure", "model", "seed", "noise", "mask", "digit", "observed_pixels", "method", "status", "image_error", "rel_error", "time_ms", "error"];
  const rows = result.rows.flatMap((r) =>
    r.outcomes.map((o) => [
      config.figure,
      config.model,
      config.seed,
      formatNoise(config.noise),
      config.mask ?? "",
      r.digit,
      r.observedPixels,
      o.method,
      o.status,
      o.imageError,
      o.relError,
      o.timeMs,
      o.error,
    ]),
  );
  return toCsv(header, rows);
}

/** The summary as JSON-ready data (no pixel arrays). */
export function imageFigureJson(result: ImageFigureResult): Record<string, unknown> {
  return {
    figure: result.config.figure,
    config: { ...result.config, noise: formatNoise(result.config.noise) },
    summary: result.summary,
    wallTimeMs: result.wallTimeMs,
    digits: result.rows.map((r) => ({ digit: r.digit, observedPixels: r.observedPixels, signalL2: norm2(r.truth), outcomes: r.outcomes })),
    labels: Object.fromEntries(result.config.methods.map((m, i) => [m, methodStyle(m, i).label])),
  };
}
