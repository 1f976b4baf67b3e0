import { describe, expect, it } from "vitest";
import { InvalidValueError, ShapeError } from "../../src/errors.js";
import { ChebyshevSolver } from "../../src/lp/chebyshev.js";
import { LadSolver } from "../../src/lp/lad.js";
import { RelaxedSolver } from "../../src/lp/relaxed.js";
import { type ChebyshevProblem, validateProblem } from "../../src/lp/types.js";
import { randomLp } from "./random-lp.js";

const cheb = (seed: number, noise = 1e-3, extra: object = {}): ChebyshevProblem =>
  randomLp({ family: "chebyshev", n: 120, k: 20, noise, ...extra }, seed) as ChebyshevProblem;

describe("LP engine edge cases", () => {
  it("rejects NaN and infinite data with errors naming the entry", () => {
    const p = cheb(1);
    const bad = { ...p, a: { ...p.a, data: Float64Array.from(p.a.data) } };
    bad.a.data[5 * 20 + 3] = NaN;
    expect(() => validateProblem(bad)).toThrow(InvalidValueError);
    expect(() => validateProblem(bad)).toThrow(/\[5\]\[3\] is NaN/);
    const up = { ...p, upper: Float64Array.from(p.upper) };
    up.upper[7] = NaN;
    expect(() => validateProblem(up)).toThrow(/upper target \[7\] is NaN/);
    const lo = { ...p, lower: Float64Array.from(p.lower) };
    lo.lower[2] = Infinity;
    expect(() => validateProblem(lo)).toThrow(/lower target \[2\] is Infinity/);
    expect(() => validateProblem({ ...p, upperWeight: new Float64Array(120).fill(-1) })).toThrow(/upperWeight\[0\]/);
  });

  it("rejects mismatched shapes", () => {
    const p = cheb(2);
    expect(() => validateProblem({ ...p, upper: new Float64Array(3) })).toThrow(ShapeError);
    expect(() => validateProblem({ kind: "relaxed", a: p.a, upper: p.upper, lower: p.lower, cost: new Float64Array(2) })).toThrow(
      /cost has 2 entries, expected 20/,
    );
  });

  it("a realizable Chebyshev LP has optimum δ = 0 and recovers the generating z", () => {
    const p = cheb(3, 0);
    const r = new ChebyshevSolver(p.a).solve(p);
    expect(r.status).toBe("optimal");
    expect(r.objective).toBeLessThan(1e-12);
  });

  it("degenerate rows (every row duplicated) give the same optimum as the plain LP", () => {
    const p = cheb(4, 1e-2);
    const n = p.a.rows;
    const k = p.a.cols;
    const data = new Float64Array(2 * n * k);
    data.set(p.a.data);
    data.set(p.a.data, n * k);
    const dup: ChebyshevProblem = {
      kind: "chebyshev",
      a: { rows: 2 * n, cols: k, data },
      upper: Float64Array.from([...p.upper, ...p.upper]),
      lower: Float64Array.from([...p.lower, ...p.lower]),
    };
    const r1 = new ChebyshevSolver(p.a).solve(p);
    const r2 = new ChebyshevSolver(dup.a).solve(dup);
    expect(r2.status).toBe("optimal");
    expect(Math.abs(r2.objective - r1.objective)).toBeLessThan(1e-12);
  });

  it("a capped Chebyshev LP below its optimum is infeasible with a proven lower bound above the cap", () => {
    const p = cheb(5, 1e-2);
    const opt = new ChebyshevSolver(p.a).solve(p).objective;
    const r = new ChebyshevSolver(p.a).solve({ ...p, deltaMax: 0.5 * opt });
    expect(r.status).toBe("infeasible");
    expect(r.objective).toBeGreaterThan(0.5 * opt);
    expect(r.objective).toBeLessThanOrEqual(opt * (1 + 1e-9));
    expect(new ChebyshevSolver(p.a).solve({ ...p, deltaMax: 1.01 * opt }).status).toBe("optimal");
  });

  it("warm start from a looser LP's basis reaches the cold optimum", () => {
    const p = cheb(6, 1e-2);
    const loose = { ...p, lower: p.lower.map((l, j) => (j % 3 === 0 ? -Infinity : l)) };
    const s = new ChebyshevSolver(p.a);
    const r0 = s.solve(loose);
    const warm = s.solve(p, { warm: r0.snapshot! });
    const cold = new ChebyshevSolver(p.a).solve(p);
    expect(warm.start).toBe("warm-dual");
    expect(Math.abs(warm.objective - cold.objective)).toBeLessThan(1e-12);
    // and back to the looser one: a loosening warm start (primal simplex)
    const back = s.solve(loose, { warm: warm.snapshot! });
    expect(Math.abs(back.objective - r0.objective)).toBeLessThan(1e-12);
  });

  it("the relaxed LP reports contradictory rows as infeasible and a free direction as unbounded", () => {
    const inf = randomLp({ family: "relaxed", n: 60, k: 10, noise: 1e-3, contradictory: true }, 7);
    const r1 = new RelaxedSolver(inf.a).solve(inf as never);
    expect(r1.status).toBe("infeasible");
    expect(r1.message).toMatch(/no z meets every row/);
    const unb = randomLp({ family: "relaxed", n: 60, k: 10, noise: 1e-3, unbounded: true }, 8);
    expect(new RelaxedSolver(unb.a).solve(unb as never).status).toBe("unbounded");
  });

  it("a pivot budget ends the solve with iteration_limit instead of hanging", () => {
    const p = cheb(9, 1e-2);
    expect(new ChebyshevSolver(p.a, { maxPivots: 2 }).solve(p).status).toBe("iteration_limit");
    const l = randomLp({ family: "lad", n: 120, k: 20, noise: 1e-2 }, 10);
    expect(new LadSolver(l.a).solve(l as never, { maxPivots: 3 }).status).toBe("iteration_limit");
  });

  it("ℓ1: the realizable LP has optimum 0 and LeakyReLU rows with overlapping targets count their constant part", () => {
    const p = randomLp({ family: "lad", n: 100, k: 15, noise: 0 }, 11);
    const r = new LadSolver(p.a).solve(p as never);
    expect(r.status).toBe("optimal");
    expect(r.objective).toBeLessThan(1e-11);
    // one row whose targets overlap (l > u): d(s) = max(s − u, c(l − s)) ≥ its value at the crossing
    const q = randomLp({ family: "lad", n: 100, k: 15, noise: 1e-3, leaky: true }, 12);
    const rq = new LadSolver(q.a).solve(q as never);
    expect(rq.status).toBe("optimal");
    let overlap = 0;
    for (let j = 0; j < 100; j++) if (q.lower[j]! > q.upper[j]!) overlap += (q.lower[j]! - q.upper[j]!) * (0.1 / 1.1);
    expect(rq.objective).toBeGreaterThanOrEqual(overlap - 1e-12);
  });
});
