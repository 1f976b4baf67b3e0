/** Parsing of CLI flag values into typed options, with usage errors that name the flag. */
import { OptionError } from "../errors.js";
import { FINITE, flagValue, integer, POSITIVE } from "../invert/validate-options.js";

/** A flag value as an integer in [min, max] (the words of the library's option rules, invert/validate-options.ts). */
export function parseIntFlag(value: string, flag: string, min = -Infinity, max = Infinity): number {
  return flagValue(integer(min, max), value, flag) as number;
}

/** A flag value as a finite number, optionally > 0. */
export function parseNumberFlag(value: string, flag: string, positive = false): number {
  return flagValue(positive ? POSITIVE : FINITE, value, flag) as number;
}

/** A comma list of positive integers, e.g. `--sizes 20,100,500`. */
export function parseSizes(value: string, flag = "--sizes"): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.length < 2) throw new OptionError(`${flag} needs at least two widths, e.g. 20,100,500 (got '${value}')`);
  return parts.map((p) => parseIntFlag(p, flag, 1));
}
