/**
 * `geninv/experiments`: the paper's experiments — Figure 1/2 and sensing runs, the trial runner
 * that spreads them over worker threads, and the SVG/PNG rendering of their results. The core
 * library (`geninv`) does not depend on anything here.
 * @packageDocumentation
 */
export { renderChart, type ChartSpec, type AxisSpec, type Series, type LegendPosition, type MarkerShape } from "../render/svg.js";
export { runTrials, type TrialKind, type RunTrialsOptions, type TrialBatch, type TrialProgress, type RunnerMode } from "./runner.js";
export { type MethodOutcome, PAPER_METHOD_OPTIONS } from "./common.js";
export { fig1Config, runFig1, fig1Svg, fig1Csv, FIG1_DEFAULTS, type Fig1Config, type Fig1Record, type Fig1Result, type Fig1Point } from "./fig1.js";
export { fig2Config, runFig2, fig2Svg, fig2Csv, FIG2_DEFAULTS, type Fig2Config, type Fig2Record, type Fig2Result, type Fig2Point } from "./fig2.js";
export { decodePng, encodePng, type PngImage, type RawImage, type EncodePngOptions, pngToGray, pngToGrayVector, grayToPng } from "../render/png.js";
export { imageGrid, type ImageGridOptions, type GrayImage, besideEachOther } from "../render/grid.js";
