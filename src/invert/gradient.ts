/**
 * f(z) = ½‖A·G(z) − y‖² and its gradient by one backward pass through the layers (ReLU's
 * subgradient is 0 at 0, LeakyReLU's is its slope on the negative side). All buffers are
 * preallocated in a {@link GradientWorkspace}, so an optimizer's iteration allocates nothing.
 */
import { factorAndSolve, QrWorkspace } from "../linalg/qr.js";
import { type Generator } from "../model/generator.js";
import { applyOperator, applyOperatorTranspose, measurementCount, type MeasurementOperator } from "../operators/operator.js";

/**
 * Buffers for the forward and backward passes of one generator and operator (allocated once, so
 * the gradient loop allocates nothing).
 * @param gen the generator G
 * @param op the measurement operator A
 * @throws nothing
 * @example
 * ```ts
 * import { GradientWorkspace, identityOperator, objectiveAndGradient, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 10, 20], activation: RELU, rng: 1 });
 * const ws = new GradientWorkspace(gen, identityOperator(20));
 * const grad = new Float64Array(3);
 * const f = objectiveAndGradient(ws, gen.forward([1, 1, 1]), [0.5, 0.5, 0.5], grad);
 * ```
 */
export class GradientWorkspace {
  /** Pre-activations a_i = W_i h_{i-1} + b_i, one buffer per layer. */
  readonly pre: Float64Array[];
  /** Outputs h_i = φ_i(a_i), one buffer per layer. */
  readonly out: Float64Array[];
  /** Backward buffers, one per layer input (index 0 is ∂f/∂z). */
  readonly back: Float64Array[];
  /** A·G(z) − y. */
  readonly residual: Float64Array;
  readonly m: number;

  constructor(
    readonly gen: Generator,
    readonly op: MeasurementOperator,
  ) {
    this.pre = gen.layers.map((l) => new Float64Array(l.weight.rows));
    this.out = gen.layers.map((l) => new Float64Array(l.weight.rows));
    this.back = [new Float64Array(gen.inputSize), ...gen.layers.map((l) => new Float64Array(l.weight.rows))];
    this.m = measurementCount(op);
    this.residual = new Float64Array(this.m);
  }
}

/** G(z) into ws.out (pre-activations kept for the backward pass); returns the output buffer. */
export function forwardKeep(ws: GradientWorkspace, z: ArrayLike<number>): Float64Array {
  let input: ArrayLike<number> = z;
  const layers = ws.gen.layers;
  for (let li = 0; li < layers.length; li++) {
    const layer = layers[li]!;
    const { rows, cols, data } = layer.weight;
    const pre = ws.pre[li]!;
    const out = ws.out[li]!;
    const bias = layer.bias;
    const act = layer.activation;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      let s0 = bias ? bias[i]! : 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < cols; j += 4) {
        s0 += data[o + j]! * input[j]!;
        s1 += data[o + j + 1]! * input[j + 1]!;
        s2 += data[o + j + 2]! * input[j + 2]!;
        s3 += data[o + j + 3]! * input[j + 3]!;
      }
      for (; j < cols; j++) s0 += data[o + j]! * input[j]!;
      const a = s0 + s1 + (s2 + s3);
      pre[i] = a;
      switch (act.kind) {
        case "relu":
          out[i] = a > 0 ? a : 0;
          break;
        case "leaky_relu":
          out[i] = a > 0 ? a : act.slope * a;
          break;
        case "identity":
          out[i] = a;
          break;
        case "sigmoid":
          out[i] = 1 / (1 + Math.exp(-a));
          break;
        case "tanh":
          out[i] = Math.tanh(a);
          break;
      }
    }
    input = out;
  }
  return ws.out[layers.length - 1]!;
}

