/**
 * Exact layer-wise inversion (Theorem 2): median time per inversion and peak memory on the paper's
 * shapes, beside numpy's lstsq doing the same layer-wise solves in the same run (when python3 with
 * numpy is available). Goal: 100 → 250 → 600 in ≤ 10 ms median.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RELU } from "../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../src/model/random.js";
import { invert } from "../src/invert/invert.js";
import { relativeError } from "../src/linalg/norms.js";
import { median, PeakMemory, printTable } from "./common.js";

const SHAPES = [
  [20, 100, 500],
  [100, 250, 600],
  [20, 60, 784],
];

/** Median ms per inversion for each shape from the numpy baseline, or null when numpy is absent. */
function numpyBaseline(runs: number): Map<string, number> | null {
  const script = fileURLToPath(new URL("../../bench/baselines/numpy_exact.py", import.meta.url));
  const out = spawnSync("python3", [script, String(runs), ...SHAPES.map((s) => s.join(","))], { encoding: "utf8" });
  if (out.status !== 0) return null;
  const m = new Map<string, number>();
  for (const line of out.stdout.trim().split("\n")) {
    const r = JSON.parse(line) as { sizes: string; medianMs: number };
    m.set(r.sizes.replace(/,/g, "-"), r.medianMs);
  }
  return m;
}

export function benchExact(): void {
  const runs = 60;
  const mem = new PeakMemory();
  const rows: (string | number)[][] = [];
  const numpy = numpyBaseline(runs);
  for (const sizes of SHAPES) {
    const gen = randomGenerator({ sizes, activation: RELU, rng: 1 });
    const warm = sampleObservations(gen, 3, 3);
    for (let b = 0; b < 3; b++) invert(gen, warm.x.data.subarray(b * warm.x.cols, (b + 1) * warm.x.cols));
    const s = sampleObservations(gen, runs, 2);
    let worst = 0;
    let exact = 0;
    const times: number[] = [];
    for (let b = 0; b < runs; b++) {
      const x = s.x.data.subarray(b * s.x.cols, (b + 1) * s.x.cols);
      const t0 = performance.now();
      const r = invert(gen, x, { method: "exact" });
      times.push(performance.now() - t0);
      worst = Math.max(worst, relativeError(r.z, s.z.data.subarray(b * s.z.cols, (b + 1) * s.z.cols)));
      if (r.status === "exact") exact++;
      mem.sample();
    }
    const key = sizes.join("-");
    const base = numpy?.get(key);
    rows.push([key, median(times), Math.min(...times), base ?? "n/a", base ? `${(base / median(times)).toFixed(2)}×` : "n/a", `${exact}/${runs}`, worst]);
  }
  printTable(
    `exact inversion (ReLU, noiseless, ${runs} samples per shape; numpy = np.linalg.lstsq layer by layer, same run)`,
    ["network", "median ms", "min ms", "numpy ms", "speed-up", "status exact", "max rel. error"],
    rows,
  );
  console.log(`peak memory (RSS): ${mem.mib.toFixed(1)} MiB`);
}
export { benchExact as run };
