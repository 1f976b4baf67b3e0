/**
 * Theorem 1, runnable: 3SAT reduces to "is there z with G(z) = x?" for a ReLU network. The
 * paper's appendix (not in ../shared/paper) has its own construction; this one is designed from
 * the statement (docs/milp.md has the proof):
 *
 *   layer 1, per variable i: relu(z_i), relu(z_i − ½), relu(z_i − 1), relu(−z_i);
 *            per clause C = (l₁ ∨ l₂ ∨ l₃): relu(1 − v(l₁) − v(l₂) − v(l₃)),  v(i) = z_i, v(¬i) = 1 − z_i
 *   layer 2: P = Σ_i relu(z_i) − 2 relu(z_i − ½) + relu(z_i − 1) + relu(−z_i)  (= Σ_i dist(z_i, {0, 1}))
 *            Q = Σ_C relu(1 − Σ v)                                               (clauses left unsatisfied)
 *   layers 3, 4: relu(I·y) — the identity on y ≥ 0, so the depth is Theorem 1's four
 *   x = (0, 0).
 *
 * G(z) = (P, Q) = 0 iff every z_i ∈ {0, 1} and every clause has a true literal: the pre-images
 * are exactly the satisfying assignments. Any z with ‖G(z)‖∞ ≤ τ < 1/4 rounds to one (each z_i is
 * within τ of a bit, so each clause's Σ v moves by < 3τ < 1 and stays ≥ 1 once integral), and all
 * such z lie in [−τ, 1 + τ]^n (P ≥ dist(z_i, {0, 1}) for each i), which is the MILP's box:
 * infeasibility there is a proof that no pre-image exists anywhere. That box, rather than a
 * wider one, is what keeps the big-M constants of the relu(z_i − ½) units small (|L|, |U| ≤ ½ + τ).
 */
import { DataFormatError, OptionError } from "../errors.js";
import { RELU } from "../model/activation.js";
import { type DenseLayer, Generator } from "../model/generator.js";
import { Rng } from "../model/rng.js";
import { invertMilp } from "../invert/milp.js";
import { type InvertOptions } from "../invert/options.js";
import { type InversionResult } from "../invert/result.js";

/** A CNF formula: clauses of non-zero literals (±(i+1) for variable i), DIMACS style. */
export interface Cnf {
  vars: number;
  clauses: Int32Array[];
}

/**
 * Parse DIMACS CNF: `c` comment lines, one `p cnf <vars> <clauses>` header, then clauses as
 * literals terminated by 0 (a clause may span lines; `%` ends the formula, as in SATLIB files).
 * @param file the name used in messages
 * @throws DataFormatError naming the line of a syntax error, or the clause whose literal is out of range
 */
export function parseDimacs(text: string, file = "<cnf>"): Cnf {
  const lines = text.split(/\r?\n/);
  let vars = -1;
  let declared = -1;
  const clauses: Int32Array[] = [];
  let current: number[] = [];
  let currentLine = 0;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    const where = { file, field: `line ${ln + 1}` };
    if (line === "" || line.startsWith("c")) continue;
    if (line.startsWith("%")) break;
    if (line.startsWith("p")) {
      const m = /^p\s+cnf\s+(\d+)\s+(\d+)$/.exec(line);
      if (!m) throw new DataFormatError(`expected 'p cnf <variables> <clauses>', got '${line}'`, where);
      if (vars >= 0) throw new DataFormatError("a second 'p cnf' header", where);
      vars = Number(m[1]);
      declared = Number(m[2]);
      if (vars < 1 || vars > 1_000_000) throw new DataFormatError(`variable count ${vars} out of range [1, 1000000]`, where);
      if (declared > 10_000_000) throw new DataFormatError(`clause count ${declared} out of range`, where);
      continue;
    }
    if (vars < 0) throw new DataFormatError(`clause before the 'p cnf' header: '${line.slice(0, 40)}'`, where);
    for (const tok of line.split(/\s+/)) {
      if (!/^-?\d+$/.test(tok)) throw new DataFormatError(`'${tok.slice(0, 20)}' is not an integer literal`, where);
      const lit = Number(tok);
      if (lit === 0) {
        if (current.length === 0) throw new DataFormatError(`empty clause (clause ${clauses.length + 1})`, where);
        clauses.push(Int32Array.from(current));
        current = [];
        continue;
      }
      if (current.length === 0) currentLine = ln + 1;
      if (Math.abs(lit) > vars) {
        throw new DataFormatError(`clause ${clauses.length + 1}: literal ${lit} is out of range (the header declares ${vars} variables)`, {
          file,
          field: `line ${ln + 1}`,
        });
      }
      current.push(lit);
    }
  }
  if (vars < 0) throw new DataFormatError("no 'p cnf <variables> <clauses>' header", { file });
  if (current.length > 0) throw new DataFormatError(`clause ${clauses.length + 1} (from line ${currentLine}) is not terminated by 0`, { file });
  if (clauses.length !== declared) throw new DataFormatError(`the header declares ${declared} clauses, the file has ${clauses.length}`, { file });
  return { vars, clauses };
}

