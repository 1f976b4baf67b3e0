/** `geninv invert`: find z with G(z) ≈ x for each observation, with any registered method. */
import { Command } from "commander";
import { GeninvError, OptionError, ShapeError } from "../../errors.js";
import { loadHighsBackend } from "../../lp/highs.js";
import { relativeError } from "../../linalg/norms.js";
import { loadArrayFile, loadObservations } from "../../model/io/arrays.js";
import { type InvertOptions } from "../../invert/options.js";
import { getMethod, listMethods, runMethod } from "../../invert/registry.js";
import "../../sensing/pgd.js"; // registers the pgd method
import { type InversionResult, type InversionStatus } from "../../invert/result.js";
import { type CliIo, emitJson } from "../io.js";
import { addModelFlags, loadModelFromFlags, type ModelFlags } from "../model-flags.js";
import { parseIntFlag, parseNumberFlag } from "../parse.js";
import { Progress } from "../progress.js";

interface InvertFlags extends ModelFlags {
  obs: string;
  truth?: string;
  method: string;
  output?: string;
  activeTol?: string;
  fitTol?: string;
  rankTol?: string;
  lr?: string;
  iterations?: string;
  restarts?: string;
  tol?: string;
  signFlip?: boolean;
  seed?: string;
  init?: string;
  eps0?: string;
  alpha?: string;
  lpBackend?: string;
  epsSearch?: string;
  refine?: boolean;
  lpFallback?: boolean;
}

