/**
 * `geninv reproduce fig1|fig2`: regenerate the paper's synthetic experiments — data (JSON lines
 * while running, then CSV and JSON) and picture (SVG) — with a progress bar on stderr and a
 * summary table on stdout.
 */
import { basename, join } from "node:path";
import { Command } from "commander";
import { loadHighsBackend } from "../../lp/highs.js";
import { example1Svg, runExample1 } from "../../experiments/example1.js";
import { OptionError } from "../../errors.js";
import { formatActivation, parseActivation } from "../../model/activation.js";
import { methodStyle } from "../../experiments/common.js";
import {
  FIG1_DEFAULTS,
  FIG1_QUICK,
  fig1Config,
  fig1Csv,
  fig1Model,
  type Fig1Noise,
  type Fig1Record,
  fig1Svg,
  type Fig1XAxis,
  runFig1,
} from "../../experiments/fig1.js";
import { FIG2_DEFAULTS, FIG2_QUICK, fig2Architecture, fig2Config, fig2Csv, type Fig2Record, fig2Svg, runFig2 } from "../../experiments/fig2.js";
import { writeExperimentFiles } from "../../experiments/output.js";
import { finishedLookup, openRunLog, type RunLogFile } from "../batch-output.js";
import { FIG3_DEFAULTS, FIG4_DEFAULTS, imageFigureConfig, imageFigureCsv, imageFigureJson, imageFigurePng, runImageFigure } from "../../experiments/images.js";
import { formatNoise, parseNoise } from "../../model/random.js";
import { runSensing, SENSING_DEFAULTS, SENSING_QUICK, sensingConfig, sensingCsv, type SensingRecord, sensingSvg } from "../../experiments/sensing.js";
import { writeFile } from "../../model/io/files.js";
import { defaultWorkers, type RunnerMode, type TrialProgress } from "../../experiments/runner.js";
import { type CliIo, emitJson, toJsonText, writeOutputFile } from "../io.js";
import { parseIntFlag, parseNumberFlag } from "../parse.js";
import { formatSeconds, Progress } from "../progress.js";
import { table } from "../table.js";
import { VERSION } from "../version.js";

interface CommonFlags {
  runs?: string;
  seed: string;
  workers?: string;
  quick: boolean;
  out?: string;
  json: boolean;
  methods?: string;
  options?: string;
  resume?: boolean;
  force?: boolean;
}

interface Fig1Flags extends CommonFlags {
  model?: string;
  layers?: string;
  noise: string;
  levels?: string;
  sizes?: string;
  activation: string;
  xAxis: string;
  eps0: string;
  threshold?: string;
}

interface Fig2Flags extends CommonFlags {
  activation: string;
  sizes?: string;
  ks?: string;
  threshold?: string;
}

function addCommonFlags(cmd: Command, defaultMethods: readonly string[], defaultRuns: number, quickRuns: number): Command {
  return cmd
    .option("--runs <n>", `runs per point (default ${defaultRuns}; ${quickRuns} with --quick)`)
    .option("--seed <n>", "random seed (echoed in every output file)", "0")
    .option("--workers <n>", `worker threads (default: all ${defaultWorkers()} cores)`)
    .option("--quick", "a few runs (and points) — seconds, for tests and smoke checks", false)
    .option("--out <dir>", "output folder (default results/<figure>)")
    .option("--methods <list>", `comma list of registered methods (default ${defaultMethods.join(",")})`)
    .option("--options <json>", 'per-method option overrides as JSON, e.g. \'{"linf":{"alpha":1.5}}\'')
    .option("--json", "print the summary as JSON instead of a table", false)
    .option("--resume", "continue an interrupted sweep: keep the runs its <out>/<figure>.runs.jsonl holds (same flags), run the rest")
    .option("--force", "start over even though the run log holds finished runs (without --resume or --force it is refused)");
}

