/**
 * Dependency-free SVG charts for the reproduced figures: linear or log axes with ticks (decades
 * labelled 10^k on log axes), axis titles, a legend, scatter clouds (one dot per run), lines with
 * markers (medians, success rates) and shaded areas. Pure functions from a spec to SVG text; every
 * string that reaches the output is escaped, and every number is rounded so output is stable.
 * Scales, domains, ticks and number formatting are render/axes.ts.
 */
import {
  type AxisScale,
  type AxisSpec,
  axisDomain,
  decadeLabel,
  escapeXml,
  formatTick,
  inDomain,
  linearTicks,
  logTicks,
  makeScale,
  minorLogTicks,
  num,
} from "./axes.js";

export { type AxisScale, type AxisSpec } from "./axes.js";

/**
 * Marker drawn at each point of a line series (and in the legend).
 * @example
 * ```ts
 * import { renderChart, type MarkerShape, type Series } from "geninv/experiments";
 * const shapes: MarkerShape[] = ["circle", "square", "triangle", "diamond"];
 * const series: Series[] = shapes.map((marker, i) => ({ name: marker, kind: "line", marker, points: [[0, i], [1, i + 1]] }));
 * const svg = renderChart({ x: { label: "x" }, y: { label: "y" }, series });
 * ```
 */
export type MarkerShape = "circle" | "square" | "triangle" | "diamond" | "none";

/**
 * A data series. Points with a non-finite coordinate are skipped (and counted in the notes).
 * @example
 * ```ts
 * import { renderChart, type Series } from "geninv/experiments";
 * const cloud: Series = { name: "trials", kind: "scatter", points: [[1, 0.9], [1, 1.2], [2, 2.1]], jitter: 4 };
 * const fit: Series = { name: "y = x", kind: "line", points: [[0, 0], [3, 3]], dash: "6 4", marker: "none", onTop: true };
 * const svg = renderChart({ x: { label: "x" }, y: { label: "y" }, series: [cloud, fit] });
 * ```
 */
export interface Series {
  /** Legend text. */
  name: string;
  /** `scatter`: one dot per point; `line`: connected, with markers; `area`: filled down to `baseline`. */
  kind: "scatter" | "line" | "area";
  /** The data points, [x, y] in data units. */
  points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour (default: the next colour of {@link PALETTE}). */
  color?: string;
  /** SVG dash pattern of the line / area edge, e.g. "6 4". */
  dash?: string;
  /** Line width in px (default 2; area edges 1.5). */
  width?: number;
  /** Marker of a line series (default circle; scatter always uses circles). */
  marker?: MarkerShape;
  /** Opacity of scatter dots (default 0.35) or area fill (default 0.18). */
  opacity?: number;
  /** Draw after (on top of) every other series, e.g. a reference line. */
  onTop?: boolean;
  /** Dot / marker radius in px (default 2.2 for scatter, 3.5 for line markers). */
  radius?: number;
  /** Scatter: horizontal offset in px, so the clouds of different methods sit side by side. */
  offset?: number;
  /** Scatter: random horizontal spread ±jitter px (deterministic per point; default 0). */
  jitter?: number;
  /** Area: the y value the fill goes down to (default the bottom of the y axis). */
  baseline?: number;
  /** Leave out of the legend (e.g. a scatter whose median line carries the name). */
  hideInLegend?: boolean;
}

/**
 * Where the legend goes: outside to the right of the plot, or in a corner inside it.
 * @example
 * ```ts
 * import { renderChart, type LegendPosition } from "geninv/experiments";
 * const legend: LegendPosition = "top-left";
 * const svg = renderChart({ x: { label: "x" }, y: { label: "y" }, legend, series: [{ name: "a", kind: "line", points: [[0, 1], [1, 2]] }] });
 * ```
 */
export type LegendPosition = "right" | "top-left" | "top-right" | "bottom-left" | "bottom-right" | "none";

/**
 * A whole chart, as {@link renderChart} draws it.
 * @example
 * ```ts
 * import { renderChart, type ChartSpec } from "geninv/experiments";
 * const spec: ChartSpec = {
 *   title: "error vs noise",
 *   subtitle: "seed 1",
 *   x: { label: "noise", scale: "log" },
 *   y: { label: "error", scale: "log" },
 *   series: [{ name: "linf", kind: "line", points: [[1e-3, 2e-3], [1e-2, 2e-2]] }],
 *   notes: ["illustrative numbers"],
 * };
 * if (!renderChart(spec).startsWith("<svg")) throw new Error("an SVG document");
 * ```
 */
