/**
 * Figure 2 of the paper: empirical success rate of recovery against the latent dimension k for a
 * noiseless k → 250 → 600 network (ReLU or LeakyReLU), success meaning ‖z − z*‖/‖z*‖ ≤ 10⁻³.
 *
 * Beyond the paper, every run is also inverted by the exact method (Theorem 2) to certify whether
 * the layer-wise pre-image is unique: a ReLU layer with fewer active outputs than inputs, or with
 * rank-deficient active rows, has a whole affine family of pre-images (status `non_unique`). For
 * k ≳ 125 a 250-unit ReLU layer has about 125 active units, fewer than k, so z* is not identifiable
 * from G(z*) — the plotted non-unique fraction is the limit no inversion method can beat.
 *
 * Over 400 lines only with its TSDoc and compiled examples (~300 lines of code): one figure, its
 * config checks, trials, summary, CSV and SVG.
 */
import { OptionError } from "../errors.js";
import { type Activation, formatActivation, RELU } from "../model/activation.js";
import { randomGenerator } from "../model/random.js";
import { Rng } from "../model/rng.js";
import { getMethod, runMethod } from "../invert/registry.js";
import { type InversionResult } from "../invert/result.js";
import {
  checkSweep,
  type CsvCell,
  failedOutcome,
  finiteOrNull,
  type MethodOutcome,
  methodOptions,
  methodStyle,
  outcomeOf,
  outcomeRows,
  runMajorTrials,
  runOutcome,
  toCsv,
} from "./common.js";
import { runTrials, type RunTrialsOptions, type TrialBatch, type TrialKind } from "./runner.js";
import { median } from "./stats.js";
import { renderChart, type Series } from "../render/svg.js";

/** Stream tag of Figure 2 in `Rng.derive(seed, FIG2_STREAM, k, run)`. */
export const FIG2_STREAM = 2;

/**
 * Everything that determines a Figure 2 sweep (plain data: it is sent to worker threads).
 * @example
 * ```ts
 * import { FIG2_DEFAULTS, fig2Config, type Fig2Config } from "geninv/experiments";
 * // the paper's 3-layer variant, on a coarser k grid with fewer runs
 * const config: Fig2Config = fig2Config({ ...FIG2_DEFAULTS, layers: [250, 400, 600], ks: [50, 150, 250], runs: 10 });
 * console.log(config.methods, config.successThreshold);
 * ```
 */
export interface Fig2Config {
  /** Widths after the latent layer: [250, 600] in the paper; [250, 400, 600] for a 3-layer variant. */
  layers: number[];
  /** Activation of every layer. */
  activation: Activation;
  /** Latent dimensions to sweep (paper: 10, 20, …, 250). */
  ks: number[];
  /** Runs per k, each on a fresh random network and z* (paper: 200). */
  runs: number;
  /** Seed of every random stream (networks, z*), so a run is reproducible. */
  seed: number;
  /** Registered method names (paper: exact-equivalent LPs and GD; here default exact, linf, gd). */
  methods: string[];
  /** Success threshold on ‖z − z*‖/‖z*‖ (paper: 1e-3). */
  successThreshold: number;
  /** Per-method option overrides, on top of the paper's settings (see common.ts). */
  methodOptions: Record<string, Record<string, unknown>>;
}

/** One Figure 2 run: network and z* drawn from Rng.derive(seed, FIG2_STREAM, k, run). */
export interface Fig2Trial {
  k: number;
  run: number;
}

/** Identifiability certificate of one run, from the exact method's layer reports. */
export interface Fig2Certificate {
  /** True when some layer's pre-image is certified not unique. */
  nonUnique: boolean;
  /** 1-based layers whose pre-image is not unique. */
  nonUniqueLayers: number[];
  /** Rows used per layer (ReLU: active outputs), layer 1 first. */
  activeRows: number[];
  /** Numerical rank of those rows per layer. */
  ranks: number[];
}

