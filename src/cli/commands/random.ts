/** `geninv random`: a random network with Gaussian weights N(0, 1/n_i), as in the paper. */
import { Command } from "commander";
import { parseActivationList } from "../../model/activation.js";
import { modelToJson } from "../../model/io/json-model.js";
import { randomGenerator } from "../../model/random.js";
import { type CliIo, writeOutputFile } from "../io.js";
import { parseIntFlag, parseSizes } from "../parse.js";

export function randomCommand(io: CliIo): Command {
  return new Command("random")
    .description("write a random network: weights N(0, 1/n_i), optional biases")
    .requiredOption("--sizes <list>", "layer widths k,n_1,…,n_d, e.g. 20,100,500")
    .option("--activation <spec>", "relu | leaky_relu:<slope> | identity | sigmoid | tanh, or a comma list (one per layer)", "relu")
    .option("--bias", "draw biases too", false)
    .option("--seed <n>", "random seed", "0")
    .option("-o, --output <file>", "output file (default: stdout)")
    .action((opts: { sizes: string; activation: string; bias: boolean; seed: string; output?: string }) => {
      const sizes = parseSizes(opts.sizes);
      const activation = parseActivationList(opts.activation, sizes.length - 1);
      const seed = parseIntFlag(opts.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
      const gen = randomGenerator({ sizes, activation, bias: opts.bias, rng: seed });
      const text = modelToJson(gen, { generatedBy: "geninv random", sizes, seed, bias: opts.bias });
      if (opts.output && opts.output !== "-") {
        writeOutputFile(opts.output, text);
        io.err(`wrote ${opts.output}: ${sizes.join("-")} ${opts.activation}${opts.bias ? " with biases" : ""}, seed ${seed}\n`);
      } else io.out(text);
    });
}
