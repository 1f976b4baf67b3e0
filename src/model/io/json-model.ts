/**
 * The native model format, `geninv.model` version 1: a JSON file
 * `{"format":"geninv.model","version":1,"layers":[{"weight":[[…],…],"bias":[…]|null,"activation":…}]}`
 * with `weight` a list of rows (output-major, as PyTorch stores `Linear.weight`).
 */
import { ModelFormatError } from "../../errors.js";
import { type Activation } from "../activation.js";
import { type DenseLayer, Generator } from "../generator.js";
import { parseJsonText } from "./json-text.js";
import { type ByteBudget } from "./limits.js";

/**
 * The `format` tag of native model files.
 * @example
 * ```ts
 * import { MODEL_FORMAT, modelToJson, randomGenerator, RELU } from "geninv";
 * const doc = JSON.parse(modelToJson(randomGenerator({ sizes: [2, 4], activation: RELU, rng: 1 }))) as { format: string };
 * if (doc.format !== MODEL_FORMAT) throw new Error("not a geninv model");
 * ```
 */
export const MODEL_FORMAT = "geninv.model";
/**
 * The version this geninv writes and reads.
 * @example
 * ```ts
 * import { MODEL_VERSION } from "geninv";
 * console.log(`geninv.model version ${MODEL_VERSION}`);
 * ```
 */
export const MODEL_VERSION = 1;

const MAX_PROBLEMS = 12;

/**
 * Parse a native model from JSON text; with a `budget`, what parsing allocates is charged to it first.
 * @param text the JSON text
 * @param file names the source in error messages
 * @param budget the byte budget parsing is charged to (none by default)
 * @returns the generator
 * @throws ModelFormatError listing each problem with its path, or naming the limit the text exceeds
 * @example
 * ```ts
 * import { modelToJson, parseModelJson, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 8, 16], activation: RELU, rng: 2 });
 * const back = parseModelJson(modelToJson(gen), "net.json"); // numbers round-trip exactly
 * ```
 */
export function parseModelJson(text: string, file = "<model>", budget?: ByteBudget): Generator {
  const doc = parseJsonText(text, (msg) => new ModelFormatError(msg, { file }), budget);
  return modelFromJson(doc, file);
}

/**
 * Build a generator from an already-parsed native model document.
 * @param doc the parsed JSON
 * @param file names the source in error messages
 * @returns the generator
 * @throws ModelFormatError listing each problem with its path (wrong format tag, shapes, values)
 * @example
 * ```ts
 * import { modelFromJson } from "geninv";
 * const gen = modelFromJson({
 *   format: "geninv.model",
 *   version: 1,
 *   layers: [{ weight: [[1, 0], [0, 1], [1, 1]], bias: null, activation: "relu" }],
 * });
 * console.log(gen.inputSize, gen.outputSize); // 2 3
 * ```
 */
export function modelFromJson(doc: unknown, file = "<model>"): Generator {
  const problems: string[] = [];
  const fail = (path: string, msg: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(`${path}: ${msg}`);
  };
  const finish = (): never => {
    const more = problems.length >= MAX_PROBLEMS ? " (further problems not listed)" : "";
    throw new ModelFormatError(problems.join("; ") + more, { file });
  };
  if (!isObject(doc)) throw new ModelFormatError(`expected a JSON object with "format": "${MODEL_FORMAT}", got ${kindOf(doc)}`, { file });
  if (doc.format !== MODEL_FORMAT) fail("format", `expected "${MODEL_FORMAT}", got ${JSON.stringify(doc.format) ?? "nothing"}`);
  if (doc.version !== MODEL_VERSION) {
    fail("version", `expected ${MODEL_VERSION}, got ${JSON.stringify(doc.version) ?? "nothing"} (this geninv reads version ${MODEL_VERSION})`);
  }
  if (!Array.isArray(doc.layers) || doc.layers.length === 0) {
    fail("layers", `expected a non-empty array of layers, got ${kindOf(doc.layers)}`);
    finish();
  }
  const layersIn = doc.layers as unknown[];
  const layers: DenseLayer[] = [];
  let prevRows: number | null = null;
  layersIn.forEach((raw, li) => {
    const at = `layers[${li}]`;
    if (!isObject(raw)) {
      fail(at, `expected an object, got ${kindOf(raw)}`);
      prevRows = null;
      return;
    }
    const weight = parseWeight(raw.weight, `${at}.weight`, fail);
    if (weight && prevRows !== null && weight.cols !== prevRows) {
      fail(`${at}.weight`, `rows have ${weight.cols} entries, but layers[${li - 1}] outputs ${prevRows} values`);
    }
    const bias = parseBias(raw.bias, `${at}.bias`, weight?.rows ?? null, fail);
    const activation = parseActivationJson(raw.activation, `${at}.activation`, fail);
    if (raw.name !== undefined && typeof raw.name !== "string") fail(`${at}.name`, `expected a string, got ${kindOf(raw.name)}`);
    prevRows = weight ? weight.rows : null;
    if (weight && bias !== undefined && activation) {
      layers.push({ weight, bias, activation, ...(typeof raw.name === "string" ? { name: raw.name } : {}) });
    }
  });
  if (problems.length > 0) finish();
  return new Generator(layers);
}

