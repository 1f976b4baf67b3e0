/**
 * The one validator of the inversion options: runMethod (so invert() and every method) checks the
 * options with it, and the CLI parses its flags through it, so `{ method: "gd", learningRate: -1 }`
 * and `--lr -1` fail by the same rule with the same words — the library naming the field
 * (`learningRate expects a positive number, got -1`), the CLI the flag (`--lr expects a positive
 * number, got '-1'`). {@link OPTION_RULES} is the table that maps each field to its flag and rule.
 */
import { OptionError } from "../errors.js";
import { hybridParts } from "./method-names.js";

/** How a value is checked, and the words of the message when it is not valid. */
export type Rule =
  | { kind: "number"; min: number; max: number; minOpen: boolean; maxOpen: boolean }
  | { kind: "integer"; min: number; max: number }
  | { kind: "choice"; choices: readonly string[] }
  | { kind: "boolean" };

/** One validated option: its field, its CLI flag (null: no flag) and its rule, which may depend on the method. */
interface OptionRule {
  flag: string | null;
  rule: Rule | ((method: string) => Rule);
}

/** Any finite number. */
export const FINITE: Rule = { kind: "number", min: -Infinity, max: Infinity, minOpen: false, maxOpen: true };
/** A finite number > 0. */
export const POSITIVE: Rule = { kind: "number", min: 0, max: Infinity, minOpen: true, maxOpen: true };
const nonNegative: Rule = { kind: "number", min: 0, max: Infinity, minOpen: false, maxOpen: true };
const flag: Rule = { kind: "boolean" };
/** A safe integer in [min, max] (either may be infinite). */
export const integer = (min: number, max: number): Rule => ({ kind: "integer", min, max });
const positive = POSITIVE;

/** Region descent (and auto, which runs it) count random starts after the layer-wise one and region fits per start. */
function regionLike(method: string): boolean {
  const base = hybridParts(method)?.base ?? method;
  return base === "region" || base === "region-linf" || base === "region-l1" || base === "auto";
}

/** The options with a simple rule, by field. Structured ones (operator, init, box, milpStart, projection) are checked where they are used. */
export const OPTION_RULES = {
  activeTolerance: { flag: "--active-tol", rule: positive },
  fitTolerance: { flag: "--fit-tol", rule: positive },
  rankTolerance: { flag: "--rank-tol", rule: positive },
  learningRate: { flag: "--lr", rule: positive },
  // gradient methods: iterations per start (0: evaluate the start only); region: fits per start, at least one
  iterations: { flag: "--iterations", rule: (m) => integer(regionLike(m) ? 1 : 0, 1e9) },
  // gradient methods: starts, at least one; region: random starts after the layer-wise one, maybe none
  restarts: { flag: "--restarts", rule: (m) => integer(regionLike(m) ? 0 : 1, 1e6) },
  gradientTolerance: { flag: "--tol", rule: nonNegative },
  objectiveTolerance: { flag: "--objective-tol", rule: { kind: "number", min: 0, max: 1, minOpen: false, maxOpen: true } },
  seed: { flag: "--seed", rule: integer(0, Infinity) },
  lineSearch: { flag: null, rule: flag },
  signFlip: { flag: "--sign-flip", rule: flag },
  eps0: { flag: "--eps0", rule: positive },
  alpha: { flag: "--alpha", rule: { kind: "number", min: 1, max: Infinity, minOpen: true, maxOpen: true } },
  lpBackend: { flag: "--lp-backend", rule: { kind: "choice", choices: ["engine", "highs"] } },
  lpFallback: { flag: null, rule: flag },
  epsSearch: { flag: "--eps-search", rule: { kind: "choice", choices: ["search", "scan"] } },
  lpMaxPivots: { flag: null, rule: integer(1, Infinity) },
  refine: { flag: null, rule: flag },
  regionLayerwiseStart: { flag: null, rule: flag },
  regionAgreeStop: { flag: null, rule: flag },
  prior: { flag: "--prior", rule: { kind: "choice", choices: ["gaussian", "none"] } },
  noiseSigma: { flag: "--noise-sigma", rule: positive },
  modeStarts: { flag: "--mode-starts", rule: integer(0, 1000) },
  milpNorm: { flag: "--norm", rule: { kind: "choice", choices: ["linf", "l1"] } },
  timeLimit: { flag: "--time-limit", rule: positive },
  maxBinaries: { flag: "--max-binaries", rule: integer(0, 10_000_000) },
  maxMisfit: { flag: "--max-misfit", rule: nonNegative },
  milpTighten: { flag: null, rule: flag },
  boundTimeMs: { flag: null, rule: nonNegative },
  pgdIterations: { flag: "--pgd-iterations", rule: integer(1, 1e6) },
  pgdStep: { flag: "--pgd-step", rule: positive },
  pgdRestarts: { flag: "--pgd-restarts", rule: integer(1, 1000) },
  pgdTolerance: { flag: null, rule: nonNegative },
} as const satisfies Record<string, OptionRule>;

