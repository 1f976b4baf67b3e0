/** The report the `milp` method puts in its result (a leaf module: result.ts imports it). */
import { type MilpNorm } from "./milp-model.js";

/** What the MILP did, in the result's `milp` field. */
export interface MilpReport {
  norm: MilpNorm;
  /** HiGHS's model status, spelled out (e.g. `optimal`, `time limit`). */
  solverStatus: string;
  /** True when HiGHS proved the incumbent globally optimal over the box (gap closed to tolerance). */
  proved: boolean;
  /** Misfit of the incumbent as HiGHS computed it (NaN when there is none). */
  objective: number;
  /** HiGHS's best (dual) bound: no z in the box has a smaller misfit. */
  bound: number;
  /** Relative gap (objective − bound)/objective as HiGHS reports it (0 when proved). */
  gap: number;
  /** Branch-and-bound nodes. */
  nodes: number;
  /** Simplex iterations of the MIP solve. */
  lpIterations: number;
  /** Binaries in the MIP (units whose side bounds leave open). */
  binaries: number;
  /** Units whose side bounds fixed (no binary needed). */
  fixedUnits: number;
  /** Undecided units after interval bounds only, before LP tightening. */
  undecidedInterval: number;
  boundLps: number;
  boundTimeMs: number;
  /** Seconds HiGHS spent in the MIP solve (its own clock). */
  highsSeconds: number;
  /** The z box searched: [lower, upper] per coordinate (one number when uniform). */
  box: [number, number];
  /** The misfit cap the model used (from the start point, or maxMisfit). */
  cap: number;
  /** Where the MIP start came from. */
  start: "layerwise" | "given" | "none";
}
