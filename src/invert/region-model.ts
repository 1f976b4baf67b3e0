/**
 * The affine model of an observation on one activation region (paper, section 3: "when the ReLU
 * configuration for each layer is given, the recovery problem becomes to solve a simple linear
 * system"). On the region R_P of the hidden pattern P, the last pre-activation is affine in z:
 * pre_d(z) = J_P z + o_P with J_P = W_d D_{d−1} W_{d−1} ⋯ D_1 W_1 (D = 0/1 for ReLU, 1/c for
 * LeakyReLU, 1 for identity). J_P is formed in forward mode — k columns pushed through the layers —
 * so no product of two wide layers is ever formed, and for a mask only the observed rows of the last
 * layer are computed.
 *
 * Each observed value gets a linear model in the step d = z' − z:
 * - per-pixel operators (identity, mask), ReLU output: a pixel observed > 0 must come from a positive
 *   pre-activation, so its model is pre_j + g_j·d whatever side it is on now (Theorem 2's active
 *   rows); a pixel observed ≤ 0 is a one-sided row pre_j + g_j·d ≤ y_j (eq. (6)): an LP keeps it as
 *   such, least squares fits it only while it is on (pre_j > 0);
 * - LeakyReLU / identity outputs: exact on the region (slope 1 or c);
 * - sigmoid / tanh outputs: φ(pre_j) + φ′(pre_j)·g_j·d (Gauss–Newton, weighted by φ′);
 * - a dense operator A: A·(G(z) + D_out·G_pre·d), D_out the output slopes at z.
 */
import { type DenseLayer, type Generator } from "../model/generator.js";
import { type Activation, activationDerivative } from "../model/activation.js";
import { type MeasurementOperator, measurementCount } from "../operators/operator.js";

/** How an observed row enters the region's fit. */
export const RowKind = {
  /** Two-sided: model value = base + M·d, fitted to the target. */
  Fit: 0,
  /** One-sided (ReLU output observed ≤ 0, now on): only base + M·d ≤ target counts; least squares fits it to the target. */
  Upper: 1,
  /** One-sided and satisfied (ReLU output off, observed ≤ 0): least squares drops it, an LP keeps it as Upper. */
  Skip: 2,
} as const;

/** Buffers of the region model for one generator and operator; reused across steps and starts. */
export class RegionWorkspace {
  readonly gen: Generator;
  readonly op: MeasurementOperator;
  /** m: observed values. */
  readonly m: number;
  readonly k: number;
  /** Whether rows are pixels of G (identity or mask), so per-row output models apply. */
  readonly perPixel: boolean;
  /** Row r of the model reads output pixel rowIndex[r] (per-pixel operators). */
  readonly rowIndex: Int32Array;
  /** m×k row-major: the model's rows (d ↦ M·d). */
  readonly M: Float64Array;
  /** Model value at d = 0, one per row. */
  readonly base: Float64Array;
  readonly kind: Uint8Array;
  /** Forward-mode Jacobians of each hidden layer's pre-activation (n_i × k) and the pre-activations. */
  private readonly jac: Float64Array[];
  private readonly pre: Float64Array[];
  private readonly slope: Float64Array[];
  private readonly h: Float64Array[];
  /** 1 where a hidden unit's slope is non-zero (its Jacobian row is needed), else 0. */
  private readonly on: Float64Array[];
  /** Last layer: the factor of each needed Jacobian row (0: not needed). */
  private readonly need: Float64Array;
  private readonly activeRows: Int32Array;
  /** Keep the Jacobian of satisfied one-sided rows (the LP fits keep them as constraints). */
  oneSidedRows = false;
  /**
   * ReLU output, per-pixel operator: model a pixel observed > 0 as coming from a positive
   * pre-activation whatever its side now (right for realizable data, wrong for noise), instead of the
   * region's own affine map.
   */
  targetSides = false;
  /** Last layer: pre-activation Jacobian of the rows needed (per-pixel: m rows; dense: all n). */
  private readonly lastJ: Float64Array;
  private readonly lastPre: Float64Array;
  private readonly lastRows: Int32Array;
  /** Scratch: G(z) (dense operator). */
  private readonly out: Float64Array;
  private readonly scratch: JacobianScratch;
  /** Hash of the hidden pattern at the last linearisation. */
  patternHash = 0;
  /** Jacobian formations so far. */
  jacobians = 0;

