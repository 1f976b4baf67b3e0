/** The library's front door: invert one observation or a batch with any registered method. */
import { ShapeError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { type Generator } from "../model/generator.js";
import { type PgdOptions } from "./pgd.js";
import { type MethodName } from "./method-names.js";
import { getMethod, runMethod } from "./registry.js";
import { type InversionResult } from "./result.js";

/**
 * Options of {@link invert}: the method's name plus the shared and method-specific options (pgd's included).
 * @example
 * ```ts
 * import { applyOperator, gaussianOperator, invert, randomGenerator, RELU, type InvertCall } from "geninv";
 * const gen = randomGenerator({ sizes: [4, 20, 60], activation: RELU, rng: 27 });
 * const operator = gaussianOperator(30, 60, 27);
 * const y = applyOperator(operator, gen.forward([0.5, -1, 0.3, 2]), new Float64Array(30));
 * const call: InvertCall = { method: "pgd", operator, projection: "linf", pgdIterations: 5 };
 * console.log(invert(gen, y, call).status);
 * ```
 */
export interface InvertCall extends PgdOptions {
  /** Registered method name (default `auto`: exact when the data allow, region descent otherwise). */
  method?: MethodName;
}

/**
 * Find z with G(z) ≈ x (or with A·G(z) ≈ y through `options.operator`) by the method `options.method`.
 * @param gen the generator G
 * @param x the observation: n outputs of G, or the m measurements of the operator
 * @param options the method's name (default `auto`) and its options; every field has a default
 * @returns the result: status (`exact`, `non_unique`, …), z, the fit, per-layer reports, time and warnings
 * @throws OptionError naming the bad option (the CLI's rules, invert/validate-options.ts); ShapeError / InvalidValueError for a bad observation
 * @example
 * ```ts
 * import { invert, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [4, 20, 60], activation: RELU, rng: 1 });
 * const x = gen.forward([0.5, -1, 0.3, 2]);
 * const r = invert(gen, x, { method: "exact" });
 * if (r.status !== "exact") throw new Error(`expected an exact fit, got ${r.status}`);
 * ```
 */
export function invert(gen: Generator, x: ArrayLike<number>, options: InvertCall = {}): InversionResult {
  return runMethod(getMethod(options.method ?? "auto"), gen, x, options);
}

/**
 * Invert each row of `xs` (batch × n) with one method.
 * @param gen the generator G
 * @param xs the observations, one a row
 * @param options as for {@link invert}
 * @returns one result per row, in order
 * @throws ShapeError when xs has not n columns; as {@link invert} otherwise
 * @example
 * ```ts
 * import { invertBatch, randomGenerator, RELU, sampleObservations } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 15, 40], activation: RELU, rng: 2 });
 * const { x } = sampleObservations(gen, 4, 3);
 * const results = invertBatch(gen, x, { method: "exact" });
 * console.log(results.map((r) => r.status)); // four results, one per row
 * ```
 */
export function invertBatch(gen: Generator, xs: Matrix, options: InvertCall = {}): InversionResult[] {
  if (xs.cols !== gen.outputSize) {
    throw new ShapeError(`observations have ${xs.cols} columns, the generator outputs ${gen.outputSize} values`);
  }
  const method = getMethod(options.method ?? "auto");
  const out: InversionResult[] = [];
  for (let b = 0; b < xs.rows; b++) out.push(runMethod(method, gen, xs.data.subarray(b * xs.cols, (b + 1) * xs.cols), options));
  return out;
}
