/**
 * `geninv reproduce fig1|fig2`: regenerate the paper's synthetic experiments — data (JSON lines
 * while running, then CSV and JSON) and picture (SVG) — with a progress bar on stderr and a
 * summary table on stdout.
 */
import { join } from "node:path";
import { Command } from "commander";
import { OptionError } from "../../errors.js";
import { formatActivation, parseActivation } from "../../model/activation.js";
import { methodStyle } from "../../experiments/common.js";
import {
  FIG1_DEFAULTS,
  FIG1_QUICK,
  fig1Config,
  fig1Csv,
  type Fig1Noise,
  type Fig1Record,
  fig1Svg,
  type Fig1XAxis,
  runFig1,
} from "../../experiments/fig1.js";
import { FIG2_DEFAULTS, FIG2_QUICK, fig2Architecture, fig2Config, fig2Csv, type Fig2Record, fig2Svg, runFig2 } from "../../experiments/fig2.js";
import { RunLog, writeExperimentFiles } from "../../experiments/output.js";
import { defaultWorkers, type RunnerMode, type TrialProgress } from "../../experiments/runner.js";
import { type CliIo, toJsonText } from "../io.js";
import { parseIntFlag, parseNumberFlag } from "../parse.js";
import { formatSeconds, Progress } from "../progress.js";
import { table } from "./demo.js";

const VERSION = "0.1.0";

interface CommonFlags {
  runs?: string;
  seed: string;
  workers?: string;
  quick: boolean;
  out?: string;
  json: boolean;
  methods?: string;
  options?: string;
}

interface Fig1Flags extends CommonFlags {
  noise: string;
  levels?: string;
  sizes?: string;
  activation: string;
  xAxis: string;
  eps0: string;
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
    .option("--json", "print the summary as JSON instead of a table", false);
}

