/** Seeded accuracy runs on random networks (test helper): median ‖z − z*‖/‖z*‖ over many draws. */
import { invert, type InvertCall } from "../../src/invert/invert.js";
import { type InversionResult } from "../../src/invert/result.js";
import { relativeError } from "../../src/linalg/norms.js";
import { type Activation, RELU } from "../../src/model/activation.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";

/** Summary of `runs` inversions of random `sizes` networks with uniform noise `e`. */
export interface AccuracyRun {
  median: number;
  max: number;
  errors: number[];
  results: InversionResult[];
}

/** Run `runs` seeded inversions; network i uses seed base+i, its observation seed base+1000+i. */
export function accuracy(sizes: number[], e: number, options: InvertCall, runs: number, activation: Activation = RELU, base = 100): AccuracyRun {
  const errors: number[] = [];
  const results: InversionResult[] = [];
  for (let i = 0; i < runs; i++) {
    const gen = randomGenerator({ sizes, activation, rng: base + i });
    const s = sampleObservations(gen, 1, base + 1000 + i, e > 0 ? { kind: "uniform", level: e } : { kind: "none" });
    const r = invert(gen, s.x.data, options);
    errors.push(relativeError(r.z, s.z.data));
    results.push(r);
  }
  const sorted = [...errors].sort((a, b) => a - b);
  return { median: sorted[Math.floor(runs / 2)]!, max: sorted[runs - 1]!, errors, results };
}
