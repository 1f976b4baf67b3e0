/**
 * The generator as a mixed-integer linear program (MILP): one continuous column per unit that is
 * not provably zero, one binary per ReLU / LeakyReLU unit whose side interval bounds do not fix,
 * big-M rows from those bounds, and the misfit to the observation through the observation
 * operator (ℓ∞: one δ; ℓ1: one e_j per measurement). The same builder gives the LP relaxation
 * (binaries relaxed to [0, 1]) used to tighten the bounds, and fixed-pattern LPs.
 *
 * Why a hand-written formulation: HiGHS (npm `highs`) solves the MIP; no kept library turns a
 * feed-forward ReLU network into one. The encoding is the standard big-M one (Tjeng et al. 2019;
 * Cheng et al. 2017); see docs/milp.md for the rows and why each is exact.
 *
 * One concept at ~490 lines — the formulation: the unit modes (which units need a binary, which an
 * epigraph row), the row builder (buildMilp) and the MIP start in its columns share one column
 * layout, so they stay together; running it is milp.ts.
 */
import { type Highs } from "highs";
import { OptionError } from "../errors.js";
import { type DenseLayer, type Generator, layerName } from "../model/generator.js";
import { type MeasurementOperator } from "../operators/operator.js";

/** Residual norm the MILP minimises (or bounds). */
export type MilpNorm = "linf" | "l1";

/**
 * How one unit is encoded. `zero`: ReLU proved off (y = 0, no column). `linear`: the side is
 * proved (y = a, or y = c·a for a LeakyReLU proved negative; identity layers). `binary`: the side
 * is open (big-M rows and a binary). `epigraph`: a ReLU output the observation only bounds from
 * above (observed value ≤ 0), so y ≥ relu(a) is exact and needs no binary. `on` / `off`: the side
 * is imposed by an activation pattern (rows a ≥ 0 / a ≤ 0), for fixed-pattern LPs.
 */
export type UnitMode = "zero" | "linear" | "binary" | "epigraph" | "on" | "off";

/** Pre-activation bounds of every layer, L ≤ a ≤ U. */
export interface NetworkBounds {
  lower: Float64Array[];
  upper: Float64Array[];
}

/** What the MILP sees of the observation. */
export interface MilpObservation {
  /** The measurements (length m). */
  x: Float64Array;
  /** The operator A (identity, mask or dense); y = A·G(z). */
  operator: MeasurementOperator;
  norm: MilpNorm;
}

/** A built model: HiGHS's CSR arrays plus where each quantity lives. */
export interface BuiltModel {
  numCols: number;
  numRows: number;
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  starts: Int32Array;
  indices: Int32Array;
  values: Float64Array;
  /** 1 for binary columns, 0 for continuous. */
  integrality: Int32Array;
  /** Column of z_i (i < k) is i. */
  k: number;
  /** outCol[layer][unit]: the column of the unit's output y, or −1 when y = 0. */
  outCol: Int32Array[];
  /** binCol[layer][unit]: the column of the unit's binary, or −1. */
  binCol: Int32Array[];
  /** Column of δ (ℓ∞) or first e_j (ℓ1). */
  misfitCol: number;
  /** Number of misfit columns (1 for ℓ∞, m for ℓ1). */
  misfitCols: number;
  /** Binary columns. */
  binaries: number;
}

/**
 * HiGHS's model data for a built model, minimised: its own costs and binaries by default; `cost`
 * replaces the objective and `integer: false` drops the integrality (an LP over the same rows).
 */
export function highsModelData(h: Highs, built: BuiltModel, opts: { cost?: Float64Array; integer?: boolean } = {}): Parameters<Highs["createModel"]>[0] {
  return {
    numCols: built.numCols,
    numRows: built.numRows,
    sense: h.constants.objectiveSense.minimize,
    colCost: opts.cost ?? built.colCost,
    colLower: built.colLower,
    colUpper: built.colUpper,
    rowLower: built.rowLower,
    rowUpper: built.rowUpper,
    matrix: { format: "csr", numRows: built.numRows, numCols: built.numCols, starts: built.starts, indices: built.indices, values: built.values },
    ...(opts.integer === false ? {} : { integrality: built.integrality }),
  };
}

/** Options of {@link buildMilp}. */
export interface BuildOptions {
  /** Relax binaries to continuous [0, 1] (the LP relaxation). */
  relax?: boolean;
  /** Upper bound on the misfit (δ ≤ cap for ℓ∞; Σ e_j ≤ cap for ℓ1). */
  misfitCap?: number;
  /** Per-unit modes to use instead of the ones the bounds give (patterns). */
  modes?: UnitMode[][];
  /** Objective: minimise the misfit (default), or a given linear cost on the z columns. */
  zCost?: Float64Array;
  /** Last-layer ReLU outputs observed at ≤ this are monotone (see {@link monotoneUnits}; default 0). */
  seenAtMost?: number;
}

