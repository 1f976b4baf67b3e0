/**
 * Compressed sensing with a generative prior: y = A·G(z*) + e with a Gaussian A (m × n, entries
 * N(0, 1/m)), for m from 10 to 500. Projected gradient descent (Shah & Hegde) whose projection is
 * geninv's layer-wise LP inversion, against csgm-style Adam on ‖A·G(z) − y‖² with random restarts
 * (Bora et al.), and PGD started from Adam's answer (`adam+pgd`), which keeps PGD's exactness down
 * to m ≈ 2.5·k, and region descent (`region`: least squares on each activation region's affine map
 * A·J_P z + A·o_P, seeded random starts), exact to rounding from m ≈ 1.5·k in a fraction of Adam's
 * time. Reports the reconstruction error ‖G(ẑ) − G(z*)‖/‖G(z*)‖ against m.
 */
import { basename } from "node:path";
import { OptionError } from "../errors.js";
import { relativeError } from "../linalg/norms.js";
import { type Generator } from "../model/generator.js";
import { loadModel } from "../model/io/load.js";
import { addNoise, formatNoise, type NoiseSpec } from "../model/random.js";
import { Rng } from "../model/rng.js";
import { getMethod, methodName, runMethod } from "../invert/registry.js";
import { type InversionStatus } from "../invert/result.js";
import { applyOperator, gaussianOperator } from "../operators/operator.js";
import { checkMethods, finiteOrNull, methodOptions, methodStyle, TRAINED_NET_METHOD_OPTIONS, toCsv } from "./common.js";
import { errorMessage, runTrials, type RunTrialsOptions, type TrialBatch, type TrialKind } from "./runner.js";
import { median, quantile } from "./stats.js";
import { renderChart, type Series } from "../render/svg.js";

/** Stream tag of the sensing experiment in `Rng.derive(seed, SENSING_STREAM, m, run)`. */
export const SENSING_STREAM = 4;

/** Everything that determines a sensing sweep (plain data: it is sent to worker threads). */
export interface SensingConfig {
  /** Built-in name or model file (default `mnist`). */
  model: string;
  /** Numbers of measurements m. */
  ms: number[];
  /** Runs per m (fresh z*, A and noise each). */
  runs: number;
  /** Measurement noise e (default none). */
  noise: NoiseSpec;
  methods: string[];
  seed: number;
  methodOptions: Record<string, Record<string, unknown>>;
}

/** Defaults: the shipped ReLU generator, m ∈ {10, 20, 50, 100, 200, 500}, region descent, PGD, Adam with restarts, Adam then PGD. */
export const SENSING_DEFAULTS: Readonly<SensingConfig> = {
  model: "mnist",
  ms: [10, 20, 50, 100, 200, 500],
  runs: 10,
  noise: { kind: "none" },
  methods: ["region", "pgd", "adam", "adam+pgd"],
  seed: 0,
  methodOptions: {},
};

/**
 * `--quick`: m = k = 20 and m = 100, two runs, PGD capped at 5 outer iterations from one start and
 * Adam at one start (the full figure keeps csgm's / the paper's 50 iterations, PGD's and Adam's 3 starts): PGD's ℓ1-LP
 * projections are what a sweep spends its time on (about 85 ms an iteration on the shipped generator).
 * A look at the figure in seconds, not its numbers.
 */
export const SENSING_QUICK: {
  readonly ms: readonly number[];
  readonly runs: number;
  readonly methodOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
} = {
  ms: [20, 100],
  runs: 2,
  methodOptions: { pgd: { pgdIterations: 5, pgdRestarts: 1 }, adam: { restarts: 1 }, "adam+pgd": { pgdIterations: 5, restarts: 1 } },
};

/** `--quick`'s method options under the user's (`--options` wins, method by method, field by field). */
export function quickSensingOptions(user: Readonly<Record<string, Readonly<Record<string, unknown>>>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of new Set([...Object.keys(SENSING_QUICK.methodOptions), ...Object.keys(user)])) {
    out[m] = { ...(SENSING_QUICK.methodOptions[m] ?? {}), ...(user[m] ?? {}) };
  }
  return out;
}

/** One run. */
export interface SensingTrial {
  m: number;
  run: number;
}

