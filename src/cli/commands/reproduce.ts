/**
 * `geninv reproduce fig1|fig2|fig3|fig4|sensing|example1`: regenerate the paper's experiments —
 * data (JSON lines while running, then CSV and JSON) and picture (SVG or PNG) — with a progress
 * bar on stderr and a summary table on stdout. This module holds the commands and their flags;
 * the sweeps are reproduce-sweeps.ts, the picture figures reproduce-images.ts, and the run log,
 * resume and atomic output plumbing they share reproduce-run.ts.
 */
import { Command } from "commander";
import { example1Svg, runExample1 } from "../../experiments/example1.js";
import { FIG1_DEFAULTS, FIG1_QUICK } from "../../experiments/fig1.js";
import { FIG2_DEFAULTS, FIG2_QUICK } from "../../experiments/fig2.js";
import { FIG3_DEFAULTS, FIG4_DEFAULTS } from "../../experiments/images.js";
import { formatNoise } from "../../model/random.js";
import { SENSING_DEFAULTS, SENSING_QUICK } from "../../experiments/sensing.js";
import { type CliIo, emitJson, writeOutputFile } from "../io.js";
import { reproduceImages, type ImageFlags } from "./reproduce-images.js";
import { addCommonFlags, addResumeFlags, withLpFallback } from "./reproduce-run.js";
import { type Fig1Flags, type Fig2Flags, reproduceFig1, reproduceFig2, reproduceSensing, type SensingFlags } from "./reproduce-sweeps.js";

export { parseMethodOptions } from "./reproduce-run.js";
export { parseFig2Sizes, parseKs } from "./reproduce-sweeps.js";

