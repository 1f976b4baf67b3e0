/** `geninv inspect`: what a model file holds and the generator geninv builds from it. */
import { Command } from "commander";
import { OptionError } from "../../errors.js";
import { formatActivation } from "../../model/activation.js";
import { type CliIo, emitJson } from "../io.js";
import { addModelFlags, loadModelFromFlags, type ModelFlags } from "../model-flags.js";

export function inspectCommand(io: CliIo): Command {
  const cmd = new Command("inspect")
    .description("describe a model: layers, shapes, activations, parameter count")
    .argument("[file]", "model file (or use --model)");
  addModelFlags(cmd);
  // the file may come positionally; --model stays accepted for symmetry with other commands
  const model = cmd.options.find((o) => o.long === "--model")!;
  model.required = false;
  model.mandatory = false;
  return cmd
    .option("-o, --output <file>", "write the JSON description here (default: stdout)")
    .action((file: string | undefined, flags: Partial<ModelFlags> & { output?: string }) => {
      const path = file ?? flags.model;
      if (!path) throw new OptionError("inspect needs a model file: geninv inspect net.json");
      const gen = loadModelFromFlags({ ...flags, model: path });
      emitJson(
        io,
        {
          file: path,
          sizes: gen.sizes,
          depth: gen.depth,
          parameters: gen.parameterCount,
          layers: gen.layers.map((l, i) => ({
            layer: i + 1,
            ...(l.name ? { name: l.name } : {}),
            inputs: l.weight.cols,
            outputs: l.weight.rows,
            activation: formatActivation(l.activation),
            bias: l.bias !== null,
          })),
          summary: gen.describe(),
        },
        flags.output,
      );
    });
}
