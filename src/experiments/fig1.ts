/**
 * Figure 1(a)(b) of the paper: relative recovery error ‖z − z*‖/‖z*‖ against the relative noise
 * level on random 20 → 100 → 500 ReLU networks (weights N(0, 1/n_i)), for uniform noise U(−a, a)
 * and Gaussian noise N(0, a²) with a ∈ {10⁻¹, …, 10⁻⁶}; one dot per run, a line through the
 * medians, log–log axes.
 *
 * Choices (the paper leaves them open):
 * - Gaussian noise: a is the standard deviation σ (the paper writes N(0, a); the authors' code draws
 *   `np.random.normal(0, a)`, whose second argument is σ).
 * - "Relative noise level" on the x axis: ‖e‖₂/‖G(z*)‖₂ of each run — noise relative to the clean
 *   signal, so both axes are scale-free and the slope of the cloud is the noise amplification. (The
 *   authors' script stores ‖e‖₂ and ‖G(z*) + e‖₂ per run for this ratio.) The CSV keeps a, ‖e‖₂ and
 *   ‖G(z*)‖₂, and `xAxis: "level"` plots against a instead.
 * - Each run draws a fresh network and z* from Rng.derive(seed, FIG1_STREAM, run); the noise of
 *   level a comes from its own stream, so one run's network is seen at every noise level (a paired
 *   design: the medians' slope is not blurred by network-to-network variation).
 * - The LP methods find ε themselves, told nothing about the noise (eps0FromNoise: true starts their
 *   ε search at eps0 = a, the true noise level, as the authors' code does).
 *
 * Over 400 lines only with its TSDoc and compiled examples (~300 lines of code): one figure, its
 * config checks, trials, summary, CSV and SVG.
 */
import { basename } from "node:path";
import { OptionError } from "../errors.js";
import { diffNorms, norm2 } from "../linalg/norms.js";
import { type Activation, formatActivation, RELU } from "../model/activation.js";
import { addNoise, randomGenerator } from "../model/random.js";
import { type Generator } from "../model/generator.js";
import { loadModel } from "../model/io/load.js";
import { Rng } from "../model/rng.js";
import {
  checkSweep,
  finiteOrNull,
  LP_METHODS,
  TRAINED_NET_METHOD_OPTIONS,
  type MethodOutcome,
  methodOptions,
  methodStyle,
  outcomeRows,
  runMajorTrials,
  runOutcome,
  toCsv,
} from "./common.js";
import { runTrials, type RunTrialsOptions, type TrialBatch, type TrialKind } from "./runner.js";
import { logLogSlope, median, quantile } from "./stats.js";
import { renderChart, type Series } from "../render/svg.js";

/** Stream tag of Figure 1 in `Rng.derive(seed, FIG1_STREAM, …)`. */
export const FIG1_STREAM = 1;

/** Noise distributions of Figure 1: (a) uniform U(−a, a), (b) Gaussian N(0, a²). */
export type Fig1Noise = "uniform" | "gaussian";

/**
 * Everything that determines a Figure 1 experiment (plain data: it is sent to worker threads).
 * @example
 * ```ts
 * import { FIG1_DEFAULTS, fig1Config, type Fig1Config } from "geninv/experiments";
 * // Figure 1(b): Gaussian noise, a smaller network and fewer runs
 * const config: Fig1Config = fig1Config({ ...FIG1_DEFAULTS, noise: "gaussian", sizes: [5, 20, 60], runs: 3 });
 * console.log(config.levels.length, config.methods);
 * ```
 */
export interface Fig1Config {
  /** Widths [k, n_1, …, n]; paper: [20, 100, 500]. Ignored when `model` is set. */
  sizes: number[];
  /** Activation of every layer of the random networks (default ReLU). */
  activation: Activation;
  /**
   * A trained generator instead of random networks (Figure 1(c)(d)): a built-in name (`mnist`,
   * `mnist-leaky`) or a model file; every run draws a fresh z* for this one network.
   */
  model: string | null;
  /** Layer selection for a checkpoint that holds more than the generator (e.g. `["fc3", "fc4"]`). */
  modelLayers: string[] | null;
  /** Activation(s) of the checkpoint's layers (CLI spelling), with `modelLayers`. */
  modelActivation: string | null;
  /** The noise distribution, (a) uniform or (b) Gaussian. */
  noise: Fig1Noise;
  /** Noise levels a (paper: 1e-1 … 1e-6). */
  levels: number[];
  /** Runs per level (paper: 200). */
  runs: number;
  /** Seed of every random stream (networks, z*, noise), so a run is reproducible. */
  seed: number;
  /** Registered method names (paper: linf, l1, gd; the appendix adds relaxed). */
  methods: string[];
  /** Start the LP methods' ε search at the noise level a (the authors' choice). */
  eps0FromNoise: boolean;
  /** Per-method option overrides, on top of the paper's settings (see common.ts). */
  methodOptions: Record<string, Record<string, unknown>>;
  /** A run succeeds when ‖z − z*‖/‖z*‖ ≤ this (reported per level; default 1e-3). */
  successThreshold: number;
}

