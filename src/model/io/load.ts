/**
 * Open a model file of any supported format by path — or a shipped generator by name (`mnist`,
 * `mnist-leaky`) — in Node: the file helpers around the byte-based core in `model-bytes.ts`
 * (which is what the browser page uses).
 */
import { ModelFormatError } from "../../errors.js";
import { type Generator } from "../generator.js";
import { resolveModelPath } from "./builtin.js";
import { readBytes, readText } from "./files.js";
import { parseJsonText } from "./json-text.js";
import {
  inspectModelBytes,
  limitsOf,
  type LoadModelOptions,
  MODEL_BYTES_FLAG,
  type ModelFileDescription,
  modelFormatOf,
  openModelBytes,
} from "./model-bytes.js";
import { type LayerManifest, parseManifest } from "./state-dict.js";

export {
  loadModelBytes,
  inspectModelBytes,
  openModelBytes,
  type OpenedModel,
  type LoadModelOptions,
  type ModelFileDescription,
  MODEL_FORMATS,
  type ModelFormat,
  modelFormatOf,
} from "./model-bytes.js";

/**
 * Load a generator from `path` (geninv JSON, PyTorch .pt, safetensors, ONNX, .npz), or a shipped
 * one by name (`mnist`, `mnist-leaky`).
 * @param path a model file or a shipped model's name
 * @param opts the format when the extension does not tell, a layer selection, byte limits
 * @returns the generator
 * @throws FileError when the file cannot be read; ModelFormatError when it is malformed or its
 *   layers cannot be determined; OptionError for a layer selection that does not apply
 * @example
 * ```ts
 * import { loadModel } from "geninv";
 * const mnist = loadModel("mnist"); // the shipped 20-60-784 ReLU VAE decoder
 * console.log(mnist.inputSize, mnist.outputSize); // 20 784
 * ```
 */
export function loadModel(path: string, opts: LoadModelOptions = {}): Generator {
  const file = resolveModelPath(path); // built-in names (mnist, mnist-leaky) → the shipped files
  modelFormatOf(file, opts.format); // an unknown forced format is refused before the file is read
  return openModelBytes(readModelFile(file, opts), file, opts).build(opts);
}

/**
 * Describe a model file and, separately, the generator the options would build from it (or why
 * none can be built): what `geninv inspect` prints.
 * @param path a model file or a shipped model's name
 * @param opts the format, a layer selection and byte limits, as for {@link loadModel}
 * @returns the file's description; the generator, or null with the `problem` that prevents it
 * @throws FileError / ModelFormatError when the file itself cannot be read; OptionError for an unknown forced format
 * @example
 * ```ts
 * import { inspectModelFile } from "geninv";
 * const { description, generator, problem } = inspectModelFile("mnist");
 * console.log(description.format, generator?.outputSize, problem); // json 784 null
 * ```
 */
export function inspectModelFile(
  path: string,
  opts: LoadModelOptions = {},
): { description: ModelFileDescription; generator: Generator | null; problem: string | null } {
  const file = resolveModelPath(path);
  modelFormatOf(file, opts.format);
  return inspectModelBytes(readModelFile(file, opts), file, opts);
}

/** The bytes of a model file, its size checked against the limits before it is read. */
function readModelFile(file: string, opts: LoadModelOptions): Uint8Array {
  return readBytes(file, limitsOf(opts), MODEL_BYTES_FLAG, (msg) => new ModelFormatError(msg, { file }));
}

/**
 * Read a manifest file (JSON): which tensors of a state dict form the layers, with their activations.
 * @param path the manifest's path
 * @returns the manifest, validated (activations parsed)
 * @throws FileError when the file cannot be read; ModelFormatError naming the field at fault
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadManifest } from "geninv";
 * const file = join(tmpdir(), "manifest-example.json");
 * writeFileSync(file, JSON.stringify({ layers: [{ name: "fc3" }, { name: "fc4", activation: "identity" }], activation: "relu" }));
 * console.log(loadManifest(file).layers.length); // 2
 * ```
 */
export function loadManifest(path: string): LayerManifest {
  const mk = (msg: string): ModelFormatError => new ModelFormatError(msg, { file: path });
  return parseManifest(parseJsonText(readText(path, {}, MODEL_BYTES_FLAG, mk), mk), path);
}
