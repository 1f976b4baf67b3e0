/**
 * geninv: invert deep generative models G(z) = φ_d(W_d … φ_1(W_1 z + b_1) …) — find z with
 * G(z) ≈ x exactly (Theorem 2) or by linear programming, one layer at a time.
 * @packageDocumentation
 */
export {
  GeninvError,
  ModelFormatError,
  DataFormatError,
  ShapeError,
  InvalidValueError,
  OptionError,
  InfeasibleError,
  SolverError,
  FileError,
} from "./errors.js";
export { type Matrix, zeros, matrix, fromRows, toRows, matVec, matTVec } from "./linalg/matrix.js";
export { type Norms, diffNorms, norm2, relativeError } from "./linalg/norms.js";
export { QrWorkspace, leastSquaresRows, type LeastSquaresInfo } from "./linalg/qr.js";
export {
  type Activation,
  RELU,
  IDENTITY,
  leakyRelu,
  applyActivation,
  inverseActivation,
  activationDerivative,
  parseActivation,
  formatActivation,
} from "./model/activation.js";
export { Generator, type DenseLayer } from "./model/generator.js";
export { Rng } from "./model/rng.js";
export {
  randomGenerator,
  type RandomGeneratorOptions,
  sampleObservations,
  type SampleBatch,
  type NoiseSpec,
  parseNoise,
  addNoise,
} from "./model/random.js";
export { loadModel, type LoadModelOptions } from "./model/io/load.js";
export { parseModelJson, modelFromJson, modelToJson, MODEL_FORMAT, MODEL_VERSION } from "./model/io/json-model.js";
export { parseNpy, encodeNpy, type NdArray } from "./model/io/npy.js";
export { loadObservations, loadArrayFile, type ObservationSet } from "./model/io/arrays.js";
export {
  type InversionResult,
  type InversionStatus,
  type LayerReport,
  type LayerStatus,
  isSuccess,
  resultToJson,
} from "./invert/result.js";
export { type InvertOptions, DEFAULT_TOLERANCES } from "./invert/options.js";
export { type LayerInverter, type LayerContext, type LayerSolution, type LayerFit } from "./invert/layer.js";
export { invertLayerwise } from "./invert/driver.js";
export { invertExactLayer } from "./invert/exact.js";
export {
  type InversionMethod,
  type LayerwiseMethod,
  type WholeNetworkMethod,
  registerMethod,
  getMethod,
  listMethods,
} from "./invert/registry.js";
export { invert, invertBatch, type InvertCall } from "./invert/invert.js";
export { BUILTIN_MODELS, type BuiltinModel, builtinModelNames, builtinModelPath, resolveModelPath } from "./model/io/builtin.js";
export {
  decodePng,
  encodePng,
  type PngImage,
  type RawImage,
  type EncodePngOptions,
  pngToGray,
  pngToGrayVector,
  grayToPng,
  imageGrid,
  type ImageGridOptions,
  type GrayImage,
  besideEachOther,
} from "./experiments/png.js";