/** The `reproduce` command and its figure subcommands. */
export function reproduceCommand(io: CliIo): Command {
  const cmd = new Command("reproduce").description("regenerate a figure of the paper: data (CSV, JSON) and picture (SVG)");
  const fig1 = addCommonFlags(new Command("fig1"), FIG1_DEFAULTS.methods, FIG1_DEFAULTS.runs, FIG1_QUICK.runs)
    .description("Figure 1(a)(b): relative recovery error vs relative noise level on random 20-100-500 ReLU nets")
    .option("--noise <kind>", "uniform (U(-a, a), Fig. 1a) or gaussian (N(0, a²), a = σ, Fig. 1b)", "uniform")
    .option("--levels <list>", "noise levels a (default 1e-1,1e-2,…,1e-6)")
    .option("--sizes <list>", "layer widths k,n_1,…,n (default 20,100,500)")
    .option("--activation <spec>", "activation of every layer", "relu")
    .option("--x-axis <what>", "relative (‖e‖₂/‖G(z*)‖₂ per run) or level (a)", "relative")
    .option("--eps0 <from>", "noise: LP methods start ε at the noise level a (as the authors); method: their own default", "noise")
    .action((flags: Fig1Flags) => reproduceFig1(io, flags));
  const fig2 = addCommonFlags(new Command("fig2"), FIG2_DEFAULTS.methods, FIG2_DEFAULTS.runs, FIG2_QUICK.runs)
    .description("Figure 2: success rate vs latent dimension k on noiseless k-250-600 nets, with the certified non-unique fraction")
    .option("--activation <spec>", "relu (Fig. 2 left) or leaky_relu:0.1 (right)", "relu")
    .option("--sizes <list>", "architecture with k first, e.g. k,250,400,600 (default k,250,600)")
    .option("--ks <list>", "latent dimensions: a comma list or start:stop:step (default 10:250:10)")
    .option("--threshold <t>", "success when ‖z − z*‖/‖z*‖ ≤ t (default 1e-3)")
    .action((flags: Fig2Flags) => reproduceFig2(io, flags));
  for (const sub of [fig1, fig2]) {
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
  const parts = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
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
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new OptionError('--options must be a JSON object of method → options, e.g. {"linf":{"alpha":1.5}}');
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
function session(io: CliIo, label: string, total: number) {
  const bar = new Progress(io, label, total);
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

function modeText(mode: RunnerMode, workers: number): string {
  return mode === "workers" ? `${workers} worker thread${workers === 1 ? "" : "s"}` : "in process (1 thread)";
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
    ...(sizes ? { sizes } : {}),
    ...(flags.levels !== undefined ? { levels: parseLevels(flags.levels) } : {}),
  });
  const dir = flags.out ?? join("results", "fig1");
  const defaultNet = config.sizes.join(",") === FIG1_DEFAULTS.sizes.join(",") && config.activation.kind === "relu";
  const tag = tagOf(`fig1-${config.noise}${defaultNet ? "" : `-${config.sizes.join("-")}-${formatActivation(config.activation)}`}`, flags.quick);
  const log = new RunLog(join(dir, `${tag}.runs.jsonl`));
  const total = config.levels.length * config.runs;
  io.err(`fig1: ${config.noise} noise, ${config.sizes.join("-")} ${formatActivation(config.activation)}, ${config.levels.length} levels × ${config.runs} runs × ${config.methods.join(", ")}, seed ${config.seed}\n`);
  const s = session(io, "fig1", total);
  let result;
  try {
    result = await runFig1(config, { workers: c.workers, signal: s.signal, onProgress: s.onProgress, onResult: (r: Fig1Record) => log.append(r) });
  } finally {
    s.close();
  }
  const xAxis = flags.xAxis as Fig1XAxis;
  const meta = {
    figure: "fig1",
    generator: `geninv ${VERSION}`,
    node: process.version,
    seed: config.seed,
    config,
    xAxis,
    complete: result.batch.complete,
    failedTrials: result.batch.failed,
    wallTimeMs: result.batch.wallTimeMs,
    mode: result.batch.mode,
    workers: result.batch.workers,
  };
  const done = result.records.filter((r) => r !== undefined).length;
  const paths = writeExperimentFiles(dir, tag, {
    csv: fig1Csv(config, result.records),
    json: { ...meta, summary: result.points, slopes: result.slopes, runs: result.records.filter((r) => r !== undefined) },
    svg: fig1Svg(config, result.records, result.points, xAxis),
  });
  const methodFailures = result.records.reduce((n, r) => n + (r ? r.methods.filter((o) => o.status === "failed").length : 0), 0);
  if (flags.json) {
    io.out(toJsonText({ ...meta, runsDone: done, runsTotal: total, methodFailures, files: { ...paths, log: log.path }, summary: result.points, slopes: result.slopes }, true));
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
  const log = new RunLog(join(dir, `${tag}.runs.jsonl`));
  const total = config.ks.length * config.runs;
  io.err(`fig2: ${fig2Architecture(config)}, ${config.ks.length} values of k × ${config.runs} runs × ${config.methods.join(", ")}, seed ${config.seed}\n`);
  const s = session(io, "fig2", total);
  let result;
  try {
    result = await runFig2(config, { workers: c.workers, signal: s.signal, onProgress: s.onProgress, onResult: (r: Fig2Record) => log.append(r) });
  } finally {
    s.close();
  }
  const meta = {
    figure: "fig2",
    generator: `geninv ${VERSION}`,
    node: process.version,
    seed: config.seed,
    config,
    complete: result.batch.complete,
    failedTrials: result.batch.failed,
    wallTimeMs: result.batch.wallTimeMs,
    mode: result.batch.mode,
    workers: result.batch.workers,
  };
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
    io.err(`geninv: ${failedTrials} run${failedTrials === 1 ? "" : "s"} failed outright and ${methodFailures} method call${methodFailures === 1 ? "" : "s"} threw; see the error column of the CSV\n`);
    io.exitCode = 1;
  }
}
