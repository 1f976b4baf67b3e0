/**
 * Observation files read in pieces, so memory stays bounded by the matrix itself (never the file
 * twice over) and a file meant for another model fails before its data is decoded:
 *
 * - `.npy`: the header first — dtype, shape, exact data size, and the row width against the
 *   model's — then the data in 1 MiB chunks decoded straight into the float64 matrix;
 * - `.jsonl` / `.ndjson`: one observation a line (a JSON list of numbers, or an object
 *   `{"x": [...], "z"?: [...]}`), read 1 MiB at a time and parsed line by line; the first row's
 *   width is checked against the model's before any other line is read, and a bad line is a bad
 *   row (reported with its index) or, when asked, an error naming the file and line.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DataFormatError, FileError, ShapeError } from "../../errors.js";
import { type Matrix } from "../../linalg/matrix.js";
import { ByteBudget, type LoadLimits } from "./limits.js";
import { type NdArray, NPY_MAX_PREFIX, readNpyHeader } from "./npy.js";
import { DTYPE_SIZE, stridedTensor } from "./tensor.js";

/** Bytes read at a time. */
const CHUNK = 1 << 20;
/** The longest line a JSON-lines observation file may have (a 784-pixel row is ~20 KB). */
export const MAX_JSONL_LINE = 64 << 20;

/** The row width a consumer needs, for a fail-fast check: `values` and who needs them (`mnist outputs`). */
export interface ExpectedWidth {
  values: number;
  by: string;
}

/** The error of a file whose rows have the wrong width (the message `geninv invert` has always used). */
export function widthError(path: string, cols: number, width: ExpectedWidth): ShapeError {
  return new ShapeError(`${path}: observations have ${cols} values each, but ${width.by} ${width.values}`);
}