/** The slope c of a layer's LeakyReLU (1 for identity), or null for ReLU. @throws OptionError */
export function pieceSlope(layer: DenseLayer, index: number): number | null {
  const act = layer.activation;
  if (act.kind === "relu") return null;
  if (act.kind === "identity") return 1;
  if (act.kind === "leaky_relu") {
    if (act.slope > 1) throw new OptionError(`milp: ${layerName(layer, index)} has leaky_relu slope ${act.slope} > 1 (the MILP encodes slopes in (0, 1])`);
    return act.slope;
  }
  throw new OptionError(`milp: ${layerName(layer, index)} has ${act.kind} activation; the MILP encodes relu, leaky_relu and identity layers only`);
}

/** The encoding the bounds give a unit (before observation rules). */
export function boundMode(slope: number | null, lo: number, hi: number): UnitMode {
  if (slope === 1) return "linear";
  if (hi <= 0) return slope === null ? "zero" : "linear";
  if (lo >= 0) return "linear";
  return "binary";
}

/**
 * Every unit's mode: from the bounds, except that a ReLU unit whose side is open is encoded as
 * an epigraph (y ≥ relu(a), no binary) when the misfit can only grow with its output — the
 * "monotone" units of {@link monotoneUnits}. Then any relaxed point (z, y) has a forward pass
 * G(z) that fits at least as well, so the optimum, the feasibility verdict and the z the MIP
 * returns are those of the exact model (docs/milp.md, "monotone units"). The last-layer case
 * is a ReLU output the identity / mask observation sees at a value ≤ `seenAtMost`.
 */
export function unitModes(gen: Generator, bounds: NetworkBounds, obs: MilpObservation, seenAtMost = 0): UnitMode[][] {
  const d = gen.depth;
  const modes: UnitMode[][] = [];
  const monotone = monotoneUnits(gen, obs, seenAtMost);
  for (let i = 0; i < d; i++) {
    const layer = gen.layers[i]!;
    const slope = pieceSlope(layer, i);
    const lo = bounds.lower[i]!;
    const hi = bounds.upper[i]!;
    const m: UnitMode[] = [];
    for (let j = 0; j < layer.weight.rows; j++) {
      let mode = boundMode(slope, lo[j]!, hi[j]!);
      if (mode === "binary" && slope === null && monotone[i]![j] === 1) mode = "epigraph";
      m.push(mode);
    }
    modes.push(m);
  }
  return modes;
}

/**
 * The units the misfit is non-decreasing in (1), by a backward pass: with an identity / mask
 * operator, a last-layer unit that is unobserved, or a ReLU observed at x_j ≤ 0 (its output
 * y ≥ 0 ≥ x_j, so |y − x_j| grows with y) — or at x_j ≤ `seenAtMost` = τ when the ℓ∞ misfit is
 * only capped at τ, not minimised (certificates): then |y − x_j| ≤ τ is just y ≤ x_j + τ, as
 * y ≥ 0 ≥ x_j − τ always; a hidden unit all of whose weights into relevant
 * units of the next layer are ≥ 0 and land on monotone units. Units that reach no observed
 * output count as monotone whatever the weights' signs. Every activation here (ReLU, LeakyReLU
 * with slope > 0, identity) is non-decreasing, so raising a monotone unit's output above its
 * exact value can only raise the misfit. A dense operator mixes signs: no unit is monotone.
 */
export function monotoneUnits(gen: Generator, obs: MilpObservation, seenAtMost = 0): Uint8Array[] {
  const d = gen.depth;
  const out = gen.layers.map((l) => new Uint8Array(l.weight.rows));
  const observedAt = observedValueByUnit(obs, gen.outputSize);
  if (!observedAt) return out;
  // relevant: the unit reaches an observed output through non-zero weights
  let relevant = Uint8Array.from(observedAt, (v) => (Number.isNaN(v) ? 0 : 1));
  const lastSlope = pieceSlope(gen.layers[d - 1]!, d - 1);
  const last = out[d - 1]!;
  for (let j = 0; j < last.length; j++) {
    const v = observedAt[j]!;
    last[j] = Number.isNaN(v) || (lastSlope === null && v <= seenAtMost) ? 1 : 0;
  }
  for (let li = d - 2; li >= 0; li--) {
    const next = gen.layers[li + 1]!;
    const { rows: nNext, cols: nHere, data: w } = next.weight;
    const mono = out[li]!;
    const nextMono = out[li + 1]!;
    const rel = new Uint8Array(nHere);
    for (let j = 0; j < nHere; j++) {
      let ok = 1;
      let reaches = 0;
      for (let i = 0; i < nNext; i++) {
        const wij = w[i * nHere + j]!;
        if (wij === 0 || relevant[i] === 0) continue;
        reaches = 1;
        if (wij < 0 || nextMono[i] === 0) ok = 0;
      }
      rel[j] = reaches;
      mono[j] = ok;
    }
    relevant = rel;
  }
  return out;
}

