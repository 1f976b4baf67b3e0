/**
 * Whole-network refinement of a layer-wise LP answer. Layer by layer, each LP fits its own layer's
 * output, so the error of every reconstructed hidden layer becomes the next layer's noise and is
 * amplified on the way down (for LeakyReLU by up to 1/c per layer on the negative side). Once the
 * layer-wise pass has fixed every hidden unit's side (its activation pattern), G is affine in z on
 * that pattern's region: pre_d(z) = J z + o with J = W_d D_{d−1} W_{d−1} ⋯ D_1 W_1. Refinement
 * runs Algorithm 1 (same rows, same ε search) on that one affine layer, i.e. fits the observation
 * directly in z, and keeps the result only if the true residual ‖G(z) − x‖∞ does not get worse;
 * it repeats while the pattern changes (at most 4 times).
 */
import { SolverError } from "../errors.js";
import { type Generator, type DenseLayer } from "../model/generator.js";
import { DEFAULT_LP_OPTIONS, type InvertOptions } from "./options.js";
import { type LayerContext, type LayerInverter } from "./layer.js";
import { gemmNT } from "../linalg/gemm.js";
import { padTo, simdGemm } from "../linalg/simd-gemm.js";
import { matVec, matVecRows } from "../linalg/matrix.js";
import { diffNorms } from "../linalg/norms.js";
import { type Activation, applyActivation } from "../model/activation.js";
import { type InversionResult, type RefinementReport } from "./result.js";

/**
 * What refinement did, for the result's warnings and reports.
 * @example
 * ```ts
 * import { invertLayerwise, invertLinfLayer, randomGenerator, refineNetwork, RELU, type RefineOutcome } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 21 });
 * const x = gen.forward([0.8, -0.3]);
 * const out: RefineOutcome = refineNetwork(gen, x, invertLayerwise(gen, x, invertLinfLayer, {}, "linf"), invertLinfLayer, "linf", {});
 * console.log(`${out.accepted} passes kept, ‖G(z) − x‖∞ ${out.before} -> ${out.after}`);
 * ```
 */
export interface RefineOutcome {
  /** The refined latent code (the layer-wise one when no pass was kept). */
  z: Float64Array;
  /** Passes whose answer was kept. */
  accepted: number;
  /** LP solves over all passes. */
  lpSolves: number;
  /** Simplex pivots over all passes. */
  pivots: number;
  /** ‖G(z) − x‖∞ before and after. */
  before: number;
  /** ‖G(z) − x‖ (in the refinement's norm) after; never more than `before`. */
  after: number;
}

/** True when every layer is piecewise linear with a pattern (ReLU / LeakyReLU / identity). */
export function refinable(gen: Generator): boolean {
  return gen.layers.every((l) => l.activation.kind === "relu" || l.activation.kind === "leaky_relu" || l.activation.kind === "identity");
}

/**
 * The last layer's pre-activation as an affine map of z on the activation pattern at z:
 * J ← (W_l D_{l−1}) J layer by layer. Only the units the pattern keeps (D_jj ≠ 0) enter each
 * product, gathered into contiguous buffers for the register-blocked {@link gemmNT} (for ReLU
 * about half the units are off, so this halves the work as well).
 * @param gen a generator whose layers are ReLU / LeakyReLU / identity
 * @param z the point to linearise at, `gen.inputSize` values
 * @returns one {@link DenseLayer} (weight J, bias o, the last layer's activation) equal to G on z's region
 * @throws nothing of its own: z is not checked, so pass `gen.inputSize` finite values
 * @example
 * ```ts
 * import { applyActivation, diffNorms, linearizeAt, matVec, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 22 });
 * const z = Float64Array.from([0.4, -1.1]);
 * const lin = linearizeAt(gen, z);
 * const out = matVec(lin.weight, z, new Float64Array(lin.weight.rows), lin.bias);
 * applyActivation(lin.activation, out);
 * if (diffNorms(out, gen.forward(z)).linf > 1e-12) throw new Error("J z + o is G(z) on z's region");
 * ```
 */
