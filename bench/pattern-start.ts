/**
 * The steps of pattern-first ℓ∞ before its LP (issue 13), each against its previous kernel in the
 * same run, on the networks and observations of bench/lp.ts (random ReLU, rng 2024, uniform noise
 * 1e-4, observations seed 7):
 *
 * - the start's output-layer least squares: QR (qr.ts, before) against the normal equations on the
 *   SIMD Gram (normal-equations.ts, now), on the rows the start takes;
 * - the linearisation J_P = W₂D₁W₁: linearizeAt's scalar register-blocked gemmNT (before, kept
 *   for the other methods) against linearizeAtSimd's SIMD product (simd-gemm.ts, now);
 * - a Gauss–Newton least squares on J_P's rows: QR against the normal equations;
 * - the whole start + settlePattern as `linf` runs it (now only).
 *
 * Each pair alternates per observation, after untimed passes (V8 tiers JS and WebAssembly up as
 * they run); it prints medians, the ratio now/before, and the largest difference of the answers.
 */
import { RELU } from "../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../src/model/random.js";
import { type LayerContext } from "../src/invert/layer.js";
import { LayerLp, lpSettings } from "../src/invert/lp-layer.js";
import { leastSquaresStart, outputThreshold, settlePattern } from "../src/invert/pattern-first.js";
import { linearizeAt, linearizeAtSimd } from "../src/invert/refine.js";
import { median, printTable } from "./common.js";

/** One way of doing a step on observation i, returning its answer. */
type Step = (i: number) => ArrayLike<number>;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Time two ways of one step, alternating which goes first; returns the medians and the largest answer difference. */
function paired(xs: Float64Array[], warm: number, before: Step, now: Step): [number, number, number] {
  const tb: number[] = [];
  const tn: number[] = [];
  let diff = 0;
  for (let pass = -warm; pass < 1; pass++)
    for (let i = 0; i < xs.length; i++) {
      const order = (i + pass) % 2 ? [0, 1] : [1, 0];
      const got: ArrayLike<number>[] = [];
      for (const which of order) {
        const t0 = performance.now();
        got[which] = (which === 0 ? before : now)(i);
        const dt = performance.now() - t0;
        if (pass === 0) (which === 0 ? tb : tn).push(dt);
      }
      diff = Math.max(diff, maxDiff(got[0]!, got[1]!));
    }
  return [median(tb), median(tn), diff];
}

export function run(): void {
  const nets = [
    { name: "20-100-500", sizes: [20, 100, 500], runs: 40 },
    { name: "20-60-784", sizes: [20, 60, 784], runs: 40 },
    { name: "100-250-600", sizes: [100, 250, 600], runs: 10 },
  ];
  const settings = lpSettings({});
  const rows: (string | number)[][] = [];
  for (const net of nets) {
    const gen = randomGenerator({ sizes: net.sizes, activation: RELU, rng: 2024 });
    const s = sampleObservations(gen, net.runs, 7, { kind: "uniform", level: 1e-4 });
    const xs = Array.from({ length: net.runs }, (_, i) => s.x.data.slice(i * s.x.cols, (i + 1) * s.x.cols));
    const warm = Math.max(3, Math.ceil(40 / net.runs));
    const outCtx: LayerContext = { index: 1, depth: 2, inputRange: [0, Infinity], options: {} };
    const zCtx: LayerContext = { index: 0, depth: 1, inputRange: [-Infinity, Infinity], options: {} };
    // the start's output least squares, on the rows the start takes (above 2× the noise guess, at most 1.5 per input)
    const outputLs = (normal: boolean) => (i: number) => {
      const x = xs[i]!;
      const L = new LayerLp(gen.layers[1]!, x, outCtx, settings);
      return L.leastSquares(outputThreshold(x, 2 * Math.max(settings.eps0, L.noiseGuess()), 1.5 * L.k), normal);
    };
    const starts = xs.map((x) => leastSquaresStart(gen, x, {})!);
    const layers = starts.map((z) => linearizeAtSimd(gen, z));
    const gnLs = (normal: boolean) => (i: number) => {
      const L = new LayerLp(layers[i]!, xs[i]!, zCtx, settings);
      return L.leastSquares(2 * Math.max(settings.eps0, L.noiseGuess()), normal);
    };
    const steps: [string, string, string, Step, Step][] = [
      ["output least squares", "QR", "normal eq.", outputLs(false), outputLs(true)],
      ["linearise J_P", "scalar gemm", "SIMD", (i) => linearizeAt(gen, starts[i]!).weight.data, (i) => linearizeAtSimd(gen, starts[i]!).weight.data],
      ["Gauss–Newton least squares", "QR", "normal eq.", gnLs(false), gnLs(true)],
    ];
    for (const [step, b, n, before, now] of steps) {
      const [mb, mn, d] = paired(xs, warm, before, now);
      rows.push([net.name, step, `${b} → ${n}`, net.runs, mb, mn, `${(mn / mb).toFixed(2)}×`, d.toExponential(1)]);
    }
    // the whole of it as linf runs it: start, linearise, Gauss–Newton steps to the settled pattern
    const whole: number[] = [];
    for (let pass = -warm; pass < 1; pass++)
      for (const x of xs) {
        const t0 = performance.now();
        const z = leastSquaresStart(gen, x, {});
        if (z) settlePattern(gen, x, z, zCtx, settings, 2);
        if (pass === 0) whole.push(performance.now() - t0);
      }
    rows.push([net.name, "start + settle (linf)", "now", net.runs, "", median(whole), "", ""]);
  }
  printTable(
    "pattern-first ℓ∞ before the LP: each step against its previous kernel in the same run (median ms per observation)",
    ["network", "step", "before → now", "runs", "before ms", "now ms", "now/before", "max |Δ|"],
    rows,
  );
}
