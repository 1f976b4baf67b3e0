/**
 * Observation and ground-truth arrays from JSON (`number[]` or `number[][]`), `.npy` or `.npz`
 * files, as row-major matrices: a single vector becomes one row, and an array of three or more
 * dimensions (e.g. a batch of 28×28 images) keeps its first axis as rows and flattens the rest in
 * C order, as PyTorch's `flatten(1)` does.
 */
import { extname } from "node:path";
import { DataFormatError } from "../../errors.js";
import { type Matrix } from "../../linalg/matrix.js";
import { readBytes, readText } from "./files.js";
import { type ExpectedWidth, readJsonLinesObservations, readNpyInPieces, widthError } from "./row-files.js";
import { ByteBudget, type LoadLimits } from "./limits.js";
import { parseJsonText } from "./json-text.js";
import { parseNpy } from "./npy.js";
import { dataErrors, readNpz } from "./npz.js";

/**
 * Observations `x` with optional ground truth `z` (rows are samples), as {@link loadObservations} reads them.
 * @example
 * ```ts
 * import { invertBatch, type ObservationSet, randomGenerator, relativeError, RELU, sampleObservations } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 30], activation: RELU, rng: 1 });
 * const s = sampleObservations(gen, 2, 3);
 * const obs: ObservationSet = { x: s.x, z: s.z }; // what loadObservations returns for a file with x and z
 * const [r] = invertBatch(gen, obs.x, { method: "exact" });
 * console.log(relativeError(r!.z, obs.z!.data.subarray(0, 2)) < 1e-8); // true: the first row's z recovered
 * ```
 */
export interface ObservationSet {
  /** The observations, one a row (rows × n). */
  x: Matrix;
  /** The true latent codes (rows × k) when the file holds them, else null. */
  z: Matrix | null;
  /**
   * With `{ badRows: "collect" }`: the rows of x that cannot be used (a NaN or infinite entry, a
   * non-number, the wrong length), each with its index; their entries in `x` are NaN.
   */
  badRows?: RowProblem[];
}

/** One unusable observation row: its index and what is wrong, naming the file and entry (e.g. `obs.npy: x[3][5] is NaN`). */
export interface RowProblem {
  index: number;
  message: string;
}

/** Options of {@link loadObservations}. */
export interface LoadObservationsOptions {
  /**
   * `throw` (default): the first bad row of x refuses the file. `collect`: every bad row is listed
   * in `badRows` (with its index) and the good rows are kept, so a batch can invert them.
   */
  badRows?: "throw" | "collect";
  /**
   * The row width the caller needs (e.g. the model's outputs): `.npy` and `.jsonl` files are
   * checked against it before their data is read (JSON and `.npz` are parsed whole; the caller
   * checks those, after their bad rows are reported).
   */
  width?: ExpectedWidth;
}

/**
 * Load observations: a JSON file `{"x": number[] | number[][], "z"?: …}` (as `geninv sample`
 * writes), a `.jsonl` / `.ndjson` file of one observation a line (a list, or `{"x": […], "z"?: […]}`;
 * streamed), a `.npy` array of x (header first, then the data in pieces), or a `.npz` archive with
 * arrays `x` and optionally `z` (an archive holding a single array is read as x).
 * @param path the file
 * @param options byte limits, and `badRows: "collect"` to report bad rows instead of refusing the file
 * @returns x (rows × n), z when the file holds it, and the bad rows when collected
 * @throws FileError, DataFormatError naming the file and field
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadObservations } from "geninv";
 * writeFileSync(join(tmpdir(), "obs-example.json"), JSON.stringify({ x: [[0, 1, 2], [3, 4, 5]] }));
 * const { x } = loadObservations(join(tmpdir(), "obs-example.json"));
 * console.log(x.rows, x.cols); // 2 3
 * ```
 */