/** An open file read in pieces; always closed by {@link withFile}. */
function withFile<T>(path: string, limits: LoadLimits, body: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new FileError(path, code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e));
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FileError(path, "is a directory, expected a file");
    const tooBig = new ByteBudget(st.size, limits, "--max-input-bytes").fileSizeProblem(st.size);
    if (tooBig) throw new DataFormatError(tooBig, { file: path });
    return body(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, buf: Uint8Array, position: number, path: string): number {
  try {
    return readSync(fd, buf, 0, buf.length, position);
  } catch (e) {
    throw new FileError(path, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Read a `.npy` array header first, call `onShape` (which may refuse the shape) and then read the
 * data in chunks. Fortran-ordered matrices are transposed on the way (read whole: rare).
 * @throws DataFormatError naming the file; whatever `onShape` throws
 */
export function readNpyInPieces(path: string, limits: LoadLimits, onShape: (shape: readonly number[]) => void): NdArray {
  return withFile(path, limits, (fd, size) => {
    const makeError = (msg: string, field?: string): DataFormatError => new DataFormatError(msg, { file: path, ...(field ? { field } : {}) });
    const head = new Uint8Array(Math.min(size, NPY_MAX_PREFIX));
    const got = readAt(fd, head, 0, path);
    const h = readNpyHeader(head.subarray(0, got), makeError);
    onShape(h.dims); // before the sizes: a file for another model is named as such
    if (size - h.dataStart < h.need) {
      throw makeError(`data is truncated: shape (${h.dims.join(", ")}) of ${h.descr} needs ${h.need} bytes, the file has ${size - h.dataStart}`);
    }
    if (size - h.dataStart > h.need) {
      throw makeError(`holds ${size - h.dataStart} bytes of data, but shape (${h.dims.join(", ")}) of ${h.descr} is ${h.need} bytes: corrupted header or data`);
    }
    const elem = DTYPE_SIZE[h.dtype.dtype];
    const count = h.need / elem;
    const out = new Float64Array(count);
    const perChunk = Math.max(1, Math.floor(CHUNK / elem));
    const chunk = new Uint8Array(perChunk * elem);
    for (let done = 0; done < count;) {
      const n = Math.min(perChunk, count - done);
      const bytes = chunk.subarray(0, n * elem);
      if (readAt(fd, bytes, h.dataStart + done * elem, path) !== bytes.length) throw makeError("the file shrank while it was read");
      const t = stridedTensor({
        name: "array",
        dtype: h.dtype.dtype,
        shape: [n],
        strides: null,
        offset: 0,
        storage: bytes,
        littleEndian: h.dtype.little,
        makeError,
      });
      out.set(t.read(), done);
      done += n;
    }
    let data = out;
    if (h.fortran && h.dims.length === 2) {
      // column-major on disk: transpose into row-major
      const [r, c] = [h.dims[0]!, h.dims[1]!];
      data = new Float64Array(count);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[i * c + j] = out[j * r + i]!;
    } else if (h.fortran && h.dims.length > 2) {
      throw makeError(`a Fortran-ordered array of ${h.dims.length} dimensions cannot be observations (expected rows × values)`);
    }
    return { shape: h.dims, data, dtype: h.descr };
  });
}

/** A bad row of a JSON-lines file: its index among the rows, and why. */
export interface JsonLinesRowProblem {
  index: number;
  message: string;
}

/** What {@link readJsonLinesObservations} returns. */
export interface JsonLinesObservations {
  x: Matrix;
  z: Matrix | null;
  bad: JsonLinesRowProblem[];
}

/** A growable row-major matrix of `cols` columns. */
class RowBuffer {
  data = new Float64Array(0);
  rows = 0;
  constructor(readonly cols: number) {}
  push(values: ArrayLike<number> | null): void {
    if ((this.rows + 1) * this.cols > this.data.length) {
      const next = new Float64Array(Math.max(this.cols * 16, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    if (values) this.data.set(values, this.rows * this.cols);
    else this.data.fill(NaN, this.rows * this.cols, (this.rows + 1) * this.cols);
    this.rows++;
  }
  matrix(): Matrix {
    return { rows: this.rows, cols: this.cols, data: this.data.slice(0, this.rows * this.cols) };
  }
}

/** Why `v` is not a row of `cols` finite numbers (null when it is). */
function rowProblem(v: unknown, cols: number | null, where: string): string | null {
  if (!Array.isArray(v)) return `${where}: expected a list of numbers`;
  if (v.length === 0) return `${where}: is empty`;
  if (cols !== null && v.length !== cols) return `${where}: has ${v.length} entries, expected ${cols} like the other rows`;
  for (let j = 0; j < v.length; j++) {
    const e: unknown = v[j];
    if (typeof e !== "number") return `${where}[${j}]: expected a number, got ${e === null ? "null" : typeof e}`;
    if (!Number.isFinite(e)) return `${where}[${j}]: is ${e} (values must be finite)`;
  }
  return null;
}

/**
 * Read a JSON-lines observation file line by line (see the module comment). With `collect`, a bad
 * line becomes a NaN row listed in `bad`; otherwise it throws naming the file and line.
 * @throws ShapeError when the first row's width is not `width` (before the rest is read); DataFormatError naming the file and line
 */
export function readJsonLinesObservations(path: string, limits: LoadLimits, options: { collect: boolean; width?: ExpectedWidth }): JsonLinesObservations {
  return withFile(path, limits, (fd, size) => {
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, size)));
    let x: RowBuffer | null = null;
    let z: RowBuffer | null = null;
    let withZ: boolean | null = null; // whether rows carry z (decided by the first good row)
    const bad: JsonLinesRowProblem[] = [];
    let pending = "";
    let line = 0;
    let index = 0;
    let pendingBad = 0; // bad rows seen before any good row fixed the width
    const fail = (msg: string): never => {
      throw new DataFormatError(msg, { file: path });
    };
    const badRow = (message: string, cols: number | null): void => {
      if (!options.collect) fail(message);
      bad.push({ index, message: `${path}: ${message}` });
      if (x) x.push(null);
      else if (cols !== null) (x = new RowBuffer(cols)).push(null);
      else pendingBad++;
      if (z) z.push(null);
    };
    const take = (text: string): void => {
      line++;
      const s = text.trim();
      if (s === "") return;
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch {
        badRow(`line ${line} is not JSON`, x?.cols ?? null);
        index++;
        return;
      }
      const isObject = typeof v === "object" && v !== null && !Array.isArray(v);
      const xv = isObject ? (v as { x?: unknown }).x : v;
      const zv = isObject ? (v as { z?: unknown }).z : undefined;
      if (x === null) {
        const why = rowProblem(xv, null, `line ${line}: x`);
        if (why === null) {
          const cols = (xv as number[]).length;
          if (options.width && cols !== options.width.values) throw widthError(path, cols, options.width); // fail fast: another model's file
          x = new RowBuffer(cols);
          for (; pendingBad > 0; pendingBad--) x.push(null);
          withZ = zv !== undefined && zv !== null;
        } else {
          badRow(why, null);
          index++;
          return;
        }
      }
      const why = rowProblem(xv, x.cols, `line ${line}: x`);
      const zWhy = withZ
        ? rowProblem(zv, z?.cols ?? null, `line ${line}: z`)
        : zv !== undefined && zv !== null
          ? `line ${line}: has z, but the first row has none`
          : null;
      if (zWhy !== null && !options.collect) fail(zWhy);
      if (why !== null) {
        badRow(why, x.cols);
      } else {
        x.push(xv as number[]);
        if (withZ) {
          if (zWhy === null) {
            z ??= new RowBuffer((zv as number[]).length);
            // rows before z's width was known are bad rows (NaN)
            while (z.rows < x.rows - 1) z.push(null);
            z.push(zv as number[]);
          } else fail(zWhy); // a ground truth that does not fit is never a silent NaN
        }
      }
      index++;
    };
    for (let position = 0; position < size;) {
      const n = readAt(fd, buf, position, path);
      if (n === 0) break;
      position += n;
      pending += decoder.decode(buf.subarray(0, n), { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        take(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      if (pending.length > MAX_JSONL_LINE) fail(`line ${line + 1} is longer than ${MAX_JSONL_LINE} characters (one observation a line)`);
    }
    pending += decoder.decode();
    if (pending.trim() !== "") take(pending);
    const xs = x as RowBuffer | null;
    if (xs === null) fail(index === 0 ? "holds no observations (one JSON list of numbers a line)" : "has no usable row (listed above)");
    const xm = xs!.matrix();
    const zs = z as RowBuffer | null;
    let zm: Matrix | null = null;
    if (zs) {
      while (zs.rows < xm.rows) zs.push(null);
      zm = zs.matrix();
    }
    return { x: xm, z: zm, bad };
  });
}
