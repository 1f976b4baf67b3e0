/** `geninv invert`: find z with G(z) ≈ x for each observation, with any registered method. */
import { extname } from "node:path";
import { Command } from "commander";
import { decodePng, pngToGray } from "../../render/png.js";
import { type Matrix } from "../../linalg/matrix.js";
import { readBytes } from "../../model/io/files.js";
import { type LoadLimits } from "../../model/io/limits.js";
import { addNoise, parseNoise } from "../../model/random.js";
import { Rng } from "../../model/rng.js";
import { observedIndices, parseMaskSpec, type PixelMask } from "../../operators/masks.js";
import { applyOperator, denseOperator, gaussianOperator, maskOperator, type MeasurementOperator, measurementCount } from "../../operators/operator.js";
import { type PgdOptions } from "../../invert/pgd.js";
import { DataFormatError, InvalidValueError, OptionError, ShapeError } from "../../errors.js";
import { loadHighsBackend } from "../../lp/highs.js";
import { loadArrayFile, loadObservations } from "../../model/io/arrays.js";
import { type InvertOptions } from "../../invert/options.js";
import { getMethod, listMethods, methodName, projectionMethod } from "../../invert/registry.js";
import { type CliIo } from "../io.js";
import { fileSha256 } from "../fingerprint.js";
import { runInvertBatch } from "../invert-batch.js";
import { defaultWorkers, prestartWorkers, workersAvailable } from "../../experiments/runner.js";
import { addModelFlags, loadModelFromFlags, type ModelFlags } from "../model-flags.js";
import { addMilpFlags, type MilpFlags, milpOptionsFromFlags } from "../milp-flags.js";
import { parseIntFlag } from "../parse.js";
import { numberFromFlag, optionFromFlag } from "../../invert/validate-options.js";

interface InvertFlags extends ModelFlags, MilpFlags {
  obs: string;
  /** Most bytes an observation file may hold or expand to. */
  maxInputBytes?: string;
  truth?: string;
  method: string;
  output: string[];
  resume?: boolean;
  force?: boolean;
  strict?: boolean;
  workers?: string;
  activeTol?: string;
  fitTol?: string;
  rankTol?: string;
  lr?: string;
  iterations?: string;
  restarts?: string;
  tol?: string;
  objectiveTol?: string;
  fixedStep?: boolean;
  signFlip?: boolean;
  seed?: string;
  init?: string;
  image?: string;
  mask?: string;
  noise?: string;
  measurements?: string;
  sensingMatrix?: string;
  projection?: string;
  pgdIterations?: string;
  pgdStep?: string;
  pgdRestarts?: string;
  eps0?: string;
  alpha?: string;
  lpBackend?: string;
  epsSearch?: string;
  prior?: string;
  noiseSigma?: string;
  modeStarts?: string;
  refine?: boolean;
  lpFallback?: boolean;
}

/** The gradient methods' flags as options (absent flags keep the defaults). */
function gradientOptionsFromFlags(flags: InvertFlags, method: string): InvertOptions {
  const o: InvertOptions = {};
  if (flags.lr !== undefined) o.learningRate = numberFromFlag("learningRate", flags.lr);
  if (flags.iterations !== undefined) o.iterations = numberFromFlag("iterations", flags.iterations, method);
  if (flags.restarts !== undefined) o.restarts = numberFromFlag("restarts", flags.restarts, method);
  if (flags.tol !== undefined) o.gradientTolerance = numberFromFlag("gradientTolerance", flags.tol);
  if (flags.objectiveTol !== undefined) o.objectiveTolerance = numberFromFlag("objectiveTolerance", flags.objectiveTol);
  if (flags.fixedStep) o.lineSearch = false;
  if (flags.signFlip) o.signFlip = true;
  if (flags.seed !== undefined) o.seed = numberFromFlag("seed", flags.seed);
  if (flags.init !== undefined) {
    if (flags.init === "random" || flags.init === "zero") o.init = flags.init;
    else {
      const z = loadArrayFile(flags.init, "z", maxInputBytes(flags));
      if (z.rows !== 1) throw new OptionError(`--init ${flags.init}: expected one latent vector, got ${z.rows} rows`);
      o.init = z.data;
    }
  }
  return o;
}