/** The formula as DIMACS text. */
export function toDimacs(cnf: Cnf, comment?: string): string {
  const head = comment ? `c ${comment}\n` : "";
  return `${head}p cnf ${cnf.vars} ${cnf.clauses.length}\n${cnf.clauses.map((c) => `${Array.from(c).join(" ")} 0`).join("\n")}\n`;
}

/**
 * Random 3-SAT: `clauses` clauses of three distinct variables, each negated with probability ½
 * (the standard fixed-clause-length model; clauses/vars ≈ 4.26 is the hard ratio).
 * @throws OptionError when vars < 3 or clauses < 1
 */
export function randomThreeSat(vars: number, clauses: number, seed: number): Cnf {
  if (!Number.isSafeInteger(vars) || vars < 3) throw new OptionError(`--vars must be an integer ≥ 3, got ${vars}`);
  if (!Number.isSafeInteger(clauses) || clauses < 1) throw new OptionError(`--clauses must be a positive integer, got ${clauses}`);
  const rng = new Rng(seed);
  const out: Int32Array[] = [];
  for (let c = 0; c < clauses; c++) {
    const picked: number[] = [];
    while (picked.length < 3) {
      const v = 1 + rng.int(vars);
      if (!picked.includes(v)) picked.push(v);
    }
    out.push(Int32Array.from(picked, (v) => (rng.uniform() < 0.5 ? -v : v)));
  }
  return { vars, clauses: out };
}

/**
 * The reduction's network G: ℝⁿ → ℝ² (n = variables) and observation x = (0, 0).
 * @param depth 2 (the construction itself) to 4 (Theorem 1's depth; layers 3–4 are relu(I·y))
 * @throws OptionError for a depth outside 2..4
 */
export function reductionNetwork(cnf: Cnf, depth = 4): { gen: Generator; x: Float64Array } {
  if (!Number.isSafeInteger(depth) || depth < 2 || depth > 4) throw new OptionError(`depth must be 2, 3 or 4, got ${depth}`);
  const n = cnf.vars;
  const m = cnf.clauses.length;
  const h = 4 * n + m;
  const w1 = new Float64Array(h * n);
  const b1 = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    // rows 4i…4i+3: relu(z_i), relu(z_i − ½), relu(z_i − 1), relu(−z_i)
    w1[4 * i * n + i] = 1;
    w1[(4 * i + 1) * n + i] = 1;
    b1[4 * i + 1] = -0.5;
    w1[(4 * i + 2) * n + i] = 1;
    b1[4 * i + 2] = -1;
    w1[(4 * i + 3) * n + i] = -1;
  }
  cnf.clauses.forEach((clause, c) => {
    const row = 4 * n + c;
    let bias = 1;
    for (const lit of clause) {
      const v = Math.abs(lit) - 1;
      if (lit > 0)
        w1[row * n + v]! -= 1; // − z_v
      else {
        w1[row * n + v]! += 1; // − (1 − z_v)
        bias -= 1;
      }
    }
    b1[row] = bias;
  });
  const w2 = new Float64Array(2 * h);
  for (let i = 0; i < n; i++) {
    w2[4 * i] = 1;
    w2[4 * i + 1] = -2;
    w2[4 * i + 2] = 1;
    w2[4 * i + 3] = 1;
  }
  for (let c = 0; c < m; c++) w2[h + 4 * n + c] = 1;
  const layers: DenseLayer[] = [
    { weight: { rows: h, cols: n, data: w1 }, bias: b1, activation: RELU, name: "literals" },
    { weight: { rows: 2, cols: h, data: w2 }, bias: null, activation: RELU, name: "penalties" },
  ];
  for (let d = 3; d <= depth; d++)
    layers.push({ weight: { rows: 2, cols: 2, data: Float64Array.from([1, 0, 0, 1]) }, bias: null, activation: RELU, name: `pass${d}` });
  return { gen: new Generator(layers), x: new Float64Array(2) };
}