/**
 * Serialize a generator to the native JSON format (numbers round-trip exactly).
 * @param gen the generator
 * @param metadata free-form fields stored beside the layers
 * @returns the JSON text
 * @throws nothing
 * @example
 * ```ts
 * import { modelToJson, randomGenerator, RELU } from "geninv";
 * const text = modelToJson(randomGenerator({ sizes: [2, 5], activation: RELU, rng: 1 }), { note: "toy" });
 * ```
 */
export function modelToJson(gen: Generator, metadata?: Record<string, unknown>): string {
  const layers = gen.layers.map((l) => {
    const rows: string[] = [];
    for (let i = 0; i < l.weight.rows; i++) {
      rows.push(`[${Array.from(l.weight.data.subarray(i * l.weight.cols, (i + 1) * l.weight.cols)).join(",")}]`);
    }
    const act = l.activation.kind === "leaky_relu" ? `{"leaky_relu":${l.activation.slope}}` : `"${l.activation.kind}"`;
    const bias = l.bias ? `[${Array.from(l.bias).join(",")}]` : "null";
    const name = l.name ? `,"name":${JSON.stringify(l.name)}` : "";
    return `{"weight":[\n${rows.join(",\n")}\n],"bias":${bias},"activation":${act}${name}}`;
  });
  const meta = metadata ? `,"metadata":${JSON.stringify(metadata)}` : "";
  return `{"format":"${MODEL_FORMAT}","version":${MODEL_VERSION}${meta},"layers":[\n${layers.join(",\n")}\n]}\n`;
}

type Fail = (path: string, msg: string) => void;

function parseWeight(w: unknown, at: string, fail: Fail): { rows: number; cols: number; data: Float64Array } | null {
  if (!Array.isArray(w) || w.length === 0) {
    fail(at, `expected a non-empty list of rows, got ${kindOf(w)}`);
    return null;
  }
  const first = w[0];
  if (!Array.isArray(first) || first.length === 0) {
    fail(`${at}[0]`, `expected a non-empty list of numbers, got ${kindOf(first)}`);
    return null;
  }
  const rows = w.length;
  const cols = first.length;
  const data = new Float64Array(rows * cols);
  let ok = true;
  for (let i = 0; i < rows; i++) {
    const r = w[i];
    if (!Array.isArray(r)) {
      fail(`${at}[${i}]`, `expected a list of numbers, got ${kindOf(r)}`);
      ok = false;
      continue;
    }
    if (r.length !== cols) {
      fail(at, `row ${i} has ${r.length} entries, expected ${cols}`);
      ok = false;
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const v = r[j];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        fail(`${at}[${i}][${j}]`, `expected a finite number, got ${describeValue(v)}`);
        ok = false;
      } else data[i * cols + j] = v;
    }
  }
  return ok ? { rows, cols, data } : null;
}

function parseBias(b: unknown, at: string, rows: number | null, fail: Fail): Float64Array | null | undefined {
  if (b === null || b === undefined) return null;
  if (!Array.isArray(b)) {
    fail(at, `expected a list of numbers or null, got ${kindOf(b)}`);
    return undefined;
  }
  if (rows !== null && b.length !== rows) {
    fail(at, `has ${b.length} entries, expected ${rows} (one per weight row)`);
    return undefined;
  }
  const out = new Float64Array(b.length);
  let ok = true;
  b.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      fail(`${at}[${i}]`, `expected a finite number, got ${describeValue(v)}`);
      ok = false;
    } else out[i] = v;
  });
  return ok ? out : undefined;
}

function parseActivationJson(a: unknown, at: string, fail: Fail): Activation | null {
  if (a === "relu" || a === "identity" || a === "sigmoid" || a === "tanh") return { kind: a };
  if (isObject(a) && Object.keys(a).length === 1 && "leaky_relu" in a) {
    const s = a.leaky_relu;
    if (typeof s === "number" && Number.isFinite(s) && s > 0) return { kind: "leaky_relu", slope: s };
    fail(`${at}.leaky_relu`, `slope must be a finite number > 0, got ${describeValue(s)}`);
    return null;
  }
  fail(at, `unknown activation ${describeValue(a)} (expected "relu", "identity", "sigmoid", "tanh" or {"leaky_relu": slope})`);
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short description of a JSON value's type for messages. */
export function kindOf(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length === 0 ? "an empty list" : "a list";
  return `a ${typeof v}`;
}

/** A short description of a value, without walking into it (no recursion on user data). */
function describeValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === undefined) return "nothing";
  if (typeof v === "string") {
    const s = JSON.stringify(v.length > 40 ? v.slice(0, 40) : v);
    return v.length > 40 ? `${s.slice(0, -1)}…"` : s;
  }
  if (v === null || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length === 0 ? "[]" : `a list of ${v.length}`;
  return "an object";
}
