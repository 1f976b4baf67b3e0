/**
 * The batch loop of `geninv invert`: every observation row inverted by one method, on worker
 * threads or in this thread, with each finished row streamed to the output (batch-output.ts),
 * `--resume` skipping the rows already there, a progress bar and ETA on stderr, and a failure in
 * one row — a typed error, a bug, a crashed worker — confined to that row's result.
 */
import { extname } from "node:path";
import { type Matrix } from "../linalg/matrix.js";
import { type Generator } from "../model/generator.js";
import { type InvertOptions } from "../invert/options.js";
import { type InversionStatus } from "../invert/result.js";
import { imageGrid } from "../render/grid.js";
import { grayToPng } from "../render/png.js";
import { failedRow, INVERT_TRIALS, invertBatchConfig, type InvertBatchRow, type InvertBatchTrial, invertRow } from "../experiments/invert-batch.js";
import { runTrials, type WorkerPool, workersAvailable } from "../experiments/runner.js";
import { GeninvError, OptionError } from "../errors.js";
import { type BatchOutput, type BatchRow, type ExistingOutput, openBatchOutput } from "./batch-output.js";
import { type CliIo, toJsonText, writeOutputFile } from "./io.js";
import { numbersSha256, weightsSha256 } from "./fingerprint.js";
import { Progress } from "./progress.js";
import { VERSION } from "./version.js";

/** What to invert and where the results go. */
export interface InvertBatchJob {
  gen: Generator;
  method: string;
  options: InvertOptions;
  /** Model as the user named it (echoed in the report). */
  model: string;
  /** Rows of the input (bad ones included). */
  rows: number;
  /** The vector the method sees for row b (after noise and measurement). */
  observation: (b: number) => Float64Array;
  /** z* of row b when known. */
  truth: ((b: number) => Float64Array) | null;
  /** Rows that cannot be inverted, with the reason (reported as failed rows). */
  badRows: ReadonlyMap<number, string>;
  /** `-o` values: a results file (.json, .jsonl/.ndjson or `-`) and/or PNG files; none = JSON on stdout. */
  outputs: readonly string[];
  existing: ExistingOutput;
  /** Worker threads (1 = this thread). */
  workers: number;
  /** Threads started while the input was read (see prestartWorkers); closed when not needed. */
  pool?: WorkerPool;
  /** Called before rows are inverted in this thread after all (e.g. to load HiGHS here). */
  beforeInProcess?: () => Promise<void>;
  /**
   * What besides the model, method and options determines the rows: hashes of the input files
   * (`observations`, `truth`, …) and the simulation settings (noise, seed); see {@link batchFingerprint}.
   */
  inputs: Record<string, unknown>;
}

/** Lists longer than this are recorded in a fingerprint by their hash, not entry by entry. */
const FINGERPRINT_LIST = 16;

/** A value with its long lists (typed arrays, a sensing matrix, a mask's rows) replaced by their hashes. */
function compactForFingerprint(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number>;
    return a.length > FINGERPRINT_LIST ? numbersSha256(a) : Array.from(a);
  }
  if (Array.isArray(v))
    return v.length > FINGERPRINT_LIST && v.every((x) => typeof x === "number") ? numbersSha256(v as number[]) : v.map(compactForFingerprint);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compactForFingerprint(x)]));
  return v;
}

/**
 * The fingerprint of a batch (the header of its output): geninv's version, the hash of the model's
 * weights (whatever file and flags built it), the method, every option (the measurement operator
 * and any long list by hash) and the job's input hashes and simulation settings.
 */
export function batchFingerprint(job: InvertBatchJob): Record<string, unknown> {
  const { onProgress: _drop, ...options } = job.options;
  return { geninv: VERSION, model: weightsSha256(job.gen), method: job.method, options: compactForFingerprint(options), ...job.inputs };
}

/** Output targets of `-o`: at most one results file (or `-`), any PNG files. */
export function splitOutputs(outputs: readonly string[]): { results: string | null; pngs: string[] } {
  const pngs = outputs.filter((o) => extname(o).toLowerCase() === ".png");
  const others = outputs.filter((o) => extname(o).toLowerCase() !== ".png");
  if (others.length > 1) throw new OptionError(`-o: one results file at a time (got ${others.join(", ")}); PNG files may be added`);
  return { results: others[0] ?? (pngs.length === 0 ? "-" : null), pngs };
}

/**
 * Run the batch; sets `io.exitCode` to 1 when a row failed or the batch was interrupted.
 * @throws OptionError, DataFormatError, FileError for outputs that cannot be used (before any work)
 */
