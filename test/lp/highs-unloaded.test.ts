import { describe, expect, it } from "vitest";
import { SolverError } from "../../src/errors.js";
import { FitSolver, missedHighsFallbacks } from "../../src/lp/backend.js";
import { highsLoaded, solveWithHighs } from "../../src/lp/highs.js";
import { type ChebyshevProblem } from "../../src/lp/types.js";
import { randomLp } from "./random-lp.js";

// this file never loads HiGHS (each test file runs in its own process)
describe("HiGHS backend before loading", () => {
  it("a HiGHS solve says the backend must be loaded first", () => {
    expect(highsLoaded()).toBe(false);
    const p = randomLp({ family: "chebyshev", n: 40, k: 8, noise: 1e-2 }, 1);
    expect(() => solveWithHighs(p)).toThrow(SolverError);
    expect(() => solveWithHighs(p)).toThrow(/await loadHighsBackend\(\) first/);
  });

  it("engine trouble without HiGHS loaded is reported as a status with the reason, not thrown", () => {
    const p = randomLp({ family: "chebyshev", n: 80, k: 12, noise: 1e-2 }, 2) as ChebyshevProblem;
    const s = new FitSolver(p.a, { maxPivots: 1 });
    const before = missedHighsFallbacks();
    const r = s.chebyshev(p);
    expect(r.status).toBe("iteration_limit");
    expect(s.notes.join(" ")).toMatch(/HiGHS fallback not loaded/);
    // the browser page repeats a run once HiGHS is in when this count moved during it
    expect(missedHighsFallbacks()).toBe(before + 1);
    new FitSolver(p.a).chebyshev(p); // no trouble, no missed fallback
    expect(missedHighsFallbacks()).toBe(before + 1);
  });
});