/** The `reproduce` command and its figure subcommands. */
export function reproduceCommand(io: CliIo): Command {
  const cmd = new Command("reproduce").description("regenerate a figure of the paper: data (CSV, JSON) and picture (SVG or PNG)");
  const fig1 = addCommonFlags(new Command("fig1"), FIG1_DEFAULTS.methods, FIG1_DEFAULTS.runs, FIG1_QUICK.runs)
    .description("Figure 1: relative recovery error vs relative noise level — (a)(b) random 20-100-500 ReLU nets, (c)(d) with --model mnist")
    .option("--noise <kind>", "uniform (U(-a, a), Fig. 1a) or gaussian (N(0, a²), a = σ, Fig. 1b)", "uniform")
    .option("--levels <list>", "noise levels a (default 1e-1,1e-2,…,1e-6)")
    .option("--sizes <list>", "layer widths k,n_1,…,n (default 20,100,500)")
    .option("--activation <spec>", "activation of every layer", "relu")
    .option("--x-axis <what>", "relative (‖e‖₂/‖G(z*)‖₂ per run) or level (a)", "relative")
    .option("--model <file>", "a trained generator instead of random nets (Figure 1(c)(d)): mnist, mnist-leaky or a model file")
    .option("--layers <list>", "with --model: the checkpoint's layers, e.g. fc3,fc4 (then --activation gives their activations)")
    .option(
      "--eps0 <from>",
      "method: LP methods find ε themselves (default); noise: they start ε at the true noise level a, as the authors' code does",
      "method",
    )
    .option("--threshold <t>", "a run succeeds when ‖z − z*‖/‖z*‖ ≤ t (default 1e-3)")
    .action(async (flags: Fig1Flags) => reproduceFig1(io, await withLpFallback(flags)));
  const fig2 = addCommonFlags(new Command("fig2"), FIG2_DEFAULTS.methods, FIG2_DEFAULTS.runs, FIG2_QUICK.runs)
    .description("Figure 2: success rate vs latent dimension k on noiseless k-250-600 nets, with the certified non-unique fraction")
    .option("--activation <spec>", "relu (Fig. 2 left) or leaky_relu:0.1 (right)", "relu")
    .option("--sizes <list>", "architecture with k first, e.g. k,250,400,600 (default k,250,600)")
    .option("--ks <list>", "latent dimensions: a comma list or start:stop:step (default 10:250:10)")
    .option("--threshold <t>", "success when ‖z − z*‖/‖z*‖ ≤ t (default 1e-3)")
    .action(async (flags: Fig2Flags) => reproduceFig2(io, await withLpFallback(flags)));
  const images = (figure: "fig3" | "fig4", description: string) => {
    const d = figure === "fig3" ? FIG3_DEFAULTS : FIG4_DEFAULTS;
    const sub = new Command(figure)
      .description(description)
      .option("--model <name>", "generator: mnist, mnist-leaky or a model file", d.model)
      .option("--digits <n>", `digits (rows of the picture) (default ${d.digits}; 3 with --quick)`)
      .option("--noise <spec>", `uniform:<a>, gaussian:<sigma> or none (default ${formatNoise(d.noise)})`)
      .option(
        "--mask <spec>",
        `observed pixels: random:<fraction>, half:top|bottom|left|right, block:x0,y0,x1,y1, center:<side> or none (default ${d.mask ?? "none"})`,
      )
      .option("--methods <list>", `comma list of registered methods (default ${d.methods.join(",")})`)
      .option("--options <json>", "per-method option overrides as JSON")
      .option("--seed <n>", "random seed", "0")
      .option("--quick", "three digits — for tests and smoke checks", false)
      .option("--out <dir>", `output folder (default results/${figure})`)
      .option("--json", "print the summary as JSON instead of a table", false);
    return addResumeFlags(sub).action(async (flags: ImageFlags) => reproduceImages(io, figure, await withLpFallback(flags)));
  };
  const fig3 = images("fig3", "Figure 3: denoising G(z*) + Gaussian noise of variance 0.3 on the shipped MNIST generator, as a PNG grid");
  const fig4 = images("fig4", "Figure 4: inpainting from a subset of the pixels, inverted from the observed rows alone, as a PNG grid");
  const sensing = addCommonFlags(new Command("sensing"), SENSING_DEFAULTS.methods, SENSING_DEFAULTS.runs, SENSING_QUICK.runs)
    .description("compressed sensing: reconstruction error vs number of Gaussian measurements m, PGD (LP projection) vs Adam with restarts")
    .option("--model <name>", "generator: mnist, mnist-leaky or a model file", SENSING_DEFAULTS.model)
    .option("--ms <list>", `numbers of measurements (default ${SENSING_DEFAULTS.ms.join(",")}; ${SENSING_QUICK.ms.join(",")} with --quick)`)
    .option("--noise <spec>", "measurement noise: uniform:<a>, gaussian:<sigma> or none", "none")
    .action(async (flags: SensingFlags) => reproduceSensing(io, await withLpFallback(flags)));
  const example1 = new Command("example1")
    .description(
      "Example 1 (section 3): a 2-layer ReLU network with k = 2 whose pre-image of x is not convex, computed exactly from the plane's activation regions and drawn as SVG",
    )
    .option("-o, --output <file>", "the SVG", "example1.svg")
    .action((flags: { output: string }) => {
      const r = runExample1();
      writeOutputFile(flags.output, example1Svg(r));
      io.err(`wrote ${flags.output}\n`);
      emitJson(io, {
        network: "G(z) = (relu(1 − |z1| − |z2|), relu(|z1| − |z2|)), hidden relu(±z1), relu(±z2)",
        x: r.x,
        window: r.window,
        regions: r.regions.length,
        preimagePieces: r.pieces.map((p) => ({ kind: p.kind, points: p.points })),
        notConvex: r.pair ? { p: r.pair.p, q: r.pair.q, midpoint: r.pair.mid, gAtMidpoint: r.pair.gMid } : null,
      });
    });
  for (const sub of [fig1, fig2, fig3, fig4, sensing, example1]) {
    sub.configureOutput({ writeOut: io.out, writeErr: io.err }).exitOverride().showHelpAfterError("(run with --help for usage)");
    cmd.addCommand(sub);
  }
  return cmd;
}
