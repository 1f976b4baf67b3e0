/**
 * Where a batch's result rows go, so that a batch never loses finished work:
 *
 * - a `.jsonl` / `.ndjson` output receives each row as one JSON line the moment it is finished (in
 *   completion order, each row carrying its input `index`);
 * - a `.json` output is written once, atomically (temporary file, fsync, rename), at the end;
 *   meanwhile the rows stream into a journal `<output>.part.jsonl` next to it, removed when the
 *   document is in place.
 *
 * The first line of a `.jsonl` output (and of a journal) is the batch's fingerprint,
 * `{"batch": {…}}` — geninv version, model weights hash, input file hashes, method and options —
 * and a finished `.json` document carries the same object as `fingerprint`.
 *
 * `--resume` reads the rows an output (or its journal) already holds — a torn last line, left by a
 * kill in the middle of a write, is cut off and redone — and the batch runs only the others; an
 * output whose fingerprint differs from this command's is refused, naming each differing field.
 * Without `--resume`, an output that already holds rows (a `.jsonl`, or a journal left by a killed
 * run) is refused unless `--force`: nothing finished is ever truncated silently.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, extname } from "node:path";
import { DataFormatError, FileError, OptionError } from "../errors.js";
import { fingerprintDifferences } from "./fingerprint.js";
import { checkOutputPath, fsyncFolder, toJsonText, writeOutputFile } from "./io.js";

/** A finished row of a batch: at least its input index (the key of resume). */
export interface BatchRow {
  index: number;
  [key: string]: unknown;
}

/** True for the streamed output formats (`.jsonl`, `.ndjson`). */
export function isJsonLines(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return ext === ".jsonl" || ext === ".ndjson";
}

/** The journal of a `.json` output while its batch runs. */
export function journalPath(path: string): string {
  return `${path}.part.jsonl`;
}

/** The complete JSON lines of a file: the rows, and the byte length they span (a torn tail excluded). */
export interface JsonLinesContent {
  rows: unknown[];
  /** Bytes of the complete lines; anything after is a torn line. */
  validBytes: number;
  /** A last line without its newline was found (and is to be redone). */
  torn: boolean;
}

/**
 * Read the complete lines of a JSON-lines file. A last line without its newline is a write cut by a
 * kill (`torn`); an unparsable complete line is corruption.
 * @throws DataFormatError naming the file and line when a complete line is not JSON
 */
export function readJsonLines(path: string): JsonLinesContent {
  const bytes = readFileSync(path);
  const end = bytes.lastIndexOf(0x0a) + 1; // after the last newline
  const text = bytes.subarray(0, end).toString("utf8");
  const rows: unknown[] = [];
  let line = 0;
  for (const s of text.split("\n")) {
    line++;
    if (s.trim() === "") continue;
    try {
      rows.push(JSON.parse(s));
    } catch {
      throw new DataFormatError(`line ${line} is not JSON, so this is not a file --resume can continue (use --force to overwrite it)`, { file: path });
    }
  }
  return { rows, validBytes: end, torn: end < bytes.length };
}

/** How an output that may already exist is treated. */
export type ExistingOutput = "refuse" | "resume" | "force";

/** Options of {@link openBatchOutput}. */
export interface BatchOutputOptions {
  existing: ExistingOutput;
  /** Rows the batch has (indices 0 … total − 1). */
  total: number;
  /** What determines the rows (see {@link fingerprintDifferences}); a resume must match it. */
  fingerprint: Record<string, unknown>;
  /** Checks a resumed row belongs to this batch (same method …); returns why not, or null. */
  checkRow: (row: BatchRow) => string | null;
  /** Flag that named the output, for messages (default `-o`). */
  flag?: string;
}

/**
 * The output of one batch: rows already there (resume), then each new row as it finishes, then the
 * final document (`.json`) or nothing more (`.jsonl`).
 */
export interface BatchOutput {
  readonly path: string;
  /** Rows found in the output when resuming, by index. */
  readonly resumed: ReadonlyMap<number, BatchRow>;
  /** A torn last line was found (and cut off). */
  readonly repairedTornLine: boolean;
  /** Record a finished row. @throws FileError */
  write(row: BatchRow): void;
  /** All rows are in: write the document (`.json`, with the fingerprint added) and close. @throws FileError */
  complete(document: unknown): void;
  /** Stop early (interrupt): keep what is written for a later --resume. */
  close(): void;
}

/**
 * Open the output of a batch; see the module comment for the rules.
 * @throws OptionError when an existing output holds rows and neither resume nor force is asked
 * @throws DataFormatError when a resumed output is corrupt or belongs to another batch
 * @throws FileError when the output cannot be written where asked
 */