  constructor(gen: Generator, op: MeasurementOperator) {
    this.gen = gen;
    this.op = op;
    this.k = gen.inputSize;
    this.m = measurementCount(op);
    this.perPixel = op.kind !== "dense";
    const n = gen.outputSize;
    this.rowIndex = op.kind === "mask" ? Int32Array.from(op.rows) : Int32Array.from({ length: op.kind === "identity" ? n : 0 }, (_, i) => i);
    this.M = new Float64Array(this.m * this.k);
    this.base = new Float64Array(this.m);
    this.kind = new Uint8Array(this.m);
    const hidden = gen.layers.slice(0, -1);
    this.jac = hidden.map((l) => new Float64Array(l.weight.rows * this.k));
    this.pre = hidden.map((l) => new Float64Array(l.weight.rows));
    this.slope = hidden.map((l) => new Float64Array(l.weight.rows));
    this.h = hidden.map((l) => new Float64Array(l.weight.rows));
    this.on = hidden.map((l) => new Float64Array(l.weight.rows));
    this.lastRows = this.perPixel ? this.rowIndex : Int32Array.from({ length: n }, (_, i) => i);
    this.lastJ = new Float64Array(this.lastRows.length * this.k);
    this.lastPre = new Float64Array(this.lastRows.length);
    this.out = new Float64Array(n);
    this.need = new Float64Array(this.lastRows.length);
    this.activeRows = new Int32Array(this.lastRows.length);
    this.scratch = new JacobianScratch(Math.max(1, ...gen.layers.map((l) => l.weight.cols)), this.k);
  }

  /**
   * Form the region's model at z against the observation y (targets decide the ReLU-output row
   * models). Afterwards row r reads: model_r(d) = base[r] + M[r,:]·d, of kind kind[r].
   */
  linearize(z: Float64Array, y: ArrayLike<number>): void {
    const { gen, k } = this;
    this.jacobians++;
    let hash = 0x811c9dc5;
    const depth = gen.depth;
    // hidden layers: pre_i = W_i h_{i−1} + b_i, h_i = φ(pre_i), and ∂pre_i/∂z for the units whose
    // slope is non-zero (a ReLU that is off passes nothing on, so its row of J is never needed)
    let input: ArrayLike<number> = z;
    for (let li = 0; li + 1 < depth; li++) {
      const layer = gen.layers[li]!;
      const pre = this.pre[li]!;
      const s = this.slope[li]!;
      const h = this.h[li]!;
      preRows(layer, input, null, pre);
      const act = layer.activation;
      for (let j = 0; j < pre.length; j++) {
        const p = pre[j]!;
        s[j] = activationDerivative(act, p);
        h[j] = activate(act, p);
        if (p > 0) hash = Math.imul(hash ^ (j + li * 65_599), 16_777_619) >>> 0;
      }
      if (li === 0) firstLayerJacobian(layer, s, this.jac[0]!, k);
      else {
        const on = this.on[li]!;
        for (let j = 0; j < s.length; j++) on[j] = s[j] === 0 ? 0 : 1;
        jacobianRows(layer, this.jac[li - 1]!, this.slope[li - 1]!, null, on, this.jac[li]!, k, this.scratch);
      }
      input = h;
    }
    const last = gen.layers[depth - 1]!;
    const act = last.activation;
    const LP = this.lastPre;
    const LJ = this.lastJ;
    const need = this.need;
    const rows = this.lastRows;
    preRows(last, input, rows, LP);
    // which rows of the last layer's Jacobian the model needs, and with what factor
    const perPixel = this.perPixel;
    for (let r = 0; r < rows.length; r++) {
      const p = LP[r]!;
      if (p > 0 && act.kind !== "identity") hash = Math.imul(hash ^ (r + depth * 65_599), 16_777_619) >>> 0;
      if (perPixel && act.kind === "relu") {
        // Theorem 2's active rows: a positive pixel comes from a positive pre-activation (targetSides),
        // or the region's own affine map: on rows fitted, off rows constant (skipped)
        this.base[r] = p;
        const kind = this.targetSides ? (y[r]! > 0 ? RowKind.Fit : p > 0 ? RowKind.Upper : RowKind.Skip) : p > 0 ? RowKind.Fit : RowKind.Skip;
        this.kind[r] = kind;
        need[r] = kind === RowKind.Skip && !this.oneSidedRows ? 0 : 1;
      } else {
        need[r] = activationDerivative(act, p);
        if (perPixel) {
          this.kind[r] = RowKind.Fit;
          this.base[r] = activate(act, p);
        } else this.out[r] = activate(act, p);
      }
    }
    this.patternHash = hash;
    if (depth === 1) firstLayerJacobianRows(last, rows, need, LJ, k);
    else jacobianRows(last, this.jac[depth - 2]!, this.slope[depth - 2]!, rows, need, LJ, k, this.scratch);
    if (perPixel) {
      this.M.set(LJ.subarray(0, this.m * k));
      return;
    }
    // dense operator: M = A·D_out·J_pre over the rows with a non-zero output slope, base = A·G(z)
    const n = gen.outputSize;
    const A = (this.op as { matrix: { data: Float64Array } }).matrix.data;
    const out = this.out;
    const M = this.M;
    const base = this.base;
    const active = this.activeRows;
    let na = 0;
    for (let j = 0; j < n; j++) if (need[j] !== 0) active[na++] = j;
    M.fill(0);
    for (let r = 0; r < this.m; r++) {
      const ao = r * n;
      const mo = r * k;
      let b = 0;
      for (let j = 0; j < n; j++) b += A[ao + j]! * out[j]!;
      for (let t = 0; t < na; t++) {
        const j = active[t]!;
        const a = A[ao + j]!;
        const jo = j * k;
        for (let i = 0; i < k; i++) M[mo + i]! += a * LJ[jo + i]!;
      }
      base[r] = b;
    }
    this.kind.fill(RowKind.Fit);
  }
}