/** One method on one run. */
export interface SensingOutcome {
  method: string;
  status: InversionStatus;
  /** ‖G(ẑ) − G(z*)‖₂/‖G(z*)‖₂. */
  imageError: number | null;
  /** ‖ẑ − z*‖/‖z*‖. */
  relError: number | null;
  /** ‖A·G(ẑ) − y‖₂/‖y‖₂. */
  measurementFit: number | null;
  timeMs: number;
  iterations?: number;
  error?: string;
}

/** Everything recorded about one run. */
export interface SensingRecord {
  m: number;
  run: number;
  methods: SensingOutcome[];
  error?: string;
}

/** A validated config. @throws OptionError */
export function sensingConfig(partial: Partial<SensingConfig> = {}): SensingConfig {
  const c: SensingConfig = {
    ...SENSING_DEFAULTS,
    ...partial,
    ms: [...(partial.ms ?? SENSING_DEFAULTS.ms)],
    methods: [...(partial.methods ?? SENSING_DEFAULTS.methods)],
  };
  if (c.ms.length === 0) throw new OptionError("sensing needs at least one number of measurements");
  c.ms.forEach((m) => {
    if (!Number.isSafeInteger(m) || m < 1) throw new OptionError(`numbers of measurements must be positive integers, got ${m}`);
  });
  if (!Number.isSafeInteger(c.runs) || c.runs < 1) throw new OptionError(`runs must be a positive integer, got ${c.runs}`);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new OptionError(`seed must be a non-negative integer, got ${c.seed}`);
  checkMethods(c.methods);
  return c;
}

const models = new Map<string, Generator>();

function modelOf(name: string): Generator {
  let g = models.get(name);
  if (!g) {
    g = loadModel(name);
    models.set(name, g);
  }
  return g;
}

/** Sensing trials, for {@link runTrials}. */
export const SENSING_TRIALS: TrialKind<SensingConfig, SensingTrial, SensingRecord> = {
  name: "sensing",
  workerThreads: true,
  run(config, { m, run }) {
    const gen = modelOf(config.model);
    const rng = Rng.derive(config.seed, SENSING_STREAM, m, run);
    const z = rng.fillNormal(new Float64Array(gen.inputSize));
    const x = gen.forward(z);
    const A = gaussianOperator(m, gen.outputSize, rng);
    const y = addNoise(applyOperator(A, x, new Float64Array(m)), config.noise, rng);
    const yNorm = Math.hypot(...y) || 1;
    const seed = rng.nextUint32();
    const methods = config.methods.map((method): SensingOutcome => {
      const t0 = performance.now();
      try {
        const base = { ...(TRAINED_NET_METHOD_OPTIONS[method] ?? {}), ...(config.methodOptions[method] ?? {}) };
        const r = runMethod(getMethod(methodName(method)), gen, y, { ...methodOptions(method, { [method]: base }, { seed }), operator: A });
        const image = gen.forward(r.z);
        return {
          method,
          status: r.status,
          imageError: finiteOrNull(relativeError(image, x)),
          relError: finiteOrNull(relativeError(r.z, z)),
          measurementFit: finiteOrNull(r.residual.l2 / yNorm),
          timeMs: r.timeMs,
          ...(r.iterations !== undefined ? { iterations: r.iterations } : {}),
        };
      } catch (e) {
        return { method, status: "failed", imageError: null, relError: null, measurementFit: null, timeMs: performance.now() - t0, error: errorMessage(e) };
      }
    });
    return { m, run, methods };
  },
  failed(_config, { m, run }, message) {
    return { m, run, methods: [], error: message };
  },
  isFailed: (r) => r.error !== undefined,
};

/** Per-method numbers at one m. */
export interface SensingPoint {
  m: number;
  runs: number;
  methods: Record<
    string,
    { medianImageError: number | null; q25ImageError: number | null; q75ImageError: number | null; medianTimeMs: number | null; failed: number }
  >;
}