/** One run at one noise level. */
export interface Fig1Trial {
  level: number;
  run: number;
}

/**
 * Everything recorded about one run at one noise level.
 * @example
 * ```ts
 * import { fig1Config, runFig1, type Fig1Record } from "geninv/experiments";
 * const config = fig1Config({ sizes: [2, 8, 20], levels: [1e-3, 1e-2], runs: 2, methods: ["linf"] });
 * const r = await runFig1(config, { mode: "in-process" });
 * const rec: Fig1Record | undefined = r.records[0];
 * if (rec) console.log(rec.level, rec.run, rec.relNoise, rec.methods.map((m) => m.relError));
 * ```
 */
export interface Fig1Record {
  /** The noise level a. */
  level: number;
  /** The run's index at that level. */
  run: number;
  /** ‖e‖₂ and ‖e‖∞ of the noise drawn. */
  noiseL2: number | null;
  /** ‖e‖∞ of the noise drawn. */
  noiseLinf: number | null;
  /** ‖G(z*)‖₂. */
  signalL2: number | null;
  /** ‖e‖₂/‖G(z*)‖₂: the x coordinate of the run's dots. */
  relNoise: number | null;
  /** One outcome per method of the config, in its order. */
  methods: MethodOutcome[];
  /** Set when the whole trial failed (then `methods` is empty). */
  error?: string;
}

/**
 * The paper's Figure 1(a)(b) settings.
 * @example
 * ```ts
 * import { FIG1_DEFAULTS } from "geninv/experiments";
 * console.log(FIG1_DEFAULTS.sizes, FIG1_DEFAULTS.levels, FIG1_DEFAULTS.runs); // [20, 100, 500], 1e-1 … 1e-6, 200
 * ```
 */
export const FIG1_DEFAULTS: Readonly<Fig1Config> = {
  sizes: [20, 100, 500],
  activation: RELU,
  model: null,
  modelLayers: null,
  modelActivation: null,
  noise: "uniform",
  levels: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6],
  runs: 200,
  seed: 0,
  methods: ["linf", "l1", "relaxed", "gd"],
  eps0FromNoise: false,
  methodOptions: {},
  successThreshold: 1e-3,
};

const modelCache = new Map<string, Generator>();

/** The trained network of a Figure 1(c)(d) config, loaded once per thread. */
export function fig1Model(config: Fig1Config): Generator {
  const key = JSON.stringify([config.model, config.modelLayers, config.modelActivation]);
  let gen = modelCache.get(key);
  if (!gen) {
    gen = loadModel(config.model!, {
      ...(config.modelLayers ? { layers: config.modelLayers } : {}),
      ...(config.modelActivation ? { activation: config.modelActivation } : {}),
    });
    modelCache.set(key, gen);
  }
  return gen;
}

/** `--quick`: every level, a few runs. */
export const FIG1_QUICK = { runs: 12 } as const;

/**
 * A complete, validated Figure 1 config from the defaults and `partial`.
 * @param partial the fields to change
 * @returns the config runFig1 takes
 * @throws OptionError naming the bad field
 * @example
 * ```ts
 * import { fig1Config } from "geninv/experiments";
 * const c = fig1Config({ runs: 5, levels: [1e-3, 1e-2], methods: ["linf", "l1"] });
 * ```
 */
