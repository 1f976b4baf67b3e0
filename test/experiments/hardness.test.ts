import Logic from "logic-solver";
import { beforeAll, describe, expect, it } from "vitest";
import { type Cnf, firstFalseClause, parseDimacs, randomThreeSat, reductionNetwork, solveCnfByMilp, toDimacs } from "../../src/experiments/hardness.js";
import { loadHighsBackend } from "../../src/lp/highs.js";

beforeAll(async () => {
  await loadHighsBackend();
});

/** MiniSat (logic-solver) on the formula. */
function minisat(cnf: Cnf): boolean {
  const s = new Logic.Solver();
  for (const c of cnf.clauses) s.require(Logic.or(...Array.from(c, (l) => (l > 0 ? `x${l}` : Logic.not(`x${-l}`)))));
  return s.solve() !== null;
}

describe("Theorem 1: the 3SAT reduction", () => {
  it("G(z) = (0, 0) on a bit vector exactly when it satisfies the formula (all 2^6 assignments of 3 random formulas)", () => {
    for (let seed = 0; seed < 3; seed++) {
      const cnf = randomThreeSat(6, 26, seed);
      const { gen } = reductionNetwork(cnf);
      expect(gen.sizes).toEqual([6, 4 * 6 + 26, 2, 2, 2]);
      for (let a = 0; a < 64; a++) {
        const bits = Array.from({ length: 6 }, (_, i) => ((a >> i) & 1) === 1);
        const g = gen.forward(bits.map((b) => (b ? 1 : 0)));
        const sat = firstFalseClause(cnf, bits) < 0;
        expect(g[0]).toBe(0); // P = Σ dist(z_i, {0, 1}) = 0 on bits
        expect(g[1] === 0).toBe(sat); // Q = number of false clauses
      }
      // off the bits P > 0: G(z) ≠ 0
      expect(gen.forward([0.5, 0, 0, 0, 0, 0])[0]).toBeCloseTo(0.5, 12);
    }
  });

  it("milp's verdict matches MiniSat's on random 3-SAT, 6 variables at ratio 4.3 (sat: assignment checked clause by clause and G(z) = x exactly; unsat: HiGHS's infeasibility)", () => {
    let sat = 0;
    let unsat = 0;
    for (const seed of [0, 1, 2, 9]) {
      const cnf = randomThreeSat(6, 26, seed);
      const ref = minisat(cnf);
      const r = solveCnfByMilp(cnf, { timeLimit: 60 });
      expect(r.verdict, `seed ${seed}`).toBe(ref ? "sat" : "unsat");
      if (r.verdict === "sat") {
        sat++;
        expect(firstFalseClause(cnf, r.assignment!)).toBe(-1);
        expect(Array.from(reductionNetwork(cnf).gen.forward(r.z!))).toEqual([0, 0]);
      } else {
        unsat++;
        expect(r.result.status).toBe("infeasible");
      }
      // only relu(z_i − ½) needs a binary: every other unit is monotone in the misfit
      expect(r.result.milp!.binaries).toBe(6);
    }
    expect(sat).toBeGreaterThan(0);
    expect(unsat).toBeGreaterThan(0);
  });

  it("DIMACS: round trip, and errors that name the line or the clause", () => {
    const cnf = randomThreeSat(5, 7, 3);
    expect(parseDimacs(toDimacs(cnf, "x"))).toEqual(cnf);
    expect(() => parseDimacs("p cnf 3 1\n1 -2 x 0\n", "f.cnf")).toThrow("f.cnf: line 2: 'x' is not an integer literal");
    expect(() => parseDimacs("p cnf 3 2\n1 -2 0\n4 1 0\n", "f.cnf")).toThrow(
      "f.cnf: line 3: clause 2: literal 4 is out of range (the header declares 3 variables)",
    );
    expect(() => parseDimacs("c hi\np dnf 3 1\n", "f.cnf")).toThrow("f.cnf: line 2: expected 'p cnf <variables> <clauses>', got 'p dnf 3 1'");
    expect(() => parseDimacs("1 2 0\n", "f.cnf")).toThrow("f.cnf: line 1: clause before the 'p cnf' header");
    expect(() => parseDimacs("p cnf 3 1\n1 2\n", "f.cnf")).toThrow("f.cnf: clause 1 (from line 2) is not terminated by 0");
    expect(() => parseDimacs("p cnf 3 2\n1 2 0\n", "f.cnf")).toThrow("f.cnf: the header declares 2 clauses, the file has 1");
  });
});
