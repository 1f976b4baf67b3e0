/**
 * `geninv reproduce fig1|fig2|sensing`: the paper's synthetic sweeps (and compressed sensing) —
 * data (JSON lines while running, then CSV and JSON) and picture (SVG) — with a progress bar on
 * stderr and a summary table on stdout; the run plumbing is reproduce-run.ts.
 */
import { join } from "node:path";
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
import { formatNoise, parseNoise } from "../../model/random.js";
import {
  quickSensingOptions,
  runSensing,
  SENSING_DEFAULTS,
  SENSING_QUICK,
  sensingConfig,
  sensingCsv,
  type SensingRecord,
  sensingSvg,
} from "../../experiments/sensing.js";
import { type CliIo, toJsonText } from "../io.js";
import { parseIntFlag, parseNumberFlag } from "../parse.js";
import { formatSeconds } from "../progress.js";
import { table } from "../table.js";
import {
  common,
  type CommonFlags,
  finishStatus,
  fmt,
  modelTag,
  modeText,
  openSweepLog,
  parseList,
  runLogged,
  type SweepOptions,
  sweepMeta,
  tagOf,
  writeSweepFiles,
} from "./reproduce-run.js";

export interface Fig1Flags extends CommonFlags {
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

export interface Fig2Flags extends CommonFlags {
  activation: string;
  sizes?: string;
  ks?: string;
  threshold?: string;
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

export function parseLevels(value: string): number[] {
  return parseList(value, "--levels").map((p) => parseNumberFlag(p, "--levels", true));
}

export async function reproduceFig1(io: CliIo, flags: Fig1Flags): Promise<void> {
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
  const log = openSweepLog(io, join(dir, `${tag}.runs.jsonl`), "fig1", config, flags, config.model ?? undefined);
  const total = config.levels.length * config.runs;
  io.err(
    `fig1: ${config.noise} noise, ${config.model ? `model ${config.model}` : `${config.sizes.join("-")} ${formatActivation(config.activation)}`}, ${config.levels.length} levels × ${config.runs} runs × ${config.methods.join(", ")}, seed ${config.seed}\n`,
  );
  const result = await runLogged(io, "fig1", total, log, (options: SweepOptions<Fig1Record>) => runFig1(config, { workers: c.workers, ...options }));
  const xAxis = flags.xAxis as Fig1XAxis;
  const meta = sweepMeta("fig1", config.seed, config, result.batch, { xAxis });
  const done = result.records.filter((r) => r !== undefined).length;
  const paths = writeSweepFiles(dir, tag, {
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

export async function reproduceFig2(io: CliIo, flags: Fig2Flags): Promise<void> {
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
  const paths = writeSweepFiles(dir, tag, {
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

export interface SensingFlags extends CommonFlags {
  model: string;
  ms?: string;
  noise: string;
}

export async function reproduceSensing(io: CliIo, flags: SensingFlags): Promise<void> {
  const c = common(flags, { runs: SENSING_DEFAULTS.runs, quickRuns: SENSING_QUICK.runs, methods: SENSING_DEFAULTS.methods });
  const ms = flags.ms !== undefined ? parseList(flags.ms, "--ms").map((p) => parseIntFlag(p, "--ms", 1)) : flags.quick ? [...SENSING_QUICK.ms] : undefined;
  const config = sensingConfig({
    model: flags.model,
    runs: c.runs,
    seed: c.seed,
    methods: c.methods,
    methodOptions: flags.quick ? quickSensingOptions(c.methodOptions) : c.methodOptions,
    noise: parseNoise(flags.noise),
    ...(ms ? { ms } : {}),
  });
  const dir = flags.out ?? join("results", "sensing");
  const tag = tagOf(`sensing-${modelTag(config.model)}`, flags.quick);
  const log = openSweepLog(io, join(dir, `${tag}.runs.jsonl`), "sensing", config, flags, config.model);
  const total = config.ms.length * config.runs;
  io.err(
    `sensing: ${config.model}, m ∈ {${config.ms.join(", ")}} × ${config.runs} runs × ${config.methods.join(", ")}, noise ${formatNoise(config.noise)}, seed ${config.seed}\n`,
  );
  const result = await runLogged(io, "sensing", total, log, (options: SweepOptions<SensingRecord>) => runSensing(config, { workers: c.workers, ...options }));
  const meta = sweepMeta("sensing", config.seed, { ...config, noise: formatNoise(config.noise) }, result.batch);
  const done = result.records.filter((r) => r !== undefined).length;
  const paths = writeSweepFiles(dir, tag, {
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
