/**
 * Gradient descent: time per iteration (forward + backward + step) and per 1000-iteration run on
 * 20-100-500 and 20-60-784, beside numpy doing the same passes in the same run (when available).
 * Goal: ≤ 0.1 ms per iteration on 20-100-500 (PyTorch float64 on CPU ≈ 0.12 ms on these machines).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RELU } from "../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../src/model/random.js";
import { invert } from "../src/invert/invert.js";
import { median, PeakMemory, printTable } from "./common.js";

const SHAPES = [
  [20, 100, 500],
  [20, 60, 784],
];

function numpyBaseline(iters: number): Map<string, number> | null {
  const script = fileURLToPath(new URL("../../bench/baselines/numpy_gd.py", import.meta.url));
  const out = spawnSync("python3", [script, String(iters), ...SHAPES.map((s) => s.join(","))], { encoding: "utf8" });
  if (out.status !== 0) return null;
  const m = new Map<string, number>();
  for (const line of out.stdout.trim().split("\n")) {
    const r = JSON.parse(line) as { sizes: string; msPerIteration: number };
    m.set(r.sizes.replace(/,/g, "-"), r.msPerIteration);
  }
  return m;
}

export function benchGd(): void {
  const iterations = 1000;
  const mem = new PeakMemory();
  const numpy = numpyBaseline(iterations);
  const rows: (string | number)[][] = [];
  for (const sizes of SHAPES) {
    const gen = randomGenerator({ sizes, activation: RELU, rng: 1 });
    const s = sampleObservations(gen, 1, 2);
    // fixed work: no early stop, so every run does exactly `iterations` gradient evaluations
    // the fixed step and no stopping rule: every run does exactly the passes the numpy baseline does
    const opts = { method: "gd" as const, iterations, gradientTolerance: 0, objectiveTolerance: 0, learningRate: 1, lineSearch: false };
    for (let w = 0; w < 3; w++) invert(gen, s.x.data, { ...opts, seed: w });
    const runs: number[] = [];
    for (let r = 0; r < 15; r++) {
      const res = invert(gen, s.x.data, { ...opts, seed: r });
      runs.push(res.timeMs);
      mem.sample();
    }
    const perIt = median(runs) / iterations;
    const base = numpy?.get(sizes.join("-"));
    // the default Armijo step (no stopping rule either): its cost per iteration against the fixed step's, same run
    const armijo: number[] = [];
    for (let r = 0; r < 15; r++) {
      const res = invert(gen, s.x.data, { ...opts, lineSearch: true, seed: r });
      armijo.push(res.timeMs / Math.max(res.iterations ?? iterations, 1));
    }
    const armijoPerIt = median(armijo);
    rows.push([
      sizes.join("-"),
      perIt,
      median(runs),
      base ?? "n/a",
      base ? `${(base / perIt).toFixed(1)}×` : "n/a",
      armijoPerIt,
      `${(armijoPerIt / perIt).toFixed(2)}×`,
    ]);
  }
  printTable(
    `gradient descent (ReLU, lr 1, ${iterations} iterations per run, median of 15 runs; numpy float64 same passes, same run; Armijo = the default line search)`,
    ["network", "ms / iteration", "ms / 1000-it run", "numpy ms / it", "speed-up", "Armijo ms / it", "Armijo / fixed"],
    rows,
  );
  console.log(`peak memory (RSS): ${mem.mib.toFixed(1)} MiB`);
}
export { benchGd as run };