export function fig1Config(partial: Partial<Fig1Config> = {}): Fig1Config {
  const c: Fig1Config = {
    sizes: [...(partial.sizes ?? FIG1_DEFAULTS.sizes)],
    activation: partial.activation ?? FIG1_DEFAULTS.activation,
    model: partial.model ?? null,
    modelLayers: partial.modelLayers ?? null,
    modelActivation: partial.modelActivation ?? null,
    noise: partial.noise ?? FIG1_DEFAULTS.noise,
    levels: [...(partial.levels ?? FIG1_DEFAULTS.levels)],
    runs: partial.runs ?? FIG1_DEFAULTS.runs,
    seed: partial.seed ?? FIG1_DEFAULTS.seed,
    methods: [...(partial.methods ?? FIG1_DEFAULTS.methods)],
    eps0FromNoise: partial.eps0FromNoise ?? FIG1_DEFAULTS.eps0FromNoise,
    methodOptions: partial.methodOptions ?? {},
    successThreshold: partial.successThreshold ?? FIG1_DEFAULTS.successThreshold,
  };
  if (!(Number.isFinite(c.successThreshold) && c.successThreshold > 0))
    throw new OptionError(`success threshold must be a finite number > 0, got ${c.successThreshold}`);
  if (c.sizes.length < 2) throw new OptionError(`fig1 sizes need at least two widths, got [${c.sizes.join(",")}]`);
  c.sizes.forEach((n) => {
    if (!Number.isSafeInteger(n) || n < 1) throw new OptionError(`layer widths must be positive integers, got ${n}`);
  });
  if (c.noise !== "uniform" && c.noise !== "gaussian") throw new OptionError(`noise must be uniform or gaussian, got '${String(c.noise)}'`);
  if (c.levels.length === 0) throw new OptionError("fig1 needs at least one noise level");
  c.levels.forEach((a) => {
    if (!(Number.isFinite(a) && a > 0)) throw new OptionError(`noise levels must be finite numbers > 0, got ${a}`);
  });
  checkSweep(c, c.levels, "noise levels");
  return c;
}

/** The trials, run-major (every level once, then again), so a partial run covers every level. */
export function fig1Trials(config: Fig1Config): Fig1Trial[] {
  return runMajorTrials(config.levels, config.runs, (level, run) => ({ level, run }));
}

const bits = new DataView(new ArrayBuffer(8));

/** The two 32-bit halves of a double, so a noise level can name a random stream exactly. */
function levelIds(level: number): [number, number] {
  bits.setFloat64(0, level, true);
  return [bits.getUint32(4, true), bits.getUint32(0, true)];
}

/** Figure 1 trials, for {@link runTrials}. */
export const FIG1_TRIALS: TrialKind<Fig1Config, Fig1Trial, Fig1Record> = {
  name: "fig1",
  workerThreads: true,
  run(config, { level, run }) {
    const rng = Rng.derive(config.seed, FIG1_STREAM, run);
    const gen = config.model ? fig1Model(config) : randomGenerator({ sizes: config.sizes, activation: config.activation, rng });
    const z = rng.fillNormal(new Float64Array(gen.inputSize));
    const seed = rng.nextUint32(); // for methods with random starts
    const clean = gen.forward(z);
    const x = Float64Array.from(clean);
    addNoise(x, { kind: config.noise, level }, Rng.derive(config.seed, FIG1_STREAM, run, ...levelIds(level)));
    const noise = diffNorms(x, clean);
    const signalL2 = norm2(clean);
    const methods = config.methods.map((m) => {
      const perRun: Record<string, unknown> = { seed };
      if (config.eps0FromNoise && LP_METHODS.includes(m)) perRun.eps0 = level;
      const base = config.model ? { ...(TRAINED_NET_METHOD_OPTIONS[m] ?? {}), ...(config.methodOptions[m] ?? {}) } : config.methodOptions[m];
      return runOutcome(gen, x, z, m, methodOptions(m, config.model ? { [m]: base ?? {} } : config.methodOptions, perRun));
    });
    return {
      level,
      run,
      noiseL2: finiteOrNull(noise.l2),
      noiseLinf: finiteOrNull(noise.linf),
      signalL2: finiteOrNull(signalL2),
      relNoise: finiteOrNull(noise.l2 / signalL2),
      methods,
    };
  },
  failed(_config, { level, run }, message) {
    return { level, run, noiseL2: null, noiseLinf: null, signalL2: null, relNoise: null, methods: [], error: message };
  },
  isFailed: (r) => r.error !== undefined,
};

/** Per-method numbers at one noise level. */
export interface Fig1MethodPoint {
  runs: number;
  failed: number;
  medianRelError: number | null;
  /** 25% and 75% quantiles of the relative error. */
  q25RelError: number | null;
  q75RelError: number | null;
  medianTimeMs: number | null;
  /** Fraction of the runs with ‖z − z*‖/‖z*‖ ≤ the config's success threshold. */
  successRate: number | null;
}

/**
 * Summary of one noise level.
 * @example
 * ```ts
 * import { fig1Config, runFig1, type Fig1Point } from "geninv/experiments";
 * const config = fig1Config({ sizes: [2, 8, 20], levels: [1e-3, 1e-2], runs: 2, methods: ["linf"] });
 * const r = await runFig1(config, { mode: "in-process" });
 * for (const p of r.points as Fig1Point[]) console.log(p.level, p.runs, p.medianRelNoise, p.methods.linf?.medianRelError);
 * ```
 */