/** The byte limit of observation files, from --max-input-bytes. */
function maxInputBytes(flags: InvertFlags): LoadLimits {
  return flags.maxInputBytes !== undefined ? { maxBytes: parseIntFlag(flags.maxInputBytes, "--max-input-bytes", 1, Number.MAX_SAFE_INTEGER) } : {};
}

/** One row: the PNG's gray values, which must have as many pixels as the generator has outputs. */
function imageObservation(path: string, n: number, limits: LoadLimits = {}): Matrix {
  const img = decodePng(readBytes(path, limits), path, { pixels: n, limits });
  const x = pngToGray(img);
  if (x.length !== n) throw new ShapeError(`${path}: the image has ${img.width}×${img.height} = ${x.length} pixels, but the model outputs ${n} values`);
  return { rows: 1, cols: n, data: x };
}

/** A mask from a PNG (white = observed), a 0/1 array file, or a spec such as random:0.5. */
function loadMask(spec: string, n: number, seed: number, limits: LoadLimits = {}): PixelMask {
  const ext = extname(spec).toLowerCase();
  let mask: PixelMask;
  if (ext === ".png") {
    const gray = pngToGray(decodePng(readBytes(spec, limits), spec, { pixels: n, limits }));
    mask = Uint8Array.from(gray, (v) => (v > 0.5 ? 1 : 0));
  } else if (ext === ".npy" || ext === ".json") {
    const m = loadArrayFile(spec, "mask", limits);
    mask = Uint8Array.from(m.data, (v) => (v !== 0 ? 1 : 0));
  } else {
    const side = Math.round(Math.sqrt(n));
    if (side * side !== n) throw new OptionError(`--mask ${spec}: a mask spec needs square images, but the model outputs ${n} values; give a mask file`);
    mask = parseMaskSpec(spec, side, side, Rng.derive(seed, 10));
  }
  if (mask.length !== n) throw new ShapeError(`${spec}: the mask has ${mask.length} entries, but the model outputs ${n} values`);
  if (!mask.some((v) => v === 1)) throw new OptionError(`${spec}: the mask observes nothing`);
  return mask;
}

