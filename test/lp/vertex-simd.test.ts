import { beforeAll, describe, expect, it } from "vitest";
import { ChebyshevSolver } from "../../src/lp/chebyshev.js";
import { loadHighsBackend, solveWithHighs } from "../../src/lp/highs.js";
import { RelaxedSolver } from "../../src/lp/relaxed.js";
import { type ChebyshevProblem, type RelaxedProblem, rowDeviations } from "../../src/lp/types.js";
import { VertexSimd } from "../../src/lp/vertex-simd.js";
import { VertexSimplex } from "../../src/lp/vertex-simplex.js";
import { randomLp } from "./random-lp.js";

describe("the vertex engine's SIMD kernels", () => {
  beforeAll(async () => {
    await loadHighsBackend();
  });

  it("run here (WebAssembly SIMD in Node 20)", () => {
    expect(VertexSimd.create(new Float64Array(6).fill(1), 3, 2, 3)).not.toBeNull();
  });

  it("give the scalar engine's pivots and answers to the bit: Chebyshev LPs (odd and even k, bounds, LeakyReLU rows, caps, warm starts) and the relaxed LP", () => {
    const specs = [
      { n: 200, k: 41, noise: 1e-3 },
      { n: 240, k: 40, noise: 1e-4, bounded: true },
      { n: 200, k: 25, noise: 1e-3, leaky: true },
      { n: 150, k: 30, noise: 0 },
    ];
    for (const [t, spec] of specs.entries()) {
      const p = randomLp({ family: "chebyshev", ...spec }, 900 + t) as ChebyshevProblem;
      const simd = new ChebyshevSolver(p.a);
      const scalar = new ChebyshevSolver(p.a, { simd: false });
      const a = simd.solve(p);
      const b = scalar.solve(p);
      expect(a.status).toBe("optimal");
      expect(a.pivots).toBe(b.pivots);
      expect(a.objective).toBe(b.objective);
      expect(Array.from(a.z)).toEqual(Array.from(b.z));
      // a capped solve warm-started from that basis (the ε search's probes): the same again
      const capped = { ...p, deltaMax: 0.5 * a.objective };
      const wa = simd.solve(capped, { warm: a.snapshot ?? null });
      const wb = scalar.solve(capped, { warm: b.snapshot ?? null });
      expect(wa.status).toBe(wb.status);
      expect(wa.pivots).toBe(wb.pivots);
      expect(Array.from(wa.z)).toEqual(Array.from(wb.z));
    }
    const rp = randomLp({ family: "relaxed", n: 200, k: 30, noise: 1e-3, bounded: true }, 950) as RelaxedProblem;
    const ra = new RelaxedSolver(rp.a).solve(rp);
    const rb = new RelaxedSolver(rp.a, { simd: false }).solve(rp);
    expect(ra.status).toBe(rb.status);
    expect(ra.pivots).toBe(rb.pivots);
    expect(Array.from(ra.z)).toEqual(Array.from(rb.z));
  });

  it("a row left out at the start point and violated at the working set's optimum is brought in: δ = HiGHS's on all rows", () => {
    // z₁ is pinned by two-sided rows at ±1e-3; z₂ only by the one-sided rows z₂ ≤ δ and −z₂ ≤ −1 + δ
    // (so δ* = 1/2 at z₂ = 1/2). From z0 = (0, 100) the second is 99 from binding, far beyond the
    // working set's margin (20× the two-sided rows' deviation there), so the engine leaves it out, and
    // without it the optimum would be δ = 1e-3 with z₂ ≤ 1e-3, violating it by ~1.
    const rows: number[][] = [];
    const upper: number[] = [];
    const lower: number[] = [];
    for (let i = 0; i < 6; i++) {
      rows.push([1, 0]);
      const t = (i % 2 ? 1 : -1) * 1e-3;
      upper.push(t);
      lower.push(t);
    }
    rows.push([0, 1], [0, -1]);
    upper.push(0, -1);
    lower.push(-Infinity, -Infinity);
    const a = { rows: rows.length, cols: 2, data: Float64Array.from(rows.flat()) };
    const p: ChebyshevProblem = { kind: "chebyshev", a, upper: Float64Array.from(upper), lower: Float64Array.from(lower) };
    const solver = new ChebyshevSolver(a);
    const r = solver.solve(p, { z0: Float64Array.of(0, 100) });
    expect(r.status).toBe("optimal");
    expect(r.objective).toBeCloseTo(0.5, 12);
    const s = new Float64Array(a.rows);
    for (let j = 0; j < a.rows; j++) s[j] = a.data[2 * j]! * r.z[0]! + a.data[2 * j + 1]! * r.z[1]!;
    expect(rowDeviations(p, s).max).toBeLessThanOrEqual(r.objective * (1 + 1e-12));
    expect(solver.engine.rowActive(a.rows - 1)).toBe(true);
    const h = solveWithHighs(p);
    expect(Math.abs(h.objective - r.objective)).toBeLessThan(1e-9);
  });

  it("the row products in one accumulator (row selection, verification) and the rows' squared norms are the scalar loop's to the bit, odd and even k", () => {
    for (const [n, k] of [
      [203, 41],
      [150, 40],
    ] as const) {
      const p = randomLp({ family: "chebyshev", n, k, noise: 1e-3 }, 970 + k) as ChebyshevProblem;
      const simd = VertexSimd.create(p.a.data, n, k, k + 1)!;
      const x = Float64Array.from({ length: k }, (_, i) => Math.sin(3 * i + 1) * 1e3 ** ((i % 3) - 1));
      const out = new Float64Array(n);
      simd.allRowProducts(x, out);
      const norms = new Float64Array(n);
      simd.rowNorms2(norms);
      for (let j = 0; j < n; j++) {
        let t = 0;
        let q = 0;
        for (let i = 0; i < k; i++) {
          t += p.a.data[j * k + i]! * x[i]!;
          q += p.a.data[j * k + i]! * p.a.data[j * k + i]!;
        }
        expect(out[j]).toBe(t);
        expect(norms[j]).toBe(q);
      }
    }
  });

  it("γ = A·dcol over the active rows, sparse (below k/2 nonzeros) and dense, is the scalar engine's to the bit", () => {
    for (const [n, k] of [
      [203, 41],
      [150, 40],
    ] as const) {
      const p = randomLp({ family: "chebyshev", n, k, noise: 1e-3 }, 990 + k) as ChebyshevProblem;
      const simd = new VertexSimplex(p.a, true);
      const scalar = new VertexSimplex(p.a, true, { simd: false });
      const rows = Array.from({ length: n }, (_, j) => j).filter((j) => j % 3 !== 1);
      for (const e of [simd, scalar]) e.setActiveRows(rows);
      for (const nnz of [1, 7, Math.floor(k / 2) - 1, k]) {
        for (const e of [simd, scalar]) {
          e.dcol.fill(0);
          for (let t = 0; t < nnz; t++) e.dcol[(t * 7) % k] = Math.cos(t + 1) * 10 ** ((t % 5) - 2);
          e.computeGamma();
        }
        for (const j of rows) expect(simd.gam[j]).toBe(scalar.gam[j]);
      }
    }
  });

  it("a solver rebound to another matrix of its shape (the engine pool) answers as a fresh one, pivots and z to the bit", () => {
    const p1 = randomLp({ family: "chebyshev", n: 200, k: 40, noise: 1e-3 }, 981) as ChebyshevProblem;
    const p2 = randomLp({ family: "chebyshev", n: 200, k: 40, noise: 1e-4, bounded: true }, 982) as ChebyshevProblem;
    const pooled = new ChebyshevSolver(p1.a);
    const first = pooled.solve(p1);
    for (const p of [p2, p1]) {
      pooled.rebind(p.a);
      const a = pooled.solve(p);
      const b = new ChebyshevSolver(p.a).solve(p);
      expect(a.status).toBe("optimal");
      expect(a.pivots).toBe(b.pivots);
      expect(a.objective).toBe(b.objective);
      expect(Array.from(a.z)).toEqual(Array.from(b.z));
    }
    expect(pooled.solve(p1).objective).toBe(first.objective);
    expect(() => pooled.rebind(randomLp({ family: "chebyshev", n: 200, k: 41, noise: 0 }, 983).a)).toThrow("this solver is for 200×40 matrices, got 200×41");
    const bad = { rows: 200, cols: 40, data: Float64Array.from(p2.a.data) };
    bad.data[7 * 40 + 3] = Infinity;
    expect(() => pooled.rebind(bad)).toThrow("LP matrix entry [7][3] is Infinity (must be finite)");
  });
});