export function loadObservations(path: string, options: LoadLimits & LoadObservationsOptions = {}): ObservationSet {
  const { badRows, width, ...limits } = options;
  const collect = badRows === "collect";
  const ext = extname(path).toLowerCase();
  if (ext === ".npy") {
    // header first: a file for another model fails before its data is read; then the data in pieces
    const a = readNpyInPieces(path, limits, (shape) => {
      const cols = shape.length === 2 ? shape[1]! : shape.length === 1 ? shape[0]! : null;
      if (width && cols !== null && cols !== width.values) throw widthError(path, cols, width);
    });
    const x = ndToMatrix(a.shape, a.data, path, "x", !collect);
    return collect ? { x, z: null, badRows: nonFiniteRows(x, "x", path) } : { x, z: null };
  }
  if (ext === ".jsonl" || ext === ".ndjson") {
    const r = readJsonLinesObservations(path, limits, { collect, ...(width ? { width } : {}) });
    return collect ? { x: r.x, z: r.z, badRows: r.bad } : { x: r.x, z: r.z };
  }
  if (ext === ".npz") {
    const npz = openNpz(path, limits);
    const xKey = npz.keys.includes("x") ? "x" : npz.keys.length === 1 ? npz.keys[0]! : null;
    if (xKey === null) {
      throw new DataFormatError(`has no array 'x' (it holds: ${npz.keys.join(", ")}); name the observations x and the ground truth z`, { file: path });
    }
    const x = npzMatrix(npz, xKey, path, !collect);
    const z = npz.keys.includes("z") ? npzMatrix(npz, "z", path) : null;
    if (z && z.rows !== x.rows) {
      throw new DataFormatError(`has ${z.rows} rows but x has ${x.rows} (one ground-truth z per observation)`, { file: path, field: "z" });
    }
    return collect ? { x, z, badRows: nonFiniteRows(x, xKey, path) } : { x, z };
  }
  const doc = parseJsonFile(path, limits);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || !("x" in doc)) {
    throw new DataFormatError(`expected a JSON object with an "x" field (observations), e.g. {"x": [[…], …]}`, { file: path });
  }
  const d = doc as Record<string, unknown>;
  const rows = collect ? matrixFromJsonRows(d.x, "x", path) : { matrix: matrixFromJson(d.x, "x", path), bad: [] };
  const x = rows.matrix;
  let z: Matrix | null = null;
  if (d.z !== undefined && d.z !== null) {
    z = matrixFromJson(d.z, "z", path);
    if (z.rows !== x.rows) {
      throw new DataFormatError(`has ${z.rows} rows but x has ${x.rows} (one ground-truth z per observation)`, { file: path, field: "z" });
    }
  }
  return collect ? { x, z, badRows: rows.bad } : { x, z };
}

/**
 * Load a matrix from `.npy`, `.npz` (the array called `field`, or its only array) or a JSON array
 * (`field` names it in messages).
 * @param path the file
 * @param field the array's name in a .npz, and in messages
 * @param limits byte limits
 * @returns the matrix (a vector is one row)
 * @throws FileError, DataFormatError naming the file and field
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { encodeNpy, loadArrayFile } from "geninv";
 * writeFileSync(join(tmpdir(), "z-example.npy"), encodeNpy([1, 3], [0.5, -1, 2]));
 * const z = loadArrayFile(join(tmpdir(), "z-example.npy"), "z");
 * ```
 */
export function loadArrayFile(path: string, field = "array", limits: LoadLimits = {}): Matrix {
  const ext = extname(path).toLowerCase();
  if (ext === ".npy") {
    const a = parseNpy(readBytes(path, limits), path);
    return ndToMatrix(a.shape, a.data, path, field);
  }
  if (ext === ".npz") {
    const npz = openNpz(path, limits);
    const key = npz.keys.includes(field) ? field : npz.keys.length === 1 ? npz.keys[0]! : null;
    if (key === null) throw new DataFormatError(`has no array '${field}' (it holds: ${npz.keys.join(", ")})`, { file: path });
    return npzMatrix(npz, key, path);
  }
  const doc = parseJsonFile(path, limits);
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
    // an object such as `geninv sample` writes: the array is its member `field`
    const obj = doc as Record<string, unknown>;
    if (!(field in obj)) throw new DataFormatError(`has no array '${field}' (its keys: ${Object.keys(obj).join(", ") || "none"})`, { file: path });
    return matrixFromJson(obj[field], field, path);
  }
  return matrixFromJson(doc, field, path);
}

/** A JSON file parsed, what parsing allocates charged to the file's budget first. */
function parseJsonFile(path: string, limits: LoadLimits): unknown {
  const text = readText(path, limits);
  return parseJsonText(text, (msg) => new DataFormatError(msg, { file: path }), new ByteBudget(text.length, limits, "--max-input-bytes"));
}

function openNpz(path: string, limits: LoadLimits): ReturnType<typeof readNpz> {
  const buf = readBytes(path, limits);
  return readNpz(buf, dataErrors(path), new ByteBudget(buf.length, limits, "--max-input-bytes"));
}

function npzMatrix(npz: ReturnType<typeof readNpz>, key: string, path: string, finite = true): Matrix {
  const a = npz.get(key);
  return ndToMatrix(a.shape, a.tensor.read(), path, key, finite);
}

