/**
 * Observation and ground-truth arrays from JSON (`number[]` or `number[][]`) or `.npy` files,
 * as row-major matrices (a single vector becomes one row).
 */
import { extname } from "node:path";
import { DataFormatError } from "../../errors.js";
import { type Matrix } from "../../linalg/matrix.js";
import { readBytes, readText } from "./files.js";
import { parseJsonText } from "./json-text.js";
import { parseNpy } from "./npy.js";

/** Observations `x` with optional ground truth `z` (rows are samples). */
export interface ObservationSet {
  x: Matrix;
  z: Matrix | null;
}

/**
 * Load observations: a JSON file `{"x": number[] | number[][], "z"?: …}` (as `geninv sample`
 * writes) or a `.npy` array of x (1-D or 2-D).
 * @throws FileError, DataFormatError naming the file and field
 */
export function loadObservations(path: string): ObservationSet {
  if (extname(path).toLowerCase() === ".npy") return { x: loadArrayFile(path, "x"), z: null };
  const doc = parseJsonText(readText(path), (msg) => new DataFormatError(msg, { file: path }));
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || !("x" in doc)) {
    throw new DataFormatError(`expected a JSON object with an "x" field (observations), e.g. {"x": [[…], …]}`, { file: path });
  }
  const d = doc as Record<string, unknown>;
  const x = matrixFromJson(d.x, "x", path);
  let z: Matrix | null = null;
  if (d.z !== undefined && d.z !== null) {
    z = matrixFromJson(d.z, "z", path);
    if (z.rows !== x.rows) {
      throw new DataFormatError(`has ${z.rows} rows but x has ${x.rows} (one ground-truth z per observation)`, { file: path, field: "z" });
    }
  }
  return { x, z };
}

/** Load a matrix from `.npy` or a JSON array (`field` names it in messages). */
export function loadArrayFile(path: string, field = "array"): Matrix {
  if (extname(path).toLowerCase() === ".npy") {
    const a = parseNpy(readBytes(path), path);
    if (a.shape.length === 1) return { rows: 1, cols: a.shape[0]!, data: a.data };
    if (a.shape.length === 2) return { rows: a.shape[0]!, cols: a.shape[1]!, data: a.data };
    throw new DataFormatError(`expected a 1-D or 2-D array, got shape (${a.shape.join(", ")})`, { file: path });
  }
  const doc = parseJsonText(readText(path), (msg) => new DataFormatError(msg, { file: path }));
  return matrixFromJson(doc, field, path);
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
