/** Parsing of CLI flag values into typed options, with usage errors that name the flag. */
import { OptionError } from "../errors.js";

/** A flag value as an integer in [min, max]. */
export function parseIntFlag(value: string, flag: string, min = -Infinity, max = Infinity): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = min > -Infinity ? (max < Infinity ? ` in [${min}, ${max}]` : ` ≥ ${min}`) : "";
    throw new OptionError(`${flag} expects an integer${range}, got '${value}'`);
  }
  return n;
}

/** A flag value as a finite number, optionally > 0. */
export function parseNumberFlag(value: string, flag: string, positive = false): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (positive && !(n > 0))) {
    throw new OptionError(`${flag} expects a ${positive ? "positive " : ""}number, got '${value}'`);
  }
  return n;
}

/** A comma list of positive integers, e.g. `--sizes 20,100,500`. */
export function parseSizes(value: string, flag = "--sizes"): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.length < 2) throw new OptionError(`${flag} needs at least two widths, e.g. 20,100,500 (got '${value}')`);
  return parts.map((p) => parseIntFlag(p, flag, 1));
}
