/**
 * Region descent (the default method `auto`) against the baselines measured in the same run:
 * csgm's Adam (3 restarts × 1000 steps, learning rate 0.01) and the layer-wise methods.
 *
 *   npm run build && node dist/bench/run.js region
 *
 * GENINV_BENCH_DIGITS (default 20) sets the digits per row; Adam runs on the first
 * GENINV_BENCH_ADAM_DIGITS (default 5) of them (it is the slow one). Times are medians per image;
 * the ratio column is Adam's median time over auto's on the same digits.
 */
import { relativeError } from "../src/linalg/norms.js";
import { type Generator } from "../src/model/generator.js";
import { loadModel } from "../src/model/io/load.js";
import { Rng } from "../src/model/rng.js";
import { applyOperator, gaussianOperator, identityOperator, maskOperator, measurementCount, type MeasurementOperator } from "../src/operators/operator.js";
import { getMethod, runMethod } from "../src/invert/registry.js";
import { type InvertOptions } from "../src/invert/options.js";
import { loadMnist, mnistImage } from "../scripts/lib/mnist-data.js";
import { median, printTable } from "./common.js";

const DIGITS = Number(process.env.GENINV_BENCH_DIGITS ?? 20);
const ADAM_DIGITS = Number(process.env.GENINV_BENCH_ADAM_DIGITS ?? 5);
const ADAM = { learningRate: 0.01, iterations: 1000, restarts: 3, gradientTolerance: 1e-9 };

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
}

function runOn(gen: Generator, cases: Case[], method: string, options: InvertOptions): Row {
  const row: Row = { ok: 0, n: cases.length, latent: [], image: [], times: [] };
  cases.forEach((c, i) => {
    const t0 = performance.now();
    const r = runMethod(getMethod(method), gen, c.y, { ...options, operator: c.op, seed: i });
    row.times.push(performance.now() - t0);
    const image = relativeError(gen.forward(r.z), c.clean);
    row.image.push(image);
    if (c.z) {
      const e = relativeError(r.z, c.z);
      row.latent.push(e);
      if (e <= 1e-6) row.ok++;
    } else if (image <= 1e-6) row.ok++;
  });
  return row;
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
const med = (v: number[]): string => (v.length ? median(v).toExponential(2) : "—");
const ms = (r: Row): string => `${median(r.times).toFixed(1)} ms`;

/** One table row: auto on every case, the baselines on the first ADAM_DIGITS. */
function compare(title: string, gen: Generator, cases: Case[], baselines: { name: string; options: InvertOptions }[]): void {
  const auto = runOn(gen, cases, "auto", {});
  const rows: (string | number)[][] = [["auto", pct(auto), med(auto.latent), med(auto.image), ms(auto), "1"]];
  const few = cases.slice(0, ADAM_DIGITS);
  const autoFew = median(auto.times.slice(0, few.length));
  for (const b of baselines) {
    const r = runOn(gen, b.name === "adam" ? few : cases, b.name, b.options);
    const ratio = median(r.times) / (b.name === "adam" ? autoFew : median(auto.times));
    rows.push([b.name === "adam" ? "adam ×3" : b.name, pct(r), med(r.latent), med(r.image), ms(r), `${ratio.toFixed(1)}×`]);
  }
  printTable(title, ["method", "z to 1e-6", "median ‖z−z*‖/‖z*‖", "median image error", "median time", "time / auto's"], rows);
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
  compare(
    `mnist-leaky, bottom half hidden, noiseless (${DIGITS} digits; adam on ${ADAM_DIGITS})`,
    leaky,
    realizable(leaky, DIGITS, 1, () => bottomHidden),
    [exact, adam],
  );
  compare(`mnist-leaky, random 50 % observed, noiseless`, leaky, realizable(leaky, DIGITS, 2, randomHalf), [exact, adam]);

  // compressed sensing on mnist, Gaussian A (entries N(0, 1/m))
  for (const m of [100, 50, 30, 20]) {
    const cases = realizable(relu, DIGITS, 10 + m, (d) => gaussianOperator(m, n, Rng.derive(99, m, d)));
    compare(`compressed sensing, mnist, m = ${m} Gaussian measurements (exact: image error ≤ 1e-6 ⇔ z to 1e-6 here)`, relu, cases, [adam]);
  }

  // Figure 3: Gaussian noise of variance 0.3 on every pixel of G(z*)
  compare(
    `Figure 3: mnist, Gaussian noise σ² = 0.3 (image error against G(z*))`,
    relu,
    realizable(relu, DIGITS, 3, () => identityOperator(n), Math.sqrt(0.3)),
    [{ name: "l1", options: {} }, adam],
  );

  // held-out real MNIST digits (not in G's range): image error ‖G(ẑ) − x‖/‖x‖
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
  compare(`held-out real MNIST digits on mnist (image error ‖G(ẑ) − x‖/‖x‖)`, relu, real, [{ name: "l1", options: {} }, adam]);
  compare(`held-out real MNIST digits on mnist-leaky`, leaky, real.slice(0, Math.max(ADAM_DIGITS, Math.min(DIGITS, 8))), [adam]);
}