/**
 * For identity / mask operators, the observed value of each output unit (NaN where unobserved);
 * null for a dense operator.
 */
export function observedValueByUnit(obs: MilpObservation, n: number): Float64Array | null {
  const op = obs.operator;
  if (op.kind === "dense") return null;
  const v = new Float64Array(n).fill(NaN);
  if (op.kind === "identity") v.set(obs.x);
  else for (let r = 0; r < op.rows.length; r++) v[op.rows[r]!] = obs.x[r]!;
  return v;
}

/** A growing sparse row store. */
class RowStore {
  starts: number[] = [0];
  indices: number[] = [];
  values: number[] = [];
  lower: number[] = [];
  upper: number[] = [];
  add(idx: readonly number[], val: readonly number[], lo: number, hi: number): void {
    for (let t = 0; t < idx.length; t++) {
      if (val[t] === 0) continue;
      this.indices.push(idx[t]!);
      this.values.push(val[t]!);
    }
    this.starts.push(this.indices.length);
    this.lower.push(lo);
    this.upper.push(hi);
  }
  get count(): number {
    return this.lower.length;
  }
}

/** A growing column store. */
class ColStore {
  lower: number[] = [];
  upper: number[] = [];
  cost: number[] = [];
  integer: number[] = [];
  add(lo: number, hi: number, integer = false): number {
    this.lower.push(lo);
    this.upper.push(hi);
    this.cost.push(0);
    this.integer.push(integer ? 1 : 0);
    return this.lower.length - 1;
  }
}

/**
 * Build the MILP (or its relaxation) of min misfit(A·G(z), x) over z in the box
 * [zLower, zUpper] with the given pre-activation bounds. `inf` is HiGHS's infinity.
 */
