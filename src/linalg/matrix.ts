/**
 * Dense matrices as plain row-major `Float64Array`s, and the mat-vec kernels the hot paths use.
 */
import { ShapeError } from "../errors.js";

/** A dense row-major matrix: entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A zero matrix of the given shape. */
export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Wrap `data` (length rows·cols, row-major) as a matrix without copying. */
export function matrix(rows: number, cols: number, data: Float64Array): Matrix {
  if (data.length !== rows * cols) {
    throw new ShapeError(`matrix data has ${data.length} entries, expected ${rows}×${cols} = ${rows * cols}`);
  }
  return { rows, cols, data };
}

/** A matrix from a list of rows (all of equal length). */
export function fromRows(rowsIn: ArrayLike<ArrayLike<number>>): Matrix {
  const rows = rowsIn.length;
  const cols = rows > 0 ? rowsIn[0]!.length : 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = rowsIn[i]!;
    if (r.length !== cols) throw new ShapeError(`row ${i} has ${r.length} entries, expected ${cols}`);
    for (let j = 0; j < cols; j++) data[i * cols + j] = r[j]!;
  }
  return { rows, cols, data };
}

/** The rows of a matrix as plain arrays (for JSON). */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  return out;
}

/** Row `i` of `m` as a view (no copy). */
export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The transpose, as a new matrix. */
export function transpose(m: Matrix): Matrix {
  const t = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t[j * m.rows + i] = m.data[i * m.cols + j]!;
  return { rows: m.cols, cols: m.rows, data: t };
}

/** out = A·x (+ bias). `out` must not alias `x`. */
export function matVec(a: Matrix, x: ArrayLike<number>, out: Float64Array, bias?: Float64Array | null): Float64Array {
  const { rows, cols, data } = a;
  for (let i = 0; i < rows; i++) {
    let s0 = 0;
    let s1 = 0;
    const o = i * cols;
    let j = 0;
    for (; j + 1 < cols; j += 2) {
      s0 += data[o + j]! * x[j]!;
      s1 += data[o + j + 1]! * x[j + 1]!;
    }
    if (j < cols) s0 += data[o + j]! * x[j]!;
    out[i] = bias ? s0 + s1 + bias[i]! : s0 + s1;
  }
  return out;
}

/** out = Aᵀ·y. `out` must not alias `y`. */
export function matTVec(a: Matrix, y: ArrayLike<number>, out: Float64Array): Float64Array {
  const { rows, cols, data } = a;
  out.fill(0, 0, cols);
  for (let i = 0; i < rows; i++) {
    const yi = y[i]!;
    if (yi === 0) continue;
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j]! += data[o + j]! * yi;
  }
  return out;
}

/** C = A·B as a new matrix. */
export function matMul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new ShapeError(`cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const c = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k]!;
      if (aik === 0) continue;
      const bo = k * b.cols;
      const co = i * b.cols;
      for (let j = 0; j < b.cols; j++) c[co + j]! += aik * b.data[bo + j]!;
    }
  }
  return { rows: a.rows, cols: b.cols, data: c };
}
