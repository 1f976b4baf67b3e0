/**
 * `npm run bench -- milp`: the MILP method's goals, measured.
 *  1. agreement with brute force (every activation pattern an LP) on random small networks;
 *  2. Theorem 1's 3SAT networks: milp's verdict vs MiniSat (logic-solver) on random 3-SAT at
 *     ratio 4.26, time vs variables, and what layer-wise ℓ∞ and gradient descent make of them;
 *  3. the shipped `mnist` generator on realizable digits: proved optimal within 60 s, our wall
 *     time vs HiGHS's own solve time, nodes — with the layer-wise start (default) and without.
 * Sizes: GENINV_MILP_NETS (default 200), GENINV_MILP_CNFS (default 100), GENINV_MILP_DIGITS (default 20);
 * GENINV_MILP_NONE_DIGITS (default 5) digits without a start; GENINV_MILP_SECTIONS (default
 * "brute,sat,mnist") runs a subset. Progress goes to stderr.
 */
import { type Highs } from "highs";
import Logic from "logic-solver";
import { highsModule, loadHighsBackend } from "../src/lp/highs.js";
import { invertMilp, misfitOf } from "../src/invert/milp.js";
import { getMethod, runMethod } from "../src/invert/registry.js";
import { firstFalseClause, randomThreeSat, reductionNetwork, solveCnfByMilp, type Cnf } from "../src/experiments/hardness.js";
import { builtinModelPath } from "../src/model/io/builtin.js";
import { loadModel } from "../src/model/io/load.js";
import { Rng } from "../src/model/rng.js";
import { median, printTable } from "./common.js";
import { bruteForceMisfit, randomMilpCase } from "./milp-reference.js";

const count = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : dflt;
};

function minisat(cnf: Cnf): boolean {
  const s = new Logic.Solver();
  for (const c of cnf.clauses) s.require(Logic.or(...Array.from(c, (l) => (l > 0 ? `x${l}` : Logic.not(`x${-l}`)))));
  return s.solve() !== null;
}

export async function run(): Promise<void> {
  await loadHighsBackend();
  const h = highsModule();
  const sections = new Set((process.env.GENINV_MILP_SECTIONS ?? "brute,sat,mnist").split(",").map((t) => t.trim()));
  if (sections.has("brute")) bruteForceSection(h);
  if (sections.has("sat")) satSection();
  if (sections.has("mnist")) mnistSection();
}

function bruteForceSection(h: Highs): void {
  // 1. brute force
  const nets = count("GENINV_MILP_NETS", 200);
  let agree = 0;
  let sameVerdict = 0;
  const tMilp: number[] = [];
  const tBrute: number[] = [];
  let worst = 0;
  for (let seed = 0; seed < nets; seed++) {
    const c = randomMilpCase(seed);
    const obs = { x: c.x, operator: c.op, norm: c.norm };
    let t = performance.now();
    const bf = bruteForceMisfit(h, c.gen, c.op, c.x, c.norm, c.box);
    tBrute.push(performance.now() - t);
    t = performance.now();
    const r = invertMilp(c.gen, c.x, { operator: c.op, milpNorm: c.norm, box: c.box, timeLimit: 60 });
    tMilp.push(performance.now() - t);
    const d = Math.abs(misfitOf(c.gen, obs, r.z) - misfitOf(c.gen, obs, bf.z!));
    worst = Math.max(worst, d);
    if (r.status === "optimal" && d <= 1e-7) agree++;
    // feasibility verdict at τ = optimum − 1e-3: brute force says feasible iff its least misfit is ≤ τ
    // (the least over the regions, so no second enumeration is needed)
    const tau = Math.max(0, bf.misfit - 1e-3);
    const below = invertMilp(c.gen, c.x, { operator: c.op, milpNorm: c.norm, box: c.box, maxMisfit: tau, milpStart: "none", timeLimit: 60 });
    const belowRef = bf.misfit <= tau + 1e-9;
    if ((below.status !== "infeasible") === belowRef) sameVerdict++;
    if ((seed + 1) % 10 === 0) process.stderr.write(`brute force: ${seed + 1}/${nets} networks, ${agree} agree, ${sameVerdict} same verdict\n`);
  }
  printTable(
    `milp vs brute force (all activation patterns, one HiGHS LP each), ${nets} random networks k ≤ 4, ≤ 10 hidden`,
    ["networks", "same optimum (1e-7)", "same verdict at τ = opt − 1e-3", "worst |Δ misfit|", "milp median ms", "brute force median ms", "ratio"],
    [[nets, agree, sameVerdict, worst.toExponential(2), median(tMilp), median(tBrute), (median(tMilp) / median(tBrute)).toFixed(2)]],
  );
}

