/** `geninv sample`: latent codes z* ~ N(0, I), their images G(z*), and noisy observations. */
import { Command } from "commander";
import { toRows } from "../../linalg/matrix.js";
import { formatNoise, parseNoise, sampleObservations } from "../../model/random.js";
import { type CliIo, emitJson } from "../io.js";
import { addModelFlags, loadModelFromFlags, type ModelFlags } from "../model-flags.js";
import { parseIntFlag } from "../parse.js";

export function sampleCommand(io: CliIo): Command {
  return addModelFlags(new Command("sample"))
    .description('draw z* ~ N(0, I) and write {"z", "x", "clean"} with x = G(z*) + noise')
    .option("--count <n>", "number of samples", "1")
    .option("--seed <n>", "random seed", "0")
    .option("--noise <spec>", "uniform:<a> (U(-a, a)), gaussian:<sigma> (N(0, sigma²)) or none", "none")
    .option("-o, --output <file>", "output file (default: stdout)")
    .action((opts: ModelFlags & { count: string; seed: string; noise: string; output?: string }) => {
      const count = parseIntFlag(opts.count, "--count", 1, 1_000_000);
      const seed = parseIntFlag(opts.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
      const noise = parseNoise(opts.noise);
      const gen = loadModelFromFlags(opts);
      const s = sampleObservations(gen, count, seed, noise);
      emitJson(io, { seed, noise: formatNoise(noise), z: toRows(s.z), x: toRows(s.x), clean: toRows(s.clean) }, opts.output);
    });
}