/** The gradient methods' flags as options (absent flags keep the defaults). */
function gradientOptionsFromFlags(flags: InvertFlags): InvertOptions {
  const o: InvertOptions = {};
  if (flags.lr !== undefined) o.learningRate = parseNumberFlag(flags.lr, "--lr", true);
  if (flags.iterations !== undefined) o.iterations = parseIntFlag(flags.iterations, "--iterations", 0, 1e9);
  if (flags.restarts !== undefined) o.restarts = parseIntFlag(flags.restarts, "--restarts", 1, 1e6);
  if (flags.tol !== undefined) o.gradientTolerance = parseNumberFlag(flags.tol, "--tol");
  if (flags.signFlip) o.signFlip = true;
  if (flags.seed !== undefined) o.seed = parseIntFlag(flags.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
  if (flags.init !== undefined) {
    if (flags.init === "random" || flags.init === "zero") o.init = flags.init;
    else {
      const z = loadArrayFile(flags.init, "z");
      if (z.rows !== 1) throw new OptionError(`--init ${flags.init}: expected one latent vector, got ${z.rows} rows`);
      o.init = z.data;
    }
  }
  return o;
}

export function invertCommand(io: CliIo): Command {
  return addModelFlags(new Command("invert"))
    .description("invert each observation: find z with G(z) ≈ x")
    .requiredOption("--obs <file>", 'observations: JSON {"x": [...] | [[...]], "z"?: ...}, .npy (one row per observation) or .npz with arrays x and optionally z')
    .option("--truth <file>", "ground-truth z (.npy, .npz with array z, or JSON), to report relError = ‖z − z*‖/‖z*‖")
    .option("--method <name>", `inversion method (${listMethods().map((m) => m.name).join(", ")})`, "exact")
    .option("--active-tol <t>", "ReLU outputs above t·‖y‖∞ count as active (default 1e-5)")
    .option("--fit-tol <t>", "relative residual accepted as an exact fit (default 1e-5)")
    .option("--rank-tol <t>", "relative pivot size below which rank is lost (default 1e-10)")
    .option("--lr <rate>", "gradient methods: learning rate (default 1 for gd, 0.01 for adam)")
    .option("--iterations <n>", "gradient methods: iterations per start (default 1000)")
    .option("--restarts <n>", "gradient methods: random starts, best kept (default 1)")
    .option("--tol <t>", "gradient methods: stop when ‖∇f‖ ≤ t (default 1e-9)")
    .option("--sign-flip", "gradient methods: Huang et al.'s sign flip (keep the better of z and −z)")
    .option("--seed <n>", "gradient methods: seed of the random starts (default 0)")
    .option("--init <how>", "gradient methods: first start: random | zero | a file with z (.npy or JSON)")
    .option("--eps0 <e>", "LP methods: first point of the ε grid ε0·αᵗ (default 1e-6; ε is searched, no noise level needed)")
    .option("--alpha <a>", "LP methods: factor of the ε grid, > 1 (default 1.2)")
    .option("--lp-backend <name>", "LP methods: engine (dense simplex, default) or highs")
    .option("--eps-search <how>", "LP methods: search (default) or scan (the paper's loop from eps0)")
    .option("--no-refine", "LP methods: skip the whole-network refinement (the paper's layer-wise algorithms as they are)")
    .option("--no-lp-fallback", "LP methods: do not re-solve with HiGHS when the engine reports trouble")
    .option("-o, --output <file>", "write the JSON results here (default: stdout)")
    .action(async (flags: InvertFlags) => {
      const method = getMethod(flags.method);
      const options: InvertOptions = {};
      if (flags.activeTol !== undefined) options.activeTolerance = parseNumberFlag(flags.activeTol, "--active-tol", true);
      if (flags.fitTol !== undefined) options.fitTolerance = parseNumberFlag(flags.fitTol, "--fit-tol", true);
      if (flags.rankTol !== undefined) options.rankTolerance = parseNumberFlag(flags.rankTol, "--rank-tol", true);
      Object.assign(options, gradientOptionsFromFlags(flags));
      if (flags.eps0 !== undefined) options.eps0 = parseNumberFlag(flags.eps0, "--eps0", true);
      if (flags.alpha !== undefined) {
        options.alpha = parseNumberFlag(flags.alpha, "--alpha", true);
        if (!(options.alpha > 1)) throw new OptionError(`--alpha expects a number > 1, got '${flags.alpha}'`);
      }
      if (flags.lpBackend !== undefined) {
        if (flags.lpBackend !== "engine" && flags.lpBackend !== "highs") {
          throw new OptionError(`--lp-backend expects engine or highs, got '${flags.lpBackend}'`);
        }
        options.lpBackend = flags.lpBackend;
      }
      if (flags.epsSearch !== undefined) {
        if (flags.epsSearch !== "search" && flags.epsSearch !== "scan") {
          throw new OptionError(`--eps-search expects search or scan, got '${flags.epsSearch}'`);
        }
        options.epsSearch = flags.epsSearch;
      }
      if (flags.refine === false) options.refine = false;
      if (flags.lpFallback === false) options.lpFallback = false;
      // LP methods, their hybrids and pgd (which projects with linf by default) may need HiGHS
      const lpMethod = /(^|\+)(linf|l1|relaxed|feasible)(\+|$)/.test(method.name) || method.name === "pgd";
      if (lpMethod && (options.lpBackend === "highs" || options.lpFallback !== false)) {
        // HiGHS is the highs backend, and the engine's fallback: load it once before solving
        try {
          await loadHighsBackend();
        } catch (e) {
          if (options.lpBackend === "highs") throw e;
          io.err(`geninv: warning: ${e instanceof Error ? e.message : String(e)} (engine runs without a fallback)\n`);
        }
      }
      const gen = loadModelFromFlags(flags);
      const obs = loadObservations(flags.obs);
      const truth = flags.truth !== undefined ? loadArrayFile(flags.truth, "z") : obs.z;
      if (obs.x.cols !== gen.outputSize) {
        throw new ShapeError(`${flags.obs}: observations have ${obs.x.cols} values each, but ${flags.model} outputs ${gen.outputSize}`);
      }
      if (truth && (truth.cols !== gen.inputSize || truth.rows !== obs.x.rows)) {
        throw new ShapeError(
          `${flags.truth ?? flags.obs}: ground truth z is ${truth.rows}×${truth.cols}, expected ${obs.x.rows}×${gen.inputSize} (one z per observation)`,
        );
      }
      const results: Record<string, unknown>[] = [];
      const counts: Partial<Record<InversionStatus, number>> = {};
      let errors = 0;
      const progress = new Progress(io, `invert (${method.name})`, obs.x.rows);
      for (let b = 0; b < obs.x.rows; b++) {
        const x = obs.x.data.subarray(b * obs.x.cols, (b + 1) * obs.x.cols);
        let entry: Record<string, unknown>;
        try {
          const r: InversionResult = runMethod(method, gen, x, { ...options, onProgress: (d, t) => progress.set(b + d / t) });
          entry = { index: b, ...r };
          if (truth) entry.relError = relativeError(r.z, truth.data.subarray(b * truth.cols, (b + 1) * truth.cols));
          counts[r.status] = (counts[r.status] ?? 0) + 1;
        } catch (e) {
          // one bad observation must not lose the others' results
          if (!(e instanceof GeninvError)) throw e;
          errors++;
          entry = { index: b, method: method.name, status: "failed", error: e.message };
          counts.failed = (counts.failed ?? 0) + 1;
          io.err(`observation ${b}: ${e.message}\n`);
        }
        results.push(entry);
        progress.tick();
      }
      progress.finish();
      emitJson(io, { model: flags.model, method: method.name, summary: counts, results }, flags.output);
      if (errors > 0) io.exitCode = 1;
    });
}