export function linearizeAt(gen: Generator, z: Float64Array): DenseLayer {
  const k = gen.inputSize;
  const first = gen.layers[0]!;
  let J = Float64Array.from(first.weight.data); // n_1 × k
  let o = first.bias ? Float64Array.from(first.bias) : new Float64Array(first.weight.rows);
  let pre = firstPreActivation(J, o, z, k); // to read the pattern
  for (let li = 1; li < gen.depth; li++) {
    const a = gen.layers[li - 1]!.activation;
    const layer = gen.layers[li]!;
    const nIn = layer.weight.cols;
    const nOut = layer.weight.rows;
    const { units, slope, m } = keptUnits(a, pre, nIn);
    // WD = W[:, units]·D (nOut × m) and Jᵀ[:, units] (k × m), then J₂ = WD · J[units, :]
    const W = layer.weight.data;
    const wd = new Float64Array(nOut * m);
    const o2 = layer.bias ? Float64Array.from(layer.bias) : new Float64Array(nOut);
    const pre2 = new Float64Array(nOut);
    for (let r = 0; r < nOut; r++) {
      const wo = r * nIn;
      const ro = r * m;
      let off = o2[r]!;
      let pv = off;
      for (let c = 0; c < m; c++) {
        const j = units[c]!;
        const w = W[wo + j]! * slope[c]!;
        wd[ro + c] = w;
        off += w * o[j]!;
        pv += w * pre[j]!;
      }
      o2[r] = off;
      pre2[r] = pv; // Σ_j W_rj·φ(pre_j) + b_r
    }
    const jt = new Float64Array(k * m);
    for (let c = 0; c < m; c++) {
      const src = units[c]! * k;
      for (let i = 0; i < k; i++) jt[i * m + c] = J[src + i]!;
    }
    const J2 = new Float64Array(nOut * k);
    gemmNT(nOut, k, m, wd, jt, J2);
    J = J2;
    o = o2;
    pre = pre2;
  }
  const last = gen.layers[gen.depth - 1]!;
  return { weight: { rows: last.weight.rows, cols: k, data: J }, bias: o, activation: last.activation, name: "network" };
}

/** The first layer's pre-activation W₁z + b₁ (W₁ row-major n₁ × k, o = b₁), in the scalar order both linearisations use. */
function firstPreActivation(J: Float64Array, o: Float64Array, z: Float64Array, k: number): Float64Array {
  const pre = new Float64Array(o.length);
  for (let j = 0; j < pre.length; j++) {
    let s = o[j]!;
    for (let i = 0; i < k; i++) s += J[j * k + i]! * z[i]!;
    pre[j] = s;
  }
  return pre;
}

/** D of the previous layer at its pre-activation: the units whose slope is non-zero, their slopes, and how many. */
function keptUnits(a: Activation, pre: Float64Array, nIn: number): { units: Int32Array; slope: Float64Array; m: number } {
  const units = new Int32Array(nIn);
  const slope = new Float64Array(nIn);
  let m = 0;
  for (let j = 0; j < nIn; j++) {
    const d = a.kind === "relu" ? (pre[j]! > 0 ? 1 : 0) : a.kind === "leaky_relu" ? (pre[j]! > 0 ? 1 : a.slope) : 1;
    if (d === 0) continue;
    units[m] = j;
    slope[m++] = d;
  }
  return { units, slope, m };
}

/**
 * {@link linearizeAt} on the SIMD product of simd-gemm.ts, for the pattern-first ℓ∞ path, whose
 * answers are certified on the true network: the same J and o to rounding, but not to the bit —
 * its sums run in another order — so the methods whose paths branch on rounding (the whole-network
 * refinement inside PGD's projections: a digit of the CLI test went from 0.15 to 0.82 relative error
 * with the SIMD sums, others the other way) keep the scalar product of linearizeAt.
 * With `rows`, only those output rows are formed (in that order): the last product costs in
 * proportion to them, and pattern-first's LP leaves out the output rows that cannot bind (see
 * pattern-first.ts, `lpRows`).
 * @param gen a generator whose layers are ReLU / LeakyReLU / identity
 * @param z the point to linearise at, `gen.inputSize` values
 * @param rows the output rows to form (indices into the last layer's rows), or null for all
 * @returns one {@link DenseLayer} equal to G on z's region (on `rows` only when given: row r is output row rows[r])
 */
