/**
 * The plumbing every `reproduce` sweep shares: the common flags (runs, seed, workers, methods,
 * options, --resume / --force), the run log with its fingerprint (figure, config, geninv version,
 * model file hash), the progress bar and Ctrl-C handling, the metadata of the JSON, the atomic
 * writing of the final CSV / JSON / SVG / PNG files, and the exit status.
 */
import { basename } from "node:path";
import { type Command } from "commander";
import { loadHighsBackend } from "../../lp/highs.js";
import { OptionError } from "../../errors.js";
import { resolveModelPath } from "../../model/io/builtin.js";
import { type ExperimentFiles, writeExperimentFiles } from "../../experiments/output.js";
import { defaultWorkers, type RunnerMode, type TrialProgress } from "../../experiments/runner.js";
import { finishedLookup, openRunLog, type RunLogFile } from "../batch-output.js";
import { fileSha256 } from "../fingerprint.js";
import { type CliIo, writeOutputFile } from "../io.js";
import { parseIntFlag } from "../parse.js";
import { Progress } from "../progress.js";
import { VERSION } from "../version.js";

/** How an existing run log is treated: --resume, --force, or neither (refuse). */
export interface ResumeFlags {
  resume?: boolean;
  force?: boolean;
}

export interface CommonFlags extends ResumeFlags {
  runs?: string;
  seed: string;
  workers?: string;
  quick: boolean;
  out?: string;
  json: boolean;
  methods?: string;
  options?: string;
}

/** The flags every sweep has: runs, seed, workers, quick, out, methods, options, json, resume, force. */
export function addCommonFlags(cmd: Command, defaultMethods: readonly string[], defaultRuns: number, quickRuns: number): Command {
  cmd
    .option("--runs <n>", `runs per point (default ${defaultRuns}; ${quickRuns} with --quick)`)
    .option("--seed <n>", "random seed (echoed in every output file)", "0")
    .option("--workers <n>", `worker threads (default: all ${defaultWorkers()} cores)`)
    .option("--quick", "a few runs (and points) — seconds, for tests and smoke checks", false)
    .option("--out <dir>", "output folder (default results/<figure>)")
    .option("--methods <list>", `comma list of registered methods (default ${defaultMethods.join(",")})`)
    .option("--options <json>", 'per-method option overrides as JSON, e.g. \'{"linf":{"alpha":1.5}}\'')
    .option("--json", "print the summary as JSON instead of a table", false);
  return addResumeFlags(cmd);
}

/** --resume and --force of a sweep (its run log is `<out>/<tag>.runs.jsonl`). */
export function addResumeFlags(cmd: Command): Command {
  return cmd
    .option("--resume", "continue an interrupted sweep: keep the runs its <out>/<figure>.runs.jsonl holds (same flags), run the rest")
    .option("--force", "start over even though the run log holds finished runs (without --resume or --force it is refused)");
}

/**
 * The sweep's run log, opened for --resume / --force / neither; reports what a resume found. Its
 * header fingerprints the sweep: figure, config, geninv version and, when the sweep reads a model
 * file (a built-in name resolves to its shipped file), that file's SHA-256.
 */
export function openSweepLog(io: CliIo, path: string, figure: string, config: unknown, flags: ResumeFlags, model?: string) {
  if (flags.resume && flags.force) throw new OptionError("--resume and --force exclude each other");
  const header = { figure, generator: `geninv ${VERSION}`, config, ...(model !== undefined ? { inputs: { model: fileSha256(resolveModelPath(model)) } } : {}) };
  const log = openRunLog(path, header, flags.resume ? "resume" : flags.force ? "force" : "refuse");
  if (log.resumed.length > 0 || log.repairedTornLine) {
    io.err(
      `resuming ${path}: ${log.resumed.length} finished run${log.resumed.length === 1 ? "" : "s"} kept${log.repairedTornLine ? " (a torn last line was cut off and is redone)" : ""}\n`,
    );
  }
  return log;
}

/** Shared parsing of the common flags. */
export function common(flags: CommonFlags, defaults: { runs: number; quickRuns: number; methods: readonly string[] }) {
  const runs = flags.runs !== undefined ? parseIntFlag(flags.runs, "--runs", 1, 1_000_000) : flags.quick ? defaults.quickRuns : defaults.runs;
  const seed = parseIntFlag(flags.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
  const workers = flags.workers !== undefined ? parseIntFlag(flags.workers, "--workers", 1, 1024) : defaultWorkers();
  const methods = flags.methods !== undefined ? parseList(flags.methods, "--methods") : [...defaults.methods];
  const methodOptions = flags.options !== undefined ? parseMethodOptions(flags.options) : {};
  return { runs, seed, workers, methods, methodOptions };
}

/** A comma list flag. @throws OptionError when empty */
export function parseList(value: string, flag: string): string[] {
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

/** Load HiGHS, the LP engine's fallback, for runs in this thread (workers load their own). */
export async function withLpFallback<T>(flags: T): Promise<T> {
  await loadHighsBackend().catch(() => undefined);
  return flags;
}

/** A running sweep's abort signal, progress callback and clean-up. */
export interface Session {
  signal: AbortSignal;
  onProgress: (p: TrialProgress) => void;
  close: () => void;
}

/** Draw the runner's progress with the CLI's progress bar; stop on Ctrl-C, keeping what finished. */
export function session(io: CliIo, label: string, total: number, alreadyDone = 0): Session {
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
export interface SweepOptions<R> {
  signal: AbortSignal;
  onProgress: (p: TrialProgress) => void;
  onResult: (r: R) => void;
  finished: (trial: object) => R | undefined;
}

/** One sweep with its progress bar and run log: finished runs are appended, resumed ones skipped. */
export async function runLogged<R, O>(io: CliIo, label: string, total: number, log: RunLogFile, run: (options: SweepOptions<R>) => Promise<O>): Promise<O> {
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
export function sweepMeta(
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

/** Where the trials ran, for the summary line. */
export function modeText(mode: RunnerMode, workers: number): string {
  return mode === "workers" ? `${workers} worker thread${workers === 1 ? "" : "s"}` : "in process (1 thread)";
}

/** A model's file name without its extension, for output file names. */
export function modelTag(model: string): string {
  return basename(model).replace(/\.(json\.gz|json|pth|pt|onnx|safetensors)$/i, "");
}

/** The file-name tag of a sweep's outputs (`-quick` appended with --quick). */
export function tagOf(base: string, quick: boolean): string {
  return (base + (quick ? "-quick" : "")).replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** A number for the summary tables (— for none). */
export function fmt(v: number | null): string {
  return v === null ? "—" : v.toExponential(2);
}

/** Exit non-zero, with a reason on stderr, when the sweep was interrupted or something failed. */
export function finishStatus(io: CliIo, complete: boolean, done: number, total: number, failedTrials: number, methodFailures: number): void {
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

/**
 * Write a sweep's `<dir>/<tag>.csv`, `.json` and `.svg`, each atomically (temporary file in the
 * same folder, fsync, rename: a kill leaves the old file or the complete new one).
 * @throws FileError
 */
export function writeSweepFiles(dir: string, tag: string, files: ExperimentFiles): { csv: string; json: string; svg: string } {
  return writeExperimentFiles(dir, tag, files, (path, text) => writeOutputFile(path, text, "--out"));
}
