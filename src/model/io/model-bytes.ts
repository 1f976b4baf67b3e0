/**
 * The byte-based core of model loading, for Node and the browser alike (no file system, no
 * `node:*` import): the bytes of a model file of any supported format — native JSON (gzipped or
 * not), PyTorch `.pth`/`.pt` (legacy and zip), safetensors, ONNX, NumPy `.npz` of weights — with
 * the format chosen by the file name's extension (or forced, or sniffed from the content), become
 * a generator, with the layer selection for formats that store bare tensors. `load.ts` adds the
 * Node file helpers (paths, built-in names) on top.
 */
import { InvalidValueError, ModelFormatError, OptionError, ShapeError } from "../../errors.js";
import { Generator } from "../generator.js";
import { maybeGunzip } from "./inflate.js";
import { ByteBudget, decodeText, type LoadLimits } from "./limits.js";
import { parseModelJson } from "./json-model.js";
import { readNpz } from "./npz.js";
import { onnxLayers, type OnnxModel, readOnnx } from "./onnx.js";
import { readTorchCheckpoint } from "./pytorch/checkpoint.js";
import { readSafetensors } from "./safetensors.js";
import { generatorFromTensors, hasSelection, type LayerSelection } from "./state-dict.js";
import { type MakeError, type Tensor } from "./tensor.js";
import { looksLikeZip } from "./zip.js";

/**
 * Options of {@link loadModel}: the format, which tensors form the layers ({@link LayerSelection})
 * and byte limits.
 * @example
 * ```ts
 * import { loadModel, type LoadModelOptions } from "geninv";
 * const opts: LoadModelOptions = { format: "json", maxBytes: 64 * 1024 * 1024 };
 * console.log(loadModel("mnist", opts).depth); // 2
 * ```
 */
export interface LoadModelOptions extends LayerSelection, LoadLimits {
  /** Force a format (see {@link MODEL_FORMATS}) instead of guessing from the extension. */
  format?: string;
}

/**
 * Model formats geninv reads, by name (the values `--format` and {@link LoadModelOptions.format} take).
 * @example
 * ```ts
 * import { MODEL_FORMATS } from "geninv";
 * console.log(MODEL_FORMATS.join(", ")); // json, pytorch, safetensors, onnx, npz
 * ```
 */
export const MODEL_FORMATS = ["json", "pytorch", "safetensors", "onnx", "npz"] as const;

/**
 * A model format name, one of {@link MODEL_FORMATS}.
 * @example
 * ```ts
 * import { type ModelFormat, modelFormatOf } from "geninv";
 * const f: ModelFormat | null = modelFormatOf("decoder.safetensors");
 * console.log(f); // safetensors
 * ```
 */
export type ModelFormat = (typeof MODEL_FORMATS)[number];

const EXTENSIONS: Readonly<Record<string, ModelFormat>> = {
  json: "json",
  pth: "pytorch",
  pt: "pytorch",
  ckpt: "pytorch",
  bin: "pytorch",
  tar: "pytorch",
  safetensors: "safetensors",
  onnx: "onnx",
  npz: "npz",
};

const ALIASES: Readonly<Record<string, ModelFormat>> = { pth: "pytorch", pt: "pytorch", torch: "pytorch", st: "safetensors" };

/**
 * What a model file holds, as `geninv inspect` shows it.
 * @example
 * ```ts
 * import { inspectModelFile, type ModelFileDescription } from "geninv";
 * const d: ModelFileDescription = inspectModelFile("mnist").description;
 * console.log(d.format, d.graph === undefined); // json true
 * ```
 */
export interface ModelFileDescription {
  /** The path it was read from. */
  file: string;
  /** The format it was read as (a {@link ModelFormat}, or a variant such as `pytorch-zip`). */
  format: string;
  /** Named tensors (state-dict formats and ONNX initializers). */
  tensors: { name: string; dtype: string; shape: number[] }[];
  /** ONNX graph: nodes in order, inputs and outputs. */
  graph?: {
    producer: string;
    opsets: { domain: string; version: number }[];
    inputs: { name: string; shape: (number | string)[] | null }[];
    outputs: { name: string; shape: (number | string)[] | null }[];
    nodes: { name: string; op: string; inputs: string[]; outputs: string[] }[];
  };
  /** Free-form metadata (safetensors `__metadata__`, checkpoint scalars, storage locations). */
  metadata: Record<string, unknown>;
}