export function openBatchOutput(path: string, options: BatchOutputOptions): BatchOutput {
  const flag = options.flag ?? "-o";
  checkOutputPath(path, flag);
  const lines = isJsonLines(path);
  const log = lines ? path : journalPath(path);
  const resumed = new Map<number, BatchRow>();
  let validBytes = 0;
  let torn = false;
  const headerLine = toJsonText({ batch: options.fingerprint });
  const fingerprint = (JSON.parse(headerLine) as { batch: unknown }).batch; // as it reads back
  const refuseOther = (recorded: unknown, file: string): void => {
    const differences = fingerprintDifferences(recorded, fingerprint);
    if (differences.length > 0) {
      throw new DataFormatError(
        `was written by a different batch (${differences.join("; ")}), so --resume cannot continue it: use the same model, files and flags, or --force to start over`,
        { file },
      );
    }
  };

  const logHasRows = existsSync(log) && statSync(log).size > 0;
  if (options.existing === "refuse" && logHasRows) {
    const n = safeCount(log);
    throw new OptionError(
      lines
        ? `${flag} ${path} already holds ${n} result line${n === 1 ? "" : "s"}: give --resume to continue that batch, or --force to overwrite it`
        : `${log} holds ${n} result${n === 1 ? "" : "s"} of an interrupted run into ${path}: give --resume to continue it, or --force to start over`,
    );
  }
  if (options.existing === "resume") {
    if (logHasRows) {
      const content = readJsonLines(log);
      validBytes = content.validBytes;
      torn = content.torn;
      const [first, ...rows] = content.rows;
      if (first !== undefined) {
        if (!isHeader(first)) {
          throw new DataFormatError(
            'has no fingerprint (its first line is not a {"batch": …} header), so --resume cannot check that it belongs to this batch: use --force to start over',
            { file: log },
          );
        }
        refuseOther(first.batch, log);
      }
      rows.forEach((r, i) => addResumed(resumed, r, options, log, `line ${i + 2}`));
    } else if (!lines && existsSync(path)) {
      // a finished .json document: its rows count as done (a rerun then rewrites the same document)
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(path, "utf8"));
      } catch {
        throw new DataFormatError("is not a JSON document, so --resume cannot continue it (use --force to overwrite it)", { file: path });
      }
      const results = (doc as { results?: unknown } | null)?.results;
      if (!Array.isArray(results))
        throw new DataFormatError('has no "results" list, so it is not an output --resume can continue (use --force to overwrite it)', { file: path });
      refuseOther((doc as { fingerprint?: unknown }).fingerprint, path);
      results.forEach((r, i) => addResumed(resumed, r, options, path, `results[${i}]`));
    }
  }

  let fd: number | null;
  try {
    // append after the complete lines (a torn tail is cut off); force and fresh runs start empty
    fd = openSync(log, "a+");
    ftruncateSync(fd, options.existing === "resume" ? validBytes : 0);
    if (options.existing !== "resume" || validBytes === 0) writeAll(fd, headerLine);
    if (!lines && resumed.size > 0 && validBytes === 0) {
      // resuming from a finished document: seed the journal with its rows, so a kill loses nothing
      for (const row of [...resumed.values()].sort((a, b) => a.index - b.index)) writeAll(fd, toJsonText(row));
    }
  } catch (e) {
    throw new FileError(log, e instanceof Error ? e.message : String(e));
  }
  const handle = fd;
  let open = true;
  const closeFd = (): void => {
    if (!open) return;
    open = false;
    try {
      fsyncSync(handle);
    } finally {
      closeSync(handle);
    }
  };

  return {
    path,
    resumed,
    repairedTornLine: torn,
    write(row) {
      try {
        // one write call per row: a kill leaves whole lines and at most one torn last line
        writeAll(handle, toJsonText(row));
      } catch (e) {
        throw new FileError(log, e instanceof Error ? e.message : String(e));
      }
    },
    complete(document) {
      closeFd();
      if (!lines) {
        // the document carries the fingerprint, so a later --resume can check it too
        const doc = typeof document === "object" && document !== null && !Array.isArray(document) ? { ...document, fingerprint } : document;
        writeOutputFile(path, toJsonText(doc), flag);
        unlinkSync(log);
        fsyncFolder(dirname(path));
      }
    },
    close: closeFd,
  };
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

function addResumed(into: Map<number, BatchRow>, r: unknown, options: BatchOutputOptions, file: string, where: string): void {
  if (typeof r !== "object" || r === null || Array.isArray(r))
    throw new DataFormatError(`${where} is not a result object (use --force to overwrite the file)`, { file });
  const row = r as BatchRow;
  if (!Number.isSafeInteger(row.index) || row.index < 0 || row.index >= options.total) {
    throw new DataFormatError(
      `${where} has index ${JSON.stringify(row.index)}, but this batch has rows 0 … ${options.total - 1}: it belongs to another input (use --force to overwrite it)`,
      { file },
    );
  }
  const why = options.checkRow(row);
  if (why !== null) throw new DataFormatError(`${where}: ${why}, so it belongs to another batch (use --force to overwrite it)`, { file });
  if (into.has(row.index)) throw new DataFormatError(`${where} repeats the result of row ${row.index} (use --force to overwrite the file)`, { file });
  into.set(row.index, row);
}

