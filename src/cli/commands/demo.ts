/**
 * `geninv demo`: the main job on the shipped MNIST generator — corrupt a few digits (noise; the
 * bottom half hidden), invert each with every method, write a PNG grid, print a table.
 */
import { Command } from "commander";
import { besideEachOther, grayToPng } from "../../render/png.js";
import { imageFigureConfig, imageFigurePng, runImageFigure, type ImageFigureResult } from "../../experiments/images.js";
import { methodStyle } from "../../experiments/common.js";
import { decodePng, pngToGray } from "../../render/png.js";
import { loadHighsBackend } from "../../lp/highs.js";
import { type CliIo, emitJson, writeOutputFile } from "../io.js";
import { parseIntFlag } from "../parse.js";
import { table } from "../table.js";
import { Progress } from "../progress.js";

const DEMO_METHODS = ["linf", "l1", "gd", "adam", "linf+gd"];

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
      const scenarios = [
        { name: "noisy", what: "G(z*) + Gaussian noise σ = 0.05", config: imageFigureConfig("fig3", { model: opts.model, digits, seed, methods: DEMO_METHODS, noise: { kind: "gaussian", level: 0.05 } }) },
        { name: "half hidden", what: "bottom half of G(z*) hidden", config: imageFigureConfig("fig4", { model: opts.model, digits, seed: seed + 1, methods: DEMO_METHODS, mask: "half:bottom" }) },
      ];
      const progress = new Progress(io, "demo", scenarios.length * digits * DEMO_METHODS.length);
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
      const rows = results.flatMap((r) =>
        DEMO_METHODS.map((m) => ({ corruption: r.name, method: m, ...r.result.summary[m]! })),
      );
      const wallMs = results.reduce((s, r) => s + r.result.wallTimeMs, 0);
      if (opts.json) {
        emitJson(io, { model: opts.model, seed, digits, picture: opts.output, wallTimeMs: wallMs, rows });
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
            methodStyle(r.method, i % DEMO_METHODS.length).label,
            fmt(r.medianImageError),
            fmt(r.medianRelError),
            r.medianTimeMs === null ? "—" : `${r.medianTimeMs.toFixed(1)} ms`,
          ]),
        ),
      );
      io.out(`\nwrote ${opts.output} (columns: truth | corrupted | each method), ${(wallMs / 1000).toFixed(1)} s in all\n`);
    });
}

function fmt(v: number | null): string {
  return v === null ? "—" : v.toExponential(2);
}
