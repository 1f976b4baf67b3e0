import { beforeAll, describe, expect, it } from "vitest";
import { OptionError } from "../../src/errors.js";
import { FitSolver } from "../../src/lp/backend.js";
import { loadHighsBackend } from "../../src/lp/highs.js";
import { type ChebyshevProblem, type LadProblem } from "../../src/lp/types.js";
import { randomLp } from "./random-lp.js";

describe("FitSolver: backend choice and fallback", () => {
  beforeAll(async () => {
    await loadHighsBackend();
  });

  it("the HiGHS backend answers like the engine", () => {
    const p = randomLp({ family: "chebyshev", n: 100, k: 15, noise: 1e-2, bounded: true }, 3) as ChebyshevProblem;
    const e = new FitSolver(p.a, { backend: "engine" }).chebyshev(p);
    const h = new FitSolver(p.a, { backend: "highs" }).chebyshev(p);
    expect(h.backend).toBe("highs");
    expect(Math.abs(e.objective - h.objective)).toBeLessThan(1e-9);
  });

  it("a simulated engine failure (pivot budget of 1) falls back to HiGHS and says so", () => {
    const p = randomLp({ family: "lad", n: 100, k: 15, noise: 1e-2 }, 4) as LadProblem;
    const s = new FitSolver(p.a, { maxPivots: 1 });
    const r = s.ladFit(p);
    expect(r.status).toBe("optimal");
    expect(r.backend).toBe("highs");
    expect(r.fallback).toMatch(/engine iteration_limit/);
    expect(s.notes.join(" ")).toMatch(/answered by HiGHS/);
    expect([...s.used]).toEqual(["highs"]);
  });

  it("with the fallback disabled the failure is a status", () => {
    const p = randomLp({ family: "chebyshev", n: 100, k: 15, noise: 1e-2 }, 5) as ChebyshevProblem;
    const s = new FitSolver(p.a, { maxPivots: 1, fallback: false });
    expect(s.chebyshev(p).status).toBe("iteration_limit");
    expect(s.notes.join(" ")).toMatch(/fallback disabled/);
  });

  it("an engine exception (an internal bug) becomes numerical_error and HiGHS answers", () => {
    const p = randomLp({ family: "chebyshev", n: 60, k: 10, noise: 1e-2 }, 6) as ChebyshevProblem;
    const s = new FitSolver(p.a, { maxPivots: 100_000 }); // a private engine set
    // corrupt the engine behind the solver's back: its next solve throws
    (s as unknown as { set: { cheb: unknown } }).set.cheb = {
      solve: () => {
        throw new Error("boom");
      },
    };
    const r = s.chebyshev(p);
    expect(r.backend).toBe("highs");
    expect(r.fallback).toMatch(/engine error: boom/);
  });

  it("an unknown backend name is an OptionError", () => {
    const p = randomLp({ family: "chebyshev", n: 30, k: 5, noise: 1e-2 }, 7);
    expect(() => new FitSolver(p.a, { backend: "cplex" as never })).toThrow(OptionError);
  });
});
