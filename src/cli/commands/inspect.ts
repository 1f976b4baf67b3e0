/** `geninv inspect`: what a model file holds and the generator geninv builds from it. */
import { Command } from "commander";
import { OptionError } from "../../errors.js";
import { formatActivation } from "../../model/activation.js";
import { type CliIo, emitJson } from "../io.js";
import { addModelFlags, inspectModelFromFlags, type ModelFlags } from "../model-flags.js";

export function inspectCommand(io: CliIo): Command {
  const cmd = new Command("inspect")
    .description("describe a model file: its tensors or graph nodes, and the generator (layers, shapes, activations) geninv builds from it")
    .argument("[file]", "model file (or use --model)");
  addModelFlags(cmd);
  // the file may come positionally; --model stays accepted for symmetry with other commands
  const model = cmd.options.find((o) => o.long === "--model")!;
  model.mandatory = false;
  return cmd
    .option("-o, --output <file>", "write the JSON description here (default: stdout)")
    .action((file: string | undefined, flags: Partial<ModelFlags> & { output?: string }) => {
      const path = file ?? flags.model;
      if (!path) throw new OptionError("inspect needs a model file: geninv inspect net.json");
      if (file !== undefined && flags.model !== undefined && file !== flags.model) {
        throw new OptionError(`inspect got two model files ('${file}' and --model '${flags.model}')`);
      }
      const { description, generator: gen, problem } = inspectModelFromFlags({ ...flags, model: path });
      const generator = gen
        ? {
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
          }
        : null;
      emitJson(
        io,
        {
          file: path,
          format: description.format,
          tensors: description.tensors,
          ...(description.graph ? { graph: description.graph } : {}),
          ...(Object.keys(description.metadata).length > 0 ? { metadata: description.metadata } : {}),
          generator,
          ...(problem ? { problem } : {}),
        },
        flags.output,
      );
      // describing a file that is no generator by itself (a whole VAE's state dict) is a success;
      // a generator the user asked for (--layers / --activation / --manifest) that cannot be built is not
      if (problem) {
        const asked = flags.layers !== undefined || flags.activation !== undefined || flags.manifest !== undefined;
        io.err(asked ? `geninv: ${problem}\n` : `geninv: note: ${problem}\n`);
        if (asked) io.exitCode = 1;
      }
    });
}