export function buildMilp(
  gen: Generator,
  obs: MilpObservation,
  box: { lower: Float64Array; upper: Float64Array },
  bounds: NetworkBounds,
  inf: number,
  options: BuildOptions = {},
): BuiltModel {
  const k = gen.inputSize;
  const cols = new ColStore();
  const rows = new RowStore();
  for (let i = 0; i < k; i++) cols.add(box.lower[i]!, box.upper[i]!);
  // the misfit columns: δ (ℓ∞) or e_1..e_m (ℓ1), right after z
  const { x, operator: op, norm } = obs;
  const m = x.length;
  const cap = options.misfitCap ?? Infinity;
  const misfitCol = cols.lower.length;
  const misfitCols = norm === "linf" ? 1 : m;
  for (let t = 0; t < misfitCols; t++) cols.add(0, finiteOr(cap, inf));
  if (!options.zCost) for (let t = 0; t < misfitCols; t++) cols.cost[misfitCol + t] = 1;
  else for (let i = 0; i < k; i++) cols.cost[i] = options.zCost[i]!;
  // identity / mask: the misfit rows sit on the last layer's units directly (measurement r of unit j)
  const direct = op.kind !== "dense";
  const rowOfUnit = new Int32Array(gen.outputSize).fill(-1);
  if (op.kind === "identity") rowOfUnit.forEach((_, j) => (rowOfUnit[j] = j));
  else if (op.kind === "mask") op.rows.forEach((u, r) => (rowOfUnit[u] = r));
  const modes = options.modes ?? unitModes(gen, bounds, obs, options.seenAtMost ?? 0);
  const outCol: Int32Array[] = [];
  const binCol: Int32Array[] = [];
  let binaries = 0;
  // input columns of the current layer (−1: the input is identically 0)
  let inCols: Int32Array = Int32Array.from({ length: k }, (_, i) => i);
  const idx: number[] = [];
  const val: number[] = [];
  for (let li = 0; li < gen.depth; li++) {
    const layer = gen.layers[li]!;
    const { rows: nOut, cols: nIn, data: w } = layer.weight;
    const slope = pieceSlope(layer, li);
    const lo = bounds.lower[li]!;
    const hi = bounds.upper[li]!;
    const outs = new Int32Array(nOut).fill(-1);
    const bins = new Int32Array(nOut).fill(-1);
    for (let j = 0; j < nOut; j++) {
      const b = layer.bias ? layer.bias[j]! : 0;
      const mode = modes[li]![j]!;
      const L = lo[j]!;
      const U = hi[j]!;
      // a = e·v + b, with e·v over the non-zero inputs
      idx.length = 0;
      val.length = 0;
      for (let c = 0; c < nIn; c++) {
        const col = inCols[c]!;
        const wc = w[j * nIn + c]!;
        if (col < 0 || wc === 0) continue;
        idx.push(col);
        val.push(wc);
      }
      const c = slope ?? 0;
      if (direct && li === gen.depth - 1) {
        const r = rowOfUnit[j]!;
        if (r < 0) continue; // unobserved: nothing constrains it
        const dcol = norm === "linf" ? misfitCol : misfitCol + r;
        const xr = x[r]!;
        if (mode === "zero" || (mode === "off" && slope === null)) {
          rows.add([dcol], [1], Math.abs(xr), inf); // y = 0: δ ≥ |x_r|
          if (mode === "off") rows.add(idx, val, -inf, -b); // a ≤ 0
          continue;
        }
        if (mode === "epigraph") {
          // y ≥ relu(a) and y ≤ x_r + δ: a − δ ≤ x_r − b, and δ ≥ −x_r
          rows.add([...idx, dcol], [...val, -1], -inf, xr - b);
          if (xr < 0) rows.add([dcol], [1], -xr, inf);
          continue;
        }
        if (mode !== "binary") {
          const sl = mode === "on" || (mode === "linear" && (slope === 1 || L >= 0)) ? 1 : c;
          // y = sl·a: −δ ≤ sl·(e·v) + sl·b − x_r ≤ δ
          const sv = val.map((v) => sl * v);
          rows.add([...idx, dcol], [...sv, -1], -inf, xr - sl * b);
          rows.add([...idx, dcol], [...sv, 1], xr - sl * b, inf);
          if (mode === "on") rows.add(idx, val, -b, inf); // a ≥ 0
          if (mode === "off") rows.add(idx, val, -inf, -b); // a ≤ 0
          continue;
        }
      }
      if (mode === "zero") continue;
      if (mode === "off" && slope === null) {
        rows.add(idx, val, -inf, -b); // a ≤ 0
        continue;
      }
      const onSide = mode === "on" || (mode === "linear" && (slope === 1 || L >= 0));
      if (mode === "linear" || mode === "on" || mode === "off") {
        const s = onSide ? 1 : c;
        const y = cols.add(onSide ? (slope === 1 ? finiteOr(L, -inf) : Math.max(L, 0)) : finiteOr(c * L, -inf), finiteOr(s * U, inf));
        // y − s·(e·v) = s·b
        rows.add([y, ...idx], [1, ...val.map((v) => -s * v)], s * b, s * b);
        if (mode === "on") rows.add(idx, val, -b, inf); // a ≥ 0
        if (mode === "off") rows.add(idx, val, -inf, -b); // a ≤ 0
        outs[j] = y;
        continue;
      }
      if (mode === "epigraph") {
        const y = cols.add(0, Math.max(U, 0));
        rows.add([y, ...idx], [1, ...val.map((v) => -v)], b, inf); // y ≥ a
        outs[j] = y;
        continue;
      }
      // binary: L < 0 < U, both finite
      const y = cols.add(c * L, U);
      const s = options.relax ? cols.add(0, 1) : cols.add(0, 1, true);
      if (!options.relax) binaries++;
      const negVal = val.map((v) => -v);
      rows.add([y, ...idx], [1, ...negVal], b, inf); // y ≥ a
      if (slope === null) {
        rows.add([y, ...idx, s], [1, ...negVal, -L], -inf, b - L); // y ≤ a − L(1 − s)
        rows.add([y, s], [1, -U], -inf, 0); // y ≤ U·s
      } else {
        rows.add([y, ...idx], [1, ...val.map((v) => -c * v)], c * b, inf); // y ≥ c·a
        rows.add([y, ...idx, s], [1, ...val.map((v) => -c * v), -(1 - c) * U], -inf, c * b); // y ≤ c·a + (1−c)U·s
        rows.add([y, ...idx, s], [1, ...negVal, -(1 - c) * L], -inf, b - (1 - c) * L); // y ≤ a − (1−c)L(1 − s)
      }
      outs[j] = y;
      bins[j] = s;
      if (direct && li === gen.depth - 1) {
        const r = rowOfUnit[j]!;
        const dcol = norm === "linf" ? misfitCol : misfitCol + r;
        rows.add([y, dcol], [1, -1], -inf, x[r]!); // y − δ ≤ x_r
        rows.add([y, dcol], [1, 1], x[r]!, inf); // y + δ ≥ x_r
      }
    }
    outCol.push(outs);
    binCol.push(bins);
    inCols = outs;
  }
  // dense A: the misfit rows −δ ≤ (A·y)_r − x_r ≤ δ (ℓ∞) or −e_r ≤ … ≤ e_r (ℓ1)
  const last = inCols;
  for (let r = 0; r < m && op.kind === "dense"; r++) {
    idx.length = 0;
    val.length = 0;
    const a = op.matrix;
    for (let c = 0; c < a.cols; c++) {
      const col = last[c]!;
      const v = a.data[r * a.cols + c]!;
      if (col < 0 || v === 0) continue;
      idx.push(col);
      val.push(v);
    }
    const dcol = norm === "linf" ? misfitCol : misfitCol + r;
    const xr = x[r]!;
    rows.add([...idx, dcol], [...val, -1], -inf, xr); // (A·y)_r − δ ≤ x_r
    rows.add([...idx, dcol], [...val, 1], xr, inf); // (A·y)_r + δ ≥ x_r
  }
  if (norm === "l1" && cap !== Infinity) {
    rows.add(
      Array.from({ length: m }, (_, r) => misfitCol + r),
      new Array<number>(m).fill(1),
      -inf,
      cap,
    );
  }
  return {
    numCols: cols.lower.length,
    numRows: rows.count,
    colCost: Float64Array.from(cols.cost),
    colLower: Float64Array.from(cols.lower),
    colUpper: Float64Array.from(cols.upper),
    rowLower: Float64Array.from(rows.lower),
    rowUpper: Float64Array.from(rows.upper),
    starts: Int32Array.from(rows.starts),
    indices: Int32Array.from(rows.indices),
    values: Float64Array.from(rows.values),
    integrality: Int32Array.from(cols.integer),
    k,
    outCol,
    binCol,
    misfitCol,
    misfitCols,
    binaries,
  };
}

