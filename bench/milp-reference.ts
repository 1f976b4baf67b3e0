/**
 * The brute-force reference for the `milp` method: enumerate every activation pattern of every
 * ReLU / LeakyReLU unit; on each pattern G is affine, G(z) = J z + o, so the best misfit over
 * that region ∩ box is one LP (solved by HiGHS's simplex). The global optimum is the least of
 * them. Written independently of src/invert/milp-model.ts (no shared formulation code), so the
 * agreement of the two is a real check. Exponential: for networks of ≤ ~14 units only.
 */
import { type Highs } from "highs";
import { type Activation, IDENTITY, leakyRelu, RELU } from "../src/model/activation.js";
import { type Generator } from "../src/model/generator.js";
import { randomGenerator } from "../src/model/random.js";
import { Rng } from "../src/model/rng.js";
import { applyOperator, gaussianOperator, identityOperator, maskOperator, measurementCount, type MeasurementOperator } from "../src/operators/operator.js";

/** The best misfit found by enumeration, and how many regions were non-empty. */
export interface BruteForceResult {
  /** Least misfit over all patterns (Infinity when every region with misfit ≤ cap is empty). */
  misfit: number;
  z: Float64Array | null;
  patterns: number;
  feasibleRegions: number;
}

/** Units with a kink (ReLU / LeakyReLU), layer by layer. */
function kinkUnits(gen: Generator): number {
  return gen.layers.reduce((s, l) => s + (l.activation.kind === "relu" || l.activation.kind === "leaky_relu" ? l.weight.rows : 0), 0);
}

/**
 * min over z ∈ [−box, box]^k of ‖A·G(z) − x‖ (linf or l1) with misfit ≤ cap, by enumeration.
 */
export function bruteForceMisfit(
  h: Highs,
  gen: Generator,
  op: MeasurementOperator,
  x: Float64Array,
  norm: "linf" | "l1",
  box: number,
  cap = Infinity,
): BruteForceResult {
  const k = gen.inputSize;
  const units = kinkUnits(gen);
  if (units > 20) throw new Error(`brute force over 2^${units} patterns is too many`);
  let best = Infinity;
  let bestZ: Float64Array | null = null;
  let feasible = 0;
  const total = 2 ** units;
  for (let p = 0; p < total; p++) {
    // affine map y = J z + o, layer by layer, with sign rows for the pattern
    let J: number[][] = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
    let o: number[] = new Array<number>(k).fill(0);
    const signRows: { a: number[]; b: number; sign: 1 | -1 }[] = [];
    let bit = 0;
    for (const layer of gen.layers) {
      const { rows, cols, data } = layer.weight;
      const nJ: number[][] = [];
      const nO: number[] = [];
      for (let r = 0; r < rows; r++) {
        const a = new Array<number>(k).fill(0);
        let c0 = layer.bias ? layer.bias[r]! : 0;
        for (let c = 0; c < cols; c++) {
          const w = data[r * cols + c]!;
          if (w === 0) continue;
          for (let i = 0; i < k; i++) a[i]! += w * J[c]![i]!;
          c0 += w * o[c]!;
        }
        let scale = 1;
        const kind = layer.activation.kind;
        if (kind === "relu" || kind === "leaky_relu") {
          const on = ((p >> bit) & 1) === 1;
          bit++;
          signRows.push({ a, b: c0, sign: on ? 1 : -1 });
          if (!on) scale = kind === "relu" ? 0 : (layer.activation as { slope: number }).slope;
        }
        nJ.push(a.map((v) => v * scale));
        nO.push(c0 * scale);
      }
      J = nJ;
      o = nO;
    }
    // measurements: rows of A·(J z + o)
    const mRows: { a: number[]; b: number }[] = [];
    if (op.kind === "identity") for (let r = 0; r < J.length; r++) mRows.push({ a: J[r]!, b: o[r]! });
    else if (op.kind === "mask") for (const r of op.rows) mRows.push({ a: J[r]!, b: o[r]! });
    else {
      const A = op.matrix;
      for (let r = 0; r < A.rows; r++) {
        const a = new Array<number>(k).fill(0);
        let b = 0;
        for (let c = 0; c < A.cols; c++) {
          const w = A.data[r * A.cols + c]!;
          for (let i = 0; i < k; i++) a[i]! += w * J[c]![i]!;
          b += w * o[c]!;
        }
        mRows.push({ a, b });
      }
    }
    const lp = solveRegion(h, k, box, signRows, mRows, x, norm, cap);
    if (!lp) continue;
    feasible++;
    if (lp.value < best) {
      best = lp.value;
      bestZ = lp.z;
    }
  }
  return { misfit: best, z: bestZ, patterns: total, feasibleRegions: feasible };
}

