/**
 * Exact layer-wise inversion (Theorem 2): for a ReLU layer solve W_I x = y_I − b_I on the active
 * rows I by Householder least squares; for an invertible activation (LeakyReLU via eq. (5),
 * identity, sigmoid, tanh) undo φ and solve with every row. Rank loss means the pre-image is not
 * unique, which is reported, never papered over.
 */
import { type Matrix } from "../linalg/matrix.js";
import { leastSquaresRows, QrWorkspace } from "../linalg/qr.js";
import { QrFactors } from "../linalg/qr-factors.js";
import { inverseActivation } from "../model/activation.js";
import { type LayerInverter, layerResidual, scaleOf } from "./layer.js";
import { DEFAULT_TOLERANCES } from "./options.js";
import { type LayerStatus } from "./result.js";

// buffers reused across calls: a layer inversion allocates only its answer
const ws = new QrWorkspace();
let rowsBuf = new Int32Array(0);
let rhsBuf = new Float64Array(0);
let outBuf = new Float64Array(0);

/**
 * Every-row factors of the weights of invertible layers (LeakyReLU, identity, sigmoid, tanh with all
 * outputs in range): the system is the same for every observation, so its QR is computed once. The
 * weights are kept beside the factors and compared on each use (n·m reads, a fraction of a solve),
 * so a matrix edited in place is factored afresh, never solved with stale factors.
 */
const allRowFactors = new WeakMap<Matrix, { weights: Float64Array; factors: QrFactors }>();
/** Layers above this many weights are not kept (the factors and the copy hold 16 bytes a weight): 64 MB at most. */
const MAX_KEPT_WEIGHTS = 1 << 22;

/** The stored factors of `w`, (re)computed when absent or when `w` changed since. */
function factorsOf(w: Matrix): QrFactors {
  const hit = allRowFactors.get(w);
  if (hit && sameValues(hit.weights, w.data)) return hit.factors;
  const factors = QrFactors.of(w);
  allRowFactors.set(w, { weights: Float64Array.from(w.data), factors });
  return factors;
}

function sameValues(a: Float64Array, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Theorem 2's per-layer step: exact pre-image of one layer, or a `non_unique` / `infeasible` verdict.
 * @param layer the layer (W, b, φ)
 * @param y its observed or reconstructed output, `layer.weight.rows` values
 * @param ctx the layer's place in the network (input range) and the caller's options
 * @returns the layer input x and its {@link LayerFit}: status `exact`, `non_unique` (x one candidate, `deficit` set) or `infeasible`
 * @throws nothing of its own (shapes are the driver's to check); a verdict is reported in the status
 * @example
 * ```ts
 * import { invertExactLayer, randomGenerator, RELU } from "geninv";
 * const gen = randomGenerator({ sizes: [3, 20], activation: RELU, rng: 16 });
 * const y = gen.forward([0.5, -1, 2]);
 * const { x, report } = invertExactLayer(gen.layers[0]!, y, { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: {} });
 * console.log(report.status, report.rank, Array.from(x)); // exact, 3, ≈ [0.5, -1, 2]
 * ```
 */
export const invertExactLayer: LayerInverter = (layer, y, ctx) => {
  const { rows: nOut, cols: nIn } = layer.weight;
  const opts = ctx.options;
  const activeTol = opts.activeTolerance ?? DEFAULT_TOLERANCES.activeTolerance;
  const fitTol = opts.fitTolerance ?? DEFAULT_TOLERANCES.fitTolerance;
  const rankTol = opts.rankTolerance ?? DEFAULT_TOLERANCES.rankTolerance;
  if (rowsBuf.length < nOut) {
    rowsBuf = new Int32Array(nOut);
    rhsBuf = new Float64Array(nOut);
  }
  if (outBuf.length < nOut) outBuf = new Float64Array(nOut);
  const bias = layer.bias;
  const act = layer.activation;
  let m = 0;
  let outOfRange = 0;
  if (act.kind === "relu") {
    const threshold = activeTol * scaleOf(y, 1e-300);
    for (let j = 0; j < nOut; j++) {
      if (y[j]! > threshold) {
        rowsBuf[m] = j;
        rhsBuf[m++] = y[j]! - (bias ? bias[j]! : 0);
      }
    }
  } else {
    for (let j = 0; j < nOut; j++) {
      const pre = inverseActivation(act, y[j]!); // eq. (5) for LeakyReLU
      if (!Number.isFinite(pre)) {
        outOfRange++;
        continue;
      }
      rowsBuf[m] = j;
      rhsBuf[m++] = pre - (bias ? bias[j]! : 0);
    }
  }
  const x = new Float64Array(nIn);
  // every row, as for every observation: the stored factors, when they are well conditioned
  const factors = act.kind !== "relu" && m === nOut && nOut >= nIn && nOut * nIn <= MAX_KEPT_WEIGHTS ? factorsOf(layer.weight) : null;
  let rank = 0;
  if (factors && factors.rcond > rankTol) rank = factors.solve(rhsBuf.subarray(0, m), x).rank;
  else if (m > 0) rank = leastSquaresRows(layer.weight, rowsBuf, m, rhsBuf, x, ws, rankTol).rank;

  // the input of a hidden layer is the previous layer's output: keep it in that activation's range
  const [lo, hi] = ctx.inputRange;
  let violation = 0;
  let violationAt = -1;
  if (lo > -Infinity || hi < Infinity) {
    for (let i = 0; i < nIn; i++) {
      const v = x[i]!;
      const out = v < lo ? lo - v : v > hi ? v - hi : 0;
      if (out > violation) {
        violation = out;
        violationAt = i;
      }
      if (v < lo) x[i] = lo;
      else if (v > hi) x[i] = hi;
    }
  }
  const residual = layerResidual(layer, x, y, outBuf);
  const fitBound = fitTol * scaleOf(y, 1);
  let status: LayerStatus = "exact";
  let message: string | undefined;
  if (rank < nIn) {
    status = "non_unique";
    message =
      m < nIn
        ? `pre-image not unique: ${m} ${act.kind === "relu" ? "active outputs" : "usable outputs"} for ${nIn} unknowns (deficit ${nIn - rank})`
        : `pre-image not unique: the ${m} ${act.kind === "relu" ? "active" : "used"} rows have rank ${rank} < ${nIn} (deficit ${nIn - rank})`;
  } else if (violation > fitTol * scaleOf(x, 1)) {
    status = "infeasible";
    message = `no exact pre-image: reconstructed input x[${violationAt}] lies ${violation.toExponential(3)} outside [${lo}, ${hi}], the range of the previous layer's activation (observation noisy or not realizable; try linf, l1 or relaxed)`;
  } else if (!(residual.linf <= fitBound)) {
    status = "infeasible";
    message = `no exact pre-image: ‖φ(Wx+b) − y‖∞ = ${residual.linf.toExponential(3)} exceeds ${fitBound.toExponential(3)} (observation noisy or not realizable; try linf, l1 or relaxed)`;
  }
  if (outOfRange > 0) {
    const note = `${outOfRange} outputs outside the range of ${act.kind} were ignored`;
    message = message ? `${message}; ${note}` : note;
  }
  return {
    x,
    report: { status, activeRows: m, rank, ...(rank < nIn ? { deficit: nIn - rank } : {}), residual, ...(message ? { message } : {}) },
  };
};