/**
 * f(z) = ½‖A·G(z) − y‖² (forward pass only).
 * @param ws the workspace of G and A
 * @param y the measurements
 * @param z the latent point
 * @returns f(z)
 * @throws nothing (shapes are the caller's: y has m entries, z has k)
 * @example
 * ```ts
 * import { GradientWorkspace, identityOperator, objective, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 6, 12], activation: RELU, rng: 2 });
 * const ws = new GradientWorkspace(gen, identityOperator(12));
 * console.log(objective(ws, gen.forward([1, 2]), [1, 2])); // 0 at the truth
 * ```
 */
export function objective(ws: GradientWorkspace, y: ArrayLike<number>, z: ArrayLike<number>): number {
  const g = forwardKeep(ws, z);
  const r = applyOperator(ws.op, g, ws.residual);
  let f = 0;
  for (let i = 0; i < ws.m; i++) {
    const d = r[i]! - y[i]!;
    r[i] = d;
    f += d * d;
  }
  return 0.5 * f;
}

/**
 * f(z) and ∇f(z) (written to `grad`, length k), by one forward and one backward pass.
 * @param ws the workspace of G and A
 * @param y the measurements
 * @param z the latent point
 * @param grad receives ∇f(z)
 * @returns f(z)
 * @throws nothing (shapes are the caller's)
 * @example
 * ```ts
 * import { GradientWorkspace, identityOperator, objectiveAndGradient, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [2, 6, 12], activation: RELU, rng: 2 });
 * const ws = new GradientWorkspace(gen, identityOperator(12));
 * const g = new Float64Array(2);
 * objectiveAndGradient(ws, gen.forward([1, 2]), [0, 0.5], g); // g = ∇f at z = (0, 0.5)
 * ```
 */
export function objectiveAndGradient(ws: GradientWorkspace, y: ArrayLike<number>, z: ArrayLike<number>, grad: Float64Array): number {
  const f = objective(ws, y, z);
  gradientOfLastObjective(ws, grad);
  return f;
}

/**
 * ∇f at the point of the workspace's last {@link objective} call (its forward buffers and
 * residual), written to `grad`: a line search that accepted its trial point gets the gradient
 * there without a second forward pass.
 */
export function gradientOfLastObjective(ws: GradientWorkspace, grad: Float64Array): void {
  const layers = ws.gen.layers;
  const d = layers.length;
  // δ_d = Aᵀ r ⊙ φ_d'(a_d); g_{i-1} = W_iᵀ δ_i; δ_{i-1} = g_{i-1} ⊙ φ_{i-1}'(a_{i-1})
  let delta = applyOperatorTranspose(ws.op, ws.residual, ws.back[d]!);
  for (let li = d - 1; li >= 0; li--) {
    const layer = layers[li]!;
    const pre = ws.pre[li]!;
    const out = ws.out[li]!;
    const act = layer.activation;
    const n = layer.weight.rows;
    switch (act.kind) {
      case "relu":
        for (let i = 0; i < n; i++) if (!(pre[i]! > 0)) delta[i] = 0;
        break;
      case "leaky_relu":
        for (let i = 0; i < n; i++) if (!(pre[i]! > 0)) delta[i]! *= act.slope;
        break;
      case "identity":
        break;
      case "sigmoid":
        for (let i = 0; i < n; i++) delta[i]! *= out[i]! * (1 - out[i]!);
        break;
      case "tanh":
        for (let i = 0; i < n; i++) delta[i]! *= 1 - out[i]! * out[i]!;
        break;
    }
    const target = li === 0 ? grad : ws.back[li]!;
    const { rows, cols, data } = layer.weight;
    target.fill(0, 0, cols);
    // gᵀ = δᵀ W over the rows with δ ≠ 0, four rows per pass so each target entry is stored once
    let i = 0;
    let o0 = -1;
    let o1 = -1;
    let o2 = -1;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let pending = 0;
    for (; i < rows; i++) {
      const di = delta[i]!;
      if (di === 0) continue;
      if (pending === 0) {
        o0 = i * cols;
        d0 = di;
        pending = 1;
      } else if (pending === 1) {
        o1 = i * cols;
        d1 = di;
        pending = 2;
      } else if (pending === 2) {
        o2 = i * cols;
        d2 = di;
        pending = 3;
      } else {
        const o3 = i * cols;
        for (let j = 0; j < cols; j++) target[j]! += data[o0 + j]! * d0 + data[o1 + j]! * d1 + data[o2 + j]! * d2 + data[o3 + j]! * di;
        pending = 0;
      }
    }
    if (pending >= 1) for (let j = 0; j < cols; j++) target[j]! += data[o0 + j]! * d0;
    if (pending >= 2) for (let j = 0; j < cols; j++) target[j]! += data[o1 + j]! * d1;
    if (pending >= 3) for (let j = 0; j < cols; j++) target[j]! += data[o2 + j]! * d2;
    delta = target;
  }
}