/**
 * Build a generator from the bytes of a model file called `file` (the name picks the format by
 * its extension and is named in every error).
 * @throws ModelFormatError when the bytes are malformed or the layers cannot be determined;
 *   DataFormatError on a corrupt gzip stream; OptionError for a layer selection that does not apply
 */
export function loadModelBytes(bytes: Uint8Array, file: string, opts: LoadModelOptions = {}): Generator {
  return openModelBytes(bytes, file, opts).build(opts);
}

/**
 * Describe the model file `file` given as bytes and, separately, the generator the options would
 * build from it (or why none can be built).
 * @throws ModelFormatError / DataFormatError when the bytes themselves cannot be read
 */
export function inspectModelBytes(
  bytes: Uint8Array,
  file: string,
  opts: LoadModelOptions = {},
): { description: ModelFileDescription; generator: Generator | null; problem: string | null } {
  const m = openModelBytes(bytes, file, opts);
  // a selection the format cannot take is a usage error, not a property of the file
  if (m.fixedLayers && hasSelection(opts)) m.build(opts);
  try {
    return { description: m.description, generator: m.build(opts), problem: null };
  } catch (e) {
    if (e instanceof ModelFormatError || e instanceof OptionError) return { description: m.description, generator: null, problem: e.message };
    throw e;
  }
}

/**
 * The format `path` would be read as: the forced one, else the extension's (null when the extension
 * does not tell; the content decides then).
 * @param path the file's path (`x.json.gz` is JSON)
 * @param forced a format name or alias (`pt`, `st`) overriding the extension
 * @returns the format, or null when only the content can tell
 * @throws OptionError for an unknown forced format
 * @example
 * ```ts
 * import { modelFormatOf } from "geninv";
 * console.log(modelFormatOf("vae.pth"), modelFormatOf("weights.bin", "st"), modelFormatOf("model")); // pytorch safetensors null
 * ```
 */
export function modelFormatOf(path: string, forced?: string): ModelFormat | null {
  if (forced !== undefined) {
    const f = forced.toLowerCase();
    const fmt = (MODEL_FORMATS as readonly string[]).includes(f) ? (f as ModelFormat) : ALIASES[f];
    if (!fmt) throw new OptionError(`unknown model format '${forced}' (supported: ${MODEL_FORMATS.join(", ")})`);
    return fmt;
  }
  // x.json.gz is JSON, gunzipped on reading
  const ext = extensionOf(path.replace(/\.gz$/i, ""));
  return EXTENSIONS[ext] ?? null;
}

/** The extension of the last path component, lower case, without the dot ("" when none), as node:path's extname. */
function extensionOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

/** A model file read into memory: its description and a builder for a layer selection. */
export interface OpenedModel {
  description: ModelFileDescription;
  /** The format defines its own layers (native JSON, ONNX): a layer selection is refused. */
  fixedLayers: boolean;
  build(sel: LayerSelection): Generator;
}

/**
 * Read the bytes of the model file `path` (a name: only its extension and its mention in errors matter).
 * @throws ModelFormatError / DataFormatError when the bytes cannot be read as the format
 */
export function openModelBytes(buf: Uint8Array, path: string, opts: LoadModelOptions = {}): OpenedModel {
  let format = modelFormatOf(path, opts.format);
  const limits = limitsOf(opts);
  const makeError: MakeError = (msg, field) => new ModelFormatError(msg, { file: path, ...(field ? { field } : {}) });
  const tooBig = new ByteBudget(buf.length, limits, MODEL_BYTES_FLAG).fileSizeProblem(buf.length);
  if (tooBig) throw makeError(tooBig);
  if (format === "json") return openJson(buf, path, limits);
  format ??= sniff(buf, path);
  switch (format) {
    case "json":
      return openJson(buf, path, limits);
    case "pytorch": {
      const ck = readTorchCheckpoint(buf, makeError, limits);
      return tensorModel(path, ck.format, ck.tensors, { ...(ck.locations.length ? { locations: ck.locations } : {}), ...ck.scalars });
    }
    case "safetensors": {
      const st = readSafetensors(buf, makeError);
      return tensorModel(path, "safetensors", st.tensors, st.metadata);
    }
    case "npz": {
      const npz = readNpz(buf, makeError, new ByteBudget(buf.length, limits, MODEL_BYTES_FLAG));
      return tensorModel(
        path,
        "npz",
        npz.keys.map((k) => npz.get(k).tensor),
        {},
      );
    }
    case "onnx":
      return onnxModel(path, readOnnx(buf, makeError), makeError);
  }
}