export function linearizeAtSimd(gen: Generator, z: Float64Array, rows: Int32Array | null = null): DenseLayer {
  const k = gen.inputSize;
  const first = gen.layers[0]!;
  if (gen.depth === 1) return rowsOf(first, rows, "network");
  let J: Float64Array = first.weight.data; // n_1 × k, only read (a product replaces it, or it is copied below)
  let o = first.bias ? Float64Array.from(first.bias) : new Float64Array(first.weight.rows);
  let pre = firstPreActivation(J, o, z, k); // to read the pattern
  const simd = simdGemm();
  for (let li = 1; li < gen.depth; li++) {
    const a = gen.layers[li - 1]!.activation;
    const layer = gen.layers[li]!;
    const nIn = layer.weight.cols;
    const last = li === gen.depth - 1;
    const sel = last ? rows : null; // the output rows to form (all of a hidden layer's)
    const nOut = sel ? sel.length : layer.weight.rows;
    const { units, slope, m } = keptUnits(a, pre, nIn);
    // J₂ = WD · J[units, :] on the SIMD product: X = WD = W[:, units]·D (nOut × m), Y = Jᵀ[:, units]
    // (k × m), both laid out in its memory with the padding it needs (zeros: rows of X to even,
    // rows of Y and the m inner terms to multiples of 4)
    const mp = padTo(m, 4);
    const np = padTo(nOut, 2);
    const kp = padTo(k, 4);
    const yOff = np * mp;
    const cOff = yOff + kp * mp;
    let f: Float64Array;
    try {
      f = simd.reserve(cOff + np * kp);
    } catch (e) {
      if (e instanceof SolverError) return linearizeAt(gen, z); // too large for the SIMD memory: the scalar product
      throw e;
    }
    const W = layer.weight.data;
    const o2 = new Float64Array(nOut);
    if (layer.bias) for (let r = 0; r < nOut; r++) o2[r] = layer.bias[sel ? sel[r]! : r]!;
    const pre2 = last ? pre : new Float64Array(nOut); // the last layer's pre-activation decides no side
    // the last layer over unit slopes and a zero offset (ReLU, no hidden bias): W·D is a gather and
    // o₂ the bias, the same values the general loop computes (w·1 = w, off + w·0 = off)
    let gather = last;
    for (let c = 0; gather && c < m; c++) gather = slope[c] === 1 && o[units[c]!] === 0;
    for (let r = 0; r < nOut; r++) {
      const wo = (sel ? sel[r]! : r) * nIn;
      const ro = r * mp;
      if (gather) for (let c = 0; c < m; c++) f[ro + c] = W[wo + units[c]!]!;
      else {
        let off = o2[r]!;
        let pv = off;
        for (let c = 0; c < m; c++) {
          const j = units[c]!;
          const w = W[wo + j]! * slope[c]!;
          f[ro + c] = w;
          off += w * o[j]!;
          if (!last) pv += w * pre[j]!;
        }
        o2[r] = off;
        if (!last) pre2[r] = pv; // Σ_j W_rj·φ(pre_j) + b_r
      }
      for (let c = m; c < mp; c++) f[ro + c] = 0;
    }
    f.fill(0, nOut * mp, yOff);
    for (let i = 0; i < k; i++) {
      const yo = yOff + i * mp;
      for (let c = 0; c < m; c++) f[yo + c] = J[units[c]! * k + i]!;
      for (let c = m; c < mp; c++) f[yo + c] = 0;
    }
    f.fill(0, yOff + k * mp, cOff);
    simd.nt(0, mp, yOff, mp, cOff, kp, np, kp, mp);
    if (kp === k) J = f.slice(cOff, cOff + nOut * k);
    else {
      J = new Float64Array(nOut * k);
      for (let r = 0; r < nOut; r++) for (let i = 0; i < k; i++) J[r * k + i] = f[cOff + r * kp + i]!;
    }
    o = o2;
    pre = pre2;
  }
  const last = gen.layers[gen.depth - 1]!;
  return { weight: { rows: rows ? rows.length : last.weight.rows, cols: k, data: J }, bias: o, activation: last.activation, name: "network" };
}

/** A copy of `layer` on `rows` (all rows when null), named `name`. */
function rowsOf(layer: DenseLayer, rows: Int32Array | null, name: string): DenseLayer {
  const k = layer.weight.cols;
  const W = layer.weight.data;
  if (!rows)
    return {
      weight: { rows: layer.weight.rows, cols: k, data: Float64Array.from(W) },
      bias: layer.bias ? Float64Array.from(layer.bias) : new Float64Array(layer.weight.rows),
      activation: layer.activation,
      name,
    };
  const J = new Float64Array(rows.length * k);
  const o = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    J.set(W.subarray(rows[r]! * k, (rows[r]! + 1) * k), r * k);
    if (layer.bias) o[r] = layer.bias[rows[r]!]!;
  }
  return { weight: { rows: rows.length, cols: k, data: J }, bias: o, activation: layer.activation, name };
}

/**
 * The last layer's pre-activation at z on the true network (the sums of {@link Generator.forward},
 * without the last activation): G(z) is φ_d of it, to the bit. Pattern-first reads the rows its LP
 * leaves out from it.
 * @param gen the generator
 * @param z the point, `gen.inputSize` values
 * @param rows only these output rows (the others are NaN), or null for all
 * @param hidden the last hidden layer's output at z when the caller has it ({@link hiddenTrace}:
 *   the same sums), so the hidden layers are not evaluated again; null to evaluate them
 * @returns W_d·φ(…) + b_d, one value per output row (a new array)
 */