/** The assignment z rounds to (variable i true when z_i > ½). */
export function assignmentOf(z: ArrayLike<number>): boolean[] {
  return Array.from(z, (v) => v > 0.5);
}

/** The first clause (0-based) the assignment leaves false, or −1 when it satisfies them all. */
export function firstFalseClause(cnf: Cnf, assignment: readonly boolean[]): number {
  return cnf.clauses.findIndex((c) => !Array.from(c).some((lit) => (lit > 0 ? assignment[lit - 1] : !assignment[-lit - 1])));
}

/** What the MILP said about a formula. */
export interface SatByMilp {
  verdict: "sat" | "unsat" | "unknown";
  /** `sat`: the assignment read off z (rounded), checked clause by clause. */
  assignment?: boolean[];
  /** `sat`: the rounded z, an exact pre-image: G(z) = x in a forward pass. */
  z?: Float64Array;
  /** The MILP's own result (status, misfit, bound, nodes, time). */
  result: InversionResult;
  /** Why the verdict is unknown, when it is. */
  message?: string;
}

/** The misfit cap τ of the SAT feasibility MIP: any z with ‖G(z)‖∞ ≤ τ < ¼ rounds to a solution. */
export const SAT_TAU = 0.1;

/** The z box of the SAT MIP: every z with ‖G(z)‖∞ ≤ τ lies in [−τ, 1 + τ]^n (module header). */
export const SAT_BOX: [number, number] = [-SAT_TAU, 1 + SAT_TAU];

/**
 * Decide a formula by inverting its reduction network with `milp`: feasibility of
 * ‖G(z) − x‖∞ ≤ τ over the box [−τ, 1 + τ]^n (which holds every such z, see the module header).
 * Only the n units relu(z_i − ½) are binaries: every other unit feeds the misfit with weights
 * ≥ 0, so the MILP encodes it as an epigraph (src/invert/milp-model.ts, `monotoneUnits`).
 * `sat` only with an assignment that satisfies every clause and whose z is an exact pre-image;
 * `unsat` only on HiGHS's infeasibility proof.
 */
export function solveCnfByMilp(cnf: Cnf, options: InvertOptions = {}): SatByMilp {
  const { gen, x } = reductionNetwork(cnf, 4);
  // LP bounds fix none of these units (every one is undecided over the box), so they are skipped by default
  const result = invertMilp(gen, x, { maxBinaries: 100_000, milpTighten: false, ...options, box: SAT_BOX, maxMisfit: SAT_TAU, milpStart: "none" });
  if (result.status === "infeasible") return { verdict: "unsat", result };
  if (result.status !== "optimal" && result.status !== "time_limit")
    return { verdict: "unknown", result, message: `milp ${result.status}: ${result.warnings.join("; ")}` };
  if (result.residual.linf > SAT_TAU)
    return { verdict: "unknown", result, message: `milp stopped (${result.status}) with misfit ${result.residual.linf} > τ = ${SAT_TAU}: no verdict` };
  const assignment = assignmentOf(result.z);
  const bad = firstFalseClause(cnf, assignment);
  if (bad >= 0)
    return { verdict: "unknown", result, message: `the rounded z leaves clause ${bad + 1} false (misfit ${result.residual.linf}): tolerance trouble` };
  const z = Float64Array.from(assignment, (b) => (b ? 1 : 0));
  const fit = gen.forward(z);
  if (fit[0] !== 0 || fit[1] !== 0) return { verdict: "unknown", result, message: `the rounded z gives G(z) = (${fit[0]}, ${fit[1]}), not (0, 0)` };
  return { verdict: "sat", assignment, z, result };
}
