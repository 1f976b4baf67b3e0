/**
 * Typed errors. Misuse (bad files, wrong shapes, invalid numbers) throws one of these;
 * outcomes of an inversion (non-unique, infeasible, not converged) are statuses, not errors.
 */

/** The stable machine-readable codes of {@link GeninvError}, one per error class. */
export type GeninvErrorCode = "model_format" | "data_format" | "shape" | "invalid_value" | "option" | "infeasible" | "solver" | "file" | "worker";

/**
 * Base class of every error geninv throws on purpose; `message` is meant for the user, `code` for programs.
 * @param code the stable code of the subclass
 * @param message what went wrong, for the user
 * @example
 * ```ts
 * import { GeninvError, matrix } from "geninv";
 * try {
 *   matrix(2, 2, new Float64Array(3));
 * } catch (e) {
 *   if (!(e instanceof GeninvError)) throw e;
 *   console.log(e.code); // shape
 * }
 * ```
 */
export class GeninvError extends Error {
  /** Stable machine-readable code, e.g. `"model_format"`. */
  readonly code: GeninvErrorCode;
  constructor(code: GeninvErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Where in which file a format error is: both optional, both prefixed to the message. */
export interface FormatErrorPlace {
  /** The file's path. */
  file?: string;
  /** The field path inside the file, e.g. `layers[1].weight`. */
  field?: string;
}

/** A malformed file: the message starts with the file and the field path it names. */
export abstract class FormatError extends GeninvError {
  readonly file: string | undefined;
  readonly field: string | undefined;
  constructor(code: "model_format" | "data_format", message: string, opts: FormatErrorPlace) {
    super(code, prefix(opts.file, opts.field) + message);
    this.file = opts.file;
    this.field = opts.field;
  }
}

/**
 * A model file (or model object) is malformed: names the file and the field path.
 * @param message what is wrong
 * @param opts the file and field path, prefixed to the message
 * @example
 * ```ts
 * import { ModelFormatError, parseModelJson } from "geninv";
 * try {
 *   parseModelJson("{}");
 * } catch (e) {
 *   if (!(e instanceof ModelFormatError)) throw e;
 *   console.log(e.code); // model_format
 * }
 * ```
 */
export class ModelFormatError extends FormatError {
  constructor(message: string, opts: FormatErrorPlace = {}) {
    super("model_format", message, opts);
  }
}

/**
 * A data file (observations, arrays, images) is malformed or unreadable.
 * @param message what is wrong
 * @param opts the file and field path, prefixed to the message
 * @example
 * ```ts
 * import { DataFormatError, parseNpy } from "geninv";
 * try {
 *   parseNpy(new Uint8Array([1, 2, 3]));
 * } catch (e) {
 *   if (!(e instanceof DataFormatError)) throw e;
 *   console.log(e.code); // data_format
 * }
 * ```
 */
export class DataFormatError extends FormatError {
  constructor(message: string, opts: FormatErrorPlace = {}) {
    super("data_format", message, opts);
  }
}

/**
 * Dimensions do not agree (layer sizes, observation length, matrix shapes).
 * @param message which dimensions disagree
 * @example
 * ```ts
 * import { fromRows, ShapeError } from "geninv";
 * try {
 *   fromRows([[1, 2], [3]]);
 * } catch (e) {
 *   if (!(e instanceof ShapeError)) throw e;
 *   console.log(e.message); // row 1 has 1 entries, expected 2
 * }
 * ```
 */
export class ShapeError extends GeninvError {
  constructor(message: string) {
    super("shape", message);
  }
}

/**
 * A value is NaN or infinite, or otherwise outside its domain.
 * @param message which value, where
 * @example
 * ```ts
 * import { denseOperator, fromRows, InvalidValueError } from "geninv";
 * try {
 *   denseOperator(fromRows([[1, NaN]]));
 * } catch (e) {
 *   if (!(e instanceof InvalidValueError)) throw e;
 *   console.log(e.code); // invalid_value
 * }
 * ```
 */
export class InvalidValueError extends GeninvError {
  constructor(message: string) {
    super("invalid_value", message);
  }
}

/**
 * An option or argument is invalid (unknown method, bad noise spec, out-of-range number); `option`
 * names the field or flag when there is one.
 * @param message what is wrong, starting with the option's name
 * @param option the field (`learningRate`) or flag (`--lr`)
 * @example
 * ```ts
 * import { invert, OptionError, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 8, 20], activation: RELU, rng: 3 });
 * try {
 *   invert(gen, gen.forward([1, 1]), { method: "gd", learningRate: -1 });
 * } catch (e) {
 *   if (!(e instanceof OptionError) || e.option !== "learningRate") throw e;
 *   console.log(e.message); // learningRate expects a positive number, got -1
 * }
 * ```
 */
export class OptionError extends GeninvError {
  /** The option it names, when one: the field (`learningRate`) from the library, the flag (`--lr`) from the CLI. */
  readonly option: string | undefined;
  constructor(message: string, option?: string) {
    super("option", message);
    this.option = option;
  }
}

/**
 * A problem was required to be feasible and is not (used where an outcome cannot be a status).
 * @param message which problem, and why it is infeasible
 * @example
 * ```ts
 * import { GeninvError, InfeasibleError } from "geninv";
 * const e = new InfeasibleError("layer 2: no z satisfies the ReLU sign pattern");
 * console.log(e instanceof GeninvError, e.code, e.name); // true infeasible InfeasibleError
 * ```
 */
export class InfeasibleError extends GeninvError {
  constructor(message: string) {
    super("infeasible", message);
  }
}

/**
 * A numerical solver failed in a way no status describes (e.g. a backend crashed).
 * @param message what the solver reported
 * @example
 * ```ts
 * import { GeninvError, SolverError } from "geninv";
 * const e = new SolverError("HiGHS returned status 'Solve error'");
 * console.log(e instanceof GeninvError, e.code); // true solver
 * ```
 */
export class SolverError extends GeninvError {
  constructor(message: string) {
    super("solver", message);
  }
}

/**
 * A file could not be read or written (missing, permission, directory).
 * @param file the path, prefixed to the message
 * @param message what went wrong
 * @example
 * ```ts
 * import { FileError, loadArrayFile } from "geninv";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * try {
 *   loadArrayFile(join(tmpdir(), "geninv-no-such-file.npy"));
 * } catch (e) {
 *   if (!(e instanceof FileError)) throw e;
 *   console.log(e.code); // file
 * }
 * ```
 */
export class FileError extends GeninvError {
  /** The path that could not be read or written. */
  readonly file: string;
  constructor(file: string, message: string) {
    super("file", `${file}: ${message}`);
    this.file = file;
  }
}

/** A worker thread of the trial runner could not start (its script failed to load, or it exited first). */
export class WorkerError extends GeninvError {
  constructor(message: string) {
    super("worker", message);
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
