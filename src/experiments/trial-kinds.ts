/**
 * The trial kinds a worker thread can run, by name (see runner.ts). A new experiment that wants
 * worker threads adds its kind here.
 */
import { FIG1_TRIALS } from "./fig1.js";
import { FIG2_TRIALS } from "./fig2.js";
import { INVERT_TRIALS } from "./invert-batch.js";
import { type TrialKind } from "./runner.js";
import { SENSING_TRIALS } from "./sensing.js";

/** Every trial kind, keyed by its `name`. */
export const TRIAL_KINDS: Readonly<Record<string, TrialKind<unknown, unknown, unknown>>> = {
  [FIG1_TRIALS.name]: FIG1_TRIALS,
  [FIG2_TRIALS.name]: FIG2_TRIALS,
  [SENSING_TRIALS.name]: SENSING_TRIALS,
  [INVERT_TRIALS.name]: INVERT_TRIALS,
};
