/**
 * Exact layer-wise inversion (Theorem 2): median time per inversion and peak memory on the
 * paper's shapes. Goal: 100 → 250 → 600 in ≤ 10 ms median (numpy's lstsq ≈ 11 ms on these machines).
 */
import { RELU } from "../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../src/model/random.js";
import { invert } from "../src/invert/invert.js";
import { relativeError } from "../src/linalg/norms.js";
import { median, PeakMemory, printTable, timeEach } from "./common.js";

export function benchExact(): void {
  const shapes = [
    [20, 100, 500],
    [100, 250, 600],
    [20, 60, 784],
  ];
  const runs = 60;
  const mem = new PeakMemory();
  const rows: (string | number)[][] = [];
  for (const sizes of shapes) {
    const gen = randomGenerator({ sizes, activation: RELU, rng: 1 });
    const s = sampleObservations(gen, runs, 2);
    const xs = Array.from({ length: runs }, (_, b) => b);
    let worst = 0;
    let exact = 0;
    const times = timeEach(xs, (b) => {
      const r = invert(gen, s.x.data.subarray(b * s.x.cols, (b + 1) * s.x.cols), { method: "exact" });
      worst = Math.max(worst, relativeError(r.z, s.z.data.subarray(b * s.z.cols, (b + 1) * s.z.cols)));
      if (r.status === "exact") exact++;
      mem.sample();
    });
    rows.push([sizes.join("-"), median(times), Math.min(...times), `${exact}/${runs + 3}`, worst]);
  }
  printTable(
    `exact inversion (ReLU, noiseless, ${runs} samples per shape)`,
    ["network", "median ms", "min ms", "status exact", "max rel. error"],
    rows,
  );
  console.log(`peak memory (RSS): ${mem.mib.toFixed(1)} MiB`);
}