function finiteOr(v: number, inf: number): number {
  return Number.isFinite(v) ? v : inf;
}

/**
 * The full column vector of a point z for {@link buildMilp}'s model: every unit's output, its
 * binary (1 when a > 0), the misfit — a MIP start HiGHS can check.
 */
export function startVector(gen: Generator, model: BuiltModel, obs: MilpObservation, z: ArrayLike<number>): Float64Array {
  const v = new Float64Array(model.numCols);
  for (let i = 0; i < model.k; i++) v[i] = z[i]!;
  let input = Float64Array.from(z);
  for (let li = 0; li < gen.depth; li++) {
    const layer = gen.layers[li]!;
    const { rows: nOut, cols: nIn, data: w } = layer.weight;
    const out = new Float64Array(nOut);
    const slope = pieceSlope(layer, li);
    for (let j = 0; j < nOut; j++) {
      let a = layer.bias ? layer.bias[j]! : 0;
      for (let c = 0; c < nIn; c++) a += w[j * nIn + c]! * input[c]!;
      const y = slope === null ? Math.max(a, 0) : a >= 0 ? a : slope * a;
      out[j] = y;
      const col = model.outCol[li]![j]!;
      if (col >= 0) v[col] = y;
      const bin = model.binCol[li]![j]!;
      if (bin >= 0) v[bin] = a > 0 ? 1 : 0;
    }
    input = out;
  }
  const m = obs.x.length;
  const ay = measure(obs.operator, input, m);
  let worst = 0;
  for (let r = 0; r < m; r++) {
    const e = Math.abs(ay[r]! - obs.x[r]!);
    if (obs.norm === "linf") worst = Math.max(worst, e);
    else v[model.misfitCol + r] = e;
  }
  if (obs.norm === "linf") v[model.misfitCol] = worst;
  return v;
}

/** A·y for one output vector y. */
export function measure(op: MeasurementOperator, y: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  if (op.kind === "identity") out.set(y.subarray(0, m));
  else if (op.kind === "mask") for (let r = 0; r < m; r++) out[r] = y[op.rows[r]!]!;
  else {
    const a = op.matrix;
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let c = 0; c < a.cols; c++) s += a.data[r * a.cols + c]! * y[c]!;
      out[r] = s;
    }
  }
  return out;
}