/** Medians per m. */
export function summarizeSensing(config: SensingConfig, records: readonly (SensingRecord | undefined)[]): SensingPoint[] {
  return config.ms.map((m) => {
    const at = records.filter((r): r is SensingRecord => r !== undefined && r.m === m);
    const methods: SensingPoint["methods"] = {};
    for (const name of config.methods) {
      const outs = at.map((r) => r.methods.find((o) => o.method === name));
      const errs = outs.map((o) => o?.imageError).filter((v): v is number => typeof v === "number");
      const times = outs.map((o) => o?.timeMs).filter((v): v is number => typeof v === "number");
      methods[name] = {
        medianImageError: finiteOrNull(median(errs)),
        q25ImageError: finiteOrNull(quantile(errs, 0.25)),
        q75ImageError: finiteOrNull(quantile(errs, 0.75)),
        medianTimeMs: finiteOrNull(median(times)),
        failed: outs.filter((o) => !o || o.status === "failed").length,
      };
    }
    return { m, runs: at.length, methods };
  });
}

/** Reconstruction error against m, one line (median) per method with a quartile band, log y. */
export function sensingSvg(config: SensingConfig, records: readonly (SensingRecord | undefined)[], points: readonly SensingPoint[]): string {
  const series: Series[] = [];
  config.methods.forEach((name, i) => {
    const st = methodStyle(name, i);
    const dots: [number, number][] = [];
    for (const r of records) {
      const o = r?.methods.find((q) => q.method === name);
      if (r && o && o.imageError !== null && o.imageError > 0) dots.push([r.m, o.imageError]);
    }
    series.push({
      name: `${st.label} runs`,
      kind: "scatter",
      points: dots,
      color: st.color,
      offset: (i - (config.methods.length - 1) / 2) * 5,
      jitter: 1.5,
      opacity: 0.3,
      radius: 2,
      hideInLegend: true,
    });
    series.push({
      name: st.label,
      kind: "line",
      points: points.map((p) => [p.m, p.methods[name]?.medianImageError ?? NaN] as const).filter(([, v]) => Number.isFinite(v) && v > 0),
      color: st.color,
      marker: st.marker,
    });
  });
  const runs = Math.max(0, ...points.map((p) => p.runs));
  return renderChart({
    title: "Compressed sensing with a generative prior: reconstruction error vs measurements",
    subtitle: `${basename(config.model)}, y = A·G(z*)${config.noise.kind === "none" ? "" : ` + e (${formatNoise(config.noise)})`}, A Gaussian m × n with N(0, 1/m) entries, ${runs} runs per m, seed ${config.seed}; dots: runs, lines: medians`,
    x: { label: "number of measurements m", scale: "log" },
    y: { label: "reconstruction error ‖G(ẑ) − G(z*)‖₂ / ‖G(z*)‖₂", scale: "log" },
    series,
    legend: "right",
    width: 860,
    height: 500,
  });
}

/** One CSV row per (m, run, method). */
export function sensingCsv(config: SensingConfig, records: readonly (SensingRecord | undefined)[]): string {
  const header = ["seed", "model", "noise", "m", "run", "method", "status", "image_error", "rel_error", "measurement_fit", "time_ms", "iterations", "error"];
  const rows: (string | number | null | undefined)[][] = [];
  for (const r of records) {
    if (!r) continue;
    if (r.methods.length === 0)
      rows.push([config.seed, config.model, formatNoise(config.noise), r.m, r.run, null, "failed", null, null, null, null, null, r.error]);
    for (const o of r.methods)
      rows.push([
        config.seed,
        config.model,
        formatNoise(config.noise),
        r.m,
        r.run,
        o.method,
        o.status,
        o.imageError,
        o.relError,
        o.measurementFit,
        o.timeMs,
        o.iterations,
        o.error,
      ]);
  }
  return toCsv(header, rows);
}

/** The result of {@link runSensing}. */
export interface SensingResult {
  config: SensingConfig;
  records: (SensingRecord | undefined)[];
  points: SensingPoint[];
  batch: Omit<TrialBatch<SensingRecord>, "results">;
}

/** Run the sweep (worker threads when available) and summarise it. */
export async function runSensing(config: SensingConfig, options: RunTrialsOptions<SensingRecord> = {}): Promise<SensingResult> {
  modelOf(config.model); // a bad model fails here, before any worker starts
  const trials: SensingTrial[] = [];
  for (let run = 0; run < config.runs; run++) for (const m of config.ms) trials.push({ m, run });
  const { results, ...batch } = await runTrials(SENSING_TRIALS, config, trials, { requiredMethods: config.methods, ...options });
  return { config, records: results, points: summarizeSensing(config, results), batch };
}
