#!/usr/bin/env node
/** The `geninv` command line: JSON results on stdout, logs on stderr; exit 0 ok, 1 error, 2 usage. */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { GeninvError, OptionError } from "../errors.js";
import { certifyCommand } from "./commands/certify.js";
import { convertCommand } from "./commands/convert.js";
import { demoCommand } from "./commands/demo.js";
import { hardnessCommand } from "./commands/hardness.js";
import { inspectCommand } from "./commands/inspect.js";
import { invertCommand } from "./commands/invert.js";
import { randomCommand } from "./commands/random.js";
import { reproduceCommand } from "./commands/reproduce.js";
import { sampleCommand } from "./commands/sample.js";
import { configureHelpTree } from "./help.js";
import { type CliIo, processIo } from "./io.js";
import { VERSION } from "./version.js";

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** Build the program with all commands wired to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("geninv")
    .description("Invert deep generative models: find z with G(z) ≈ x, exactly or by linear programming, one layer at a time")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  for (const make of [
    randomCommand,
    sampleCommand,
    invertCommand,
    certifyCommand,
    inspectCommand,
    convertCommand,
    demoCommand,
    reproduceCommand,
    hardnessCommand,
  ]) {
    const cmd = make(io);
    // every level (reproduce fig1, hardness 3sat) writes through io and exits through main
    const wire = (c: Command): void => {
      c.configureOutput({ writeOut: io.out, writeErr: io.err }).exitOverride().showHelpAfterError("(run with --help for usage)");
      for (const sub of c.commands) wire(sub);
    };
    wire(cmd);
    program.addCommand(cmd);
  }
  configureHelpTree(program);
  return program;
}

/** Run the CLI on `argv` (without node and script) and return the exit code. Never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return io.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit through here with code 0; parse errors were already printed
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof OptionError) {
      io.err(`geninv: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof GeninvError) {
      io.err(`geninv: ${e.message}\n`);
      return EXIT_ERROR;
    }
    // a bug, not bad input: say so plainly, with the detail on request
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`geninv: internal error: ${msg}\n`);
    if (io.env.GENINV_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    else io.err("(set GENINV_DEBUG=1 for a stack trace, and please report this)\n");
    return EXIT_ERROR;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