/**
 * Everything recorded about one run.
 * @example
 * ```ts
 * import { fig2Config, runFig2, type Fig2Record } from "geninv/experiments";
 * const config = fig2Config({ layers: [20, 40], ks: [4, 12], runs: 2, methods: ["exact"] });
 * const r = await runFig2(config, { mode: "in-process" });
 * const rec: Fig2Record | undefined = r.records[0];
 * if (rec) console.log(rec.k, rec.run, rec.certificate?.nonUnique, rec.methods.map((m) => m.status));
 * ```
 */
export interface Fig2Record {
  /** The latent dimension k. */
  k: number;
  /** The run's index at that k. */
  run: number;
  /** Null when the certificate could not be computed (see `error`). */
  certificate: Fig2Certificate | null;
  /** One outcome per method of the config, in its order. */
  methods: MethodOutcome[];
  /** Set when the whole trial failed (then `methods` is empty). */
  error?: string;
}

/**
 * The paper's Figure 2 settings.
 * @example
 * ```ts
 * import { FIG2_DEFAULTS } from "geninv/experiments";
 * console.log(FIG2_DEFAULTS.layers, FIG2_DEFAULTS.ks.length, FIG2_DEFAULTS.runs); // [250, 600], 25, 200
 * ```
 */
export const FIG2_DEFAULTS: Readonly<Fig2Config> = {
  layers: [250, 600],
  activation: RELU,
  ks: Array.from({ length: 25 }, (_, i) => 10 * (i + 1)),
  runs: 200,
  seed: 0,
  methods: ["exact", "linf", "gd"],
  successThreshold: 1e-3,
  methodOptions: {},
};

/** `--quick`: a handful of k values and runs, enough to see the shape in seconds. */
export const FIG2_QUICK = { ks: [10, 60, 100, 140, 150, 200, 250], runs: 20 } as const;

/**
 * A complete, validated Figure 2 config from the defaults and `partial`.
 * @param partial the fields to change
 * @returns the config runFig2 takes
 * @throws OptionError naming the bad field
 * @example
 * ```ts
 * import { fig2Config } from "geninv/experiments";
 * const c = fig2Config({ ks: [20, 100], runs: 3, methods: ["exact", "gd"] });
 * ```
 */
export function fig2Config(partial: Partial<Fig2Config> = {}): Fig2Config {
  const c: Fig2Config = {
    layers: [...(partial.layers ?? FIG2_DEFAULTS.layers)],
    activation: partial.activation ?? FIG2_DEFAULTS.activation,
    ks: [...(partial.ks ?? FIG2_DEFAULTS.ks)],
    runs: partial.runs ?? FIG2_DEFAULTS.runs,
    seed: partial.seed ?? FIG2_DEFAULTS.seed,
    methods: [...(partial.methods ?? FIG2_DEFAULTS.methods)],
    successThreshold: partial.successThreshold ?? FIG2_DEFAULTS.successThreshold,
    methodOptions: partial.methodOptions ?? {},
  };
  if (c.layers.length < 1) throw new OptionError("fig2 needs at least one layer after k");
  c.layers.forEach((n) => {
    if (!Number.isSafeInteger(n) || n < 1) throw new OptionError(`layer widths must be positive integers, got ${n}`);
  });
  if (c.ks.length === 0) throw new OptionError("fig2 needs at least one k");
  c.ks.forEach((k) => {
    if (!Number.isSafeInteger(k) || k < 1) throw new OptionError(`k must be a positive integer, got ${k}`);
  });
  if (!(c.successThreshold > 0)) throw new OptionError(`success threshold must be > 0, got ${c.successThreshold}`);
  checkSweep(c, c.ks, "k values");
  return c;
}

/** The trials of a sweep, run-major (every k once, then again), so a partial sweep covers every k. */
export function fig2Trials(config: Fig2Config): Fig2Trial[] {
  return runMajorTrials(config.ks, config.runs, (k, run) => ({ k, run }));
}

