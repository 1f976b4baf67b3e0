/** Seeded random LPs of the three families, shaped like the per-layer LPs (test helper). */
import { type Matrix } from "../../src/linalg/matrix.js";
import { type FitProblem } from "../../src/lp/types.js";
import { Rng } from "../../src/model/rng.js";

/** What kind of instance to draw. */
export interface RandomLpSpec {
  family: "chebyshev" | "lad" | "relaxed";
  n: number;
  k: number;
  /** Uniform noise level on the observations (0: realizable). */
  noise: number;
  /** Keep z ≥ 0 (a hidden layer's input). */
  bounded?: boolean;
  /** LeakyReLU-style rows (Remark 1): weights c on negative rows, overlapping targets near 0. */
  leaky?: boolean;
  /** Chebyshev: cap δ ≤ deltaMax. */
  deltaMax?: number;
  /** Relaxed: add two contradictory rows (a·z ≤ −1 and −a·z ≤ −1). */
  contradictory?: boolean;
  /** Relaxed: make the objective unbounded (all a_j0 ≥ 0, c = −e_0, no bounds). */
  unbounded?: boolean;
}

/** One random LP drawn from `seed`. */
export function randomLp(spec: RandomLpSpec, seed: number): FitProblem {
  const r = new Rng(seed);
  const { n, k } = spec;
  const data = r.fillNormal(new Float64Array(n * k), 1 / Math.sqrt(n));
  if (spec.unbounded) for (let j = 0; j < n; j++) data[j * k] = Math.abs(data[j * k]!);
  const a: Matrix = { rows: n, cols: k, data };
  const z = r.fillNormal(new Float64Array(k));
  if (spec.bounded) for (let i = 0; i < k; i++) z[i] = Math.max(z[i]!, 0);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const wU = new Float64Array(n).fill(1);
  const wL = new Float64Array(n).fill(1);
  const c = 0.1;
  const thr = Math.max(spec.noise, 1e-9);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += data[j * k + i]! * z[i]!;
    if (spec.leaky) {
      const y = (s > 0 ? s : c * s) + spec.noise * (2 * r.uniform() - 1);
      if (y > thr) {
        upper[j] = y;
        lower[j] = y;
      } else if (y > -thr) {
        upper[j] = y;
        lower[j] = y / c;
        wL[j] = c;
      } else {
        upper[j] = y / c;
        lower[j] = y / c;
        wU[j] = c;
        wL[j] = c;
      }
    } else {
      const y = Math.max(s, 0) + spec.noise * (2 * r.uniform() - 1);
      upper[j] = spec.family === "relaxed" ? y + Math.max(spec.noise, 1e-3) : y;
      lower[j] = y > thr ? y : -Infinity;
    }
  }
  const base = {
    a,
    upper,
    lower,
    ...(spec.leaky ? { upperWeight: wU, lowerWeight: wL } : {}),
    ...(spec.bounded ? { zLower: 0 } : {}),
  };
  if (spec.family === "chebyshev") return { kind: "chebyshev", ...base, ...(spec.deltaMax !== undefined ? { deltaMax: spec.deltaMax } : {}) };
  if (spec.family === "lad") return { kind: "lad", ...base };
  const cost = new Float64Array(k);
  if (spec.unbounded) cost[0] = -1;
  else {
    for (let j = 0; j < n; j++) {
      const w = Math.max(upper[j]!, 0);
      for (let i = 0; i < k; i++) cost[i]! += w * data[j * k + i]!;
    }
  }
  if (spec.contradictory && n >= 2) {
    for (let i = 0; i < k; i++) data[(n - 1) * k + i] = -data[(n - 2) * k + i]!;
    upper[n - 2] = -1;
    upper[n - 1] = -1;
  }
  return { kind: "relaxed", ...base, lower: new Float64Array(n).fill(-Infinity), cost };
}