export interface Fig1Point {
  /** The noise level a. */
  level: number;
  /** Runs recorded at this level. */
  runs: number;
  /** Median of ‖e‖₂/‖G(z*)‖₂ over the runs. */
  medianRelNoise: number | null;
  /** Per-method numbers, by method name. */
  methods: Record<string, Fig1MethodPoint>;
}

/** Medians per level (in the order of config.levels). */
export function summarizeFig1(config: Fig1Config, records: readonly (Fig1Record | undefined)[]): Fig1Point[] {
  return config.levels.map((level) => {
    const at = records.filter((r): r is Fig1Record => r !== undefined && r.level === level);
    const methods: Record<string, Fig1MethodPoint> = {};
    for (const m of config.methods) {
      const outs = at.map((r) => r.methods.find((o) => o.method === m));
      const errs = outs.map((o) => o?.relError).filter((v): v is number => typeof v === "number");
      const times = outs.map((o) => o?.timeMs).filter((v): v is number => typeof v === "number");
      methods[m] = {
        runs: at.length,
        failed: outs.filter((o) => !o || o.status === "failed").length,
        medianRelError: finiteOrNull(median(errs)),
        q25RelError: finiteOrNull(quantile(errs, 0.25)),
        q75RelError: finiteOrNull(quantile(errs, 0.75)),
        medianTimeMs: finiteOrNull(median(times)),
        successRate: at.length > 0 ? errs.filter((e) => e <= config.successThreshold).length / at.length : null,
      };
    }
    return { level, runs: at.length, medianRelNoise: finiteOrNull(median(at.map((r) => r.relNoise ?? NaN))), methods };
  });
}

/**
 * Slope of log(median relative error) against log(noise level) per method: ≈ 1 when the error
 * grows linearly with the noise, as Theorems 3 and 4 predict.
 */
export function fig1Slopes(config: Fig1Config, points: readonly Fig1Point[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of config.methods) {
    out[m] = finiteOrNull(logLogSlope(points.map((p) => [p.level, p.methods[m]?.medianRelError ?? NaN] as const)));
  }
  return out;
}

/** What Figure 1's x axis shows: ‖e‖₂/‖G(z*)‖₂ per run (default) or the noise level a. */
export type Fig1XAxis = "relative" | "level";

/**
 * The Figure 1 chart: a dot per run and a line through the medians for each method, log–log.
 * @param config the experiment's config
 * @param records the runs' records (undefined: not run)
 * @param points the per-level summary ({@link Fig1Result.points})
 * @param xAxis `relative` (‖e‖₂/‖G(z*)‖₂ per run, default) or `level` (the noise level a)
 * @returns the SVG document's text
 * @throws nothing: runs without numbers are left out of the chart
 * @example
 * ```ts
 * import { fig1Config, fig1Svg, runFig1 } from "geninv/experiments";
 * const config = fig1Config({ sizes: [2, 8, 20], levels: [1e-3, 1e-2], runs: 2, methods: ["linf"] });
 * const r = await runFig1(config, { mode: "in-process" });
 * const svg = fig1Svg(config, r.records, r.points, "level");
 * if (!svg.startsWith("<svg")) throw new Error("an SVG document");
 * ```
 */
export function fig1Svg(config: Fig1Config, records: readonly (Fig1Record | undefined)[], points: readonly Fig1Point[], xAxis: Fig1XAxis = "relative"): string {
  const series: Series[] = [];
  const lines: Series[] = [];
  const n = config.methods.length;
  config.methods.forEach((m, i) => {
    const st = methodStyle(m, i);
    const offset = (i - (n - 1) / 2) * 4; // clouds of the methods side by side
    const dots: [number, number][] = [];
    for (const r of records) {
      if (!r) continue;
      const o = r.methods.find((q) => q.method === m);
      const x = xAxis === "relative" ? r.relNoise : r.level;
      if (o && o.relError !== null && x !== null) dots.push([x, o.relError]);
    }
    series.push({ name: `${st.label} runs`, kind: "scatter", points: dots, color: st.color, offset, jitter: 1.5, opacity: 0.3, radius: 2, hideInLegend: true });
    lines.push({
      name: st.label,
      kind: "line",
      points: points
        .map((p) => [xAxis === "relative" ? (p.medianRelNoise ?? NaN) : p.level, p.methods[m]?.medianRelError ?? NaN] as const)
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
      color: st.color,
      marker: st.marker,
    });
  });
  const noiseText = config.noise === "uniform" ? "uniform noise U(−a, a)" : "Gaussian noise N(0, a²)";
  const runs = Math.max(0, ...points.map((p) => p.runs));
  return renderChart({
    title: `Recovery error vs noise — ${noiseText}`,
    subtitle: `${config.model ? `trained network ${basename(config.model)} (${fig1Model(config).sizes.join(" → ")})` : `${config.sizes.join(" → ")} ${formatActivation(config.activation)} network, weights N(0, 1/n_i)`}, ${runs} runs per level, seed ${config.seed}; dots: runs, lines: medians`,
    x: { label: xAxis === "relative" ? "relative noise level ‖e‖₂ / ‖G(z*)‖₂" : "noise level a", scale: "log" },
    y: { label: "relative recovery error ‖z − z*‖₂ / ‖z*‖₂", scale: "log" },
    series: [...series, ...lines],
    legend: "right",
    width: 860,
    height: 500,
  });
}