/** φ(p) for one value. */
function activate(act: Activation, p: number): number {
  switch (act.kind) {
    case "relu":
      return p > 0 ? p : 0;
    case "leaky_relu":
      return p < 0 ? act.slope * p : p;
    case "identity":
      return p;
    case "sigmoid":
      return 1 / (1 + Math.exp(-p));
    case "tanh":
      return Math.tanh(p);
  }
}

/** pre[r] = W[row,:]·input + b[row] for `rows` of the layer (null: all rows, in order). */
function preRows(layer: DenseLayer, input: ArrayLike<number>, rows: Int32Array | null, pre: Float64Array): void {
  const W = layer.weight.data;
  const nIn = layer.weight.cols;
  const bias = layer.bias;
  const count = rows ? rows.length : layer.weight.rows;
  for (let r = 0; r < count; r++) {
    const row = rows ? rows[r]! : r;
    const wo = row * nIn;
    let s0 = bias ? bias[row]! : 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < nIn; j += 2) {
      s0 += W[wo + j]! * input[j]!;
      s1 += W[wo + j + 1]! * input[j + 1]!;
    }
    if (j < nIn) s0 += W[wo + j]! * input[j]!;
    pre[r] = s0 + s1;
  }
}

/** ∂pre_1/∂z = W_1 on the units with a non-zero slope (the slope itself enters at the next layer). */
function firstLayerJacobian(layer: DenseLayer, slope: Float64Array, J: Float64Array, k: number): void {
  const W = layer.weight.data;
  for (let j = 0; j < layer.weight.rows; j++) {
    if (slope[j] === 0) continue; // never read: the next layer skips units with slope 0
    for (let i = 0; i < k; i++) J[j * k + i] = W[j * k + i]!;
  }
}

/** ∂pre/∂z rows of a one-layer generator (J = W on the rows with need ≠ 0, times need). */
function firstLayerJacobianRows(layer: DenseLayer, rows: Int32Array, need: Float64Array, J: Float64Array, k: number): void {
  const W = layer.weight.data;
  for (let r = 0; r < rows.length; r++) {
    const f = need[r]!;
    const o = rows[r]! * k;
    for (let i = 0; i < k; i++) J[r * k + i] = f === 0 ? 0 : f * W[o + i]!;
  }
}

