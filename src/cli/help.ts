/**
 * Help text shared by every command: required options marked, defaults shown as values (`0`, not
 * `"0"`), a few examples per command, and the exit codes. Applied once to the whole program tree.
 */
import { type Command, type Help, type Option } from "commander";
import { EXIT_PIPE_CLOSED } from "./io.js";

/** The exit codes every command uses (see main.ts). */
export const EXIT_CODES_HELP = `Exit codes:
  0    success (every observation inverted, or the file described)
  1    error: a bad, unreadable or hostile file, an observation or run that failed
  2    usage error: unknown command, method or flag, or a bad flag value
  ${EXIT_PIPE_CLOSED}  stdout was closed early (e.g. piped into head): output stops quietly`;

/** Examples per command path ("" is the program itself); every command listed here shows them. */
export const EXAMPLES: Record<string, readonly string[]> = {
  "": ["geninv demo", "geninv invert --model mnist --image digit.png --method linf -o out.png", "geninv help invert"],
  random: ["geninv random --sizes 20,100,500 --seed 3 -o net.json", "geninv random --sizes 20,100,200,500 --activation leaky_relu:0.1 --bias -o leaky.json"],
  sample: ["geninv sample --model net.json --count 10 --seed 1 -o obs.json", "geninv sample --model mnist --noise gaussian:0.05 -o noisy.json"],
  invert: [
    "geninv invert --model net.json --obs obs.json --method exact",
    "geninv invert --model mnist --obs noisy.json --truth noisy.json --method linf+gd -o results.json",
    "geninv invert --model mnist --image digit.png --mask half:bottom --method l1 -o out.png",
    "geninv invert --model mnist --image digit.png --measurements 200 --method pgd",
  ],
  inspect: ["geninv inspect net.json", "geninv inspect vae.pth --layers fc3,fc4 --activation relu"],
  convert: ["geninv convert vae.pth --layers fc3,fc4 --activation relu,sigmoid -o decoder.json", "geninv convert decoder.onnx -o -"],
  demo: ["geninv demo", "geninv demo --model mnist-leaky --digits 2 -o leaky-demo.png"],
  reproduce: ["geninv reproduce fig1 --quick", "geninv reproduce fig2 --activation leaky_relu:0.1 --out results/fig2-leaky"],
  "reproduce fig1": ["geninv reproduce fig1 --quick", "geninv reproduce fig1 --model mnist --runs 50 --methods linf,l1,gd"],
  "reproduce fig2": ["geninv reproduce fig2 --quick", "geninv reproduce fig2 --activation leaky_relu:0.1"],
  "reproduce fig3": ["geninv reproduce fig3 --quick"],
  "reproduce fig4": ["geninv reproduce fig4 --quick"],
  "reproduce example1": ["geninv reproduce example1 -o example1.svg"],
  certify: [
    "geninv certify --model net.json --obs obs.json --method linf --radius 1e-3",
    "geninv certify --model net.json --obs obs.json --z z.npy --time-limit 30",
  ],
  hardness: ["geninv hardness 3sat --vars 5 --clauses 20 --seed 1 -o sat.json --obs-output x.json --solve"],
  "hardness 3sat": [
    "geninv hardness 3sat formula.cnf -o sat.json --solve",
    "geninv hardness 3sat --vars 5 --clauses 20 --seed 1 -o sat.json --obs-output x.json",
  ],
  "reproduce sensing": ["geninv reproduce sensing --quick", "geninv reproduce sensing --ms 20,50,100 --methods pgd,adam+pgd"],
};

/** A default as the value the user would type: 0, none, mnist (strings unquoted). */
function formatDefault(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Commander's option description with `required` marked and defaults shown as plain values. */
function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.mandatory) extra.push("required");
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(", ")}`);
  const d = option.defaultValue as unknown;
  // flags (booleans) and empty repeatable lists have no default worth printing
  const shown = d !== undefined && typeof d !== "boolean" && !(Array.isArray(d) && d.length === 0);
  if (shown) extra.push(`default: ${option.defaultValueDescription ?? formatDefault(d)}`);
  return extra.length > 0 ? `${option.description} (${extra.join("; ")})` : option.description;
}

/** Apply the shared help to `cmd` and its subcommands (`path` is the command's path after `geninv`). */
export function configureHelpTree(cmd: Command, path = ""): void {
  cmd.configureHelp({ optionDescription: optionDescription as (this: Help, option: Option) => string, showGlobalOptions: false });
  const examples = EXAMPLES[path];
  const parts: string[] = [];
  if (examples && examples.length > 0) parts.push(`Examples:\n${examples.map((e) => `  $ ${e}`).join("\n")}`);
  parts.push(EXIT_CODES_HELP);
  cmd.addHelpText("after", `\n${parts.join("\n\n")}\n`);
  for (const sub of cmd.commands) configureHelpTree(sub, path === "" ? sub.name() : `${path} ${sub.name()}`);
}