function solveRegion(
  h: Highs,
  k: number,
  box: number,
  signRows: { a: number[]; b: number; sign: 1 | -1 }[],
  mRows: { a: number[]; b: number }[],
  x: Float64Array,
  norm: "linf" | "l1",
  cap: number,
): { value: number; z: Float64Array } | null {
  const m = mRows.length;
  const extra = norm === "linf" ? 1 : m;
  const numCols = k + extra;
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const inf = h.infinity;
  const row = (a: number[], slackCol: number, slackCoef: number, l: number, u: number): void => {
    for (let i = 0; i < k; i++) {
      if (a[i] === 0) continue;
      indices.push(i);
      values.push(a[i]!);
    }
    if (slackCol >= 0) {
      indices.push(slackCol);
      values.push(slackCoef);
    }
    starts.push(indices.length);
    lo.push(l);
    hi.push(u);
  };
  for (const s of signRows) {
    if (s.sign === 1)
      row(s.a, -1, 0, -s.b, inf); // a·z + b ≥ 0
    else row(s.a, -1, 0, -inf, -s.b); // a·z + b ≤ 0
  }
  mRows.forEach((r, t) => {
    const col = norm === "linf" ? k : k + t;
    // −δ ≤ a·z + b − x ≤ δ
    row(r.a, col, -1, -inf, x[t]! - r.b);
    row(r.a, col, 1, x[t]! - r.b, inf);
  });
  if (norm === "l1" && cap !== Infinity) {
    for (let t = 0; t < m; t++) {
      indices.push(k + t);
      values.push(1);
    }
    starts.push(indices.length);
    lo.push(-inf);
    hi.push(cap);
  }
  const numRows = lo.length;
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols);
  const colCost = new Float64Array(numCols);
  for (let i = 0; i < k; i++) {
    colLower[i] = -box;
    colUpper[i] = box;
  }
  for (let t = k; t < numCols; t++) {
    colLower[t] = 0;
    colUpper[t] = norm === "linf" && cap !== Infinity ? cap : inf;
    colCost[t] = 1;
  }
  const model = h.createModel({
    numCols,
    numRows,
    sense: h.constants.objectiveSense.minimize,
    colCost,
    colLower,
    colUpper,
    rowLower: Float64Array.from(lo),
    rowUpper: Float64Array.from(hi),
    matrix: { format: "csr", numRows, numCols, starts: Int32Array.from(starts), indices: Int32Array.from(indices), values: Float64Array.from(values) },
  });
  try {
    model.options.set({ output_flag: false, log_to_console: false, solver: "simplex", primal_feasibility_tolerance: 1e-10, dual_feasibility_tolerance: 1e-10 });
    model.run();
    if (model.getModelStatus() !== h.constants.modelStatus.optimal) return null;
    return { value: model.getObjectiveValue(), z: Float64Array.from(model.getSolution().colValue.subarray(0, k)) };
  } finally {
    model.dispose();
  }
}

/** One random comparison case: a small network, an operator, an observation, a norm. */
export interface MilpCase {
  seed: number;
  gen: Generator;
  op: MeasurementOperator;
  x: Float64Array;
  norm: "linf" | "l1";
  box: number;
  /** How x was made. */
  kind: "realizable" | "noisy" | "random";
  label: string;
}

/**
 * A seeded random case: k ≤ 4, ≤ 10 hidden units over one or two hidden layers, ReLU or
 * LeakyReLU hidden layers, a ReLU / LeakyReLU / identity last layer with ≤ 4 outputs (so the
 * patterns stay ≤ 2^14), an identity, mask or dense operator, and x realizable, noisy or random.
 */
export function randomMilpCase(seed: number): MilpCase {
  const rng = new Rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)]!;
  const k = 1 + Math.floor(rng.uniform() * 4);
  const hidden = rng.uniform() < 0.7 ? [2 + Math.floor(rng.uniform() * 9)] : [2 + Math.floor(rng.uniform() * 4), 2 + Math.floor(rng.uniform() * 4)];
  const n = 1 + Math.floor(rng.uniform() * 4);
  const hiddenAct: Activation = rng.uniform() < 0.75 ? RELU : leakyRelu(0.1 + 0.4 * rng.uniform());
  const lastAct: Activation = pick([RELU, RELU, IDENTITY, leakyRelu(0.2)] as const);
  const gen = randomGenerator({
    sizes: [k, ...hidden, n],
    activation: [...hidden.map(() => hiddenAct), lastAct],
    bias: rng.uniform() < 0.6,
    rng: Rng.derive(seed, 1),
  });
  const opKind = pick(["identity", "identity", "mask", "dense"] as const);
  let op: MeasurementOperator = identityOperator(n);
  if (opKind === "mask" && n > 1) {
    const rows = Array.from({ length: n }, (_, i) => i).filter(() => rng.uniform() < 0.6);
    op = maskOperator(n, rows.length > 0 ? rows : [0]);
  } else if (opKind === "dense") op = gaussianOperator(1 + Math.floor(rng.uniform() * 3), n, Rng.derive(seed, 2));
  const box = pick([1, 2, 3] as const);
  const z = Float64Array.from({ length: k }, () => (rng.uniform() * 2 - 1) * box * 0.8);
  const y = new Float64Array(measurementCount(op));
  applyOperator(op, gen.forward(z), y);
  const kind = pick(["realizable", "noisy", "random"] as const);
  if (kind === "noisy") for (let i = 0; i < y.length; i++) y[i]! += 0.1 * rng.normal();
  if (kind === "random") for (let i = 0; i < y.length; i++) y[i] = rng.normal();
  const norm = rng.uniform() < 0.7 ? "linf" : "l1";
  const label = `seed ${seed}: ${[k, ...hidden, n].join("-")} ${hiddenAct.kind}/${lastAct.kind} ${op.kind} ${kind} ${norm} box ${box}`;
  return { seed, gen, op, x: y, norm, box, kind, label };
}