function satSection(): void {
  const cnfs = count("GENINV_MILP_CNFS", 100);
  const byVars = new Map<number, { ms: number[]; highs: number[]; sat_ms: number[]; nodes: number[]; match: number; sat: number; n: number }>();
  let match = 0;
  for (let t = 0; t < cnfs; t++) {
    const vars = 10 + (t % 11);
    const cnf = randomThreeSat(vars, Math.round(4.26 * vars), 1000 + t);
    let t0 = performance.now();
    const ref = minisat(cnf);
    const satMs = performance.now() - t0;
    t0 = performance.now();
    const s = solveCnfByMilp(cnf, { timeLimit: 300 });
    const ms = performance.now() - t0;
    const ok = s.verdict === (ref ? "sat" : "unsat") && (s.verdict !== "sat" || firstFalseClause(cnf, s.assignment!) < 0);
    if (ok) match++;
    const row = byVars.get(vars) ?? { ms: [], highs: [], sat_ms: [], nodes: [], match: 0, sat: 0, n: 0 };
    row.ms.push(ms);
    row.sat_ms.push(satMs);
    row.nodes.push(s.result.milp?.nodes ?? 0);
    row.highs.push((s.result.milp?.highsSeconds ?? NaN) * 1000);
    row.match += ok ? 1 : 0;
    row.sat += ref ? 1 : 0;
    row.n++;
    byVars.set(vars, row);
  }
  printTable(
    `Theorem 1: milp on the 3SAT reduction vs MiniSat, ${cnfs} random formulas at ratio 4.26 (verdict matches on ${match} of ${cnfs})`,
    ["vars", "formulas", "satisfiable", "verdicts match", "milp median ms", "milp max ms", "HiGHS median ms", "median nodes", "MiniSat median ms", "ratio"],
    [...byVars.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([v, r]) => [
        v,
        r.n,
        r.sat,
        r.match,
        median(r.ms),
        Math.max(...r.ms).toFixed(0),
        median(r.highs),
        median(r.nodes),
        median(r.sat_ms),
        (median(r.ms) / median(r.sat_ms)).toFixed(0),
      ]),
  );

  // layer-wise and gradient methods on the same networks (a few satisfiable formulas)
  const others: (string | number)[][] = [];
  for (const m of ["linf", "exact", "gd", "adam"] as const) {
    let exactFits = 0;
    let tried = 0;
    const statuses: Record<string, number> = {};
    for (let t = 0; t < 10; t++) {
      const cnf = randomThreeSat(12, 51, 2000 + t);
      if (!minisat(cnf)) continue;
      tried++;
      const { gen, x } = reductionNetwork(cnf);
      const r = runMethod(getMethod(m), gen, x, { seed: t, restarts: 3 });
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const bits = Array.from(r.z, (v) => (v > 0.5 ? 1 : 0));
      const g = gen.forward(bits);
      if (g[0] === 0 && g[1] === 0) exactFits++;
    }
    others.push([
      m,
      tried,
      exactFits,
      Object.entries(statuses)
        .map(([s, n]) => `${s} ${n}`)
        .join(", "),
    ]);
  }
  printTable(
    "other methods on satisfiable 12-variable reduction networks (a z that rounds to an assignment with G(z) = x?)",
    ["method", "formulas", "found a pre-image", "statuses"],
    others,
  );
}

function mnistSection(): void {
  const digits = count("GENINV_MILP_DIGITS", 20);
  const gen = loadModel(builtinModelPath("mnist"));
  const rows: (string | number)[][] = [];
  for (const start of ["layerwise", "none"] as const) {
    let proved = 0;
    let exact = 0;
    const wall: number[] = [];
    const highs: number[] = [];
    const nodes: number[] = [];
    const n = start === "none" ? Math.min(digits, count("GENINV_MILP_NONE_DIGITS", 5)) : digits;
    for (let s = 0; s < n; s++) {
      const z = new Rng(500 + s).fillNormal(new Float64Array(gen.inputSize));
      const x = gen.forward(z);
      const t0 = performance.now();
      const r = invertMilp(gen, x, { milpStart: start, timeLimit: 60 });
      const ms = performance.now() - t0;
      wall.push(ms);
      highs.push((r.milp?.highsSeconds ?? NaN) * 1000);
      nodes.push(r.milp?.nodes ?? 0);
      if (r.status === "optimal" && ms <= 60_000) proved++;
      if (r.residual.linf <= 1e-9) exact++;
      process.stderr.write(`mnist (${start} start): digit ${s + 1}/${n} ${r.status} in ${(ms / 1000).toFixed(1)} s\n`);
    }
    rows.push([start, n, proved, exact, median(wall), median(highs), (median(wall) / median(highs)).toFixed(2), median(nodes)]);
  }
  printTable(
    "milp on the shipped mnist generator (20 → 60 → 784), realizable digits x = G(z*), z* ~ N(0, I)",
    ["start", "digits", "proved optimal ≤ 60 s", "‖G(z) − x‖∞ ≤ 1e-9", "median ms", "HiGHS median ms", "ratio", "median nodes"],
    rows,
  );
}
