/** `geninv convert`: read a model in any supported format and write geninv's native JSON. */
import { basename } from "node:path";
import { Command } from "commander";
import { OptionError } from "../../errors.js";
import { modelToJson } from "../../model/io/json-model.js";
import { type CliIo, writeOutputFile } from "../io.js";
import { addModelFlags, loadModelFromFlags, type ModelFlags } from "../model-flags.js";

export function convertCommand(io: CliIo): Command {
  const cmd = new Command("convert")
    .description("convert a model (PyTorch .pth/.pt, safetensors, ONNX, .npz, JSON) to geninv's native JSON format")
    .argument("[file]", "model file (or use --model)");
  addModelFlags(cmd);
  const model = cmd.options.find((o) => o.long === "--model")!;
  model.mandatory = false;
  return cmd
    .requiredOption("-o, --output <file>", "where to write the native model (use - for stdout)")
    .action((file: string | undefined, flags: Partial<ModelFlags> & { output: string }) => {
      const path = file ?? flags.model;
      if (!path) throw new OptionError("convert needs a model file: geninv convert model.pth --layers fc3,fc4 --activation relu -o net.json");
      if (file !== undefined && flags.model !== undefined && file !== flags.model) {
        throw new OptionError(`convert got two model files ('${file}' and --model '${flags.model}')`);
      }
      const gen = loadModelFromFlags({ ...flags, model: path });
      const text = modelToJson(gen, { convertedFrom: basename(path) });
      if (flags.output === "-") io.out(text);
      else {
        writeOutputFile(flags.output, text);
        io.err(`wrote ${flags.output}: ${gen.describe().join("; ")}\n`);
      }
    });
}
