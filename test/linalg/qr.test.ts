import { describe, expect, it } from "vitest";
import { leastSquaresRows, nullSpaceRows, QrWorkspace } from "../../src/linalg/qr.js";
import { Rng } from "../../src/model/rng.js";
import { type Matrix, matVec } from "../../src/linalg/matrix.js";

function randomMatrix(rows: number, cols: number, rng: Rng): Matrix {
  return { rows, cols, data: rng.fillNormal(new Float64Array(rows * cols)) };
}

describe("Householder least squares with column pivoting", () => {
  const ws = new QrWorkspace();

  it("solves consistent tall systems on a subset of rows to machine precision", () => {
    const rng = new Rng(1);
    for (const [m, n] of [
      [60, 20],
      [300, 250],
      [250, 250],
    ] as const) {
      const a = randomMatrix(m + 17, n, rng);
      const xTrue = rng.fillNormal(new Float64Array(n));
      const rows = Int32Array.from({ length: m }, (_, i) => i + 17);
      const full = matVec(a, xTrue, new Float64Array(a.rows));
      const b = Array.from(rows, (r) => full[r]!);
      const x = new Float64Array(n);
      const info = leastSquaresRows(a, rows, m, b, x, ws);
      expect(info.rank).toBe(n);
      let err = 0;
      for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(x[j]! - xTrue[j]!));
      expect(err).toBeLessThan(1e-10);
    }
  });

  it("minimises the residual of an inconsistent system (normal equations hold)", () => {
    const rng = new Rng(2);
    const a = randomMatrix(80, 7, rng);
    const b = rng.fillNormal(new Float64Array(80));
    const rows = Int32Array.from({ length: 80 }, (_, i) => i);
    const x = new Float64Array(7);
    const info = leastSquaresRows(a, rows, 80, b, x, ws);
    const r = matVec(a, x, new Float64Array(80));
    let rn = 0;
    for (let i = 0; i < 80; i++) {
      r[i] = r[i]! - b[i]!;
      rn += r[i]! * r[i]!;
    }
    expect(info.residualNorm).toBeCloseTo(Math.sqrt(rn), 10);
    // Aᵀ r = 0 at the least-squares solution
    for (let j = 0; j < 7; j++) {
      let g = 0;
      for (let i = 0; i < 80; i++) g += a.data[i * 7 + j]! * r[i]!;
      expect(Math.abs(g)).toBeLessThan(1e-10);
    }
  });

  it("detects rank loss: duplicated columns and fewer rows than unknowns", () => {
    const rng = new Rng(3);
    const a = randomMatrix(40, 10, rng);
    for (let i = 0; i < 40; i++) a.data[i * 10 + 9] = 2 * a.data[i * 10 + 3]! - a.data[i * 10 + 5]!;
    const rows = Int32Array.from({ length: 40 }, (_, i) => i);
    const x = new Float64Array(10);
    expect(leastSquaresRows(a, rows, 40, new Float64Array(40).fill(1), x, ws).rank).toBe(9);
    const short = leastSquaresRows(a, rows, 6, new Float64Array(6).fill(1), x, ws);
    expect(short.rank).toBe(6);
    // the basic solution satisfies the 6 equations exactly
    const r = matVec(a, x, new Float64Array(40));
    for (let i = 0; i < 6; i++) expect(r[i]).toBeCloseTo(1, 10);
  });

  it("nullSpaceRows: a basis of the rows' null space (A·N = 0, full column rank) and a particular solution", () => {
    const rng = new Rng(9);
    for (const [m, n, dependent] of [
      [30, 50, 0],
      [125, 160, 0],
      [40, 40, 6],
      [70, 30, 12],
    ] as const) {
      const a = randomMatrix(m + 5, n, rng);
      // make `dependent` columns combinations of others: the selected rows lose that much rank
      for (let c = dependent - 1; c >= 0; c--) for (let r = 0; r < a.rows; r++) a.data[r * n + c] = a.data[r * n + c + 1]! - 2 * a.data[r * n + c + 2]!;
      const rows = Int32Array.from({ length: m }, (_, i) => i + 5);
      const xTrue = rng.fillNormal(new Float64Array(n));
      const full = matVec(a, xTrue, new Float64Array(a.rows));
      const b = Array.from(rows, (r) => full[r]!);
      const x = new Float64Array(n);
      const ns = nullSpaceRows(a, rows, m, b, x, ws);
      const rank = Math.min(m, n - dependent);
      expect(ns.rank).toBe(rank);
      expect(ns.dim).toBe(n - rank);
      const fitX = matVec(a, x, new Float64Array(a.rows));
      for (const r of rows) expect(Math.abs(fitX[r]! - full[r]!)).toBeLessThan(1e-9);
      // A[rows]·N = 0 column by column
      const col = new Float64Array(n);
      for (let q = 0; q < ns.dim; q++) {
        for (let i = 0; i < n; i++) col[i] = ns.basis[i * ns.dim + q]!;
        const an = matVec(a, col, new Float64Array(a.rows));
        for (const r of rows) expect(Math.abs(an[r]!)).toBeLessThan(1e-9 * (1 + Math.hypot(...col)));
      }
      // independent columns: NᵀN is nonsingular (its QR has full rank)
      if (ns.dim > 0) {
        const nt = { rows: ns.dim, cols: n, data: new Float64Array(ns.dim * n) };
        for (let i = 0; i < n; i++) for (let q = 0; q < ns.dim; q++) nt.data[q * n + i] = ns.basis[i * ns.dim + q]!;
        const r2 = nullSpaceRows(
          nt,
          Int32Array.from({ length: ns.dim }, (_, i) => i),
          ns.dim,
          new Float64Array(ns.dim),
          new Float64Array(n),
          new QrWorkspace(),
        );
        expect(r2.rank).toBe(ns.dim);
      }
    }
  });
});
