/**
 * Chart axes: the data → pixel scales (linear and log), domains widened to nice bounds (whole
 * decades on log axes, 1-2-5 steps on linear ones), major and minor ticks and their labels
 * (10^k on log axes), and the number and text formatting every SVG string goes through.
 */

/** How an axis maps data to the page. */
export type AxisScale = "linear" | "log";

/**
 * One axis of a chart.
 * @example
 * ```ts
 * import { renderChart, type AxisSpec } from "geninv/experiments";
 * const x: AxisSpec = { label: "measurements m", min: 0, max: 100, ticks: [0, 25, 50, 75, 100] };
 * const y: AxisSpec = { label: "success rate", format: (v) => `${Math.round(100 * v)} %`, grid: false };
 * const svg = renderChart({ x, y, series: [{ name: "exact", kind: "line", points: [[25, 0.1], [50, 0.8], [75, 1]] }] });
 * ```
 */
export interface AxisSpec {
  /** Axis title, e.g. "relative noise level". */
  label: string;
  /** Default linear. Log axes ignore values ≤ 0 (the chart notes how many it left out). */
  scale?: AxisScale;
  /** Domain bounds; by default taken from the data (widened to whole decades on log axes). */
  min?: number;
  /** Upper domain bound (default: from the data). */
  max?: number;
  /** Explicit tick positions (default: decades on log axes, 1-2-5 steps on linear axes). */
  ticks?: readonly number[];
  /** Tick label text (default: 10^k on log axes, shortest decimal on linear axes). */
  format?: (value: number) => string;
  /** Draw light grid lines at the ticks (default true). */
  grid?: boolean;
}

/** Escape text for use in SVG element content or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"));
}

/** A number as SVG coordinate text: two decimals, no trailing zeros, no "-0". */
export function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) || r === 0 ? "0" : String(r);
}

/** A data → pixel map for one axis. */
export interface Scale {
  readonly kind: AxisScale;
  readonly min: number;
  readonly max: number;
  /** Pixel position of `v` (NaN when `v` is outside a log axis's domain, i.e. ≤ 0). */
  map(v: number): number;
  /** True when `v` can be placed on this axis. */
  accepts(v: number): boolean;
}

/**
 * A scale from the domain [min, max] onto the pixel range [p0, p1] (p1 < p0 for a y axis, where
 * pixels grow downwards). Log scales map log10 linearly.
 */
export function makeScale(kind: AxisScale, min: number, max: number, p0: number, p1: number): Scale {
  if (kind === "log" && !(min > 0 && max > 0)) throw new RangeError(`log axis needs a positive domain, got [${min}, ${max}]`);
  if (!(max > min)) throw new RangeError(`axis domain must have max > min, got [${min}, ${max}]`);
  const f = kind === "log" ? Math.log10 : (v: number): number => v;
  const a = f(min);
  const b = f(max);
  const k = (p1 - p0) / (b - a);
  return {
    kind,
    min,
    max,
    map: (v) => (kind === "log" && !(v > 0) ? NaN : p0 + (f(v) - a) * k),
    accepts: (v) => Number.isFinite(v) && (kind === "linear" || v > 0),
  };
}

/** Whole-decade bounds around positive data: [10^floor(log10 lo), 10^ceil(log10 hi)]. */
export function decadeDomain(lo: number, hi: number): [number, number] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  let b = Math.ceil(Math.log10(hi) - 1e-9);
  if (b <= a) b = a + 1;
  return [10 ** a, 10 ** b];
}

/** Decade ticks 10^k inside [min, max], thinned to at most `maxTicks` (every 2nd, 3rd … decade). */
export function logTicks(min: number, max: number, maxTicks = 10): number[] {
  const a = Math.ceil(Math.log10(min) - 1e-9);
  const b = Math.floor(Math.log10(max) + 1e-9);
  const step = Math.max(1, Math.ceil((b - a + 1) / maxTicks));
  const out: number[] = [];
  for (let e = a; e <= b; e += step) out.push(Number(`1e${e}`));
  return out;
}

/** "Nice" linear ticks (steps 1, 2 or 5 × 10^k) covering [min, max], about `target` of them. */
export function linearTicks(min: number, max: number, target = 6): number[] {
  const span = max - min;
  const raw = span / Math.max(1, target - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw - 1e-12 * mag) ?? 10 * mag;
  const first = Math.ceil(min / step - 1e-9);
  const out: number[] = [];
  for (let i = first; i * step <= max + step * 1e-9; i++) out.push(roundTo(i * step, step));
  return out;
}

function roundTo(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(digits, 15)));
}

/** Nice linear bounds around [lo, hi]: outward to the tick step. */
function niceLinearDomain(lo: number, hi: number): [number, number] {
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  const ticks = linearTicks(lo, hi);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : hi - lo;
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** The label of a decade tick: "1", "10", or 10 with a superscript exponent (as SVG markup). */
export function decadeLabel(v: number): string {
  const e = Math.round(Math.log10(v));
  if (e === 0) return "1";
  if (e === 1) return "10";
  return `10<tspan dy="-0.55em" font-size="75%">${e < 0 ? "\u2212" : ""}${Math.abs(e)}</tspan>`;
}

/** Shortest decimal text of a tick value (at most 6 significant digits). */
export function formatTick(v: number): string {
  if (v === 0) return "0";
  const s = String(Number(v.toPrecision(6)));
  return s.replace("-", "\u2212");
}

/** The domain of one axis: its explicit bounds, else the data's, widened to nice bounds. */
export function axisDomain(axis: AxisSpec, values: number[]): [number, number] {
  const kind = axis.scale ?? "linear";
  const usable = values.filter((v) => Number.isFinite(v) && (kind === "linear" || v > 0));
  let lo = axis.min ?? (usable.length ? Math.min(...usable) : kind === "log" ? 1 : 0);
  let hi = axis.max ?? (usable.length ? Math.max(...usable) : kind === "log" ? 10 : 1);
  if (kind === "log") {
    if (axis.min === undefined || axis.max === undefined) {
      const [a, b] = decadeDomain(lo, hi);
      if (axis.min === undefined) lo = a;
      if (axis.max === undefined) hi = b;
    }
  } else if (axis.min === undefined || axis.max === undefined) {
    const [a, b] = niceLinearDomain(lo, hi);
    if (axis.min === undefined) lo = a;
    if (axis.max === undefined) hi = b;
  }
  if (!(hi > lo)) hi = kind === "log" ? lo * 10 : lo + 1;
  return [lo, hi];
}

/** Whether tick t lies in [lo, hi] (relative slack 1e-9). */
export function inDomain(t: number, lo: number, hi: number, kind: AxisScale): boolean {
  if (kind === "log") return t > 0 && t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9);
  const tol = (hi - lo) * 1e-9;
  return t >= lo - tol && t <= hi + tol;
}

/** The log axis's minor ticks 2..9 × 10^k strictly inside (min, max); none when too dense. */
export function minorLogTicks(min: number, max: number): number[] {
  const out: number[] = [];
  const a = Math.floor(Math.log10(min));
  const b = Math.ceil(Math.log10(max));
  if (b - a > 12) return out; // too dense to help
  for (let e = a; e < b; e++) {
    for (let m = 2; m <= 9; m++) {
      const v = m * 10 ** e;
      if (v > min && v < max) out.push(v);
    }
  }
  return out;
}
