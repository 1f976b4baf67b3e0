/**
 * `geninv demo`: the main job on the shipped MNIST generator — corrupt a few digits (noise; the
 * bottom half hidden), invert each with every method, write a PNG grid, print a table.
 */
import { Command } from "commander";
import { besideEachOther } from "../../render/grid.js";
import { grayToPng } from "../../render/png.js";
import { imageFigureConfig, imageFigurePng, runImageFigure, type ImageFigureResult } from "../../experiments/images.js";
import { methodStyle } from "../../experiments/common.js";
import { decodePng, pngToGray } from "../../render/png.js";
import { loadHighsBackend } from "../../lp/highs.js";
import { loadModel } from "../../model/io/load.js";
import { type CliIo, emitJson, writeOutputFile } from "../io.js";
import { parseIntFlag } from "../parse.js";
import { table } from "../table.js";
import { Progress } from "../progress.js";

/** The demo's methods: the default (region descent where layer-wise inversion cannot do it), the paper's LPs, Adam. */
export const DEMO_METHODS = ["auto", "linf", "l1", "adam", "linf+gd"];

/**
 * The demo's work budget per digit and corruption, in solver units, not seconds: simplex pivots of
 * all LPs, and iterations (Adam steps, GD steps, region fits). `test/cli/cli.test.ts` holds the demo
 * to it on the shipped generator.
 */
export const DEMO_BUDGET = { lpPivots: 5_000, iterations: 6_000 } as const;

/**
 * The layer-wise LP methods solve one LP per layer with as many rows as the layer has outputs and
 * as many columns as inputs. Past this many matrix entries in a layer (mnist: 784×60 = 47,040;
 * mnist-leaky: 784×500 = 392,000) the paper's layer-wise LPs take tens of seconds an image on these
 * machines, so the demo shows them as skipped (with the command that runs them) instead of stalling.
 */
export const DEMO_LP_LAYER_ENTRIES = 100_000;
const LAYERWISE_LP = new Set(["linf", "l1", "relaxed", "linf+gd", "l1+gd"]);

export function demoCommand(io: CliIo): Command {
  return new Command("demo")
    .description("corrupt a few digits of the shipped MNIST generator, invert them with every method, write a PNG grid and print a table")
    .option("--model <name>", "generator (mnist, mnist-leaky or a model file of 28×28 images)", "mnist")
    .option("--digits <n>", "digits per corruption", "4")
    .option("--seed <n>", "random seed", "0")
    .option("-o, --output <file>", "the PNG grid", "geninv-demo.png")
    .option("--json", "print JSON instead of a table", false)
    .action(async (opts: { model: string; digits: string; seed: string; output: string; json: boolean }) => {
      const digits = parseIntFlag(opts.digits, "--digits", 1, 100);
      const seed = parseIntFlag(opts.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
      await loadHighsBackend().catch(() => undefined); // the LP engine's fallback, when available
      const gen = loadModel(opts.model);
      const widest = Math.max(...gen.layers.map((l) => l.weight.rows * l.weight.cols));
      const large = widest > DEMO_LP_LAYER_ENTRIES;
      const skipped = large ? DEMO_METHODS.filter((m) => LAYERWISE_LP.has(m)) : [];
      // a large model: Theorem 2 layer by layer stands in for the paper's LPs, Adam gets one start instead of csgm's 3
      const methods = large ? ["auto", "exact", "adam"] : DEMO_METHODS;
      const methodOptions: Record<string, Record<string, unknown>> = large ? { adam: { restarts: 1 } } : {};
      const scenarios = [
        {
          name: "noisy",
          what: "G(z*) + Gaussian noise σ = 0.05",
          config: imageFigureConfig("fig3", { model: opts.model, digits, seed, methods, methodOptions, noise: { kind: "gaussian", level: 0.05 } }),
        },
        {
          name: "half hidden",
          what: "bottom half of G(z*) hidden",
          config: imageFigureConfig("fig4", { model: opts.model, digits, seed: seed + 1, methods, methodOptions, mask: "half:bottom" }),
        },
      ];
      const progress = new Progress(io, "demo", scenarios.length * digits * methods.length);
      let done = 0;
      const results: { name: string; what: string; result: ImageFigureResult }[] = [];
      try {
        for (const s of scenarios) {
          const base = done;
          results.push({ name: s.name, what: s.what, result: runImageFigure(s.config, (d) => progress.set((done = base + d))) });
        }
      } finally {
        progress.finish();
      }
      // one picture: the two grids side by side
      const grids = results.map((r) => {
        const img = decodePng(imageFigurePng(r.result));
        return { width: img.width, height: img.height, data: pngToGray(img) };
      });
      const picture = besideEachOther(grids, 12);
      writeOutputFile(opts.output, grayToPng(picture.data, picture.width, picture.height, { text: { Software: "geninv demo", Seed: String(seed) } }));
      const rows = results.flatMap((r) => methods.map((m) => ({ corruption: r.name, method: m, ...r.result.summary[m]! })));
      const wallMs = results.reduce((s, r) => s + r.result.wallTimeMs, 0);
      // the work done, in solver units (the demo's budget is in these, not in seconds)
      const outcomes = results.flatMap((r) => r.result.rows.flatMap((row) => row.outcomes));
      const work = {
        lpPivots: outcomes.reduce((s, o) => s + (o.lpPivots ?? 0), 0),
        iterations: outcomes.reduce((s, o) => s + (o.iterations ?? 0), 0),
        budget: { lpPivots: DEMO_BUDGET.lpPivots * digits * scenarios.length, iterations: DEMO_BUDGET.iterations * digits * scenarios.length },
      };
      const skipNote = skipped.length
        ? `${skipped.join(", ")} skipped and Adam run from 1 start (csgm: 3): a layer of '${opts.model}' has ${widest} weights, past the demo's ${DEMO_LP_LAYER_ENTRIES} for layer-wise LPs (run them with geninv reproduce fig4 --model ${opts.model} --methods ${skipped.join(",")})`
        : null;
      if (opts.json) {
        emitJson(io, {
          model: opts.model,
          seed,
          digits,
          picture: opts.output,
          wallTimeMs: wallMs,
          rows,
          work,
          ...(skipNote ? { skipped, note: skipNote } : {}),
        });
        return;
      }
      io.out(`geninv demo: ${digits} digits of the shipped generator '${opts.model}' per corruption, seed ${seed}\n`);
      for (const r of results) io.out(`  ${r.name}: ${r.what}\n`);
      io.out("\nmedian over the digits; image error ‖G(z) − G(z*)‖/‖G(z*)‖, latent error ‖z − z*‖/‖z*‖\n\n");
      io.out(
        table(
          ["corruption", "method", "image error", "latent error", "time / image"],
          rows.map((r, i) => [
            r.corruption,
            methodStyle(r.method, i % methods.length).label,
            fmt(r.medianImageError),
            fmt(r.medianRelError),
            r.medianTimeMs === null ? "—" : `${r.medianTimeMs.toFixed(1)} ms`,
          ]),
        ),
      );
      if (skipNote) io.out(`\n${skipNote}\n`);
      io.out(
        `\nwork: ${work.lpPivots} LP pivots, ${work.iterations} iterations (budget ${work.budget.lpPivots} pivots, ${work.budget.iterations} iterations)\n`,
      );
      io.out(`\nwrote ${opts.output} (columns: truth | corrupted | each method), ${(wallMs / 1000).toFixed(1)} s in all\n`);
    });
}

function fmt(v: number | null): string {
  return v === null ? "—" : v.toExponential(2);
}