export async function runInvertBatch(io: CliIo, job: InvertBatchJob): Promise<void> {
  const { results: resultsPath, pngs } = splitOutputs(job.outputs);
  if (job.existing !== "refuse" && (resultsPath === null || resultsPath === "-")) {
    throw new OptionError(`--${job.existing} needs a results file: -o results.jsonl (or .json)`);
  }
  const side = Math.round(Math.sqrt(job.gen.outputSize));
  for (const png of pngs) {
    if (side * side !== job.gen.outputSize)
      throw new OptionError(`-o ${png}: the model outputs ${job.gen.outputSize} values, not a square image; write JSON instead`);
  }
  const file: BatchOutput | null =
    resultsPath !== null && resultsPath !== "-"
      ? openBatchOutput(resultsPath, {
          existing: job.existing,
          total: job.rows,
          fingerprint: batchFingerprint(job),
          checkRow: (row) => {
            if (row.method !== job.method) return `it was inverted by '${String(row.method)}', not '${job.method}'`;
            if (row.error === undefined && (!Array.isArray(row.z) || row.z.length !== job.gen.inputSize))
              return `its z does not have the model's ${job.gen.inputSize} entries`;
            return null;
          },
        })
      : null;
  const done = new Map<number, BatchRow>(file?.resumed ?? []);
  if (file && file.resumed.size > 0) {
    io.err(
      `resuming ${file.path}: ${file.resumed.size} of ${job.rows} rows already done${file.repairedTornLine ? " (a torn last line was cut off and is redone)" : ""}\n`,
    );
  }
  const record = (row: BatchRow): void => {
    done.set(row.index, row);
    file?.write(row);
  };
  // rows that cannot be inverted: their own failed result, reported one by one
  for (const [b, why] of job.badRows) {
    io.err(`observation ${b}: ${why}\n`);
    if (!done.has(b)) record(failedRow(job.method, b, why));
  }
  const trials: InvertBatchTrial[] = [];
  for (let b = 0; b < job.rows; b++) {
    // own copies: a view would send its whole underlying buffer to a worker with every row
    if (!done.has(b)) trials.push({ index: b, x: job.observation(b).slice(), truth: job.truth ? job.truth(b).slice() : null });
  }

  const config = invertBatchConfig(job.gen, job.method, job.options);
  const progress = new Progress(io, `invert (${job.method})`, job.rows, done.size);
  const controller = new AbortController();
  const onSigint = (): void => {
    io.err("\ninterrupted: stopping; the finished rows are kept\n");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  const onRow = (row: InvertBatchRow): void => {
    record(row);
    if (row.error !== undefined) io.err(`observation ${row.index}: ${row.error}\n`);
    progress.tick();
  };
  let complete = true;
  try {
    const threads = job.workers > 1 && trials.length > 1 && workersAvailable();
    if (threads) {
      const batch = await runTrials(INVERT_TRIALS, config, trials, {
        workers: job.workers,
        mode: "workers",
        requiredMethods: [job.method],
        signal: controller.signal,
        ...(job.pool ? { pool: job.pool } : {}),
        onResult: (row) => onRow(row),
      });
      complete = batch.complete;
    } else {
      job.pool?.close();
      await job.beforeInProcess?.();
      // this thread: progress inside a long inversion moves the bar too
      let lastYield = performance.now();
      for (const t of trials) {
        if (controller.signal.aborted) {
          complete = false;
          break;
        }
        let row: InvertBatchRow;
        try {
          row = invertRow(config, t, (d, total) => progress.setPartial(d / total));
        } catch (e) {
          row = failedRow(job.method, t.index, rowError(e));
        }
        onRow(row);
        if (performance.now() - lastYield > 50) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
    }
  } finally {
    job.pool?.close(); // threads started ahead but not used (a one-row batch, one worker, resumed rows)
    process.removeListener("SIGINT", onSigint);
    progress.finish();
  }

  const rows = [...done.values()].sort((a, b) => a.index - b.index);
  const counts: Partial<Record<InversionStatus, number>> = {};
  let errors = 0;
  for (const r of rows) {
    const s = r.status as InversionStatus;
    counts[s] = (counts[s] ?? 0) + 1;
    if (r.error !== undefined) errors++;
  }
  const summary = `${rows.length}${complete ? "" : ` of ${job.rows}`} observation${rows.length === 1 ? "" : "s"} by ${job.method}: ${Object.entries(counts)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ")}`;
  if (!complete) {
    file?.close();
    io.err(`geninv: interrupted after ${rows.length} of ${job.rows} rows${file ? `; run the same command with --resume to finish ${file.path}` : ""}\n`);
    io.exitCode = 1;
    return;
  }
  const report = { model: job.model, method: job.method, summary: counts, results: rows };
  for (const png of pngs) {
    writeReconstructions(png, rows, job.gen, side);
    io.err(`wrote ${png}: G(z) of ${rows.length} observation${rows.length === 1 ? "" : "s"}\n`);
  }
  if (resultsPath === "-") io.out(toJsonText(report, true));
  else {
    if (file) {
      file.complete(report);
      io.err(`wrote ${file.path}\n`);
    }
    io.out(`${summary}\n`);
  }
  if (errors > 0) {
    io.err(`geninv: ${errors} of ${job.rows} observation${job.rows === 1 ? "" : "s"} failed (see their "error")\n`);
    io.exitCode = 1;
  }
}

/** A row's error text: a typed error's message, or the fact that it is a bug. */
function rowError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return e instanceof GeninvError ? msg : `internal error: ${msg}`;
}

/** G(z) of every row as PNG: one image, or a grid of them (failed rows black). */
function writeReconstructions(path: string, rows: readonly BatchRow[], gen: Generator, side: number): void {
  const images = rows.map((r) =>
    Array.isArray(r.z) || ArrayBuffer.isView(r.z) ? gen.forward(Float64Array.from(r.z as ArrayLike<number>)) : new Float64Array(gen.outputSize).fill(NaN),
  );
  const grid =
    images.length === 1
      ? { width: side, height: side, data: images[0]! }
      : imageGrid(images, { cols: Math.min(8, images.length), tileWidth: side, tileHeight: side, padding: 2 });
  writeOutputFile(
    path,
    grayToPng(
      Float64Array.from(grid.data, (v) => (Number.isFinite(v) ? v : 0)),
      grid.width,
      grid.height,
    ),
  );
}

/** The rows of a matrix as vectors (views). */
export function rowView(m: Matrix, b: number): Float64Array {
  return m.data.subarray(b * m.cols, (b + 1) * m.cols);
}