/** Scratch of {@link jacobianRows}: the previous layer's units with a non-zero slope, packed. */
export class JacobianScratch {
  /** Indices of the units with a non-zero slope. */
  active: Int32Array;
  /** Their Jacobian rows, packed (na × k). */
  packed: Float64Array;
  /** One weight row times the slopes, over the active units. */
  scaled: Float64Array;
  constructor(maxWidth: number, k: number) {
    this.active = new Int32Array(maxWidth);
    this.packed = new Float64Array(maxWidth * k);
    this.scaled = new Float64Array(maxWidth);
  }
}

/**
 * Forward mode through one layer: J[r,:] = need[r]·Σ_j W[row,j]·slope_j·prevJ[j,:] for `rows`
 * (null: all), where need[r] = 0 skips the row (written as zeros). Units whose previous slope is 0
 * are skipped. The sum runs over the active units in order, eight (then four, then one) columns of
 * J at a time in registers: a row's scaled weights are read once per block instead of J's row being
 * read and written once per unit (2–3× faster on the shipped generators, the same sums in the same order).
 */
function jacobianRows(
  layer: DenseLayer,
  prevJ: Float64Array,
  prevSlope: Float64Array,
  rows: Int32Array | null,
  need: Float64Array,
  J: Float64Array,
  k: number,
  scratch: JacobianScratch,
): void {
  const W = layer.weight.data;
  const nIn = layer.weight.cols;
  const { active, packed: P, scaled: ws } = scratch;
  let na = 0;
  for (let j = 0; j < nIn; j++) {
    if (prevSlope[j] === 0) continue;
    P.set(prevJ.subarray(j * k, j * k + k), na * k);
    active[na++] = j;
  }
  const count = rows ? rows.length : layer.weight.rows;
  for (let r = 0; r < count; r++) {
    const jo = r * k;
    const f = need[r]!;
    if (f === 0) {
      for (let i = 0; i < k; i++) J[jo + i] = 0;
      continue;
    }
    const wo = (rows ? rows[r]! : r) * nIn;
    for (let t = 0; t < na; t++) {
      const j = active[t]!;
      ws[t] = W[wo + j]! * prevSlope[j]!;
    }
    let i = 0;
    for (; i + 7 < k; i += 8) {
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0,
        a4 = 0,
        a5 = 0,
        a6 = 0,
        a7 = 0;
      for (let t = 0, src = i; t < na; t++, src += k) {
        const w = ws[t]!;
        a0 += w * P[src]!;
        a1 += w * P[src + 1]!;
        a2 += w * P[src + 2]!;
        a3 += w * P[src + 3]!;
        a4 += w * P[src + 4]!;
        a5 += w * P[src + 5]!;
        a6 += w * P[src + 6]!;
        a7 += w * P[src + 7]!;
      }
      J[jo + i] = a0;
      J[jo + i + 1] = a1;
      J[jo + i + 2] = a2;
      J[jo + i + 3] = a3;
      J[jo + i + 4] = a4;
      J[jo + i + 5] = a5;
      J[jo + i + 6] = a6;
      J[jo + i + 7] = a7;
    }
    for (; i + 3 < k; i += 4) {
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0;
      for (let t = 0, src = i; t < na; t++, src += k) {
        const w = ws[t]!;
        a0 += w * P[src]!;
        a1 += w * P[src + 1]!;
        a2 += w * P[src + 2]!;
        a3 += w * P[src + 3]!;
      }
      J[jo + i] = a0;
      J[jo + i + 1] = a1;
      J[jo + i + 2] = a2;
      J[jo + i + 3] = a3;
    }
    for (; i < k; i++) {
      let a = 0;
      for (let t = 0, src = i; t < na; t++, src += k) a += ws[t]! * P[src]!;
      J[jo + i] = a;
    }
    if (f !== 1) for (let c = 0; c < k; c++) J[jo + c]! *= f;
  }
}