/** A fingerprint line `{"batch": {…}}`. */
function isHeader(v: unknown): v is { batch: unknown } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "batch" in v && !("index" in v);
}

/** Result lines in a file (a fingerprint header not counted), for messages (never throws). */
function safeCount(path: string): number {
  try {
    const lines = readFileSync(path, "utf8")
      .split("\n")
      .filter((s) => s.trim() !== "");
    return lines.length - (lines[0]?.startsWith('{"batch":') ? 1 : 0);
  } catch {
    return 0;
  }
}

/** The run log of a sweep (`reproduce`): a header line naming the sweep, then one line per finished run. */
export interface RunLogFile {
  readonly path: string;
  /** Runs a previous, interrupted sweep finished (resume), in file order. */
  readonly resumed: readonly unknown[];
  readonly repairedTornLine: boolean;
  /** Append one finished run. @throws FileError */
  append(record: unknown): void;
  close(): void;
}

/**
 * Open the JSON-lines log of a sweep. Its first line is `header` (what the sweep is: figure,
 * config, seed, geninv version, hashes of its input files); `--resume` continues a log only when
 * its header is the same — a difference is refused naming each field that differs — so finished
 * runs of another sweep are never mixed in. Without resume or force, a log that holds runs is refused.
 * The log's folder is created (the sweep's `--out` folder).
 * @throws OptionError, DataFormatError, FileError
 */
export function openRunLog(path: string, header: Record<string, unknown>, existing: ExistingOutput): RunLogFile {
  const headerLine = toJsonText({ sweep: header });
  let validBytes = 0;
  let torn = false;
  const resumed: unknown[] = [];
  const holds = existsSync(path) && statSync(path).size > 0;
  if (holds && existing === "refuse") {
    const n = Math.max(0, safeCount(path) - 1);
    throw new OptionError(`${path} holds ${n} finished run${n === 1 ? "" : "s"} of an earlier sweep: give --resume to continue it, or --force to start over`);
  }
  if (holds && existing === "resume") {
    const content = readJsonLines(path);
    const [first, ...runs] = content.rows;
    if (content.rows.length === 0) {
      validBytes = 0; // only a torn header: start over
    } else if (toJsonText(first) !== headerLine) {
      const recorded = typeof first === "object" && first !== null ? (first as { sweep?: unknown }).sweep : undefined;
      const differences = fingerprintDifferences(recorded, (JSON.parse(headerLine) as { sweep: unknown }).sweep);
      throw new DataFormatError(
        `was written by a different sweep (${differences.join("; ") || "its first line is not a sweep header"}), so --resume cannot continue it: use the same flags and files, or --force to start over`,
        { file: path },
      );
    } else {
      resumed.push(...runs);
      validBytes = content.validBytes;
      torn = content.torn;
    }
  }
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, "a+");
    ftruncateSync(fd, existing === "resume" ? validBytes : 0);
    if (existing !== "resume" || validBytes === 0) writeAll(fd, headerLine);
  } catch (e) {
    throw new FileError(path, e instanceof Error ? e.message : String(e));
  }
  let open = true;
  return {
    path,
    resumed,
    repairedTornLine: torn,
    append(record) {
      try {
        writeAll(fd, toJsonText(record));
      } catch (e) {
        throw new FileError(path, e instanceof Error ? e.message : String(e));
      }
    },
    close() {
      if (!open) return;
      open = false;
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

/**
 * A resume lookup for the trial runner: the finished record of a trial, matched on the trial's own
 * fields (e.g. `{ k, run }`), which every sweep record repeats. A run finished twice is an error.
 * @throws DataFormatError naming the log when a record repeats a run
 */
export function finishedLookup<T extends object, R>(records: readonly unknown[], file: string): (trial: T) => R | undefined {
  let byKey: Map<string, R> | null = null;
  return (trial: T) => {
    const fields = Object.keys(trial);
    if (!byKey) {
      byKey = new Map();
      for (const r of records) {
        if (typeof r !== "object" || r === null) throw new DataFormatError("holds a line that is not a run record (use --force to start over)", { file });
        const key = JSON.stringify(fields.map((f) => (r as Record<string, unknown>)[f]));
        if (byKey.has(key)) throw new DataFormatError(`holds the run ${key} twice (use --force to start over)`, { file });
        byKey.set(key, r as R);
      }
    }
    return byKey.get(JSON.stringify(fields.map((f) => (trial as Record<string, unknown>)[f])));
  };
}
