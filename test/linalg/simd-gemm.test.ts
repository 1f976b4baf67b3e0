import { describe, expect, it } from "vitest";
import { ShapeError, SolverError } from "../../src/errors.js";
import { padTo, SimdGemm, simdGemm } from "../../src/linalg/simd-gemm.js";
import { Rng } from "../../src/model/rng.js";

/** The shapes: the smallest block, several of each, and linearizeAt's 600 × 100 · 128 on 100-250-600. */
const CASES = [
  [2, 4, 4],
  [6, 8, 12],
  [10, 12, 4],
  [34, 20, 64],
  [600, 100, 128],
] as const;

/** Fill memory with noise, lay X (m × k, stride ldx) and Y (n × k, stride ldy) apart, return their copies. */
function layout(g: SimdGemm, m: number, n: number, k: number, rng: Rng) {
  const [ldx, ldy, ldc] = [k + 2, k, n + 4];
  const x = 3;
  const y = x + m * ldx + 1;
  const c = y + n * ldy + 5;
  const end = c + m * ldc + 7;
  const f = g.reserve(end);
  rng.fillNormal(f.subarray(0, end));
  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j]! += f[x + i * ldx + p]! * f[y + j * ldy + p]!;
  return { x, y, c, ldx, ldy, ldc, end, want, before: Float64Array.from(f.subarray(0, end)) };
}

describe("SimdGemm", () => {
  const rng = new Rng(12);

  for (const useSimd of [true, false]) {
    it(`${useSimd ? "the WebAssembly SIMD kernel" : "the scalar stand-in"} equals the triple loop X·Yᵀ and writes nothing else`, () => {
      const g = new SimdGemm(useSimd);
      if (useSimd && !g.simd) console.warn("WebAssembly SIMD is not available here: the scalar stand-in is tested twice");
      for (const [m, n, k] of CASES) {
        for (const lower of [false, true]) {
          const L = layout(g, m, n, k, rng);
          g.nt(L.x, L.ldx, L.y, L.ldy, L.c, L.ldc, m, n, k, lower);
          const f = g.f64;
          let worst = 0;
          let changed = 0;
          for (let q = 0; q < L.end; q++) {
            const r = Math.floor((q - L.c) / L.ldc);
            const col = (q - L.c) % L.ldc;
            const inC = q >= L.c && r < m && col < n;
            // lower: the 4-column blocks that start at or before the row pair's last row
            const written = inC && (!lower || col < Math.min(n, ((r & ~1) + 5) & ~3));
            if (written) worst = Math.max(worst, Math.abs(f[q]! - L.want[r * n + col]!));
            else if (f[q] !== L.before[q]) changed++;
          }
          expect(worst).toBeLessThan(1e-12 * k);
          expect(changed).toBe(0);
        }
      }
    });
  }

  it("gives the same bits with and without SIMD (the stand-in sums even and odd terms apart, as the lanes do)", () => {
    const a = new SimdGemm(true);
    const b = new SimdGemm(false);
    const [m, n, k] = [34, 20, 64];
    const seed = new Rng(13);
    const La = layout(a, m, n, k, seed);
    const f = a.f64.slice(0, La.end);
    b.reserve(La.end).set(f);
    a.nt(La.x, La.ldx, La.y, La.ldy, La.c, La.ldc, m, n, k);
    b.nt(La.x, La.ldx, La.y, La.ldy, La.c, La.ldc, m, n, k);
    expect(Array.from(a.f64.subarray(0, La.end))).toEqual(Array.from(b.f64.subarray(0, La.end)));
  });

  it("nt32 (f32 operands, f64 C): f32 products and lane sums, the same bits with and without SIMD, near the f64 product, only C's blocks written", () => {
    const a = new SimdGemm(true);
    const b = new SimdGemm(false);
    const seed = new Rng(14);
    for (const [m, n, k] of [
      [2, 4, 8],
      [34, 20, 64],
      [50, 52, 104],
    ] as const) {
      for (const lower of [false, true]) {
        const [ldx, ldy, ldc] = [k + 8, k, n + 4];
        const [x, y] = [8, 8 + m * ldx + 8]; // floats
        const c = Math.ceil((y + n * ldy) / 2) + 3; // doubles, after the operands
        const end = c + m * ldc + 5;
        a.reserve(end);
        seed.fillNormal(a.f64.subarray(0, end));
        for (let q = 0; q < y + n * ldy; q++) a.f32[q] = Math.fround(seed.uniformIn(-1, 1));
        b.reserve(end).set(a.f64.subarray(0, end));
        const before = Float64Array.from(a.f64.subarray(c, end));
        a.nt32(x, ldx, y, ldy, c, ldc, m, n, k, lower);
        b.nt32(x, ldx, y, ldy, c, ldc, m, n, k, lower);
        expect(Array.from(a.f64.subarray(0, end))).toEqual(Array.from(b.f64.subarray(0, end)));
        let worst = 0;
        let changed = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < ldc; j++) {
            const q = c + i * ldc + j;
            const written = j < n && (!lower || j < Math.min(n, ((i & ~1) + 5) & ~3));
            if (!written) {
              if (a.f64[q] !== before[q - c]) changed++;
              continue;
            }
            let want = 0;
            for (let p = 0; p < k; p++) want += a.f32[x + i * ldx + p]! * a.f32[y + j * ldy + p]!;
            worst = Math.max(worst, Math.abs(a.f64[q]! - want));
          }
        }
        expect(worst).toBeLessThan(2 ** -24 * k); // f32 sums of k products of magnitude ≤ 1
        expect(worst).toBeGreaterThan(0); // and really in f32
        expect(changed).toBe(0);
      }
    }
    expect(() => a.nt32(0, 8, 0, 8, 0, 4, 2, 4, 4)).toThrow(ShapeError); // k not a multiple of 8
    expect(() => a.nt32(0, 8, 0, 8, a.f64.length, 4, 2, 4, 8)).toThrow(/past the/);
  });

  it("keeps its contents when the memory grows, and the shared instance is reused", () => {
    const g = new SimdGemm();
    g.reserve(10).set([1, 2, 3]);
    const big = g.reserve(300_000); // past the first 64 KiB page
    expect(Array.from(big.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(big.length).toBeGreaterThanOrEqual(300_000);
    expect(simdGemm()).toBe(simdGemm());
    expect(padTo(250, 4)).toBe(252);
    expect(padTo(8, 4)).toBe(8);
  });

  it("says so with a SolverError when the WebAssembly memory cannot grow (8 GB asked, 4 GB is its limit)", () => {
    const g = new SimdGemm();
    if (!g.simd) return; // the stand-in's ArrayBuffer might well be granted: nothing to test there
    expect(() => g.reserve(2 ** 30)).toThrow(SolverError);
    expect(g.reserve(100).length).toBeGreaterThanOrEqual(100); // and stays usable
  });

  it("rejects unpadded shapes and operands past the reserved memory", () => {
    const g = new SimdGemm();
    g.reserve(64);
    expect(() => g.nt(0, 4, 0, 4, 0, 4, 3, 4, 4)).toThrow(ShapeError); // m odd
    expect(() => g.nt(0, 4, 0, 4, 0, 4, 2, 3, 4)).toThrow(ShapeError); // n not a multiple of 4
    expect(() => g.nt(0, 4, 0, 4, 0, 4, 2, 4, 6)).toThrow(ShapeError); // k not a multiple of 4
    expect(() => g.nt(0, 4, 0, 4, g.f64.length, 4, 2, 4, 4)).toThrow(/past the/);
  });
});
