/**
 * `geninv certify`: is the pre-image unique? For each observation x and a candidate ẑ (given, or
 * found by --method), decide by MILP whether every z in the box with ‖A·G(z) − x‖∞ ≤ τ lies
 * within ℓ∞ distance r of ẑ: `unique` (with the proved bound), `not_unique` (with a second
 * pre-image z′, its distance and its fit) or `unknown` (time limit).
 */
import { Command } from "commander";
import { OptionError } from "../../errors.js";
import { normInf } from "../../linalg/norms.js";
import { loadHighsBackend } from "../../lp/highs.js";
import { loadArrayFile, loadObservations } from "../../model/io/arrays.js";
import { certifyUniqueness } from "../../invert/milp-certify.js";
import { getMethod, methodName, runMethod } from "../../invert/registry.js";
import { type CliIo, emitJson } from "../io.js";
import { addMilpFlags, type MilpFlags, milpOptionsFromFlags } from "../milp-flags.js";
import { addModelFlags, loadModelFromFlags, type ModelFlags } from "../model-flags.js";
import { parseNumberFlag } from "../parse.js";

interface CertifyFlags extends ModelFlags, MilpFlags {
  obs: string;
  z?: string;
  method: string;
  tau?: string;
  radius?: string;
  output?: string;
}

/** Default τ relative to max(1, ‖x‖∞), raised to the candidate's own fit when that is larger. */
export const DEFAULT_TAU = 1e-6;
/** Default r relative to max(1, ‖ẑ‖∞). */
export const DEFAULT_RADIUS = 1e-3;

export function certifyCommand(io: CliIo): Command {
  return addMilpFlags(addModelFlags(new Command("certify")), false)
    .description("decide by MILP whether every pre-image of x within τ lies within r of a candidate ẑ: unique, not_unique (with a second pre-image) or unknown")
    .requiredOption("--obs <file>", "observations (JSON, .npy or .npz as for invert); each row is certified")
    .option("--z <file>", "candidate ẑ, one row per observation (.npy, .npz with z, or JSON); default: found by --method")
    .option("--method <name>", "method giving the candidate when --z is absent", "linf")
    .option("--tau <t>", `fit tolerance τ: pre-images are the z with ‖G(z) − x‖∞ ≤ τ (default ${DEFAULT_TAU}·max(1, ‖x‖∞), or the candidate's fit if larger)`)
    .option("--radius <r>", `radius r of the ℓ∞ ball around ẑ (default ${DEFAULT_RADIUS}·max(1, ‖ẑ‖∞))`)
    .option("-o, --output <file>", "write the JSON here instead of stdout")
    .action(async (flags: CertifyFlags) => {
      const milp = milpOptionsFromFlags(flags);
      await loadHighsBackend();
      const gen = loadModelFromFlags(flags);
      const obs = loadObservations(flags.obs);
      const xs = obs.x;
      const zs = flags.z ? loadArrayFile(flags.z, "z") : null;
      if (zs && zs.rows !== xs.rows) throw new OptionError(`--z ${flags.z} has ${zs.rows} rows for ${xs.rows} observations`);
      if (zs && zs.cols !== gen.inputSize)
        throw new OptionError(`--z ${flags.z}: the latent vectors have ${zs.cols} entries, but the model takes ${gen.inputSize}`);
      const tauFlag = flags.tau !== undefined ? parseNumberFlag(flags.tau, "--tau") : undefined;
      if (tauFlag !== undefined && tauFlag < 0) throw new OptionError(`--tau expects a number ≥ 0, got '${flags.tau}'`);
      const radiusFlag = flags.radius !== undefined ? parseNumberFlag(flags.radius, "--radius", true) : undefined;
      const method = zs ? null : getMethod(methodName(flags.method));
      const out: Record<string, unknown>[] = [];
      for (let b = 0; b < xs.rows; b++) {
        const x = xs.data.subarray(b * xs.cols, (b + 1) * xs.cols);
        let zHat: Float64Array;
        let candidate: Record<string, unknown>;
        if (zs) {
          zHat = zs.data.slice(b * zs.cols, (b + 1) * zs.cols);
          candidate = { source: flags.z };
        } else {
          const r = runMethod(method!, gen, x, {});
          zHat = r.z;
          candidate = { source: method!.name, status: r.status, residual: r.residual };
        }
        const fit = normInf(Float64Array.from(gen.forward(zHat), (v, i) => v - x[i]!));
        const tau = tauFlag ?? Math.max(DEFAULT_TAU * Math.max(1, normInf(x)), fit * (1 + 1e-6));
        const radius = radiusFlag ?? DEFAULT_RADIUS * Math.max(1, normInf(zHat));
        const c = certifyUniqueness(gen, x, zHat, {
          tau,
          radius,
          ...(milp.box !== undefined ? { box: milp.box } : {}),
          ...(milp.timeLimit !== undefined ? { timeLimit: milp.timeLimit } : {}),
          ...(milp.maxBinaries !== undefined ? { maxBinaries: milp.maxBinaries } : {}),
          ...(milp.milpTighten === false ? { boundTimeMs: 0 } : {}),
        });
        out.push({
          index: b,
          verdict: c.verdict,
          tau: c.tau,
          radius: c.radius,
          bound: c.bound,
          candidate: { ...candidate, z: Array.from(zHat), fit: c.candidateFit },
          ...(c.witness
            ? { witness: { z: Array.from(c.witness.z), distanceInf: c.witness.distanceInf, distance2: c.witness.distance2, fit: c.witness.fit } }
            : {}),
          mips: c.mips,
          nodes: c.nodes,
          binaries: c.binaries,
          box: c.box,
          timeMs: c.timeMs,
          warnings: c.warnings,
        });
        io.err(
          `observation ${b}: ${c.verdict} (bound ${c.bound.toExponential(3)}, r = ${radius.toExponential(3)}, τ = ${tau.toExponential(3)}${c.witness ? `; second pre-image at ℓ∞ distance ${c.witness.distanceInf.toExponential(3)} fitting to ${c.witness.fit.linf.toExponential(3)}` : ""})\n`,
        );
      }
      emitJson(io, out.length === 1 ? out[0] : out, flags.output);
    });
}
