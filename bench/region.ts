/**
 * Region descent (the default method `auto`) against the baselines measured in the same run:
 * csgm's Adam (3 restarts × 1000 steps, learning rate 0.01) and the layer-wise methods.
 *
 *   npm run build && node dist/bench/run.js region
 *
 * GENINV_BENCH_DIGITS (default 20) sets the digits per row; Adam runs on the first
 * GENINV_BENCH_ADAM_DIGITS (default 5) of them (it is the slow one). Every comparison with Adam is
 * on the SAME digits: the "auto on adam's digits" row and the summary lines at the end take auto's
 * medians over exactly the digits Adam ran on. Times are medians per image; the ratio column is the
 * baseline's median time over auto's on the same digits. GENINV_BENCH_ROWS (comma-separated:
 * inpaint, sensing, fig3, real) runs a subset. The Jacobians column counts auto's region
 * linearisations (k forward-mode columns each), a measure of work that load does not inflate.
 */
import { relativeError } from "../src/linalg/norms.js";
import { type Generator } from "../src/model/generator.js";
import { loadModel } from "../src/model/io/load.js";
import { Rng } from "../src/model/rng.js";
import { applyOperator, gaussianOperator, identityOperator, maskOperator, measurementCount, type MeasurementOperator } from "../src/operators/operator.js";
import { getMethod, methodName, runMethod } from "../src/invert/registry.js";
import { type InvertOptions } from "../src/invert/options.js";
import { loadMnist, mnistImage } from "../scripts/lib/mnist-data.js";
import { median, printTable } from "./common.js";

const DIGITS = Number(process.env.GENINV_BENCH_DIGITS ?? 20);
const ADAM_DIGITS = Number(process.env.GENINV_BENCH_ADAM_DIGITS ?? 5);
const ADAM = { learningRate: 0.01, iterations: 1000, restarts: 3, gradientTolerance: 1e-9 };
const ROWS = new Set((process.env.GENINV_BENCH_ROWS ?? "inpaint,sensing,fig3,real").split(","));
/** One line per comparison with Adam, same digits, printed together at the end. */
const SUMMARY: string[] = [];

interface Case {
  z: Float64Array | null;
  /** The clean image (G(z*), or the real digit). */
  clean: Float64Array;
  y: Float64Array;
  op: MeasurementOperator;
}

interface Row {
  ok: number;
  n: number;
  latent: number[];
  image: number[];
  times: number[];
  /** Region linearisations per case (region methods only). */
  jacobians: number[];
  ids: boolean[];
}

function runOn(gen: Generator, cases: Case[], method: string, options: InvertOptions): Row {
  const row: Row = { ok: 0, n: cases.length, latent: [], image: [], times: [], jacobians: [], ids: [] };
  cases.forEach((c, i) => {
    const t0 = performance.now();
    const r = runMethod(getMethod(methodName(method)), gen, c.y, { ...options, operator: c.op, seed: i });
    row.times.push(performance.now() - t0);
    const image = relativeError(gen.forward(r.z), c.clean);
    row.image.push(image);
    if (r.region) row.jacobians.push(r.region.jacobians);
    const ok = c.z ? relativeError(r.z, c.z) <= 1e-6 : image <= 1e-6;
    if (c.z) row.latent.push(relativeError(r.z, c.z));
    row.ids.push(ok);
    if (ok) row.ok++;
  });
  return row;
}

/** The first `n` cases of a row (auto's results on the digits a baseline ran on). */
function head(r: Row, n: number): Row {
  const ids = r.ids.slice(0, n);
  return {
    ok: ids.filter(Boolean).length,
    n: ids.length,
    latent: r.latent.slice(0, n),
    image: r.image.slice(0, n),
    times: r.times.slice(0, n),
    jacobians: r.jacobians.slice(0, n),
    ids,
  };
}

function realizable(gen: Generator, count: number, seed: number, op: (d: number, rng: Rng) => MeasurementOperator, noise = 0): Case[] {
  return Array.from({ length: count }, (_, d) => {
    const rng = Rng.derive(seed, d);
    const z = rng.fillNormal(new Float64Array(gen.inputSize));
    const clean = gen.forward(z);
    const x = Float64Array.from(clean, (v) => v + (noise > 0 ? noise * rng.normal() : 0));
    const A = op(d, rng);
    return { z, clean, y: applyOperator(A, x, new Float64Array(measurementCount(A))), op: A };
  });
}

const pct = (r: Row): string => `${((100 * r.ok) / r.n).toFixed(0)}% (${r.ok}/${r.n})`;
const med = (v: number[]): string => (v.length ? median(v).toExponential(3) : "—");
const ms = (r: Row): string => `${median(r.times).toFixed(1)} ms`;

