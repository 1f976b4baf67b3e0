/** The flags every command that reads a model shares, and loading a model from them. */
import { type Command } from "commander";
import { loadModel } from "../model/io/load.js";
import { type Generator } from "../model/generator.js";

/** Parsed model flags. */
export interface ModelFlags {
  model: string;
  format?: string;
}

/** Add `--model FILE` and `--format NAME` to a command. */
export function addModelFlags(cmd: Command): Command {
  return cmd
    .requiredOption("--model <file>", "model file (native geninv JSON), or a built-in model: mnist, mnist-leaky")
    .option("--format <name>", "model format, instead of guessing from the extension");
}

/** Load the model the flags name. */
export function loadModelFromFlags(flags: ModelFlags): Generator {
  return loadModel(flags.model, flags.format ? { format: flags.format } : {});
}