/**
 * The CSV of every run: one row per (level, run, method).
 * @param config the experiment's config
 * @param records the runs' records (undefined: not run, left out)
 * @returns the CSV text, header first
 * @throws nothing
 * @example
 * ```ts
 * import { fig1Config, fig1Csv, runFig1 } from "geninv/experiments";
 * const config = fig1Config({ sizes: [2, 8, 20], levels: [1e-3, 1e-2], runs: 2, methods: ["linf"] });
 * const r = await runFig1(config, { mode: "in-process" });
 * const rows = fig1Csv(config, r.records).trim().split("\n");
 * console.log(rows[0], rows.length - 1); // the header, 4 rows (2 levels × 2 runs × 1 method)
 * ```
 */
export function fig1Csv(config: Fig1Config, records: readonly (Fig1Record | undefined)[]): string {
  const header = [
    "seed",
    "noise",
    "level",
    "run",
    "noise_l2",
    "signal_l2",
    "rel_noise",
    "method",
    "status",
    "rel_error",
    "residual_l2",
    "residual_linf",
    "time_ms",
    "iterations",
    "error",
  ];
  const rows = records.flatMap((r) =>
    r
      ? outcomeRows(
          [config.seed, config.noise, r.level, r.run, r.noiseL2, r.signalL2, r.relNoise],
          r.methods,
          (o) => [o.method, o.status, o.relError, o.residualL2, o.residualLinf, o.timeMs, o.iterations, o.error],
          [null, "failed", null, null, null, null, null, r.error],
        )
      : [],
  );
  return toCsv(header, rows);
}

/**
 * The result of {@link runFig1}.
 * @example
 * ```ts
 * import { fig1Config, runFig1, type Fig1Result } from "geninv/experiments";
 * const config = fig1Config({ sizes: [2, 8, 20], levels: [1e-3, 1e-2], runs: 2, methods: ["linf"] });
 * const r: Fig1Result = await runFig1(config, { mode: "in-process" });
 * console.log(r.points.length, r.slopes, r.batch.complete, r.batch.mode); // 2, { linf: ≈ 1 }, true, in-process
 * ```
 */
export interface Fig1Result {
  /** The config that ran. */
  config: Fig1Config;
  /** One record per trial, run-major (undefined: not run, after an abort). */
  records: (Fig1Record | undefined)[];
  /** The per-level summary, in the order of `config.levels`. */
  points: Fig1Point[];
  /** Per method, the slope of log median error against log noise level (≈ 1: linear in the noise). */
  slopes: Record<string, number | null>;
  /** How the batch ran (complete, failed, mode, workers, wall time). */
  batch: Omit<TrialBatch<Fig1Record>, "results">;
}

/**
 * Run the experiment on worker threads (see runner.ts) and summarise it.
 * @param config a config from {@link fig1Config}
 * @param options runner options: workers, mode, progress, abort, resume
 * @returns the records, the per-level summary and the slopes
 * @throws OptionError for a bad worker count, or when a worker lacks a method of the config
 * @example
 * ```ts
 * import { fig1Config, runFig1 } from "geninv/experiments";
 * const config = fig1Config({ sizes: [2, 8, 20], levels: [1e-3, 1e-2], runs: 2, methods: ["linf"] });
 * const r = await runFig1(config, { mode: "in-process" });
 * if (r.records.length !== 4 || r.batch.failed !== 0) throw new Error("2 levels × 2 runs, none failed");
 * ```
 */
export async function runFig1(config: Fig1Config, options: RunTrialsOptions<Fig1Record> = {}): Promise<Fig1Result> {
  const { results, ...batch } = await runTrials(FIG1_TRIALS, config, fig1Trials(config), { requiredMethods: config.methods, ...options });
  const points = summarizeFig1(config, results);
  return { config, records: results, points, slopes: fig1Slopes(config, points), batch };
}
