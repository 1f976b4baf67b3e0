/**
 * Measurement operators A for y = A·G(z) + e: the identity (denoising), a row mask (inpainting:
 * only some pixels observed) and a dense m×n matrix (compressed sensing).
 */
import { InvalidValueError, OptionError, ShapeError } from "../errors.js";
import { firstNonFinite } from "../linalg/norms.js";
import { type Matrix, matTVec, matVec } from "../linalg/matrix.js";
import { Rng } from "../model/rng.js";
import { Generator } from "../model/generator.js";

/**
 * A linear measurement operator from ℝⁿ (the generator's output) to ℝᵐ: the identity (`n` = m), a row
 * mask (`rows`: the observed indices, increasing) or a dense m×n `matrix`.
 * @example
 * ```ts
 * import { applyOperator, maskOperator, type MeasurementOperator } from "geninv";
 * const A: MeasurementOperator = maskOperator(5, [0, 2, 4]);
 * const y = applyOperator(A, [10, 11, 12, 13, 14], new Float64Array(3));
 * console.log(A.kind, Array.from(y)); // mask [ 10, 12, 14 ]
 * ```
 */
export type MeasurementOperator =
  | { readonly kind: "identity"; readonly n: number }
  | { readonly kind: "mask"; readonly n: number; readonly rows: Int32Array }
  | { readonly kind: "dense"; readonly n: number; readonly matrix: Matrix };

/**
 * A = I on ℝⁿ: the whole output is observed (the default operator).
 * @param n the output size of G
 * @returns the identity operator
 * @throws nothing
 * @example
 * ```ts
 * import { identityOperator, measurementCount } from "geninv";
 * console.log(measurementCount(identityOperator(784))); // 784
 * ```
 */
export function identityOperator(n: number): MeasurementOperator {
  return { kind: "identity", n };
}

/**
 * Observe the entries `rows` (distinct, increasing indices into 0..n-1) of G(z): inpainting.
 * @param n the output size of G
 * @param rows the observed indices
 * @returns the mask operator; layer-wise methods invert from the observed rows only
 * @throws ShapeError / OptionError for indices out of range, repeated or not increasing
 * @example
 * ```ts
 * import { applyOperator, invert, maskOperator, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [4, 30, 100], activation: RELU, rng: 3 });
 * const rows = Array.from({ length: 60 }, (_, i) => i); // the first 60 pixels
 * const A = maskOperator(100, rows);
 * const y = applyOperator(A, gen.forward([1, 2, -1, 0.5]), new Float64Array(60));
 * const r = invert(gen, y, { method: "exact", operator: A });
 * ```
 */
export function maskOperator(n: number, rows: ArrayLike<number>): MeasurementOperator {
  const r = Int32Array.from(rows);
  for (let i = 0; i < r.length; i++) {
    if (!(r[i]! >= 0 && r[i]! < n) || (i > 0 && r[i]! <= r[i - 1]!)) {
      throw new ShapeError(`mask rows must be increasing indices in [0, ${n}), got ${r[i]} at position ${i}`);
    }
  }
  if (r.length === 0) throw new ShapeError("a mask must observe at least one entry");
  return { kind: "mask", n, rows: r };
}

/**
 * The mask observing the entries where `observed[i]` is true (or non-zero): inpainting from a pixel mask.
 * @param observed one flag per output of G, true where the entry is observed
 * @returns the mask operator on ℝⁿ, n = `observed.length`
 * @throws ShapeError when no entry is observed
 * @example
 * ```ts
 * import { maskFromBooleans, measurementCount } from "geninv";
 * const A = maskFromBooleans([true, false, true, 1, 0]);
 * console.log(measurementCount(A)); // 3
 * ```
 */
export function maskFromBooleans(observed: ArrayLike<boolean | number>): MeasurementOperator {
  const rows: number[] = [];
  for (let i = 0; i < observed.length; i++) if (observed[i]) rows.push(i);
  return maskOperator(observed.length, rows);
}

/**
 * A dense operator from an m×n matrix (row-major): y = A·x, compressed sensing with your own A.
 * @param matrix the m×n measurement matrix; kept by reference, not copied
 * @returns the dense operator (use a whole-network method: pgd, gd, adam, region, auto)
 * @throws ShapeError when the matrix has no rows or its data do not match its shape
 * @throws InvalidValueError naming the first NaN or infinite entry
 * @example
 * ```ts
 * import { applyOperator, denseOperator, fromRows } from "geninv";
 * const A = denseOperator(fromRows([[1, 1, 0], [0, 1, -1]]));
 * const y = applyOperator(A, [1, 2, 3], new Float64Array(2));
 * console.log(Array.from(y)); // [ 3, -1 ]
 * ```
 */
export function denseOperator(matrix: Matrix): MeasurementOperator {
  const { rows, cols, data } = matrix;
  if (!(rows >= 1)) throw new ShapeError(`the measurement matrix has ${rows} rows: at least one measurement is needed`);
  if (!(cols >= 1) || data.length !== rows * cols) throw new ShapeError(`the measurement matrix is ${rows}×${cols} with ${data.length} entries`);
  const bad = firstNonFinite(data);
  if (bad >= 0) throw new InvalidValueError(`measurement matrix entry [${Math.floor(bad / cols)}][${bad % cols}] is ${data[bad]} (entries must be finite)`);
  return { kind: "dense", n: cols, matrix };
}