/** An n-d array as rows × (product of the other axes); every entry must be finite unless `finite` is false. */
function ndToMatrix(shape: readonly number[], data: Float64Array, file: string, field: string, finite = true): Matrix {
  if (shape.length === 0) throw new DataFormatError("is a scalar; expected a vector or a batch of rows", { file, field });
  const rows = shape.length === 1 ? 1 : shape[0]!;
  const cols = shape.length === 1 ? shape[0]! : shape.slice(1).reduce((a, b) => a * b, 1);
  if (rows === 0 || cols === 0) throw new DataFormatError(`is empty (shape (${shape.join(", ")}))`, { file, field });
  const m = { rows, cols, data };
  if (finite) checkFiniteMatrix(m, field, file);
  return m;
}

/** Every row of `m` holding a NaN or infinite entry, naming its first such entry. */
function nonFiniteRows(m: Matrix, field: string, file: string): RowProblem[] {
  const bad: RowProblem[] = [];
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[r * m.cols + j]!;
      if (!Number.isFinite(v)) {
        bad.push({ index: r, message: `${file}: ${field}[${r}][${j}] is ${v} (values must be finite)` });
        break;
      }
    }
  }
  return bad;
}

/**
 * Like {@link matrixFromJson}, but a bad row (not a list, the wrong length, a non-number or a
 * non-finite entry) does not refuse the rest: it is listed in `bad` and its entries are NaN. The
 * row length is the most common one, so one short row cannot make every other row "wrong".
 * @throws DataFormatError when `v` is not a non-empty list at all
 */
export function matrixFromJsonRows(v: unknown, field: string, file: string): { matrix: Matrix; bad: RowProblem[] } {
  if (!Array.isArray(v) || v.length === 0) throw new DataFormatError("expected a non-empty list of numbers or of rows", { file, field });
  const nested = v.some((r) => Array.isArray(r));
  const rowsIn: unknown[] = nested ? v : [v];
  const counts = new Map<number, number>();
  for (const r of rowsIn) if (Array.isArray(r) && r.length > 0) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
  let cols = 0;
  let best = 0;
  for (const [len, n] of counts) if (n > best || (n === best && len > cols)) [cols, best] = [len, n];
  if (cols === 0) throw new DataFormatError("has no non-empty row", { file, field });
  const data = new Float64Array(rowsIn.length * cols).fill(NaN);
  const bad: RowProblem[] = [];
  rowsIn.forEach((r, i) => {
    const at = nested ? `${field}[${i}]` : field;
    const problem = ((): string | null => {
      if (!Array.isArray(r)) return `${file}: ${at}: expected a list of numbers`;
      if (r.length !== cols) return `${file}: ${at}: has ${r.length} entries, expected ${cols} like the other rows`;
      for (let j = 0; j < cols; j++) {
        const e: unknown = r[j];
        if (typeof e !== "number") return `${file}: ${at}[${j}]: expected a number, got ${e === null ? "null" : typeof e}`;
        if (!Number.isFinite(e)) return `${file}: ${at}[${j}]: is ${e} (values must be finite)`;
      }
      return null;
    })();
    if (problem !== null) bad.push({ index: i, message: problem });
    else data.set(r as number[], i * cols);
  });
  return { matrix: { rows: rowsIn.length, cols, data }, bad };
}

/** A JSON number[] (one row) or number[][] as a matrix; every entry must be a finite number. */
export function matrixFromJson(v: unknown, field: string, file: string): Matrix {
  const err = (at: string, msg: string): DataFormatError => new DataFormatError(msg, { file, field: at });
  if (!Array.isArray(v) || v.length === 0) throw err(field, "expected a non-empty list of numbers or of rows");
  const nested = Array.isArray(v[0]);
  const rowsIn: unknown[] = nested ? v : [v];
  const cols = (rowsIn[0] as unknown[]).length;
  if (cols === 0) throw err(`${field}[0]`, "is empty");
  const data = new Float64Array(rowsIn.length * cols);
  rowsIn.forEach((r, i) => {
    const at = nested ? `${field}[${i}]` : field;
    if (!Array.isArray(r)) throw err(at, "expected a list of numbers");
    if (r.length !== cols) throw err(at, `has ${r.length} entries, expected ${cols} like the first row`);
    r.forEach((e, j) => {
      if (typeof e !== "number") throw err(`${at}[${j}]`, `expected a number, got ${e === null ? "null" : typeof e}`);
      if (!Number.isFinite(e)) throw err(`${at}[${j}]`, `is ${e} (values must be finite)`);
      data[i * cols + j] = e;
    });
  });
  return { rows: rowsIn.length, cols, data };
}

/** Throws DataFormatError naming the first non-finite entry of `m`, if any. */
export function checkFiniteMatrix(m: Matrix, field: string, file: string): void {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]!)) {
      const r = Math.floor(i / m.cols);
      throw new DataFormatError(`${field}[${r}][${i % m.cols}] is ${m.data[i]} (values must be finite)`, { file });
    }
  }
}
