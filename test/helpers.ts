/** Shared test helpers. */
import { type CliIo } from "../src/cli/io.js";
import { type Generator } from "../src/model/generator.js";
import { sampleObservations } from "../src/model/random.js";

/** Row b of a row-major batch. */
export function rowOf(m: { cols: number; data: Float64Array }, b: number): Float64Array {
  return m.data.subarray(b * m.cols, (b + 1) * m.cols);
}

/** One noiseless sample (z*, x = G(z*)) from `gen` with seed `seed`. */
export function sampleOne(gen: Generator, seed: number): { z: Float64Array; x: Float64Array } {
  const s = sampleObservations(gen, 1, seed);
  return { z: s.z.data, x: s.x.data };
}

/** A CLI io that keeps what the command writes to stdout and stderr (not a TTY, empty env). */
export function memIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    errIsTTY: false,
    env: {},
    exitCode: 0,
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
  };
  return io;
}
