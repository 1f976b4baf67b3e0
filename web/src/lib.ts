/**
 * Everything the page's worker takes from the library, in one place (the library's own modules,
 * bundled: no file system, no Node built-ins on this path except those stubbed in build.mjs).
 */
export { loadModelBytes } from "../../src/model/io/model-bytes.js";
export { loadHighsBackend, highsLoaded } from "../../src/lp/highs.js";
export { missedHighsFallbacks } from "../../src/lp/backend.js";
export { getMethod, methodName, listMethods, runMethod, hybridParts } from "../../src/invert/registry.js";
export { type InversionResult, type LayerReport } from "../../src/invert/result.js";
export { type MilpReport } from "../../src/invert/milp-report.js";
export { type InvertOptions } from "../../src/invert/options.js";
export { type Generator } from "../../src/model/generator.js";
export { formatActivation } from "../../src/model/activation.js";
export { Rng } from "../../src/model/rng.js";
export { addNoise, sampleObservations, type NoiseSpec } from "../../src/model/random.js";
export { relativeError, diffNorms } from "../../src/linalg/norms.js";
export { applyOperator, gaussianOperator, maskOperator, type MeasurementOperator } from "../../src/operators/operator.js";
export { parseMaskSpec } from "../../src/operators/masks.js";
export { methodOptions, TRAINED_NET_METHOD_OPTIONS } from "../../src/experiments/common.js";
export { FIG2_TRIALS, fig2Config, fig2Svg, summarizeFig2, type Fig2Config, type Fig2Record } from "../../src/experiments/fig2.js";
export { GeninvError, SolverError } from "../../src/errors.js";