function certificateOf(r: InversionResult): Fig2Certificate {
  return {
    nonUnique: r.layers.some((l) => l.status === "non_unique"),
    nonUniqueLayers: r.layers.filter((l) => l.status === "non_unique").map((l) => l.layer),
    activeRows: r.layers.map((l) => l.activeRows),
    ranks: r.layers.map((l) => l.rank ?? -1),
  };
}

/** Figure 2 trials, for {@link runTrials}. */
export const FIG2_TRIALS: TrialKind<Fig2Config, Fig2Trial, Fig2Record> = {
  name: "fig2",
  workerThreads: true,
  run(config, { k, run }) {
    const rng = Rng.derive(config.seed, FIG2_STREAM, k, run);
    const gen = randomGenerator({ sizes: [k, ...config.layers], activation: config.activation, rng });
    const z = rng.fillNormal(new Float64Array(k));
    const x = gen.forward(z);
    const seed = rng.nextUint32(); // for methods with random starts
    // the exact method certifies (non-)uniqueness layer by layer; reused when it is also compared
    let certificate: Fig2Certificate | null = null;
    let exactOutcome: MethodOutcome | undefined;
    const exactOptions = methodOptions("exact", config.methodOptions, { seed });
    const t0 = performance.now();
    try {
      const r = runMethod(getMethod("exact"), gen, x, exactOptions);
      certificate = certificateOf(r);
      exactOutcome = outcomeOf(r, z);
    } catch (e) {
      exactOutcome = failedOutcome("exact", performance.now() - t0, e);
    }
    const methods = config.methods.map((m) => (m === "exact" ? exactOutcome! : runOutcome(gen, x, z, m, methodOptions(m, config.methodOptions, { seed }))));
    return { k, run, certificate, methods };
  },
  failed(_config, { k, run }, message) {
    return { k, run, certificate: null, methods: [], error: message };
  },
  isFailed: (r) => r.error !== undefined,
};

/** Per-method numbers at one k. */
export interface Fig2MethodPoint {
  /** Successes / runs with a result (failed runs count as unsuccessful). */
  successRate: number;
  successes: number;
  runs: number;
  /** Runs where the method threw (or the trial failed). */
  failed: number;
  medianRelError: number | null;
  medianTimeMs: number | null;
}

/**
 * Summary of one k.
 * @example
 * ```ts
 * import { fig2Config, runFig2, type Fig2Point } from "geninv/experiments";
 * const config = fig2Config({ layers: [20, 40], ks: [4, 12], runs: 2, methods: ["exact"] });
 * const { points } = await runFig2(config, { mode: "in-process" });
 * for (const p of points as Fig2Point[]) console.log(p.k, p.runs, p.certified, p.nonUniqueFraction, p.methods.exact?.successRate);
 * ```
 */
export interface Fig2Point {
  /** The latent dimension k. */
  k: number;
  /** Runs recorded at this k. */
  runs: number;
  /** Fraction of certified runs whose pre-image is certified not unique (null: none certified). */
  nonUniqueFraction: number | null;
  /** Runs with a certificate. */
  certified: number;
  /** Per-method numbers, by method name. */
  methods: Record<string, Fig2MethodPoint>;
}

/** Success rates and non-unique fractions per k (in the order of config.ks). */
export function summarizeFig2(config: Fig2Config, records: readonly (Fig2Record | undefined)[]): Fig2Point[] {
  return config.ks.map((k) => {
    const at = records.filter((r): r is Fig2Record => r !== undefined && r.k === k);
    const certs = at.map((r) => r.certificate).filter((c): c is Fig2Certificate => c !== null);
    const methods: Record<string, Fig2MethodPoint> = {};
    for (const m of config.methods) {
      const outs = at.map((r) => r.methods.find((o) => o.method === m));
      const ok = outs.filter((o) => o && o.relError !== null && o.relError <= config.successThreshold).length;
      const failed = outs.filter((o) => !o || o.status === "failed").length;
      const errs = outs.map((o) => o?.relError).filter((v): v is number => typeof v === "number");
      const times = outs.map((o) => o?.timeMs).filter((v): v is number => typeof v === "number");
      methods[m] = {
        successRate: at.length ? ok / at.length : NaN,
        successes: ok,
        runs: at.length,
        failed,
        medianRelError: finiteOrNull(median(errs)),
        medianTimeMs: finiteOrNull(median(times)),
      };
    }
    return {
      k,
      runs: at.length,
      nonUniqueFraction: certs.length ? certs.filter((c) => c.nonUnique).length / certs.length : null,
      certified: certs.length,
      methods,
    };
  });
}

