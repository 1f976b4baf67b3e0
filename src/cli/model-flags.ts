/** The flags every command that reads a model shares, and loading a model from them. */
import { type Command } from "commander";
import { OptionError } from "../errors.js";
import { type Generator } from "../model/generator.js";
import { parseIntFlag } from "./parse.js";
import { inspectModelFile, loadManifest, loadModel, type LoadModelOptions, MODEL_FORMATS } from "../model/io/load.js";

/** Parsed model flags. */
export interface ModelFlags {
  model: string;
  format?: string;
  /** Comma list of layer names, e.g. `fc3,fc4`. */
  layers?: string;
  /** One activation or a comma list, e.g. `relu` or `relu,identity`. */
  activation?: string;
  /** JSON manifest naming the layers and activations. */
  manifest?: string;
  /** Most bytes the model file may hold or expand to (lifts the 64:1 expansion cap). */
  maxModelBytes?: string;
  /** Most objects a checkpoint's pickle may build (shared references counted as copies). */
  maxModelObjects?: string;
}

/** Add `--model`, `--format`, `--layers`, `--activation` and `--manifest` to a command. */
export function addModelFlags(cmd: Command): Command {
  return cmd
    .requiredOption(
      "--model <file>",
      "model file: geninv JSON, PyTorch .pth/.pt (legacy or zip), .safetensors, .onnx or .npz of weights; or a built-in model: mnist, mnist-leaky",
    )
    .option("--format <name>", `model format instead of guessing from the extension (${MODEL_FORMATS.join(", ")})`)
    .option("--layers <names>", "for state dicts: the tensors forming the generator, first layer first (e.g. fc3,fc4 → fc3.weight, fc3.bias, …)")
    .option("--activation <spec>", "for state dicts: activation after each layer: relu | leaky_relu:<slope> | identity | sigmoid | tanh, or a comma list")
    .option("--manifest <file>", 'for state dicts: JSON {"layers": [{"name": "fc3", "activation": "relu"}, …]} instead of --layers/--activation')
    .option(
      "--max-model-bytes <n>",
      "most bytes the model file may hold or expand to when inflated (default 1 GiB, and at most 64× the file's size); setting it trusts the file up to n",
    )
    .option(
      "--max-model-objects <n>",
      "most objects a PyTorch checkpoint's pickle may build, shared references counted as copies (default 65536 + 4 per pickle byte)",
    );
}

/** The load options the flags describe (reads the manifest file). */
export function loadOptionsFromFlags(flags: Omit<ModelFlags, "model">): LoadModelOptions {
  const opts: LoadModelOptions = {};
  if (flags.format !== undefined) opts.format = flags.format;
  if (flags.manifest !== undefined) {
    if (flags.layers !== undefined || flags.activation !== undefined) {
      throw new OptionError("--manifest names the layers and activations itself: drop --layers/--activation");
    }
    opts.manifest = loadManifest(flags.manifest);
  }
  if (flags.layers !== undefined) {
    const names = flags.layers.split(",").map((s) => s.trim());
    if (names.some((n) => n === "")) throw new OptionError(`--layers expects a comma list of names like fc3,fc4, got '${flags.layers}'`);
    opts.layers = names;
  }
  if (flags.activation !== undefined) opts.activation = flags.activation;
  if (flags.maxModelBytes !== undefined) opts.maxBytes = parseIntFlag(flags.maxModelBytes, "--max-model-bytes", 1, Number.MAX_SAFE_INTEGER);
  if (flags.maxModelObjects !== undefined) opts.maxObjects = parseIntFlag(flags.maxModelObjects, "--max-model-objects", 1, Number.MAX_SAFE_INTEGER);
  return opts;
}

/** Load the model the flags name. */
export function loadModelFromFlags(flags: ModelFlags): Generator {
  return loadModel(flags.model, loadOptionsFromFlags(flags));
}

/** Describe the model file the flags name, and the generator they would build. */
export function inspectModelFromFlags(flags: ModelFlags): ReturnType<typeof inspectModelFile> {
  return inspectModelFile(flags.model, loadOptionsFromFlags(flags));
}
