/**
 * Typed errors. Misuse (bad files, wrong shapes, invalid numbers) throws one of these;
 * outcomes of an inversion (non-unique, infeasible, not converged) are statuses, not errors.
 */

/** Base class of every error geninv throws on purpose; `message` is meant for the user. */
export class GeninvError extends Error {
  /** Stable machine-readable code, e.g. `"model_format"`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A model file (or model object) is malformed: names the file and the field path. */
export class ModelFormatError extends GeninvError {
  readonly file: string | undefined;
  readonly field: string | undefined;
  constructor(message: string, opts: { file?: string; field?: string } = {}) {
    super("model_format", prefix(opts.file, opts.field) + message);
    this.file = opts.file;
    this.field = opts.field;
  }
}

/** A data file (observations, arrays, images) is malformed or unreadable. */
export class DataFormatError extends GeninvError {
  readonly file: string | undefined;
  readonly field: string | undefined;
  constructor(message: string, opts: { file?: string; field?: string } = {}) {
    super("data_format", prefix(opts.file, opts.field) + message);
    this.file = opts.file;
    this.field = opts.field;
  }
}

/** Dimensions do not agree (layer sizes, observation length, matrix shapes). */
export class ShapeError extends GeninvError {
  constructor(message: string) {
    super("shape", message);
  }
}

/** A value is NaN or infinite, or otherwise outside its domain. */
export class InvalidValueError extends GeninvError {
  constructor(message: string) {
    super("invalid_value", message);
  }
}

/** An option or argument is invalid (unknown method, bad noise spec, out-of-range number). */
export class OptionError extends GeninvError {
  constructor(message: string) {
    super("option", message);
  }
}

/** A problem was required to be feasible and is not (used where an outcome cannot be a status). */
export class InfeasibleError extends GeninvError {
  constructor(message: string) {
    super("infeasible", message);
  }
}

/** A numerical solver failed in a way no status describes (e.g. a backend crashed). */
export class SolverError extends GeninvError {
  constructor(message: string) {
    super("solver", message);
  }
}

/** A file could not be read or written (missing, permission, directory). */
export class FileError extends GeninvError {
  readonly file: string;
  constructor(file: string, message: string) {
    super("file", `${file}: ${message}`);
    this.file = file;
  }
}

/** The message of anything thrown (an Error's message, else its string form). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function prefix(file: string | undefined, field: string | undefined): string {
  if (file && field) return `${file}: ${field}: `;
  if (file) return `${file}: `;
  if (field) return `${field}: `;
  return "";
}