export function outputPreActivation(gen: Generator, z: Float64Array, rows: Int32Array | null = null, hidden: Float64Array | null = null): Float64Array {
  const input = hidden ?? hiddenTrace(gen, z, false).hidden;
  const last = gen.layers[gen.depth - 1]!;
  if (!rows) return matVec(last.weight, input, new Float64Array(last.weight.rows), last.bias);
  return matVecRows(last.weight, input, rows, new Float64Array(last.weight.rows).fill(NaN), last.bias);
}

/**
 * Move a linearisation of a one-hidden-layer network ({@link linearizeAt} at a point of pattern
 * `from`) to pattern `to` by rank-one updates: a hidden unit j whose slope D_jj changes by Δ
 * changes J by Δ·W₂[:, j]·W₁[j, :] and o by Δ·W₂[:, j]·b₁_j, n·k multiply-adds a flipped unit
 * instead of the n·m·k of the whole product (the Gauss–Newton and LP passes of pattern-first.ts
 * flip a few units of 100 at a time). Null for deeper networks, where a flip changes every product
 * below it: call linearizeAt there.
 * @param gen the generator (two layers, hidden ReLU / LeakyReLU / identity)
 * @param lin its linearisation on pattern `from` (not modified)
 * @param from the pattern {@link patternOf} gave where `lin` was made
 * @param to the pattern to move to
 * @param rows the output rows `lin` holds ({@link linearizeAtSimd}'s `rows`), or null for all
 * @returns a new layer equal to linearizeAt at a point of pattern `to` (up to rounding), or null
 */
export function relinearize(gen: Generator, lin: DenseLayer, from: string, to: string, rows: Int32Array | null = null): DenseLayer | null {
  if (gen.depth !== 2) return null;
  const hidden = gen.layers[0]!;
  const out = gen.layers[1]!;
  const a = hidden.activation;
  if (a.kind === "identity" || from.length !== to.length) return from === to ? lin : null;
  const off = a.kind === "leaky_relu" ? a.slope : 0;
  const k = hidden.weight.cols;
  const m = hidden.weight.rows;
  const n = rows ? rows.length : out.weight.rows;
  if (lin.weight.rows !== n) return null;
  const W1 = hidden.weight.data;
  const W2 = out.weight.data;
  const b1 = hidden.bias;
  const J = Float64Array.from(lin.weight.data);
  const o = Float64Array.from(lin.bias ?? new Float64Array(n));
  for (let j = 0; j < m; j++) {
    const cf = from.charCodeAt(j);
    if (cf === to.charCodeAt(j)) continue;
    const dj = cf === 49 ? off - 1 : 1 - off; // '1' → off: Δ = c − 1; '0' → on: Δ = 1 − c
    const w1 = j * k;
    const bj = b1 ? dj * b1[j]! : 0;
    for (let r = 0; r < n; r++) {
      const w2 = W2[(rows ? rows[r]! : r) * m + j]!;
      const w = dj * w2;
      if (w === 0) continue;
      const jr = r * k;
      for (let i = 0; i < k; i++) J[jr + i]! += w * W1[w1 + i]!;
      if (bj !== 0) o[r]! += w2 * bj;
    }
  }
  return { weight: { rows: n, cols: k, data: J }, bias: o, activation: lin.activation, name: lin.name ?? "network" };
}

/**
 * Refine `result.z` (from a layer-wise LP method) with that method's own layer LP applied to the
 * network linearised at z. Never makes the true residual (ℓ∞, or ℓ1 for the ℓ1 method) worse.
 * @param gen the generator G
 * @param x the observation
 * @param result the layer-wise result to refine (its `z` is the start)
 * @param inverter the method's layer LP (e.g. {@link invertLinfLayer})
 * @param norm the residual norm to guard: `linf`, or `l1` for the ℓ1 method
 * @param options the caller's options (LP options are read by the inverter)
 * @returns the refined z and what the passes did
 * @throws OptionError for invalid LP options; SolverError when the LP backend breaks down
 * @example
 * ```ts
 * import { invertL1Layer, invertLayerwise, randomGenerator, refineNetwork, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 10, 25], activation: RELU, rng: 23 });
 * const x = gen.forward([-0.5, 0.9]);
 * const out = refineNetwork(gen, x, invertLayerwise(gen, x, invertL1Layer, {}, "l1"), invertL1Layer, "l1", {});
 * if (out.after > out.before) throw new Error("refinement never makes the ℓ1 residual worse");
 * ```
 */
