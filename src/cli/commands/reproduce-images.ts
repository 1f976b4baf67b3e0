/**
 * `geninv reproduce fig3|fig4`: the picture experiments on a trained generator (denoising,
 * inpainting) — PNG grid, CSV and JSON — with every finished (digit, method) inversion kept in a
 * run log, so `--resume` after a kill redoes only the missing ones.
 */
import { join } from "node:path";
import { methodStyle } from "../../experiments/common.js";
import { imageFigureConfig, imageFigureCsv, imageFigureJson, imageFigurePng, type ImageOutcome, runImageFigure } from "../../experiments/images.js";
import { parseNoise, formatNoise } from "../../model/random.js";
import { finishedLookup } from "../batch-output.js";
import { type CliIo, toJsonText, writeOutputFile } from "../io.js";
import { parseIntFlag } from "../parse.js";
import { formatSeconds, Progress } from "../progress.js";
import { table } from "../table.js";
import { VERSION } from "../version.js";
import { fmt, modelTag, openSweepLog, parseList, parseMethodOptions, type ResumeFlags, tagOf } from "./reproduce-run.js";

/** One finished inversion in the run log: (digit, method), its outcome and G(ẑ). */
interface ImageLogRecord {
  digit: number;
  method: string;
  outcome: ImageOutcome;
  image: number[] | null;
}

/** The flags of `reproduce fig3|fig4`. */
export interface ImageFlags extends ResumeFlags {
  model: string;
  digits?: string;
  noise?: string;
  mask?: string;
  methods?: string;
  options?: string;
  seed: string;
  quick: boolean;
  out?: string;
  json: boolean;
}

/** Run Figure 3 or 4, resuming from its run log when asked; writes PNG, CSV and JSON atomically. */
export function reproduceImages(io: CliIo, figure: "fig3" | "fig4", flags: ImageFlags): void {
  const config = imageFigureConfig(figure, {
    model: flags.model,
    seed: parseIntFlag(flags.seed, "--seed", 0, Number.MAX_SAFE_INTEGER),
    ...(flags.digits !== undefined ? { digits: parseIntFlag(flags.digits, "--digits", 1, 1000) } : flags.quick ? { digits: 3 } : {}),
    ...(flags.noise !== undefined ? { noise: parseNoise(flags.noise) } : {}),
    ...(flags.mask !== undefined ? { mask: flags.mask === "none" ? null : flags.mask } : {}),
    ...(flags.methods !== undefined ? { methods: parseList(flags.methods, "--methods") } : {}),
    ...(flags.options !== undefined ? { methodOptions: parseMethodOptions(flags.options) } : {}),
  });
  const dir = flags.out ?? join("results", figure);
  const tag = tagOf(`${figure}-${modelTag(config.model)}`, flags.quick);
  io.err(
    `${figure}: ${config.digits} digits of ${config.model}, noise ${formatNoise(config.noise)}, mask ${config.mask ?? "none"}, methods ${config.methods.join(", ")}, seed ${config.seed}\n`,
  );
  const log = openSweepLog(io, join(dir, `${tag}.runs.jsonl`), figure, config, flags, config.model);
  const finished = finishedLookup<{ digit: number; method: string }, ImageLogRecord>(log.resumed, log.path);
  const bar = new Progress(io, figure, config.digits * config.methods.length, log.resumed.length);
  let result;
  try {
    result = runImageFigure(config, (done) => bar.set(done), {
      finished: (digit, method) => {
        const r = finished({ digit, method });
        return r ? { outcome: r.outcome, image: r.image ? Float64Array.from(r.image) : null } : undefined;
      },
      onResult: (digit, method, outcome, image) => log.append({ digit, method, outcome, image }),
    });
  } finally {
    bar.finish();
    log.close();
  }
  const png = join(dir, `${tag}.png`);
  const csv = join(dir, `${tag}.csv`);
  const json = join(dir, `${tag}.json`);
  writeOutputFile(png, imageFigurePng(result), "--out");
  writeOutputFile(csv, imageFigureCsv(result), "--out");
  writeOutputFile(json, JSON.stringify({ generator: `geninv ${VERSION}`, node: process.version, ...imageFigureJson(result) }, null, 1) + "\n", "--out");
  const failures = config.methods.reduce((n, m) => n + result.summary[m]!.failed, 0);
  if (flags.json) {
    io.out(toJsonText({ figure, seed: config.seed, summary: result.summary, wallTimeMs: result.wallTimeMs, files: { png, csv, json, log: log.path } }, true));
  } else {
    io.out(
      `${figure === "fig3" ? "Figure 3 (denoising)" : "Figure 4 (inpainting)"} on ${config.model}: median over ${config.digits} digits, seed ${config.seed}\n\n`,
    );
    io.out(
      table(
        ["method", "‖G(z) − G(z*)‖/‖G(z*)‖", "‖z − z*‖/‖z*‖", "time / image", "failed"],
        config.methods.map((m, i) => {
          const r = result.summary[m]!;
          return [
            methodStyle(m, i).label,
            fmt(r.medianImageError),
            fmt(r.medianRelError),
            r.medianTimeMs === null ? "—" : `${r.medianTimeMs.toFixed(1)} ms`,
            String(r.failed),
          ];
        }),
      ),
    );
    io.out(
      `\n${config.digits} digits in ${formatSeconds(result.wallTimeMs / 1000)}; wrote ${png}, ${csv}, ${json} (inversions as they finished: ${log.path})\n`,
    );
  }
  if (failures > 0) {
    io.err(`geninv: ${failures} method call${failures === 1 ? "" : "s"} failed; see the error column of ${csv}\n`);
    io.exitCode = 1;
  }
}