/** The sweep's run log, opened for --resume / --force / neither; reports what a resume found. */
function openSweepLog(io: CliIo, path: string, figure: string, config: unknown, flags: CommonFlags) {
  if (flags.resume && flags.force) throw new OptionError("--resume and --force exclude each other");
  const log = openRunLog(path, { figure, generator: `geninv ${VERSION}`, config }, flags.resume ? "resume" : flags.force ? "force" : "refuse");
  if (log.resumed.length > 0 || log.repairedTornLine) {
    io.err(
      `resuming ${path}: ${log.resumed.length} finished run${log.resumed.length === 1 ? "" : "s"} kept${log.repairedTornLine ? " (a torn last line was cut off and is redone)" : ""}\n`,
    );
  }
  return log;
}

/** The `reproduce` command and its figure subcommands. */
export function reproduceCommand(io: CliIo): Command {
  const cmd = new Command("reproduce").description("regenerate a figure of the paper: data (CSV, JSON) and picture (SVG or PNG)");
  const fig1 = addCommonFlags(new Command("fig1"), FIG1_DEFAULTS.methods, FIG1_DEFAULTS.runs, FIG1_QUICK.runs)
    .description("Figure 1: relative recovery error vs relative noise level — (a)(b) random 20-100-500 ReLU nets, (c)(d) with --model mnist")
    .option("--noise <kind>", "uniform (U(-a, a), Fig. 1a) or gaussian (N(0, a²), a = σ, Fig. 1b)", "uniform")
    .option("--levels <list>", "noise levels a (default 1e-1,1e-2,…,1e-6)")
    .option("--sizes <list>", "layer widths k,n_1,…,n (default 20,100,500)")
    .option("--activation <spec>", "activation of every layer", "relu")
    .option("--x-axis <what>", "relative (‖e‖₂/‖G(z*)‖₂ per run) or level (a)", "relative")
    .option("--model <file>", "a trained generator instead of random nets (Figure 1(c)(d)): mnist, mnist-leaky or a model file")
    .option("--layers <list>", "with --model: the checkpoint's layers, e.g. fc3,fc4 (then --activation gives their activations)")
    .option(
      "--eps0 <from>",
      "method: LP methods find ε themselves (default); noise: they start ε at the true noise level a, as the authors' code does",
      "method",
    )
    .option("--threshold <t>", "a run succeeds when ‖z − z*‖/‖z*‖ ≤ t (default 1e-3)")
    .action(async (flags: Fig1Flags) => reproduceFig1(io, await withLpFallback(flags)));
  const fig2 = addCommonFlags(new Command("fig2"), FIG2_DEFAULTS.methods, FIG2_DEFAULTS.runs, FIG2_QUICK.runs)
    .description("Figure 2: success rate vs latent dimension k on noiseless k-250-600 nets, with the certified non-unique fraction")
    .option("--activation <spec>", "relu (Fig. 2 left) or leaky_relu:0.1 (right)", "relu")
    .option("--sizes <list>", "architecture with k first, e.g. k,250,400,600 (default k,250,600)")
    .option("--ks <list>", "latent dimensions: a comma list or start:stop:step (default 10:250:10)")
    .option("--threshold <t>", "success when ‖z − z*‖/‖z*‖ ≤ t (default 1e-3)")
    .action(async (flags: Fig2Flags) => reproduceFig2(io, await withLpFallback(flags)));
  const images = (figure: "fig3" | "fig4", description: string) => {
    const d = figure === "fig3" ? FIG3_DEFAULTS : FIG4_DEFAULTS;
    return new Command(figure)
      .description(description)
      .option("--model <name>", "generator: mnist, mnist-leaky or a model file", d.model)
      .option("--digits <n>", `digits (rows of the picture) (default ${d.digits}; 3 with --quick)`)
      .option("--noise <spec>", `uniform:<a>, gaussian:<sigma> or none (default ${formatNoise(d.noise)})`)
      .option(
        "--mask <spec>",
        `observed pixels: random:<fraction>, half:top|bottom|left|right, block:x0,y0,x1,y1, center:<side> or none (default ${d.mask ?? "none"})`,
      )
      .option("--methods <list>", `comma list of registered methods (default ${d.methods.join(",")})`)
      .option("--options <json>", "per-method option overrides as JSON")
      .option("--seed <n>", "random seed", "0")
      .option("--quick", "three digits — for tests and smoke checks", false)
      .option("--out <dir>", `output folder (default results/${figure})`)
      .option("--json", "print the summary as JSON instead of a table", false)
      .action(async (flags: ImageFlags) => reproduceImages(io, figure, await withLpFallback(flags)));
  };
  const fig3 = images("fig3", "Figure 3: denoising G(z*) + Gaussian noise of variance 0.3 on the shipped MNIST generator, as a PNG grid");
  const fig4 = images("fig4", "Figure 4: inpainting from a subset of the pixels, inverted from the observed rows alone, as a PNG grid");
  const sensing = addCommonFlags(new Command("sensing"), SENSING_DEFAULTS.methods, SENSING_DEFAULTS.runs, SENSING_QUICK.runs)
    .description("compressed sensing: reconstruction error vs number of Gaussian measurements m, PGD (LP projection) vs Adam with restarts")
    .option("--model <name>", "generator: mnist, mnist-leaky or a model file", SENSING_DEFAULTS.model)
    .option("--ms <list>", `numbers of measurements (default ${SENSING_DEFAULTS.ms.join(",")}; ${SENSING_QUICK.ms.join(",")} with --quick)`)
    .option("--noise <spec>", "measurement noise: uniform:<a>, gaussian:<sigma> or none", "none")
    .action(async (flags: SensingFlags) => reproduceSensing(io, await withLpFallback(flags)));
  const example1 = new Command("example1")
    .description(
      "Example 1 (section 3): a 2-layer ReLU network with k = 2 whose pre-image of x is not convex, computed exactly from the plane's activation regions and drawn as SVG",
    )
    .option("-o, --output <file>", "the SVG", "example1.svg")
    .action((flags: { output: string }) => {
      const r = runExample1();
      writeOutputFile(flags.output, example1Svg(r));
      io.err(`wrote ${flags.output}\n`);
      emitJson(io, {
        network: "G(z) = (relu(1 − |z1| − |z2|), relu(|z1| − |z2|)), hidden relu(±z1), relu(±z2)",
        x: r.x,
        window: r.window,
        regions: r.regions.length,
        preimagePieces: r.pieces.map((p) => ({ kind: p.kind, points: p.points })),
        notConvex: r.pair ? { p: r.pair.p, q: r.pair.q, midpoint: r.pair.mid, gAtMidpoint: r.pair.gMid } : null,
      });
    });
  for (const sub of [fig1, fig2, fig3, fig4, sensing, example1]) {
    sub.configureOutput({ writeOut: io.out, writeErr: io.err }).exitOverride().showHelpAfterError("(run with --help for usage)");
    cmd.addCommand(sub);
  }
  return cmd;
}