export function refineNetwork(
  gen: Generator,
  x: ArrayLike<number>,
  result: InversionResult,
  inverter: LayerInverter,
  norm: "linf" | "l1",
  options: InvertOptions,
): RefineOutcome {
  const xs = Float64Array.from(x);
  const fit = (z: Float64Array): number => diffNorms(gen.forward(z), xs)[norm];
  let z = result.z;
  let best = fit(z);
  const before = best;
  let accepted = 0;
  let lpSolves = 0;
  let pivots = 0;
  const ctx: LayerContext = { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options };
  // a fit already at rounding level (realizable data, see realizableShortcut) has nothing to refine
  const eps0 = options.eps0 ?? DEFAULT_LP_OPTIONS.eps0;
  if (result.residual.linf <= 1e-3 * eps0) return { z, accepted: 0, lpSolves: 0, pivots: 0, before, after: best };
  for (let pass = 0; pass < 4; pass++) {
    const layer = linearizeAt(gen, z);
    const r = inverter(layer, xs, ctx);
    lpSolves += r.report.lpSolves ?? 0;
    pivots += r.report.pivots ?? 0;
    // a non-unique LP answer is still a candidate: kept only if the true residual does not grow
    if (r.report.status !== "optimal" && r.report.status !== "non_unique") break;
    const res = fit(r.x);
    if (!(res <= best)) break;
    const before = patternOf(gen, z);
    z = r.x;
    best = res;
    accepted++;
    // the same activation pattern gives the same linearisation, hence the same LP: done
    if (patternOf(gen, z) === before) break;
  }
  return { z, accepted, lpSolves, pivots, before, after: best };
}

/** Apply {@link refineNetwork} to a successful layer-wise result and record what it did. */
export function applyRefinement(
  gen: Generator,
  x: ArrayLike<number>,
  result: InversionResult,
  inverter: LayerInverter,
  norm: "linf" | "l1",
  options: InvertOptions,
): InversionResult {
  const t0 = performance.now();
  const out = refineNetwork(gen, x, result, inverter, norm, options);
  const timeMs = performance.now() - t0;
  const refinement: RefinementReport = {
    norm,
    passes: out.accepted,
    lpSolves: out.lpSolves,
    pivots: out.pivots,
    residualBefore: out.before,
    residualAfter: out.after,
    timeMs,
  };
  if (out.accepted === 0) return { ...result, refinement, timeMs: result.timeMs + timeMs };
  return {
    ...result,
    z: out.z,
    residual: diffNorms(gen.forward(out.z), x),
    refinement,
    timeMs: result.timeMs + timeMs,
  };
}

/**
 * The activation pattern of the hidden layers at z, as a string of side bits. Only the hidden
 * layers are evaluated (the same sums as {@link Generator.forward}): the output layer, the widest
 * product on expansive networks (500×100 of 20-100-500's 52k multiply-adds), decides no side.
 */
export function patternOf(gen: Generator, z: Float64Array): string {
  return hiddenTrace(gen, z).pattern;
}

/** The hidden layers at z once: their pattern ({@link patternOf}) and the last one's output. */
export interface HiddenTrace {
  /** The activation pattern of the hidden layers ({@link patternOf}; "" when not asked for). */
  pattern: string;
  /** The last hidden layer's output (z itself for a one-layer generator), the output layer's input. */
  hidden: Float64Array;
}

/**
 * The hidden layers' forward pass at z (the sums of {@link Generator.forward}), read by both
 * {@link patternOf} and {@link outputPreActivation}: pattern-first asks for the pattern and then,
 * at the same z, for the output layer's pre-activation, and passes the trace on instead of
 * evaluating the hidden layers twice.
 * @param gen the generator
 * @param z the point, `gen.inputSize` values
 * @param withPattern also form the pattern string (default true)
 * @returns the pattern and the last hidden output
 */
export function hiddenTrace(gen: Generator, z: Float64Array, withPattern = true): HiddenTrace {
  let input: Float64Array = z;
  let bits = "";
  for (let li = 0; li + 1 < gen.depth; li++) {
    const layer = gen.layers[li]!;
    const out = matVec(layer.weight, input, new Float64Array(layer.weight.rows), layer.bias);
    applyActivation(layer.activation, out);
    // the sign of the output is the side of the pre-activation for ReLU (0 = off) and LeakyReLU
    if (withPattern && layer.activation.kind !== "identity") for (let j = 0; j < out.length; j++) bits += out[j]! > 0 ? "1" : "0";
    input = out;
  }
  return { pattern: bits, hidden: input };
}