export interface ChartSpec {
  /** Title above the plot. */
  title?: string;
  /** Smaller second title line (settings, seed). */
  subtitle?: string;
  /** Overall size in px (default 760 × 460). */
  width?: number;
  /** Overall height in px (default 460). */
  height?: number;
  /** The horizontal axis. */
  x: AxisSpec;
  /** The vertical axis. */
  y: AxisSpec;
  /** The data, drawn in order. */
  series: readonly Series[];
  /** Where the legend goes (default `right`). */
  legend?: LegendPosition;
  /** Extra lines printed under the plot (small, grey). */
  notes?: readonly string[];
}

/** Matplotlib's "tab10" colours, the palette the paper's figures use. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"] as const;

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Deterministic pseudo-random number in [-1, 1) from an integer (for scatter jitter). */
function hashUnit(i: number, salt: number): number {
  let h = Math.imul(i + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 0x27d4eb2d, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  return ((h >>> 0) / 4294967296) * 2 - 1;
}

function markerPath(shape: MarkerShape, x: number, y: number, r: number): string {
  switch (shape) {
    case "square":
      return `<rect x="${num(x - r)}" y="${num(y - r)}" width="${num(2 * r)}" height="${num(2 * r)}"/>`;
    case "triangle":
      return `<path d="M${num(x)},${num(y - 1.2 * r)}L${num(x + 1.1 * r)},${num(y + 0.8 * r)}L${num(x - 1.1 * r)},${num(y + 0.8 * r)}Z"/>`;
    case "diamond":
      return `<path d="M${num(x)},${num(y - 1.3 * r)}L${num(x + 1.3 * r)},${num(y)}L${num(x)},${num(y + 1.3 * r)}L${num(x - 1.3 * r)},${num(y)}Z"/>`;
    case "circle":
      return `<circle cx="${num(x)}" cy="${num(y)}" r="${num(r)}"/>`;
    case "none":
      return "";
  }
}

/** An axis's tick label as SVG markup: its own format (escaped), else 10^k on log axes, else the shortest decimal. */
function tickLabel(axis: AxisSpec, kind: AxisScale): (t: number) => string {
  const format = axis.format;
  if (format) return (t) => escapeXml(format(t));
  return kind === "log" ? decadeLabel : (t) => escapeXml(formatTick(t));
}

/**
 * Render a chart as a standalone SVG document. Series are drawn in order (areas first is up to the
 * caller), clipped to the plot area; the legend lists every series not marked `hideInLegend`.
 * @param spec the axes, the series, the legend's place, title and notes
 * @returns the SVG document's text
 * @throws nothing: points a log axis cannot show are left out and counted in a note
 * @example
 * ```ts
 * import { renderChart } from "geninv/experiments";
 * const svg = renderChart({
 *   x: { label: "noise", scale: "log" },
 *   y: { label: "error", scale: "log" },
 *   series: [{ name: "linf", kind: "line", points: [[1e-3, 2e-3], [1e-2, 2e-2]] }],
 * });
 * ```
 */
export function renderChart(spec: ChartSpec): string {
  const W = spec.width ?? 760;
  const H = spec.height ?? 460;
  const legendPos = spec.legend ?? "right";
  const shown = spec.series.filter((s) => !s.hideInLegend);
  const legendW = legendPos === "right" && shown.length > 0 ? Math.min(320, 50 + 6.8 * Math.max(...shown.map((s) => s.name.length))) : 0;
  const titleH = (spec.title ? 26 : 8) + (spec.subtitle ? 18 : 0);
  const notes = [...(spec.notes ?? [])];
  const colorOf = new Map(spec.series.map((s, i) => [s, s.color ?? PALETTE[i % PALETTE.length] ?? "#000"] as const));

  // leave out (and say so) what a log axis cannot show
  const xs: number[] = [];
  const ys: number[] = [];
  let dropped = 0;
  const xKind = spec.x.scale ?? "linear";
  const yKind = spec.y.scale ?? "linear";
  // each series with its index, its colour and the points a log axis can show
  const drawn = spec.series.map((s, si) => ({
    s,
    si,
    color: colorOf.get(s) ?? "#000",
    pts: s.points.filter(([x, y]) => {
      const ok = Number.isFinite(x) && Number.isFinite(y) && (xKind === "linear" || x > 0) && (yKind === "linear" || y > 0);
      if (ok) {
        xs.push(x);
        ys.push(y);
      } else dropped++;
      return ok;
    }),
  }));
  if (dropped > 0) notes.push(`${dropped} point${dropped === 1 ? "" : "s"} not shown (non-finite, or ≤ 0 on a log axis)`);
  const notesH = notes.length * 14 + (notes.length ? 6 : 0);

  const left = 78;
  const right = W - 18 - legendW;
  const top = titleH + 10;
  const bottom = H - 52 - notesH;
  const [x0, x1] = axisDomain(spec.x, xs);
  const [y0, y1] = axisDomain(spec.y, ys);
  const sx = makeScale(xKind, x0, x1, left, right);
  const sy = makeScale(yKind, y0, y1, bottom, top);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(
    `<defs><clipPath id="plot-area"><rect x="${num(left - 6)}" y="${num(top - 6)}" width="${num(right - left + 12)}" height="${num(bottom - top + 12)}"/></clipPath></defs>`,
  );
  if (spec.title)
    out.push(
      `<text class="title" x="${num((left + right) / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
    );
  if (spec.subtitle)
    out.push(
      `<text class="subtitle" x="${num((left + right) / 2)}" y="${spec.title ? 38 : 20}" text-anchor="middle" font-size="11" fill="#555">${escapeXml(spec.subtitle)}</text>`,
    );

  // axes: grid, ticks, labels
  const xTicks = (spec.x.ticks ?? (xKind === "log" ? logTicks(x0, x1) : linearTicks(x0, x1))).filter((t) => inDomain(t, x0, x1, xKind));
  const yTicks = (spec.y.ticks ?? (yKind === "log" ? logTicks(y0, y1, 8) : linearTicks(y0, y1))).filter((t) => inDomain(t, y0, y1, yKind));
  const labelX = tickLabel(spec.x, xKind);
  const labelY = tickLabel(spec.y, yKind);
  const gridX = spec.x.grid ?? true;
  const gridY = spec.y.grid ?? true;
  out.push(`<g class="grid" stroke="#e6e6e6" stroke-width="1">`);
  if (gridX) for (const t of xTicks) out.push(`<line x1="${num(sx.map(t))}" y1="${num(top)}" x2="${num(sx.map(t))}" y2="${num(bottom)}"/>`);
  if (gridY) for (const t of yTicks) out.push(`<line x1="${num(left)}" y1="${num(sy.map(t))}" x2="${num(right)}" y2="${num(sy.map(t))}"/>`);
  out.push(`</g>`);
  // minor ticks at 2..9 × 10^k on log axes
  out.push(`<g class="minor-ticks" stroke="#444" stroke-width="0.8">`);
  if (xKind === "log")
    for (const t of minorLogTicks(x0, x1)) out.push(`<line x1="${num(sx.map(t))}" y1="${num(bottom)}" x2="${num(sx.map(t))}" y2="${num(bottom + 3)}"/>`);
  if (yKind === "log")
    for (const t of minorLogTicks(y0, y1)) out.push(`<line x1="${num(left - 3)}" y1="${num(sy.map(t))}" x2="${num(left)}" y2="${num(sy.map(t))}"/>`);
  out.push(`</g>`);
  out.push(`<g class="x-axis" font-size="12">`);
  for (const t of xTicks) {
    const px = sx.map(t);
    const label = labelX(t);
    out.push(`<line x1="${num(px)}" y1="${num(bottom)}" x2="${num(px)}" y2="${num(bottom + 6)}" stroke="#222"/>`);
    out.push(`<text class="tick-label" x="${num(px)}" y="${num(bottom + 20)}" text-anchor="middle" data-value="${t}">${label}</text>`);
  }
  out.push(
    `<text class="axis-title" x="${num((left + right) / 2)}" y="${num(bottom + 42)}" text-anchor="middle" font-size="13">${escapeXml(spec.x.label)}</text>`,
  );
  out.push(`</g>`);
  out.push(`<g class="y-axis" font-size="12">`);
  for (const t of yTicks) {
    const py = sy.map(t);
    const label = labelY(t);
    out.push(`<line x1="${num(left - 6)}" y1="${num(py)}" x2="${num(left)}" y2="${num(py)}" stroke="#222"/>`);
    out.push(`<text class="tick-label" x="${num(left - 9)}" y="${num(py + 4)}" text-anchor="end" data-value="${t}">${label}</text>`);
  }
  const yMid = (top + bottom) / 2;
  out.push(
    `<text class="axis-title" x="18" y="${num(yMid)}" text-anchor="middle" transform="rotate(-90 18 ${num(yMid)})" font-size="13">${escapeXml(spec.y.label)}</text>`,
  );
  out.push(`</g>`);

  // data
  out.push(`<g class="data" clip-path="url(#plot-area)">`);
  const order = [...drawn].sort((a, b) => Number(a.s.onTop ?? false) - Number(b.s.onTop ?? false));
  order.forEach(({ s, si, pts, color: raw }) => {
    const color = escapeXml(raw);
    const name = escapeXml(s.name);
    if (s.kind === "scatter") {
      const r = s.radius ?? 2.2;
      const op = s.opacity ?? 0.35;
      out.push(`<g class="series scatter" data-series="${name}" fill="${color}" fill-opacity="${op}" stroke="none">`);
      pts.forEach(([x, y], i) => {
        const px = sx.map(x) + (s.offset ?? 0) + (s.jitter ? s.jitter * hashUnit(i, si) : 0);
        out.push(`<circle cx="${num(px)}" cy="${num(sy.map(y))}" r="${num(r)}"/>`);
      });
      out.push(`</g>`);
      return;
    }
    const sorted = [...pts].sort((a, b) => a[0] - b[0]);
    const path = sorted.map(([x, y], i) => `${i === 0 ? "M" : "L"}${num(sx.map(x))},${num(sy.map(y))}`).join("");
    const dash = s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : "";
    if (s.kind === "area") {
      if (sorted.length === 0) return;
      const base = sy.map(s.baseline !== undefined && sy.accepts(s.baseline) ? s.baseline : y0);
      const first = sorted[0]!;
      const last = sorted[sorted.length - 1]!;
      const fillPath = `${path}L${num(sx.map(last[0]))},${num(base)}L${num(sx.map(first[0]))},${num(base)}Z`;
      out.push(`<g class="series area" data-series="${name}">`);
      out.push(`<path d="${fillPath}" fill="${color}" fill-opacity="${s.opacity ?? 0.18}" stroke="none"/>`);
      out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="${s.width ?? 1.5}"${dash}/>`);
      out.push(`</g>`);
      return;
    }
    out.push(`<g class="series line" data-series="${name}">`);
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${dash}/>`);
    const shape = s.marker ?? "circle";
    if (shape !== "none") {
      out.push(`<g fill="${color}" stroke="#ffffff" stroke-width="0.8">`);
      for (const [x, y] of sorted) out.push(markerPath(shape, sx.map(x), sy.map(y), s.radius ?? 3.5));
      out.push(`</g>`);
    }
    out.push(`</g>`);
  });
  out.push(`</g>`);
  out.push(
    `<rect class="frame" x="${num(left)}" y="${num(top)}" width="${num(right - left)}" height="${num(bottom - top)}" fill="none" stroke="#222" stroke-width="1"/>`,
  );

  // legend
  if (legendPos !== "none" && shown.length > 0) {
    const rowH = 20;
    const boxW = legendPos === "right" ? legendW - 8 : Math.min(320, 50 + 6.8 * Math.max(...shown.map((s) => s.name.length)));
    const boxH = shown.length * rowH + 10;
    const lx = legendPos === "right" ? right + 12 : legendPos.endsWith("left") ? left + 10 : right - 10 - boxW;
    const ly = legendPos === "right" || legendPos.startsWith("top") ? top + 6 : bottom - 6 - boxH;
    out.push(`<g class="legend" font-size="12">`);
    out.push(`<rect x="${num(lx)}" y="${num(ly)}" width="${num(boxW)}" height="${num(boxH)}" fill="#ffffff" fill-opacity="0.9" stroke="#bbb"/>`);
    shown.forEach((s, i) => {
      const color = escapeXml(colorOf.get(s) ?? "#000");
      const cy = ly + 5 + rowH * i + rowH / 2;
      const x = lx + 8;
      if (s.kind === "scatter") {
        out.push(`<circle cx="${num(x + 13)}" cy="${num(cy)}" r="3.5" fill="${color}" fill-opacity="${Math.max(0.5, s.opacity ?? 0.35)}"/>`);
      } else if (s.kind === "area") {
        out.push(
          `<rect x="${num(x)}" y="${num(cy - 6)}" width="26" height="12" fill="${color}" fill-opacity="${s.opacity ?? 0.18}" stroke="${color}"${s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : ""}/>`,
        );
      } else {
        out.push(
          `<line x1="${num(x)}" y1="${num(cy)}" x2="${num(x + 26)}" y2="${num(cy)}" stroke="${color}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : ""}/>`,
        );
        if ((s.marker ?? "circle") !== "none")
          out.push(`<g fill="${color}" stroke="#ffffff" stroke-width="0.8">${markerPath(s.marker ?? "circle", x + 13, cy, 3.5)}</g>`);
      }
      out.push(`<text class="legend-label" x="${num(x + 34)}" y="${num(cy + 4)}">${escapeXml(s.name)}</text>`);
    });
    out.push(`</g>`);
  }

  if (notes.length) {
    out.push(`<g class="notes" font-size="11" fill="#666">`);
    notes.forEach((n, i) => out.push(`<text x="${num(left)}" y="${num(H - notesH + 10 + 14 * i)}">${escapeXml(n)}</text>`));
    out.push(`</g>`);
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
