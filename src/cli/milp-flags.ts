/** The `milp` method's flags (invert, certify, hardness), parsed into options with errors naming the flag. */
import { type Command } from "commander";
import { OptionError } from "../errors.js";
import { loadArrayFile } from "../model/io/arrays.js";
import { type InvertOptions } from "../invert/options.js";
import { parseNumberFlag } from "./parse.js";
import { numberFromFlag, optionFromFlag } from "../invert/validate-options.js";

/** Raw values of the milp flags. */
export interface MilpFlags {
  norm?: string;
  timeLimit?: string;
  box?: string;
  maxBinaries?: string;
  maxMisfit?: string;
  milpStart?: string;
  milpTighten?: boolean;
}

/** Add the milp flags to a command. `withMisfit` adds --norm, --max-misfit and --milp-start. */
export function addMilpFlags(cmd: Command, withMisfit = true): Command {
  cmd
    .option("--time-limit <s>", "milp: seconds for the whole solve (default 60); at the limit the incumbent comes back with status time_limit and the open gap")
    .option("--box <b>", "milp: search z in [−b, b]^k, or lo,hi for [lo, hi]^k (default 10); optimum and proofs hold over this box")
    .option("--max-binaries <n>", "milp: refuse networks with more undecided ReLU units than n (default 1000)")
    .option("--no-milp-tighten", "milp: skip the LP tightening of the big-M bounds (interval and observation bounds only)");
  if (withMisfit) {
    cmd
      .option("--norm <p>", "milp: misfit minimised, linf (default) or l1")
      .option("--max-misfit <t>", "milp: only z with misfit ≤ t count: infeasible (with HiGHS's proof) when none exists")
      .option("--milp-start <how>", "milp: MIP start: layerwise (the ℓ∞ layer-wise answer, default), none, or a file with z");
  }
  return cmd;
}

/** The milp options the flags give (absent flags keep the defaults). @throws OptionError naming the flag */
export function milpOptionsFromFlags(flags: MilpFlags): InvertOptions {
  const o: InvertOptions = {};
  if (flags.norm !== undefined) {
    o.milpNorm = optionFromFlag("milpNorm", flags.norm) as InvertOptions["milpNorm"];
  }
  if (flags.timeLimit !== undefined) o.timeLimit = numberFromFlag("timeLimit", flags.timeLimit);
  if (flags.box !== undefined) {
    const [first = "", second, ...more] = flags.box.split(",");
    if (second === undefined) o.box = parseNumberFlag(first, "--box", true);
    else if (more.length === 0) {
      const lo = parseNumberFlag(first, "--box");
      const hi = parseNumberFlag(second, "--box");
      if (!(lo < hi)) throw new OptionError(`--box lo,hi needs lo < hi, got '${flags.box}'`);
      o.box = [lo, hi];
    } else throw new OptionError(`--box expects b or lo,hi, got '${flags.box}'`);
  }
  if (flags.maxBinaries !== undefined) o.maxBinaries = numberFromFlag("maxBinaries", flags.maxBinaries);
  if (flags.maxMisfit !== undefined) o.maxMisfit = numberFromFlag("maxMisfit", flags.maxMisfit);
  if (flags.milpStart !== undefined) {
    if (flags.milpStart === "layerwise" || flags.milpStart === "none") o.milpStart = flags.milpStart;
    else {
      const z = loadArrayFile(flags.milpStart, "z");
      if (z.rows !== 1) throw new OptionError(`--milp-start ${flags.milpStart}: expected one latent vector, got ${z.rows} rows`);
      o.milpStart = z.data;
    }
  }
  if (flags.milpTighten === false) o.milpTighten = false;
  return o;
}