/**
 * J = ∂(A·G)/∂z at z (m × k, row-major, a fresh array) by forward mode: T₀ = I_k,
 * T_i = φ_i'(a_i) ⊙ (W_i T_{i−1}), J = A·T_d. Called once per answer, not per iteration.
 */
export function measuredJacobian(ws: GradientWorkspace, z: ArrayLike<number>): Float64Array {
  forwardKeep(ws, z);
  const k = ws.gen.inputSize;
  let t = new Float64Array(k * k);
  for (let i = 0; i < k; i++) t[i * k + i] = 1;
  const layers = ws.gen.layers;
  for (let li = 0; li < layers.length; li++) {
    const layer = layers[li]!;
    const { rows, cols, data } = layer.weight;
    const pre = ws.pre[li]!;
    const out = ws.out[li]!;
    const act = layer.activation;
    const next = new Float64Array(rows * k);
    for (let i = 0; i < rows; i++) {
      const a = pre[i]!;
      let d = 1;
      if (act.kind === "relu") d = a > 0 ? 1 : 0;
      else if (act.kind === "leaky_relu") d = a > 0 ? 1 : act.slope;
      else if (act.kind === "sigmoid") d = out[i]! * (1 - out[i]!);
      else if (act.kind === "tanh") d = 1 - out[i]! * out[i]!;
      if (d === 0) continue;
      const o = i * cols;
      const r = i * k;
      for (let j = 0; j < cols; j++) {
        const w = data[o + j]! * d;
        if (w === 0) continue;
        const tj = j * k;
        for (let c = 0; c < k; c++) next[r + c]! += w * t[tj + c]!;
      }
    }
    t = next;
  }
  const op = ws.op;
  if (op.kind === "identity") return t;
  const m = ws.m;
  const jac = new Float64Array(m * k);
  if (op.kind === "mask") {
    for (let i = 0; i < m; i++) jac.set(t.subarray(op.rows[i]! * k, (op.rows[i]! + 1) * k), i * k);
    return jac;
  }
  const { data, cols } = op.matrix;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < cols; j++) {
      const a = data[i * cols + j]!;
      if (a === 0) continue;
      for (let c = 0; c < k; c++) jac[i * k + c]! += a * t[j * k + c]!;
    }
  }
  return jac;
}

/**
 * Numerical rank of ∂(A·G)/∂z at z (pivoted QR, pivots |R_jj| ≤ rankTol·|R_11| dropped; an
 * all-zero Jacobian has rank 0). Rank < k means A·G is flat along k − rank directions at z, so a
 * vanishing gradient there does not identify z (the local form of Theorem 2's rank condition).
 */
export function jacobianRank(ws: GradientWorkspace, z: ArrayLike<number>, rankTol = 1e-10): number {
  const k = ws.gen.inputSize;
  const m = ws.m;
  const jac = measuredJacobian(ws, z);
  const qr = new QrWorkspace();
  qr.ensure(m, k);
  for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) qr.a[c * m + i] = jac[i * k + c]!;
  qr.rhs.fill(0, 0, m);
  return factorAndSolve(qr.a, qr.rhs, m, k, new Float64Array(k), qr, rankTol).rank;
}
