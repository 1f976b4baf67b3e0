/** `geninv demo`: the main job on a built-in network — sample, invert, print a table. */
import { Command } from "commander";
import { relativeError } from "../../linalg/norms.js";
import { RELU } from "../../model/activation.js";
import { randomGenerator, sampleObservations } from "../../model/random.js";
import { invert } from "../../invert/invert.js";
import { type CliIo, emitJson } from "../io.js";
import { parseIntFlag } from "../parse.js";

export function demoCommand(io: CliIo): Command {
  return new Command("demo")
    .description("invert a few samples of a built-in random 20-100-500 ReLU network and print a table")
    .option("--count <n>", "number of samples", "5")
    .option("--seed <n>", "random seed", "0")
    .option("--json", "print JSON instead of a table", false)
    .action((opts: { count: string; seed: string; json: boolean }) => {
      const count = parseIntFlag(opts.count, "--count", 1, 10_000);
      const seed = parseIntFlag(opts.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
      const sizes = [20, 100, 500];
      const gen = randomGenerator({ sizes, activation: RELU, rng: seed });
      const s = sampleObservations(gen, count, seed + 1);
      const rows = [];
      for (let b = 0; b < count; b++) {
        const x = s.x.data.subarray(b * s.x.cols, (b + 1) * s.x.cols);
        const zTrue = s.z.data.subarray(b * s.z.cols, (b + 1) * s.z.cols);
        const r = invert(gen, x, { method: "exact" });
        rows.push({ sample: b, method: r.method, status: r.status, relError: relativeError(r.z, zTrue), residualLinf: r.residual.linf, timeMs: r.timeMs });
      }
      if (opts.json) {
        emitJson(io, { network: sizes.join("-"), activation: "relu", seed, rows });
        return;
      }
      io.out(`geninv demo: random ReLU network ${sizes.join(" → ")} (weights N(0, 1/n_i), seed ${seed}), x = G(z*) noiseless\n\n`);
      io.out(table(["sample", "method", "status", "‖z − z*‖/‖z*‖", "‖G(z) − x‖∞", "time"], rows.map((r) => [
        String(r.sample), r.method, r.status, r.relError.toExponential(2), r.residualLinf.toExponential(2), `${r.timeMs.toFixed(2)} ms`,
      ])));
    });
}

/** A plain-text table with right-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]): string => cells.map((c, j) => c.padStart(widths[j]!)).join("  ") + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}