/**
 * A Gaussian m×n matrix with entries N(0, 1/m), as in compressed sensing (Bora et al.).
 * @param m the number of measurements
 * @param n the output size of G
 * @param rng seed or stream of the entries
 * @returns the dense operator (use a whole-network method: pgd, gd, adam, region, auto)
 * @throws OptionError for m not a positive integer
 * @example
 * ```ts
 * import { applyOperator, gaussianOperator, invert, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20, 60], activation: RELU, rng: 8 });
 * const A = gaussianOperator(25, 60, 9);
 * const y = applyOperator(A, gen.forward([0.3, 1, -0.7]), new Float64Array(25));
 * const r = invert(gen, y, { method: "region", operator: A });
 * ```
 */
export function gaussianOperator(m: number, n: number, rng: Rng | number): MeasurementOperator {
  if (!Number.isSafeInteger(m) || m < 1) throw new OptionError(`number of measurements must be a positive integer, got ${m}`);
  const r = typeof rng === "number" ? new Rng(rng) : rng;
  return denseOperator({ rows: m, cols: n, data: r.fillNormal(new Float64Array(m * n), 1 / Math.sqrt(m)) });
}

/**
 * m, the number of measurements the operator produces (the length of y).
 * @param op the operator
 * @returns m: n for the identity, the observed rows for a mask, the matrix's rows for a dense operator
 * @throws nothing
 * @example
 * ```ts
 * import { gaussianOperator, measurementCount } from "geninv";
 * console.log(measurementCount(gaussianOperator(25, 60, 1))); // 25
 * ```
 */
export function measurementCount(op: MeasurementOperator): number {
  return op.kind === "identity" ? op.n : op.kind === "mask" ? op.rows.length : op.matrix.rows;
}

/**
 * out (length m) = A·x: the measurements of an output x of G.
 * @param op the operator A
 * @param x a vector of length n
 * @param out where to write A·x (length at least m); returned
 * @returns `out`
 * @throws nothing (lengths are not checked: size `out` with {@link measurementCount})
 * @example
 * ```ts
 * import { applyOperator, maskOperator } from "geninv";
 * const y = applyOperator(maskOperator(4, [1, 3]), [5, 6, 7, 8], new Float64Array(2));
 * console.log(Array.from(y)); // [ 6, 8 ]
 * ```
 */
export function applyOperator(op: MeasurementOperator, x: ArrayLike<number>, out: Float64Array): Float64Array {
  if (op.kind === "identity") for (let i = 0; i < op.n; i++) out[i] = x[i]!;
  else if (op.kind === "mask") for (let i = 0; i < op.rows.length; i++) out[i] = x[op.rows[i]!]!;
  else matVec(op.matrix, x, out);
  return out;
}

/**
 * out (length n) = Aᵀ·r: pulls a residual in measurement space back to the output space (gradients).
 * @param op the operator A
 * @param r a vector of length m
 * @param out where to write Aᵀ·r (length at least n); returned
 * @returns `out` (for a mask: r at the observed rows, 0 elsewhere)
 * @throws nothing (lengths are not checked)
 * @example
 * ```ts
 * import { applyOperatorTranspose, maskOperator } from "geninv";
 * const g = applyOperatorTranspose(maskOperator(4, [1, 3]), [6, 8], new Float64Array(4));
 * console.log(Array.from(g)); // [ 0, 6, 0, 8 ]
 * ```
 */
export function applyOperatorTranspose(op: MeasurementOperator, r: ArrayLike<number>, out: Float64Array): Float64Array {
  if (op.kind === "identity") for (let i = 0; i < op.n; i++) out[i] = r[i]!;
  else if (op.kind === "mask") {
    out.fill(0, 0, op.n);
    for (let i = 0; i < op.rows.length; i++) out[op.rows[i]!] = r[i]!;
  } else matTVec(op.matrix, r, out);
  return out;
}

/** Throws ShapeError unless `op` takes vectors of length n. */
export function checkOperator(op: MeasurementOperator, n: number): void {
  if (op.n !== n) throw new ShapeError(`the measurement operator takes ${op.n} values, the generator outputs ${n}`);
}

/**
 * The generator restricted to the output rows `rows` (inpainting: invert from what is observed); the
 * last layer keeps only those rows of its weight and bias, the other layers are shared.
 * @param gen the generator G
 * @param rows the output indices to keep, as in a mask operator's `rows`
 * @returns a generator whose outputs are G(z)[rows]
 * @throws nothing: the rows are not re-checked (pass a mask operator's validated `rows`)
 * @example
 * ```ts
 * import { observedRows, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 6, 10], activation: RELU, rng: 4 });
 * const sub = observedRows(gen, Int32Array.from([0, 3, 7]));
 * console.log(sub.outputSize, sub.forward([1, -1])[1] === gen.forward([1, -1])[3]); // 3 true
 * ```
 */
export function observedRows(gen: Generator, rows: Int32Array): Generator {
  const last = gen.layers[gen.depth - 1]!;
  const { cols, data } = last.weight;
  const w = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) w.set(data.subarray(rows[i]! * cols, (rows[i]! + 1) * cols), i * cols);
  const lastBias = last.bias;
  const bias = lastBias ? Float64Array.from(rows, (r) => lastBias[r]!) : null;
  return new Generator([...gen.layers.slice(0, -1), { ...last, weight: { rows: rows.length, cols, data: w }, bias }]);
}