export function invertCommand(io: CliIo): Command {
  return addMilpFlags(addModelFlags(new Command("invert")))
    .description("invert each observation: find z with G(z) ≈ x")
    .option(
      "--obs <file>",
      'observations (required, or --image): JSON {"x": [...] | [[...]], "z"?: ...}, .jsonl/.ndjson (one observation a line: [...] or {"x": [...], "z"?: [...]}, streamed), .npy (one row per observation, read in pieces) or .npz with arrays x and optionally z',
    )
    .option(
      "--max-input-bytes <n>",
      "most bytes an input file (--obs, --image, --truth, --mask, --init, --sensing-matrix) may hold or expand to when inflated (default 1 GiB, and at most 64× the file's size); setting it trusts the file up to n",
    )
    .option("--truth <file>", "ground-truth z (.npy, .npz with array z, or JSON), to report relError = ‖z − z*‖/‖z*‖")
    .option(
      "--method <name>",
      `inversion method (${listMethods()
        .map((m) => m.name)
        .join(
          ", ",
        )}; <method>+gd, <method>+adam: then descent from its answer; <method>+pgd: then PGD from it; default auto: exact when the data allow, region descent otherwise)`,
      "auto",
    )
    .option("--active-tol <t>", "ReLU outputs above t·‖y‖∞ count as active (default 1e-5)")
    .option("--fit-tol <t>", "relative residual accepted as an exact fit (default 1e-5)")
    .option("--rank-tol <t>", "relative pivot size below which rank is lost (default 1e-10)")
    .option("--lr <rate>", "gradient methods: learning rate (default 1 for gd, where it is the line search's first step; 0.01 for adam)")
    .option("--fixed-step", "gd: the paper's fixed step --lr instead of the Armijo line search (may diverge on trained networks)")
    .option("--iterations <n>", "gradient methods: iterations per start (default 1000); region methods: region fits per start (default 60)")
    .option(
      "--restarts <n>",
      "gradient methods: random starts, best kept (default 1); region methods and auto: seeded random starts after the layer-wise one, stopping at the first exact fit (default 8)",
    )
    .option("--tol <t>", "gradient methods: stop when ‖∇f‖ ≤ t (default 1e-9)")
    .option("--objective-tol <t>", "gradient methods: also stop when f fell by less than t·f over 20 iterations (default 1e-10; 0: off, as in the paper)")
    .option("--sign-flip", "gradient methods: Huang et al.'s sign flip (keep the better of z and −z)")
    .option("--seed <n>", "gradient methods: seed of the random starts (default 0)")
    .option("--init <how>", "gradient methods and pgd: first start: random | zero | a file with z (.npy or JSON)")
    .option("--eps0 <e>", "LP methods: first point of the ε grid ε0·αᵗ (default 1e-6; ε is searched, no noise level needed)")
    .option("--alpha <a>", "LP methods: factor of the ε grid, > 1 (default 1.2)")
    .option("--lp-backend <name>", "LP methods: engine (dense simplex, default) or highs")
    .option("--eps-search <how>", "LP methods: search (default) or scan (the paper's loop from eps0)")
    .option("--no-refine", "LP methods: skip the whole-network refinement (the paper's layer-wise algorithms as they are)")
    .option("--no-lp-fallback", "LP methods: do not re-solve with HiGHS when the engine reports trouble")
    .option(
      "--prior <p>",
      "auto and region: on data that do not fit, gaussian returns the MAP estimate under z ~ N(0, I) (auto's default), none the least-squares fit (region's default)",
    )
    .option("--noise-sigma <s>", "prior gaussian: the noise's standard deviation, when known (default: estimated from the least-squares residual)")
    .option(
      "--mode-starts <n>",
      "prior gaussian on a broad posterior: MAP walks from n prior draws that look for other modes, the minimum-Bayes-risk mode returned (default 4; 0 keeps the first)",
    )
    .option("--image <file>", "the observation as a PNG image (grayscale in [0, 1]; colour is converted): required unless --obs is given")
    .option(
      "--mask <mask>",
      "observe only some outputs: a PNG (white = observed), a .npy/JSON 0/1 vector, or random:<fraction>, half:top|bottom|left|right, block:x0,y0,x1,y1, center:<side>",
    )
    .option("--noise <spec>", "add noise to the observations before inverting (simulation): uniform:<a> or gaussian:<sigma>, seeded by --seed")
    .option(
      "--measurements <m>",
      "compressed sensing (simulation): observe y = A·x with a Gaussian m × n matrix A (N(0, 1/m), seeded by --seed); the default auto runs region descent, pgd, gd and adam also apply",
    )
    .option("--sensing-matrix <file>", "compressed sensing: the observations are y = A·G(z*) for this m × n matrix (.npy or JSON)")
    .option("--projection <method>", "pgd: the method projecting onto the range of G (default l1)")
    .option("--pgd-iterations <n>", "pgd: outer iterations (default 50)")
    .option("--pgd-step <eta>", "pgd: first gradient step (default 1)")
    .option("--pgd-restarts <n>", "pgd: starts, the best fit kept (default 1)")
    .option(
      "-o, --output <file>",
      "where results go (repeatable): a .json file (written atomically at the end), a .jsonl/.ndjson file (one result a line, streamed as each finishes), - for JSON on stdout, and/or a .png file receiving the reconstructions G(z); with only a PNG, stdout gets a one-line summary",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--resume", "continue an interrupted batch: keep the rows the -o results file (or its .part.jsonl journal) holds, invert the rest")
    .option("--force", "overwrite a results file that already holds rows (without --resume or --force, such a file is refused)")
    .option("--strict", "refuse the whole observation file when any row is bad (default: report each bad row, invert the others, exit 1)")
    .option("--workers <n>", `worker threads for a batch (default: all ${defaultWorkers()} cores; 1 runs in this thread)`)
    .action(async (flags: InvertFlags) => {
      const method = getMethod(methodName(flags.method));
      // start the worker threads now, so their start overlaps loading HiGHS, the model and the observations
      const workers = flags.workers !== undefined ? parseIntFlag(flags.workers, "--workers", 1, 1024) : defaultWorkers();
      const pool = workers > 1 && workersAvailable() ? prestartWorkers(workers) : undefined;
      // usage errors before any work, like --method: the projection must be a layer-wise method, for pgd
      if (flags.projection !== undefined) {
        if (!/(^|\+)pgd$/.test(method.name)) throw new OptionError(`--projection is for pgd (and <method>+pgd), not for --method ${method.name}`);
        projectionMethod(flags.projection);
      }
      const options: InvertOptions = {};
      if (flags.activeTol !== undefined) options.activeTolerance = numberFromFlag("activeTolerance", flags.activeTol);
      if (flags.fitTol !== undefined) options.fitTolerance = numberFromFlag("fitTolerance", flags.fitTol);
      if (flags.rankTol !== undefined) options.rankTolerance = numberFromFlag("rankTolerance", flags.rankTol);
      Object.assign(options, gradientOptionsFromFlags(flags, method.name));
      if (flags.eps0 !== undefined) options.eps0 = numberFromFlag("eps0", flags.eps0);
      if (flags.alpha !== undefined) options.alpha = numberFromFlag("alpha", flags.alpha);
      if (flags.lpBackend !== undefined) options.lpBackend = optionFromFlag("lpBackend", flags.lpBackend) as InvertOptions["lpBackend"];
      if (flags.epsSearch !== undefined) options.epsSearch = optionFromFlag("epsSearch", flags.epsSearch) as InvertOptions["epsSearch"];
      if (flags.refine === false) options.refine = false;
      if (flags.prior !== undefined) options.prior = optionFromFlag("prior", flags.prior) as InvertOptions["prior"];
      if (flags.noiseSigma !== undefined) options.noiseSigma = numberFromFlag("noiseSigma", flags.noiseSigma);
      if (flags.modeStarts !== undefined) options.modeStarts = numberFromFlag("modeStarts", flags.modeStarts);
      if (flags.lpFallback === false) options.lpFallback = false;
      Object.assign(options, milpOptionsFromFlags(flags));
      // HiGHS in this thread, for rows inverted here (worker threads load their own)
      const highsHere = async (): Promise<void> => {
        if (/(^|\+)milp(\+|$)/.test(method.name)) await loadHighsBackend(); // milp solves with HiGHS's MIP solver
        // LP methods, their hybrids and pgd (which projects with an LP method by default) may need HiGHS
        const lpMethod = /(^|\+)(linf|l1|relaxed|feasible|pgd|region-linf|region-l1)(\+|$)/.test(method.name);
        if (lpMethod && (options.lpBackend === "highs" || options.lpFallback !== false)) {
          // HiGHS is the highs backend, and the engine's fallback: load it once before solving
          try {
            await loadHighsBackend();
          } catch (e) {
            if (options.lpBackend === "highs") throw e;
            io.err(`geninv: warning: ${e instanceof Error ? e.message : String(e)} (engine runs without a fallback)\n`);
          }
        }
      };
      if (!pool) await highsHere(); // with worker threads, only when the batch ends up running here
      const gen = loadModelFromFlags(flags);
      if (typeof options.init === "object" && options.init.length !== gen.inputSize) {
        throw new ShapeError(`--init ${flags.init}: the latent vector has ${options.init.length} entries, but ${flags.model} takes ${gen.inputSize}`);
      }
      if ((flags.obs === undefined) === (flags.image === undefined))
        throw new OptionError("give the observations with exactly one of --obs FILE or --image FILE.png");
      const source = flags.obs ?? flags.image!;
      const obs =
        flags.image !== undefined
          ? { x: imageObservation(flags.image, gen.outputSize, maxInputBytes(flags)), z: null }
          : loadObservations(flags.obs!, {
              badRows: "collect",
              ...maxInputBytes(flags),
              // rows of G's outputs (unless the file holds y = A·x): checked before the data is decoded
              ...(flags.sensingMatrix === undefined ? { width: { values: gen.outputSize, by: `${flags.model} outputs` } } : {}),
            });
      const truth = flags.truth !== undefined ? loadArrayFile(flags.truth, "z", maxInputBytes(flags)) : obs.z;
      const seed = options.seed ?? 0;
      if (flags.projection !== undefined) (options as PgdOptions).projection = methodName(flags.projection);
      if (flags.pgdIterations !== undefined) (options as PgdOptions).pgdIterations = numberFromFlag("pgdIterations", flags.pgdIterations);
      if (flags.pgdStep !== undefined) (options as PgdOptions).pgdStep = numberFromFlag("pgdStep", flags.pgdStep);
      if (flags.pgdRestarts !== undefined) (options as PgdOptions).pgdRestarts = numberFromFlag("pgdRestarts", flags.pgdRestarts);
      // what is observed: the full output, a mask of it, or Gaussian / given measurements of it
      const sensing = [flags.mask, flags.measurements, flags.sensingMatrix].filter((v) => v !== undefined).length;
      if (sensing > 1) throw new OptionError("--mask, --measurements and --sensing-matrix exclude each other");
      let operator: MeasurementOperator | null = null;
      if (flags.sensingMatrix !== undefined) {
        const A = loadArrayFile(flags.sensingMatrix, "A", maxInputBytes(flags));
        if (A.cols !== gen.outputSize)
          throw new ShapeError(`${flags.sensingMatrix}: the matrix has ${A.cols} columns, but ${flags.model} outputs ${gen.outputSize}`);
        try {
          operator = denseOperator(A);
        } catch (e) {
          if (e instanceof ShapeError) throw new ShapeError(`--sensing-matrix ${flags.sensingMatrix}: ${e.message}`);
          if (e instanceof InvalidValueError) throw new InvalidValueError(`--sensing-matrix ${flags.sensingMatrix}: ${e.message}`);
          throw e;
        }
      } else if (flags.measurements !== undefined) {
        operator = gaussianOperator(parseIntFlag(flags.measurements, "--measurements", 1, 1e6), gen.outputSize, Rng.derive(seed, 9));
      } else if (flags.mask !== undefined) {
        operator = maskOperator(gen.outputSize, observedIndices(loadMask(flags.mask, gen.outputSize, seed, maxInputBytes(flags))));
      }
      const bad = new Map((obs.badRows ?? []).map((p) => [p.index, p.message] as const));
      if (bad.size > 0 && (flags.strict || bad.size === obs.x.rows)) {
        for (const [b, why] of bad) io.err(`observation ${b}: ${why}\n`);
        const what =
          bad.size === obs.x.rows
            ? `none of the ${obs.x.rows} observation row${obs.x.rows === 1 ? "" : "s"} can be used`
            : `${bad.size} of ${obs.x.rows} observation rows cannot be used`;
        throw new DataFormatError(`${what} (listed above)${bad.size < obs.x.rows ? "; without --strict the other rows are inverted" : ""}`, { file: source });
      }
      const expected = operator && operator.kind === "dense" && flags.sensingMatrix !== undefined ? measurementCount(operator) : gen.outputSize;
      if (obs.x.cols !== expected) {
        throw new ShapeError(
          `${source}: observations have ${obs.x.cols} values each, but ${flags.sensingMatrix !== undefined ? `${flags.sensingMatrix} takes` : `${flags.model} outputs`} ${expected}`,
        );
      }
      if (flags.noise !== undefined) {
        const noise = parseNoise(flags.noise);
        for (let b = 0; b < obs.x.rows; b++) addNoise(obs.x.data.subarray(b * obs.x.cols, (b + 1) * obs.x.cols), noise, Rng.derive(seed, 8, b));
      }
      if (operator) options.operator = operator;
      // the measurements each method sees: y = A·x, unless the file already holds y
      const measure = (x: Float64Array): Float64Array =>
        operator && flags.sensingMatrix === undefined ? applyOperator(operator, x, new Float64Array(measurementCount(operator))) : x;
      if (truth && (truth.cols !== gen.inputSize || truth.rows !== obs.x.rows)) {
        throw new ShapeError(
          `${flags.truth ?? source}: ground truth z is ${truth.rows}×${truth.cols}, expected ${obs.x.rows}×${gen.inputSize} (one z per observation)`,
        );
      }
      if (flags.resume && flags.force) throw new OptionError("--resume and --force exclude each other");
      await runInvertBatch(io, {
        gen,
        method: method.name,
        options,
        model: flags.model,
        rows: obs.x.rows,
        observation: (b) => measure(obs.x.data.subarray(b * obs.x.cols, (b + 1) * obs.x.cols)),
        truth: truth ? (b) => truth.data.subarray(b * truth.cols, (b + 1) * truth.cols) : null,
        badRows: bad,
        outputs: flags.output,
        existing: flags.resume ? "resume" : flags.force ? "force" : "refuse",
        workers,
        ...(pool ? { pool, beforeInProcess: highsHere } : {}),
        // what else determines the rows, for the output's fingerprint (a resume must match it)
        inputs: {
          observations: fileSha256(source),
          ...(flags.truth !== undefined ? { truth: fileSha256(flags.truth) } : {}),
          noise: flags.noise ?? null,
          seed,
        },
      });
    });
}
