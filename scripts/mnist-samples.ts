/**
 * `npm run samples`: redraw docs/mnist-samples.png — 8 × 8 digits G(z), z ~ N(0, I) from a fixed
 * seed, from each shipped generator, side by side.
 *
 *   node dist/scripts/mnist-samples.js [--out FILE] [--seed N] [MODEL ...]
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { besideEachOther, imageGrid } from "../src/render/grid.js";
import { grayToPng } from "../src/render/png.js";
import { writeFile } from "../src/model/io/files.js";
import { builtinModelNames, builtinModelPath } from "../src/model/io/builtin.js";
import { loadModel } from "../src/model/io/load.js";
import { Rng } from "../src/model/rng.js";

/** Seed of the README's sample grid. */
export const SAMPLE_SEED = 2019;

/** Write an 8 × 8 sample grid per model (model files or built-in names), titled by model. */
export function writeSampleGrid(models: readonly string[], out: string, seed = SAMPLE_SEED): void {
  const grids = models.map((m) => {
    const gen = loadModel(m);
    const rng = new Rng(seed);
    const tiles: Float64Array[] = [];
    const z = new Float64Array(gen.inputSize);
    for (let i = 0; i < 64; i++) tiles.push(gen.forward(rng.fillNormal(z)));
    const title = `${basename(m).replace(/\.json(\.gz)?$/, "")}`;
    return imageGrid(tiles, { cols: 8, scale: 2, padding: 2, background: 0.35, title });
  });
  const picture = besideEachOther(grids, 12, 1);
  writeFile(
    out,
    grayToPng(picture.data, picture.width, picture.height, {
      text: { Software: "geninv scripts/mnist-samples.ts", Description: `8x8 samples G(z), z ~ N(0, I), seed ${seed}` },
    }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const argv = process.argv.slice(2);
  let out = join(root, "docs", "mnist-samples.png");
  let seed = SAMPLE_SEED;
  const models: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = resolve(argv[++i] ?? "");
    else if (argv[i] === "--seed") seed = Number(argv[++i]);
    else models.push(argv[i]!);
  }
  try {
    writeSampleGrid(models.length > 0 ? models : builtinModelNames().map(builtinModelPath), out, seed);
    process.stderr.write(`wrote ${out}\n`);
  } catch (e) {
    process.stderr.write(`mnist-samples: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
