/** The library's front door: invert one observation or a batch with any registered method. */
import { ShapeError } from "../errors.js";
import { type Matrix } from "../linalg/matrix.js";
import { type Generator } from "../model/generator.js";
import { type PgdOptions } from "./pgd.js";
import { type MethodName } from "./method-names.js";
import { getMethod, runMethod } from "./registry.js";
import { type InversionResult } from "./result.js";

/** Options of {@link invert}: the method's name plus the shared and method-specific options (pgd's included). */
export interface InvertCall extends PgdOptions {
  /** Registered method name (default `auto`: exact when the data allow, region descent otherwise). */
  method?: MethodName;
}

/**
 * Find z with G(z) ≈ x.
 * @throws OptionError for an unknown method; ShapeError / InvalidValueError for a bad observation
 */
export function invert(gen: Generator, x: ArrayLike<number>, options: InvertCall = {}): InversionResult {
  return runMethod(getMethod(options.method ?? "auto"), gen, x, options);
}

/** Invert each row of `xs` (batch × n). */
export function invertBatch(gen: Generator, xs: Matrix, options: InvertCall = {}): InversionResult[] {
  if (xs.cols !== gen.outputSize) {
    throw new ShapeError(`observations have ${xs.cols} columns, the generator outputs ${gen.outputSize} values`);
  }
  const method = getMethod(options.method ?? "auto");
  const out: InversionResult[] = [];
  for (let b = 0; b < xs.rows; b++) out.push(runMethod(method, gen, xs.data.subarray(b * xs.cols, (b + 1) * xs.cols), options));
  return out;
}