/** Shared parsing of the common flags. */
function common(flags: CommonFlags, defaults: { runs: number; quickRuns: number; methods: readonly string[] }) {
  const runs = flags.runs !== undefined ? parseIntFlag(flags.runs, "--runs", 1, 1_000_000) : flags.quick ? defaults.quickRuns : defaults.runs;
  const seed = parseIntFlag(flags.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
  const workers = flags.workers !== undefined ? parseIntFlag(flags.workers, "--workers", 1, 1024) : defaultWorkers();
  const methods = flags.methods !== undefined ? parseList(flags.methods, "--methods") : [...defaults.methods];
  const methodOptions = flags.options !== undefined ? parseMethodOptions(flags.options) : {};
  return { runs, seed, workers, methods, methodOptions };
}

function parseList(value: string, flag: string): string[] {
  const parts = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (parts.length === 0) throw new OptionError(`${flag} needs at least one entry`);
  return parts;
}

/** `--options` JSON: an object of per-method option objects. */
export function parseMethodOptions(text: string): Record<string, Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new OptionError(`--options is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new OptionError('--options must be a JSON object of method → options, e.g. {"linf":{"alpha":1.5}}');
  for (const [m, o] of Object.entries(v)) {
    if (typeof o !== "object" || o === null || Array.isArray(o)) throw new OptionError(`--options: the entry for '${m}' must be an object of options`);
  }
  return v as Record<string, Record<string, unknown>>;
}

/** k values: "10,20,30" or "10:250:10". */
export function parseKs(value: string): number[] {
  const range = /^\s*(\d+)\s*:\s*(\d+)\s*:\s*(\d+)\s*$/.exec(value);
  if (range) {
    const [a, b, s] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (s < 1 || a < 1 || b < a) throw new OptionError(`--ks ${value}: expected start:stop:step with 1 ≤ start ≤ stop and step ≥ 1`);
    const out: number[] = [];
    for (let k = a; k <= b; k += s) out.push(k);
    return out;
  }
  return parseList(value, "--ks").map((p) => parseIntFlag(p, "--ks", 1));
}

/** `--sizes k,250,600` → [250, 600]. */
export function parseFig2Sizes(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts[0]?.toLowerCase() !== "k") throw new OptionError(`--sizes must start with k (the swept latent dimension), e.g. k,250,600; got '${value}'`);
  if (parts.length < 2) throw new OptionError(`--sizes needs at least one width after k, e.g. k,250,600`);
  return parts.slice(1).map((p) => parseIntFlag(p, "--sizes", 1));
}

function parseLevels(value: string): number[] {
  return parseList(value, "--levels").map((p) => parseNumberFlag(p, "--levels", true));
}

/** Draw the runner's progress with the CLI's progress bar; stop on Ctrl-C, keeping what finished. */
/** Load HiGHS, the LP engine's fallback, for runs in this thread (workers load their own). */
async function withLpFallback<T>(flags: T): Promise<T> {
  await loadHighsBackend().catch(() => undefined);
  return flags;
}

function session(io: CliIo, label: string, total: number, alreadyDone = 0) {
  const bar = new Progress(io, label, total, alreadyDone);
  const controller = new AbortController();
  const onSigint = (): void => {
    io.err("\ninterrupted: stopping, writing the runs that finished…\n");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  return {
    signal: controller.signal,
    onProgress: (_p: TrialProgress) => bar.tick(),
    close: () => {
      process.removeListener("SIGINT", onSigint);
      bar.finish();
    },
  };
}

/** What a sweep run gets from {@link runLogged}. */
interface SweepOptions<R> {
  signal: AbortSignal;
  onProgress: (p: TrialProgress) => void;
  onResult: (r: R) => void;
  finished: (trial: object) => R | undefined;
}

/** One sweep with its progress bar and run log: finished runs are appended, resumed ones skipped. */
async function runLogged<R, O>(io: CliIo, label: string, total: number, log: RunLogFile, run: (options: SweepOptions<R>) => Promise<O>): Promise<O> {
  const s = session(io, label, total, log.resumed.length);
  try {
    return await run({
      signal: s.signal,
      onProgress: s.onProgress,
      onResult: (r: R) => log.append(r),
      finished: finishedLookup<object, R>(log.resumed, log.path),
    });
  } finally {
    s.close();
    log.close();
  }
}

/** The metadata every sweep's JSON starts with (`extra` follows the config). */
function sweepMeta(
  figure: string,
  seed: number,
  config: unknown,
  batch: { complete: boolean; failed: number; wallTimeMs: number; mode: RunnerMode; workers: number },
  extra: Record<string, unknown> = {},
) {
  return {
    figure,
    generator: `geninv ${VERSION}`,
    node: process.version,
    seed,
    config,
    ...extra,
    complete: batch.complete,
    failedTrials: batch.failed,
    wallTimeMs: batch.wallTimeMs,
    mode: batch.mode,
    workers: batch.workers,
  };
}

function modeText(mode: RunnerMode, workers: number): string {
  return mode === "workers" ? `${workers} worker thread${workers === 1 ? "" : "s"}` : "in process (1 thread)";
}

/** A model's file name without its extension, for output file names. */
function modelTag(model: string): string {
  return basename(model).replace(/\.(json\.gz|json|pth|pt|onnx|safetensors)$/i, "");
}

function tagOf(base: string, quick: boolean): string {
  return (base + (quick ? "-quick" : "")).replace(/[^A-Za-z0-9._-]+/g, "_");
}

async function reproduceFig1(io: CliIo, flags: Fig1Flags): Promise<void> {
  const c = common(flags, { runs: FIG1_DEFAULTS.runs, quickRuns: FIG1_QUICK.runs, methods: FIG1_DEFAULTS.methods });
  if (flags.noise !== "uniform" && flags.noise !== "gaussian") throw new OptionError(`--noise must be uniform or gaussian, got '${flags.noise}'`);
  if (flags.xAxis !== "relative" && flags.xAxis !== "level") throw new OptionError(`--x-axis must be relative or level, got '${flags.xAxis}'`);
  if (flags.eps0 !== "noise" && flags.eps0 !== "method") throw new OptionError(`--eps0 must be noise or method, got '${flags.eps0}'`);
  const sizes = flags.sizes !== undefined ? parseList(flags.sizes, "--sizes").map((p) => parseIntFlag(p, "--sizes", 1)) : undefined;
  const config = fig1Config({
    noise: flags.noise as Fig1Noise,
    runs: c.runs,
    seed: c.seed,
    methods: c.methods,
    methodOptions: c.methodOptions,
    activation: parseActivation(flags.activation),
    eps0FromNoise: flags.eps0 === "noise",
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.layers !== undefined ? { modelLayers: parseList(flags.layers, "--layers"), modelActivation: flags.activation } : {}),
    ...(sizes ? { sizes } : {}),
    ...(flags.levels !== undefined ? { levels: parseLevels(flags.levels) } : {}),
    ...(flags.threshold !== undefined ? { successThreshold: parseNumberFlag(flags.threshold, "--threshold", true) } : {}),
  });
  const dir = flags.out ?? join("results", "fig1");
  if (flags.layers !== undefined && flags.model === undefined) throw new OptionError("--layers needs --model");
  const defaultNet = config.sizes.join(",") === FIG1_DEFAULTS.sizes.join(",") && config.activation.kind === "relu";
  const netTag = config.model ? `-${modelTag(config.model)}` : defaultNet ? "" : `-${config.sizes.join("-")}-${formatActivation(config.activation)}`;
  const tag = tagOf(`fig1-${config.noise}${netTag}`, flags.quick);
  if (config.model) fig1Model(config); // a bad model file fails here, before any worker starts
  const log = openSweepLog(io, join(dir, `${tag}.runs.jsonl`), "fig1", config, flags);
  const total = config.levels.length * config.runs;
  io.err(
    `fig1: ${config.noise} noise, ${config.model ? `model ${config.model}` : `${config.sizes.join("-")} ${formatActivation(config.activation)}`}, ${config.levels.length} levels × ${config.runs} runs × ${config.methods.join(", ")}, seed ${config.seed}\n`,
  );
  const result = await runLogged(io, "fig1", total, log, (options: SweepOptions<Fig1Record>) => runFig1(config, { workers: c.workers, ...options }));
  const xAxis = flags.xAxis as Fig1XAxis;
  const meta = sweepMeta("fig1", config.seed, config, result.batch, { xAxis });
  const done = result.records.filter((r) => r !== undefined).length;
  const paths = writeExperimentFiles(dir, tag, {
    csv: fig1Csv(config, result.records),
    json: { ...meta, summary: result.points, slopes: result.slopes, runs: result.records.filter((r) => r !== undefined) },
    svg: fig1Svg(config, result.records, result.points, xAxis),
  });
  const methodFailures = result.records.reduce((n, r) => n + (r ? r.methods.filter((o) => o.status === "failed").length : 0), 0);
  if (flags.json) {
    io.out(
      toJsonText(
        { ...meta, runsDone: done, runsTotal: total, methodFailures, files: { ...paths, log: log.path }, summary: result.points, slopes: result.slopes },
        true,
      ),
    );
  } else {
    io.out(`Figure 1 (${config.noise} noise): median relative recovery error ‖z − z*‖/‖z*‖, seed ${config.seed}\n\n`);
    const header = ["a", "‖e‖/‖G(z*)‖", ...config.methods.map((m, i) => methodStyle(m, i).label)];
    const rows = result.points.map((p) => [
      p.level.toExponential(0),
      fmt(p.medianRelNoise),
      ...config.methods.map((m) => fmt(p.methods[m]!.medianRelError) + (p.methods[m]!.failed ? ` (${p.methods[m]!.failed} failed)` : "")),
    ]);
    rows.push(["slope", "(log–log)", ...config.methods.map((m) => (result.slopes[m] === null ? "—" : result.slopes[m]!.toFixed(2)))]);
    io.out(table(header, rows));
    io.out(`\nsuccess rate (‖z − z*‖/‖z*‖ ≤ ${config.successThreshold}) and median time per inversion\n\n`);
    const timeRows = result.points.map((p) => [
      p.level.toExponential(0),
      ...config.methods.map((m) => {
        const q = p.methods[m]!;
        return `${q.successRate === null ? "—" : q.successRate.toFixed(2)} (${q.medianTimeMs === null ? "—" : q.medianTimeMs < 10 ? `${q.medianTimeMs.toFixed(1)} ms` : `${q.medianTimeMs.toFixed(0)} ms`})`;
      }),
    ]);
    io.out(table(["a", ...config.methods.map((m, i) => methodStyle(m, i).label)], timeRows));
    io.out(`\n${done}/${total} runs in ${formatSeconds(result.batch.wallTimeMs / 1000)} (wall) on ${modeText(result.batch.mode, result.batch.workers)}\n`);
    io.out(`wrote ${paths.csv}, ${paths.json}, ${paths.svg} (runs as they finished: ${log.path})\n`);
  }
  finishStatus(io, result.batch.complete, done, total, result.batch.failed, methodFailures);
}

async function reproduceFig2(io: CliIo, flags: Fig2Flags): Promise<void> {
  const c = common(flags, { runs: FIG2_DEFAULTS.runs, quickRuns: FIG2_QUICK.runs, methods: FIG2_DEFAULTS.methods });
  const activation = parseActivation(flags.activation);
  const layers = flags.sizes !== undefined ? parseFig2Sizes(flags.sizes) : undefined;
  const ks = flags.ks !== undefined ? parseKs(flags.ks) : flags.quick ? [...FIG2_QUICK.ks] : undefined;
  const config = fig2Config({
    activation,
    runs: c.runs,
    seed: c.seed,
    methods: c.methods,
    methodOptions: c.methodOptions,
    ...(layers ? { layers } : {}),
    ...(ks ? { ks } : {}),
    ...(flags.threshold !== undefined ? { successThreshold: parseNumberFlag(flags.threshold, "--threshold", true) } : {}),
  });
  const dir = flags.out ?? join("results", "fig2");
  const defaultNet = config.layers.join(",") === FIG2_DEFAULTS.layers.join(",");
  const tag = tagOf(`fig2-${formatActivation(activation)}${defaultNet ? "" : `-k-${config.layers.join("-")}`}`, flags.quick);
  const log = openSweepLog(io, join(dir, `${tag}.runs.jsonl`), "fig2", config, flags);
  const total = config.ks.length * config.runs;
  io.err(`fig2: ${fig2Architecture(config)}, ${config.ks.length} values of k × ${config.runs} runs × ${config.methods.join(", ")}, seed ${config.seed}\n`);
  const result = await runLogged(io, "fig2", total, log, (options: SweepOptions<Fig2Record>) => runFig2(config, { workers: c.workers, ...options }));
  const meta = sweepMeta("fig2", config.seed, config, result.batch);
  const done = result.records.filter((r) => r !== undefined).length;
  const paths = writeExperimentFiles(dir, tag, {
    csv: fig2Csv(config, result.records),
    json: { ...meta, summary: result.points, runs: result.records.filter((r) => r !== undefined) },
    svg: fig2Svg(config, result.points),
  });
  const methodFailures = result.records.reduce((n, r) => n + (r ? r.methods.filter((o) => o.status === "failed").length : 0), 0);
  if (flags.json) {
    io.out(toJsonText({ ...meta, runsDone: done, runsTotal: total, methodFailures, files: { ...paths, log: log.path }, summary: result.points }, true));
  } else {
    io.out(`Figure 2 (${fig2Architecture(config)}, noiseless): success rate (‖z − z*‖/‖z*‖ ≤ ${config.successThreshold}), seed ${config.seed}\n\n`);
    const header = ["k", ...config.methods.map((m, i) => methodStyle(m, i).label), "certified non-unique"];
    const rows = result.points.map((p) => [
      String(p.k),
      ...config.methods.map((m) => (p.runs ? p.methods[m]!.successRate.toFixed(3) : "—") + (p.methods[m]!.failed ? ` (${p.methods[m]!.failed} failed)` : "")),
      p.nonUniqueFraction === null ? "—" : p.nonUniqueFraction.toFixed(3),
    ]);
    io.out(table(header, rows));
    io.out(`\n${done}/${total} runs in ${formatSeconds(result.batch.wallTimeMs / 1000)} (wall) on ${modeText(result.batch.mode, result.batch.workers)}\n`);
    io.out(`wrote ${paths.csv}, ${paths.json}, ${paths.svg} (runs as they finished: ${log.path})\n`);
  }
  finishStatus(io, result.batch.complete, done, total, result.batch.failed, methodFailures);
}

interface SensingFlags extends CommonFlags {
  model: string;
  ms?: string;
  noise: string;
}

async function reproduceSensing(io: CliIo, flags: SensingFlags): Promise<void> {
  const c = common(flags, { runs: SENSING_DEFAULTS.runs, quickRuns: SENSING_QUICK.runs, methods: SENSING_DEFAULTS.methods });
  const ms = flags.ms !== undefined ? parseList(flags.ms, "--ms").map((p) => parseIntFlag(p, "--ms", 1)) : flags.quick ? [...SENSING_QUICK.ms] : undefined;
  const config = sensingConfig({
    model: flags.model,
    runs: c.runs,
    seed: c.seed,
    methods: c.methods,
    methodOptions: c.methodOptions,
    noise: parseNoise(flags.noise),
    ...(ms ? { ms } : {}),
  });
  const dir = flags.out ?? join("results", "sensing");
  const tag = tagOf(`sensing-${modelTag(config.model)}`, flags.quick);
  const log = openSweepLog(io, join(dir, `${tag}.runs.jsonl`), "sensing", config, flags);
  const total = config.ms.length * config.runs;
  io.err(
    `sensing: ${config.model}, m ∈ {${config.ms.join(", ")}} × ${config.runs} runs × ${config.methods.join(", ")}, noise ${formatNoise(config.noise)}, seed ${config.seed}\n`,
  );
  const result = await runLogged(io, "sensing", total, log, (options: SweepOptions<SensingRecord>) => runSensing(config, { workers: c.workers, ...options }));
  const meta = sweepMeta("sensing", config.seed, { ...config, noise: formatNoise(config.noise) }, result.batch);
  const done = result.records.filter((r) => r !== undefined).length;
  const paths = writeExperimentFiles(dir, tag, {
    csv: sensingCsv(config, result.records),
    json: { ...meta, summary: result.points, runs: result.records.filter((r) => r !== undefined) },
    svg: sensingSvg(config, result.records, result.points),
  });
  const methodFailures = result.records.reduce((n, r) => n + (r ? r.methods.filter((o) => o.status === "failed").length : 0), 0);
  if (flags.json) {
    io.out(toJsonText({ ...meta, runsDone: done, runsTotal: total, methodFailures, files: { ...paths, log: log.path }, summary: result.points }, true));
  } else {
    io.out(`Compressed sensing on ${config.model}: median reconstruction error ‖G(ẑ) − G(z*)‖/‖G(z*)‖ (and time per image), seed ${config.seed}\n\n`);
    const header = ["m", ...config.methods.map((m, i) => methodStyle(m, i).label)];
    const rows = result.points.map((p) => [
      String(p.m),
      ...config.methods.map((m) => {
        const q = p.methods[m]!;
        return `${fmt(q.medianImageError)} (${q.medianTimeMs === null ? "—" : `${q.medianTimeMs.toFixed(0)} ms`})${q.failed ? ` ${q.failed} failed` : ""}`;
      }),
    ]);
    io.out(table(header, rows));
    io.out(`\n${done}/${total} runs in ${formatSeconds(result.batch.wallTimeMs / 1000)} (wall) on ${modeText(result.batch.mode, result.batch.workers)}\n`);
    io.out(`wrote ${paths.csv}, ${paths.json}, ${paths.svg} (runs as they finished: ${log.path})\n`);
  }
  finishStatus(io, result.batch.complete, done, total, result.batch.failed, methodFailures);
}

interface ImageFlags {
  model: string;
  digits?: string;
  noise?: string;
  mask?: string;
  methods?: string;
  options?: string;
  seed: string;
  quick: boolean;
  out?: string;
  json: boolean;
}

function reproduceImages(io: CliIo, figure: "fig3" | "fig4", flags: ImageFlags): void {
  const config = imageFigureConfig(figure, {
    model: flags.model,
    seed: parseIntFlag(flags.seed, "--seed", 0, Number.MAX_SAFE_INTEGER),
    ...(flags.digits !== undefined ? { digits: parseIntFlag(flags.digits, "--digits", 1, 1000) } : flags.quick ? { digits: 3 } : {}),
    ...(flags.noise !== undefined ? { noise: parseNoise(flags.noise) } : {}),
    ...(flags.mask !== undefined ? { mask: flags.mask === "none" ? null : flags.mask } : {}),
    ...(flags.methods !== undefined ? { methods: parseList(flags.methods, "--methods") } : {}),
    ...(flags.options !== undefined ? { methodOptions: parseMethodOptions(flags.options) } : {}),
  });
  const dir = flags.out ?? join("results", figure);
  const tag = tagOf(`${figure}-${modelTag(config.model)}`, flags.quick);
  io.err(
    `${figure}: ${config.digits} digits of ${config.model}, noise ${formatNoise(config.noise)}, mask ${config.mask ?? "none"}, methods ${config.methods.join(", ")}, seed ${config.seed}\n`,
  );
  const bar = new Progress(io, figure, config.digits * config.methods.length);
  let result;
  try {
    result = runImageFigure(config, (done) => bar.set(done));
  } finally {
    bar.finish();
  }
  const png = join(dir, `${tag}.png`);
  const csv = join(dir, `${tag}.csv`);
  const json = join(dir, `${tag}.json`);
  writeFile(png, imageFigurePng(result));
  writeFile(csv, imageFigureCsv(result));
  writeFile(json, JSON.stringify({ generator: `geninv ${VERSION}`, node: process.version, ...imageFigureJson(result) }, null, 1) + "\n");
  const failures = config.methods.reduce((n, m) => n + result.summary[m]!.failed, 0);
  if (flags.json) {
    io.out(toJsonText({ figure, seed: config.seed, summary: result.summary, wallTimeMs: result.wallTimeMs, files: { png, csv, json } }, true));
  } else {
    io.out(
      `${figure === "fig3" ? "Figure 3 (denoising)" : "Figure 4 (inpainting)"} on ${config.model}: median over ${config.digits} digits, seed ${config.seed}\n\n`,
    );
    io.out(
      table(
        ["method", "‖G(z) − G(z*)‖/‖G(z*)‖", "‖z − z*‖/‖z*‖", "time / image", "failed"],
        config.methods.map((m, i) => {
          const r = result.summary[m]!;
          return [
            methodStyle(m, i).label,
            fmt(r.medianImageError),
            fmt(r.medianRelError),
            r.medianTimeMs === null ? "—" : `${r.medianTimeMs.toFixed(1)} ms`,
            String(r.failed),
          ];
        }),
      ),
    );
    io.out(`\n${config.digits} digits in ${formatSeconds(result.wallTimeMs / 1000)}; wrote ${png}, ${csv}, ${json}\n`);
  }
  if (failures > 0) {
    io.err(`geninv: ${failures} method call${failures === 1 ? "" : "s"} failed; see the error column of ${csv}\n`);
    io.exitCode = 1;
  }
}

function fmt(v: number | null): string {
  return v === null ? "—" : v.toExponential(2);
}

/** Exit non-zero, with a reason on stderr, when the sweep was interrupted or something failed. */
function finishStatus(io: CliIo, complete: boolean, done: number, total: number, failedTrials: number, methodFailures: number): void {
  if (!complete) {
    io.err(`geninv: interrupted after ${done} of ${total} runs; the files hold the finished runs\n`);
    io.exitCode = 1;
  }
  if (failedTrials > 0 || methodFailures > 0) {
    io.err(
      `geninv: ${failedTrials} run${failedTrials === 1 ? "" : "s"} failed outright and ${methodFailures} method call${methodFailures === 1 ? "" : "s"} failed; see the error column of the CSV\n`,
    );
    io.exitCode = 1;
  }
}
