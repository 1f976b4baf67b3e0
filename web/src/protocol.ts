/** Messages between the page (main.ts) and its worker (worker.ts). Plain data: structured-cloned. */
import { type MilpReport } from "../../src/invert/milp-report.js";

/** How the visitor corrupted the image: noise on the observation, and which observation. */
export interface ObservationSpec {
  noise: { kind: "none" | "gaussian" | "uniform"; level: number };
  /** Seed of the noise drawn on the observation vector. */
  noiseSeed: number;
  view:
    | { kind: "full" }
    /** hidden[i] = 1: pixel i is not observed (brush strokes and preset masks). */
    | { kind: "mask"; hidden: Uint8Array }
    /** y = A·G(z*) + e with A an m × n Gaussian matrix, entries N(0, 1/m), from `seed`. */
    | { kind: "sensing"; m: number; seed: number };
}

export type ToWorker =
  | { type: "init" }
  | { type: "load"; id: number; builtin: string }
  | { type: "load"; id: number; file: { name: string; bytes: ArrayBuffer }; activation?: string }
  | { type: "sample"; id: number; seed: number }
  | { type: "invert"; id: number; method: string; clean: Float64Array; zTrue: Float64Array | null; spec: ObservationSpec; seed: number }
  | { type: "fig2"; id: number; ks: number[]; runs: number; layers: number[]; seed: number; methods: string[] };

export interface MethodInfo {
  name: string;
  kind: string;
  description: string;
}

/** One method's answer as the page shows it (all numbers exactly as the library returned them). */
export interface InvertReply {
  type: "result";
  id: number;
  method: string;
  status: string;
  z: Float64Array;
  /** G(ẑ). */
  image: Float64Array;
  /** ‖G(ẑ) − G(z*)‖₂ / ‖G(z*)‖₂ against the clean image (the truth, not the corrupted observation). */
  imageError: number;
  /** ‖ẑ − z*‖₂ / ‖z*‖₂ when z* is known. */
  latentError: number | null;
  residual: { l1: number; l2: number; linf: number };
  /** The method's own time (InversionResult.timeMs). */
  timeMs: number;
  /** Wall time in the worker around the call (building the observation included). */
  wallMs: number;
  warnings: string[];
  iterations: number | null;
  layers: unknown[];
  refinement: unknown;
  /** What the MILP did (method `milp`): proved, binaries, bound LPs, nodes, gap. */
  milp: MilpReport | null;
  /** Observed values and what the visitor sees as the corrupted image (hidden pixels NaN). */
  observed: Float64Array;
}

export type FromWorker =
  | { type: "ready"; methods: MethodInfo[]; highs: boolean; highsError: string | null; ms: number }
  /** HiGHS compiled (ok) or failed to load; `ms` since the worker started. */
  | { type: "highs"; ok: boolean; error: string | null; ms: number; detail: string }
  | { type: "loaded"; id: number; name: string; sizes: number[]; activations: string[]; ms: number }
  | { type: "sampled"; id: number; z: Float64Array; clean: Float64Array }
  | { type: "progress"; id: number; done: number; total: number }
  | InvertReply
  | { type: "fig2"; id: number; done: number; total: number; svg: string; points: unknown[]; finished: boolean }
  | { type: "error"; id: number; message: string; code: string | null };
