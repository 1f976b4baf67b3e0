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
export { randomGenerator, type RandomGeneratorOptions, sampleObservations, type SampleBatch, type NoiseSpec, parseNoise, addNoise } from "./model/random.js";
export {
  loadModel,
  type LoadModelOptions,
  inspectModelFile,
  type ModelFileDescription,
  loadManifest,
  modelFormatOf,
  MODEL_FORMATS,
  type ModelFormat,
} from "./model/io/load.js";
export { generatorFromTensors, parseManifest, type LayerSelection, type LayerManifest, type ManifestLayer } from "./model/io/state-dict.js";
export { type Tensor, type DType } from "./model/io/tensor.js";
export { readTorchCheckpoint, type TorchCheckpoint } from "./model/io/pytorch/checkpoint.js";
export { readSafetensors, type SafetensorsFile } from "./model/io/safetensors.js";
export { readOnnx, onnxLayers, type OnnxModel } from "./model/io/onnx.js";
export { readNpz, type NpzFile } from "./model/io/npz.js";
export { parseModelJson, modelFromJson, modelToJson, MODEL_FORMAT, MODEL_VERSION } from "./model/io/json-model.js";
export { parseNpy, readNpy, encodeNpy, type NdArray, type NpyFile } from "./model/io/npy.js";
export { loadObservations, loadArrayFile, type ObservationSet } from "./model/io/arrays.js";
export {
  type InversionResult,
  type InversionStatus,
  type LayerReport,
  type LayerStatus,
  type RefinementReport,
  isSuccess,
  resultToJson,
} from "./invert/result.js";
export { type InvertOptions, DEFAULT_TOLERANCES, DEFAULT_LP_OPTIONS } from "./invert/options.js";
export { type LayerInverter, type LayerContext, type LayerSolution, type LayerFit } from "./invert/layer.js";
export { invertLayerwise } from "./invert/driver.js";
export { invertExactLayer } from "./invert/exact.js";
export { invertLinfLayer } from "./invert/linf.js";
export { invertL1Layer } from "./invert/l1.js";
export { invertRelaxedLayer } from "./invert/relaxed.js";
export { invertFeasibleLayer } from "./invert/feasible.js";
export { refineNetwork, linearizeAt, type RefineOutcome } from "./invert/refine.js";
export {
  type LpStatus,
  type FitRows,
  type FitProblem,
  type ChebyshevProblem,
  type LadProblem,
  type RelaxedProblem,
  type LpSolution,
  validateProblem,
} from "./lp/types.js";
export { ChebyshevSolver, type EngineSolution, type ChebyshevSolveOptions } from "./lp/chebyshev.js";
export { LadSolver, type LadSolution, type LadSolveOptions } from "./lp/lad.js";
export { RelaxedSolver, type RelaxedSolveOptions } from "./lp/relaxed.js";
export { FitSolver, type FitSolverOptions, type FitResult, type LpBackendName, LP_BACKENDS } from "./lp/backend.js";
export { loadHighsBackend, highsLoaded, solveWithHighs, type HighsSolveOptions } from "./lp/highs.js";
export { type InversionMethod, type LayerwiseMethod, type WholeNetworkMethod, registerMethod, getMethod, listMethods, methodName } from "./invert/registry.js";
export {
  type MethodName,
  type BuiltinMethodName,
  type HybridMethodName,
  type CustomMethodName,
  type LayerwiseName,
  type GradientName,
  BUILTIN_METHOD_NAMES,
} from "./invert/method-names.js";
export { invert, invertBatch, type InvertCall } from "./invert/invert.js";
export {
  type MeasurementOperator,
  identityOperator,
  maskOperator,
  maskFromBooleans,
  denseOperator,
  gaussianOperator,
  applyOperator,
  applyOperatorTranspose,
  measurementCount,
  observedRows,
} from "./operators/operator.js";
export { invertGradient, type Optimizer } from "./invert/descent.js";
export { GradientWorkspace, objective, objectiveAndGradient } from "./invert/gradient.js";
export { DEFAULT_GRADIENT_OPTIONS } from "./invert/options.js";
export { type PgdOptions, DEFAULT_PGD_OPTIONS } from "./invert/pgd.js";
export { projectedGradientDescent } from "./invert/registry.js";
export { BUILTIN_MODELS, type BuiltinModel, builtinModelNames, builtinModelPath, resolveModelPath } from "./model/io/builtin.js";