/** A short description of the architecture, e.g. "k → 250 → 600, relu". */
export function fig2Architecture(config: Fig2Config): string {
  return `k → ${config.layers.join(" → ")}, ${formatActivation(config.activation)}`;
}

/**
 * The Figure 2 chart: success rate per method against k, over the certified non-unique fraction.
 * @param config the sweep's config
 * @param points the per-k summary ({@link Fig2Result.points})
 * @returns the SVG document's text
 * @throws nothing
 * @example
 * ```ts
 * import { fig2Config, fig2Svg, runFig2 } from "geninv/experiments";
 * const config = fig2Config({ layers: [20, 40], ks: [4, 12], runs: 2, methods: ["exact"] });
 * const r = await runFig2(config, { mode: "in-process" });
 * if (!fig2Svg(config, r.points).startsWith("<svg")) throw new Error("an SVG document");
 * ```
 */
export function fig2Svg(config: Fig2Config, points: readonly Fig2Point[]): string {
  const series: Series[] = [];
  const withCert = points.filter((p) => p.nonUniqueFraction !== null);
  if (withCert.length > 0) {
    series.push({
      name: "certified non-unique",
      kind: "area",
      points: withCert.map((p) => [p.k, p.nonUniqueFraction!] as const),
      color: "#7f7f7f",
      opacity: 0.22,
      baseline: 0,
    });
    series.push({
      name: "identifiable: 1 − non-unique",
      kind: "line",
      onTop: true,
      points: withCert.map((p) => [p.k, 1 - p.nonUniqueFraction!] as const),
      color: "#333333",
      dash: "5 4",
      width: 1.5,
      marker: "none",
    });
  }
  config.methods.forEach((m, i) => {
    const st = methodStyle(m, i);
    series.push({
      name: st.label,
      kind: "line",
      points: points.filter((p) => p.runs > 0).map((p) => [p.k, p.methods[m]!.successRate] as const),
      color: st.color,
      marker: st.marker,
    });
  });
  const act =
    config.activation.kind === "relu"
      ? "ReLU"
      : config.activation.kind === "leaky_relu"
        ? `LeakyReLU (slope ${config.activation.slope})`
        : formatActivation(config.activation);
  const runs = Math.max(0, ...points.map((p) => p.runs));
  const kMax = Math.max(...config.ks);
  return renderChart({
    title: `Success rate of recovery vs latent dimension k — ${act}`,
    subtitle: `noiseless, ${fig2Architecture(config)}, ${runs} runs per k, success ‖z − z*‖/‖z*‖ ≤ ${config.successThreshold}, seed ${config.seed}`,
    x: { label: "latent dimension k (input neurons)", min: 0, max: Math.max(10, Math.ceil(kMax / 50) * 50) },
    y: { label: "empirical success rate", min: 0, max: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    series,
    legend: "right",
    width: 900,
    notes: [
      "grey area: runs where the exact method certifies a layer's pre-image as not unique (fewer active units than unknowns, or rank-deficient rows).",
      "When that layer is layer 1, a whole family of z has G(z) = G(z*): no method can identify z*, and none can beat the dashed line.",
    ],
  });
}

/**
 * The CSV of every run: one row per (k, run, method).
 * @param config the sweep's config
 * @param records the runs' records (undefined: not run, left out)
 * @returns the CSV text, header first
 * @throws nothing
 * @example
 * ```ts
 * import { fig2Config, fig2Csv, runFig2 } from "geninv/experiments";
 * const config = fig2Config({ layers: [20, 40], ks: [4, 12], runs: 2, methods: ["exact"] });
 * const r = await runFig2(config, { mode: "in-process" });
 * const rows = fig2Csv(config, r.records).trim().split("\n");
 * console.log(rows[0], rows.length - 1); // the header, 4 rows (2 ks × 2 runs × 1 method)
 * ```
 */
export function fig2Csv(config: Fig2Config, records: readonly (Fig2Record | undefined)[]): string {
  const header = [
    "seed",
    "activation",
    "sizes",
    "k",
    "run",
    "non_unique",
    "non_unique_layers",
    "active_rows",
    "method",
    "status",
    "rel_error",
    "success",
    "residual_l2",
    "residual_linf",
    "time_ms",
    "iterations",
    "error",
  ];
  const act = formatActivation(config.activation);
  const rows = records.flatMap((r) => {
    if (!r) return [];
    const cert = r.certificate;
    const base = [
      config.seed,
      act,
      [r.k, ...config.layers].join("-"),
      r.k,
      r.run,
      cert ? cert.nonUnique : null,
      cert ? cert.nonUniqueLayers.join(" ") : null,
      cert ? cert.activeRows.join(" ") : null,
    ];
    const success = (o: MethodOutcome): boolean => o.relError !== null && o.relError <= config.successThreshold;
    const cells = (o: MethodOutcome): CsvCell[] => [o.method, o.status, o.relError, success(o), o.residualL2, o.residualLinf, o.timeMs, o.iterations, o.error];
    return outcomeRows(base, r.methods, cells, [null, "failed", null, false, null, null, null, null, r.error]);
  });
  return toCsv(header, rows);
}

/**
 * The result of {@link runFig2}.
 * @example
 * ```ts
 * import { fig2Config, runFig2, type Fig2Result } from "geninv/experiments";
 * const config = fig2Config({ layers: [20, 40], ks: [4, 12], runs: 2, methods: ["exact"] });
 * const r: Fig2Result = await runFig2(config, { mode: "in-process" });
 * console.log(r.points.map((p) => `k ${p.k}: ${p.methods.exact?.successRate}`), r.batch.wallTimeMs);
 * ```
 */
export interface Fig2Result {
  /** The config that ran. */
  config: Fig2Config;
  /** One record per trial, run-major (undefined: not run, after an abort). */
  records: (Fig2Record | undefined)[];
  /** The per-k summary, in the order of `config.ks`. */
  points: Fig2Point[];
  /** How the batch ran (complete, failed, mode, workers, wall time). */
  batch: Omit<TrialBatch<Fig2Record>, "results">;
}

/**
 * Run the sweep on worker threads (see runner.ts) and summarise it.
 * @param config a config from {@link fig2Config}
 * @param options runner options: workers, mode, progress, abort, resume
 * @returns the records and the per-k summary
 * @throws OptionError for a bad worker count, or when a worker lacks a method of the config
 * @example
 * ```ts
 * import { fig2Config, runFig2 } from "geninv/experiments";
 * const config = fig2Config({ layers: [20, 40], ks: [4, 12], runs: 2, methods: ["exact"] });
 * const r = await runFig2(config, { mode: "in-process" });
 * if (r.records.length !== 4 || r.batch.failed !== 0) throw new Error("2 ks × 2 runs, none failed");
 * ```
 */
export async function runFig2(config: Fig2Config, options: RunTrialsOptions<Fig2Record> = {}): Promise<Fig2Result> {
  const required = [...new Set(["exact", ...config.methods])];
  const { results, ...batch } = await runTrials(FIG2_TRIALS, config, fig2Trials(config), { requiredMethods: required, ...options });
  return { config, records: results, points: summarizeFig2(config, results), batch };
}
