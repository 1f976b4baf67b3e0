/**
 * `geninv hardness 3sat`: Theorem 1, runnable. Reads a DIMACS CNF (or draws random 3-SAT) and
 * writes the reduction's 4-layer ReLU network (native JSON) and its observation x = (0, 0);
 * `--solve` inverts it with `milp` and reads the assignment off z, checked clause by clause.
 */
import { Command } from "commander";
import { OptionError } from "../../errors.js";
import { loadHighsBackend } from "../../lp/highs.js";
import { readText } from "../../model/io/files.js";
import { modelToJson } from "../../model/io/json-model.js";
import { firstFalseClause, parseDimacs, randomThreeSat, reductionNetwork, SAT_BOX, SAT_TAU, solveCnfByMilp, toDimacs } from "../../experiments/hardness.js";
import { type CliIo, emitJson, writeOutputFile } from "../io.js";
import { addMilpFlags, type MilpFlags, milpOptionsFromFlags } from "../milp-flags.js";
import { parseIntFlag } from "../parse.js";

interface HardnessFlags extends MilpFlags {
  vars?: string;
  clauses?: string;
  seed: string;
  depth: string;
  output?: string;
  obsOutput?: string;
  cnfOutput?: string;
  solve?: boolean;
}

export function hardnessCommand(io: CliIo): Command {
  const cmd = new Command("hardness").description("the paper's section 3 hardness results, runnable");
  const sat = addMilpFlags(new Command("3sat"), false)
    .description(
      "Theorem 1: write the ReLU network G and observation x of the 3SAT reduction (G(z) = x has a solution iff the formula is satisfiable); --solve decides it with milp",
    )
    .argument("[cnf]", "a DIMACS CNF file (or use --vars/--clauses for random 3-SAT)")
    .option("--vars <n>", "random 3-SAT: number of variables")
    .option("--clauses <m>", "random 3-SAT: number of clauses (default round(4.26·vars), the hard ratio)")
    .option("--seed <s>", "random 3-SAT: seed", "0")
    .option("--depth <d>", "layers of the network: 4 (Theorem 1), 3, or 2 (the construction alone)", "4")
    .option("-o, --output <file>", "write the network here (native JSON, geninv --model reads it)")
    .option("--obs-output <file>", 'write the observation {"x": [0, 0]} here')
    .option("--cnf-output <file>", "write the formula as DIMACS (e.g. the random one, for a SAT solver)")
    .option("--solve", "invert G at x with milp and report sat (the assignment, checked clause by clause) or unsat (HiGHS's infeasibility proof)")
    .action((file: string | undefined, flags: HardnessFlags) => run(io, file, flags));
  cmd.addCommand(sat);
  return cmd;
}

async function run(io: CliIo, file: string | undefined, flags: HardnessFlags): Promise<void> {
  const depth = parseIntFlag(flags.depth, "--depth", 2, 4);
  let cnf;
  let source: string;
  if (file !== undefined) {
    if (flags.vars !== undefined || flags.clauses !== undefined) throw new OptionError("give a CNF file or --vars/--clauses, not both");
    cnf = parseDimacs(readText(file), file);
    source = file;
  } else {
    if (flags.vars === undefined) throw new OptionError("give a DIMACS CNF file, or --vars N (and optionally --clauses M --seed S) for random 3-SAT");
    const vars = parseIntFlag(flags.vars, "--vars", 3, 100_000);
    const clauses = flags.clauses !== undefined ? parseIntFlag(flags.clauses, "--clauses", 1, 10_000_000) : Math.round(4.26 * vars);
    const seed = parseIntFlag(flags.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
    cnf = randomThreeSat(vars, clauses, seed);
    source = `random 3-SAT, ${vars} variables, ${clauses} clauses, seed ${seed}`;
  }
  const { gen, x } = reductionNetwork(cnf, depth);
  const summary: Record<string, unknown> = {
    formula: source,
    variables: cnf.vars,
    clauses: cnf.clauses.length,
    network: gen.sizes,
    depth,
    x: Array.from(x),
  };
  if (flags.output !== undefined) {
    writeOutputFile(flags.output, modelToJson(gen, { reduction: "3sat (Theorem 1)", formula: source, variables: cnf.vars, clauses: cnf.clauses.length }));
    io.err(`wrote ${flags.output}\n`);
  }
  if (flags.obsOutput !== undefined) {
    writeOutputFile(flags.obsOutput, `${JSON.stringify({ x: Array.from(x) })}\n`, "--obs-output");
    io.err(`wrote ${flags.obsOutput}\n`);
  }
  if (flags.cnfOutput !== undefined) {
    writeOutputFile(flags.cnfOutput, toDimacs(cnf, source), "--cnf-output");
    io.err(`wrote ${flags.cnfOutput}\n`);
  }
  if (flags.solve) {
    await loadHighsBackend();
    const s = solveCnfByMilp(cnf, milpOptionsFromFlags(flags));
    const m = s.result.milp;
    summary.verdict = s.verdict;
    if (s.assignment) {
      summary.assignment = s.assignment.map((b, i) => (b ? i + 1 : -(i + 1)));
      summary.clausesChecked = firstFalseClause(cnf, s.assignment) < 0 ? cnf.clauses.length : 0;
      summary.preimage = Array.from(s.z!);
    }
    if (s.verdict === "unsat")
      summary.proof = `HiGHS proved the MIP infeasible: no z in [${SAT_BOX[0]}, ${SAT_BOX[1]}]^${cnf.vars} has ‖G(z) − x‖∞ ≤ ${SAT_TAU}, and every pre-image would lie there`;
    if (s.message) summary.message = s.message;
    summary.milp = {
      status: s.result.status,
      misfit: s.result.residual.linf,
      ...(m ? { bound: m.bound, nodes: m.nodes, binaries: m.binaries, highsSeconds: m.highsSeconds } : {}),
      timeMs: s.result.timeMs,
    };
    io.err(`${s.verdict}${s.assignment ? `: the assignment read off z satisfies all ${cnf.clauses.length} clauses` : ""}\n`);
  }
  if (flags.output === undefined || flags.solve) emitJson(io, summary);
}