/** A field with a rule in {@link OPTION_RULES}. */
export type RuledOption = keyof typeof OPTION_RULES;

/** What a valid value is, in the words of the messages ("a positive number", "an integer in [1, 1000]"). */
function expects(rule: Rule): string {
  switch (rule.kind) {
    case "boolean":
      return "true or false";
    case "choice":
      return rule.choices.length === 2 ? `${rule.choices[0]} or ${rule.choices[1]}` : `one of ${rule.choices.join(", ")}`;
    case "integer":
      if (rule.min === -Infinity) return "an integer";
      return rule.max === Infinity ? `an integer ≥ ${rule.min}` : `an integer in [${rule.min}, ${rule.max}]`;
    case "number":
      if (rule.min === -Infinity && rule.max === Infinity) return "a number";
      if (rule.min === 0 && rule.minOpen && rule.max === Infinity) return "a positive number";
      if (rule.max === Infinity) return `a number ${rule.minOpen ? ">" : "≥"} ${rule.min}`;
      return `a number in ${rule.minOpen ? "(" : "["}${rule.min}, ${rule.max}${rule.maxOpen ? ")" : "]"}`;
  }
}

/** Whether v passes the rule. */
export function passes(rule: Rule, v: unknown): boolean {
  switch (rule.kind) {
    case "boolean":
      return typeof v === "boolean";
    case "choice":
      return typeof v === "string" && rule.choices.includes(v);
    case "integer":
      return typeof v === "number" && Number.isSafeInteger(v) && v >= rule.min && v <= rule.max;
    case "number":
      return typeof v === "number" && Number.isFinite(v) && (rule.minOpen ? v > rule.min : v >= rule.min) && (rule.maxOpen ? v < rule.max : v <= rule.max);
  }
}

function ruleOf(field: RuledOption, method: string): Rule {
  const r: OptionRule["rule"] = OPTION_RULES[field].rule;
  return typeof r === "function" ? r(method) : r;
}

/** How the library shows a bad value: numbers as they are, anything else as JSON (strings quoted). */
function shown(v: unknown): string {
  if (typeof v === "number" || typeof v === "bigint" || v === undefined) return String(v);
  if (typeof v === "function") return "a function";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Check every ruled field of `options` that is set (undefined keeps the default), for `method`.
 * @throws OptionError naming the first bad field: `learningRate expects a positive number, got -1`
 */
export function validateOptions(options: object, method: string): void {
  const o = options as Record<string, unknown>;
  for (const field of Object.keys(OPTION_RULES) as RuledOption[]) {
    const v = o[field];
    if (v === undefined) continue;
    const rule = ruleOf(field, method);
    if (!passes(rule, v)) throw new OptionError(`${field} expects ${expects(rule)}, got ${shown(v)}`, field);
  }
  const nested = o["projectionOptions"];
  if (nested !== undefined) {
    if (typeof nested !== "object" || nested === null)
      throw new OptionError(`projectionOptions expects an options object, got ${shown(nested)}`, "projectionOptions");
    validateOptions(nested, typeof o["projection"] === "string" ? o["projection"] : "l1");
  }
}

/**
 * A flag's text checked by a rule: `--count expects an integer in [1, 1000000], got '0'` (the CLI's
 * flags without a library field use it too, so every flag message has these words).
 * @throws OptionError naming the flag
 */
export function flagValue(rule: Rule, text: string, name: string): number | string {
  const v = rule.kind === "number" || rule.kind === "integer" ? (text.trim() === "" ? NaN : Number(text)) : text;
  if (!passes(rule, v)) throw new OptionError(`${name} expects ${expects(rule)}, got '${text}'`, name);
  return v;
}

/**
 * A CLI flag's text as the value of `field`, by the same rule as the library, the message naming the
 * flag the table gives: `--lr expects a positive number, got '-1'`. Numbers are read with Number().
 * @throws OptionError naming the flag
 */
export function optionFromFlag(field: RuledOption, text: string, method = ""): number | string {
  return flagValue(ruleOf(field, method), text, OPTION_RULES[field].flag ?? field);
}

/** {@link optionFromFlag} for a numeric field. */
export function numberFromFlag(field: RuledOption, text: string, method = ""): number {
  const v = optionFromFlag(field, text, method);
  if (typeof v !== "number") throw new OptionError(`${OPTION_RULES[field].flag ?? field} is not a numeric option`, field);
  return v;
}