/** The CLI flag that raises a model's byte limit, for messages. */
export const MODEL_BYTES_FLAG = "--max-model-bytes";

/** Just the limits of the options. */
export function limitsOf(opts: LoadLimits): LoadLimits {
  return { ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}), ...(opts.maxObjects !== undefined ? { maxObjects: opts.maxObjects } : {}) };
}

function openJson(bytes: Uint8Array, path: string, limits: LoadLimits): OpenedModel {
  const mk = (msg: string): ModelFormatError => new ModelFormatError(msg, { file: path });
  const budget = new ByteBudget(bytes.length, limits, MODEL_BYTES_FLAG);
  const gen = parseModelJson(decodeText(maybeGunzip(bytes, path, budget, mk), mk), path, budget);
  return {
    description: {
      file: path,
      format: "json",
      tensors: gen.layers.flatMap((l, i) => [
        { name: `layers[${i}].weight`, dtype: "float64", shape: [l.weight.rows, l.weight.cols] },
        ...(l.bias ? [{ name: `layers[${i}].bias`, dtype: "float64", shape: [l.bias.length] }] : []),
      ]),
      metadata: {},
    },
    fixedLayers: true,
    build(sel) {
      if (hasSelection(sel))
        throw new OptionError(`${path} is a native geninv model: its layers and activations are fixed (drop --layers/--activation/--manifest)`);
      return gen;
    },
  };
}

function tensorModel(path: string, format: string, tensors: Tensor[], metadata: Record<string, unknown>): OpenedModel {
  return {
    description: { file: path, format, tensors: tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })), metadata },
    fixedLayers: false,
    build: (sel) => namingFile(path, () => generatorFromTensors(tensors, sel, path)),
  };
}

function onnxModel(path: string, m: OnnxModel, makeError: MakeError): OpenedModel {
  return {
    description: {
      file: path,
      format: "onnx",
      tensors: m.initializers.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })),
      graph: {
        producer: m.producer,
        opsets: m.opsets,
        inputs: m.inputs,
        outputs: m.outputs,
        nodes: m.nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs, outputs: n.outputs })),
      },
      metadata: { irVersion: m.irVersion, graphName: m.graphName },
    },
    fixedLayers: true,
    build(sel) {
      if (hasSelection(sel)) throw new OptionError(`${path} is an ONNX graph: it defines its layers and activations (drop --layers/--activation/--manifest)`);
      return namingFile(path, () => new Generator(onnxLayers(m, makeError)));
    },
  };
}

/** Run `build`, turning the generator's own shape and value errors into errors that name the file. */
function namingFile(path: string, build: () => Generator): Generator {
  try {
    return build();
  } catch (e) {
    if (e instanceof ShapeError || e instanceof InvalidValueError) throw new ModelFormatError(e.message, { file: path });
    throw e;
  }
}

/** Guess the format of a file with an unfamiliar extension from its first bytes. */
function sniff(buf: Uint8Array, path: string): ModelFormat {
  if (looksLikeZip(buf)) {
    // both are zips: PyTorch's holds data.pkl, NumPy's holds .npy members
    const text = new TextDecoder("latin1").decode(buf.subarray(0, Math.min(buf.length, 4096)));
    return /data\.pkl/.test(text) || !/\.npy/.test(text) ? "pytorch" : "npz";
  }
  // safetensors: a little-endian u64 header length that fits the file, then a JSON object
  if (buf.length >= 10 && buf[8] === 0x7b) {
    const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
    if (n <= BigInt(buf.length - 8)) return "safetensors";
  }
  if (buf.length > 1 && buf[0] === 0x80 && buf[1]! >= 2 && buf[1]! <= 5) return "pytorch"; // a pickle's PROTO opcode
  let i = 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  if (buf[i] === 0x7b) return "json";
  if (buf.length >= 2 && buf[0] === 0x08) return "onnx"; // ModelProto starts with field 1 (ir_version), a varint
  throw new ModelFormatError(`cannot tell the model format from the extension or the content; choose one with --format (${MODEL_FORMATS.join(", ")})`, {
    file: path,
  });
}