/** One table: auto on every case, auto on Adam's digits, the baselines (Adam on the first ADAM_DIGITS). */
function compare(
  title: string,
  label: string,
  gen: Generator,
  cases: Case[],
  baselines: { name: string; options: InvertOptions }[],
  exactCases: boolean,
): void {
  const auto = runOn(gen, cases, "auto", {});
  const few = Math.min(ADAM_DIGITS, cases.length);
  const autoFew = head(auto, few);
  const jac = (r: Row): string => (r.jacobians.length ? median(r.jacobians).toFixed(0) : "—");
  const rows: (string | number)[][] = [["auto", pct(auto), med(auto.latent), med(auto.image), ms(auto), jac(auto), "1"]];
  if (few < cases.length) rows.push([`auto on adam's ${few}`, pct(autoFew), med(autoFew.latent), med(autoFew.image), ms(autoFew), jac(autoFew), "1"]);
  for (const b of baselines) {
    const isAdam = b.name === "adam";
    const r = runOn(gen, isAdam ? cases.slice(0, few) : cases, b.name, b.options);
    const ref = isAdam ? autoFew : auto;
    const ratio = median(r.times) / median(ref.times);
    rows.push([isAdam ? "adam ×3" : b.name, pct(r), med(r.latent), med(r.image), ms(r), "—", `${ratio.toFixed(1)}×`]);
    if (isAdam) {
      const what = exactCases ? (o: Row): string => pct(o) : (o: Row): string => `image ${med(o.image)}`;
      // digit by digit: how often auto's image error is at or below Adam's
      const atOrBelow = r.image.filter((e, i) => autoFew.image[i]! <= e).length;
      SUMMARY.push(
        `${label.padEnd(34)} auto ${what(autoFew)} ${ms(autoFew)} (${jac(autoFew)} Jacobians) | adam ×3 ${what(r)} ${ms(r)} ${ratio.toFixed(1)}× (${few} digits, the same; auto's image error ≤ adam's on ${atOrBelow}/${few})`,
      );
    }
  }
  printTable(title, ["method", "z to 1e-6", "median ‖z−z*‖/‖z*‖", "median image error", "median time", "Jacobians", "time / auto's"], rows);
}

export function run(): void {
  const leaky = loadModel("mnist-leaky");
  const relu = loadModel("mnist");
  const n = 784;
  const bottomHidden = maskOperator(
    n,
    Array.from({ length: n / 2 }, (_, i) => i),
  );
  const randomHalf = (_d: number, rng: Rng): MeasurementOperator => {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (rng.uniform() < 0.5) rows.push(i);
    return maskOperator(n, rows);
  };
  const adam = { name: "adam", options: ADAM };
  const exact = { name: "exact", options: {} };

  // inpainting, noiseless: where layer-wise inversion cannot see enough rows (392 < 500)
  if (ROWS.has("inpaint")) {
    compare(
      `mnist-leaky, bottom half hidden, noiseless (${DIGITS} digits; adam on ${ADAM_DIGITS})`,
      "mnist-leaky, bottom half hidden:",
      leaky,
      realizable(leaky, DIGITS, 1, () => bottomHidden),
      [exact, adam],
      true,
    );
    compare(`mnist-leaky, random 50 % observed, noiseless`, "mnist-leaky, random 50 %:", leaky, realizable(leaky, DIGITS, 2, randomHalf), [exact, adam], true);
  }

  // compressed sensing on mnist, Gaussian A (entries N(0, 1/m))
  if (ROWS.has("sensing"))
    for (const m of [100, 50, 30, 20]) {
      const cases = realizable(relu, DIGITS, 10 + m, (d) => gaussianOperator(m, n, Rng.derive(99, m, d)));
      compare(
        `compressed sensing, mnist, m = ${m} Gaussian measurements (exact: image error ≤ 1e-6 ⇔ z to 1e-6 here)`,
        `sensing mnist m = ${m}:`,
        relu,
        cases,
        [adam],
        m > 20,
      );
    }

  // Figure 3: Gaussian noise of variance 0.3 on every pixel of G(z*)
  if (ROWS.has("fig3"))
    compare(
      `Figure 3: mnist, Gaussian noise σ² = 0.3 (image error against G(z*))`,
      "Figure 3 σ² = 0.3:",
      relu,
      realizable(relu, DIGITS, 3, () => identityOperator(n), Math.sqrt(0.3)),
      [{ name: "l1", options: {} }, adam],
      false,
    );

  // held-out real MNIST digits (not in G's range): image error ‖G(ẑ) − x‖/‖x‖
  if (ROWS.has("real")) realDigits(relu, leaky, adam);
  if (SUMMARY.length) {
    console.log(`\nauto against adam ×3 on the same digits (GENINV_BENCH_DIGITS=${DIGITS} GENINV_BENCH_ADAM_DIGITS=${ADAM_DIGITS}):`);
    for (const line of SUMMARY) console.log(line);
  }
}

function realDigits(relu: Generator, leaky: Generator, adam: { name: string; options: InvertOptions }): void {
  const n = relu.outputSize;
  let test;
  try {
    test = loadMnist("test");
  } catch (e) {
    console.log(`\nreal digits skipped: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const real: Case[] = Array.from({ length: DIGITS }, (_, i) => {
    const x = Float64Array.from(mnistImage(test, (i * 97) % test.count));
    return { z: null, clean: x, y: x, op: identityOperator(n) };
  });
  compare(`held-out real MNIST digits on mnist (image error ‖G(ẑ) − x‖/‖x‖)`, "real digits, mnist:", relu, real, [{ name: "l1", options: {} }, adam], false);
  compare(`held-out real MNIST digits on mnist-leaky`, "real digits, mnist-leaky:", leaky, real, [adam], false);
}
