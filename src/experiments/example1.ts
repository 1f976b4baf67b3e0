/**
 * Example 1 of the paper (section 3), runnable: a two-layer ReLU network with k = 2 whose
 * pre-image of an x is not convex. The paper's own example is in its appendix (not in
 * ../shared/paper); this one is designed from the statement:
 *
 *   h = relu(z₁), relu(−z₁), relu(z₂), relu(−z₂)          (so h₁ + h₂ = |z₁|, h₃ + h₄ = |z₂|)
 *   G(z) = ( relu(1 − |z₁| − |z₂|), relu(|z₁| − |z₂|) ),   x = (0, 0)
 *
 * G(z) = 0 iff |z₁| + |z₂| ≥ 1 and |z₁| ≤ |z₂|: two disjoint wedges (above and below the
 * diamond), so (0, ±1.5) are pre-images while their midpoint (0, 0) maps to (1, 0).
 *
 * The pre-image is computed exactly, not sampled: the plane (a window of it) is cut into the
 * activation regions of every unit — convex polygons on which G is affine, G(z) = J z + o — by
 * clipping polygons with each unit's zero line (layer 2's lines are affine on each layer-1
 * region); on each region the pre-image is {z : J_A z + o_A = x_A} for the active outputs A
 * (and empty when an inactive output's x_j ≠ 0): the whole polygon, a segment or a point.
 */
import { OptionError } from "../errors.js";
import { RELU } from "../model/activation.js";
import { Generator } from "../model/generator.js";

/** A point of the plane. */
export type Point = [number, number];

/** One activation region: a convex polygon (counter-clockwise) and G's affine map on it. */
export interface Region {
  polygon: Point[];
  /** Activation pattern, one 0/1 per unit, layer 1 first. */
  pattern: number[];
  /** G(z) = J z + o on the region (rows: outputs). */
  J: number[][];
  o: number[];
}

/** The part of the pre-image inside one region. */
export type Piece = { kind: "polygon"; points: Point[] } | { kind: "segment"; points: [Point, Point] } | { kind: "point"; points: [Point] };

/** Everything Example 1 computes. */
export interface Example1Result {
  gen: Generator;
  x: number[];
  window: [number, number];
  regions: Region[];
  pieces: Piece[];
  /** Two pre-images whose midpoint is not one, with G at the midpoint. */
  pair: { p: Point; q: Point; mid: Point; gMid: number[] } | null;
}

/** The network of Example 1. */
export function example1Network(): Generator {
  const w1 = { rows: 4, cols: 2, data: Float64Array.from([1, 0, -1, 0, 0, 1, 0, -1]) };
  const w2 = { rows: 2, cols: 4, data: Float64Array.from([-1, -1, -1, -1, 1, 1, -1, -1]) };
  return new Generator([
    { weight: w1, bias: null, activation: RELU, name: "abs" },
    { weight: w2, bias: Float64Array.from([1, 0]), activation: RELU, name: "out" },
  ]);
}

const EPS = 1e-12;

/** Clip a convex polygon to the half-plane a·p + b ≥ 0 (sign 1) or ≤ 0 (sign −1). */
function clip(poly: Point[], a: Point, b: number, sign: 1 | -1): Point[] {
  const out: Point[] = [];
  const f = (p: Point): number => sign * (a[0] * p[0] + a[1] * p[1] + b);
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    const fp = f(p);
    const fq = f(q);
    if (fp >= -EPS) out.push(p);
    if ((fp > EPS && fq < -EPS) || (fp < -EPS && fq > EPS)) {
      const t = fp / (fp - fq);
      out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
    }
  }
  return dedupe(out);
}

function dedupe(poly: Point[]): Point[] {
  const out: Point[] = [];
  for (const p of poly) {
    const last = out[out.length - 1];
    if (!last || Math.abs(last[0] - p[0]) > 1e-12 || Math.abs(last[1] - p[1]) > 1e-12) out.push(p);
  }
  if (out.length > 1 && Math.abs(out[0]![0] - out[out.length - 1]![0]) <= 1e-12 && Math.abs(out[0]![1] - out[out.length - 1]![1]) <= 1e-12) out.pop();
  return out;
}

function area(poly: Point[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!;
    const q = poly[(i + 1) % poly.length]!;
    s += p[0] * q[1] - q[0] * p[1];
  }
  return s / 2;
}

function centroid(poly: Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of poly) {
    x += p[0];
    y += p[1];
  }
  return [x / poly.length, y / poly.length];
}

/**
 * The activation regions of a generator G: ℝ² → ℝⁿ inside the square window [lo, hi]², exactly
 * (polygon clipping, one unit at a time).
 */
export function activationRegions(gen: Generator, window: [number, number]): Region[] {
  if (gen.inputSize !== 2) throw new OptionError(`activation regions of the plane need k = 2, the generator takes ${gen.inputSize} inputs`);
  const [lo, hi] = window;
  // each cell: polygon, pattern so far, and the affine map of the current layer's input
  type Cell = { polygon: Point[]; pattern: number[]; J: number[][]; o: number[] };
  let cells: Cell[] = [
    {
      polygon: [
        [lo, lo],
        [hi, lo],
        [hi, hi],
        [lo, hi],
      ],
      pattern: [],
      J: [
        [1, 0],
        [0, 1],
      ],
      o: [0, 0],
    },
  ];
  for (const layer of gen.layers) {
    const { rows, cols, data } = layer.weight;
    const relu = layer.activation.kind === "relu";
    // pre-activations of this layer as affine maps, per cell
    const next: Cell[] = [];
    for (const cell of cells) {
      const A: number[][] = [];
      const c: number[] = [];
      for (let r = 0; r < rows; r++) {
        const a: [number, number] = [0, 0];
        let b = layer.bias ? layer.bias[r]! : 0;
        for (let q = 0; q < cols; q++) {
          const w = data[r * cols + q]!;
          a[0] += w * cell.J[q]![0]!;
          a[1] += w * cell.J[q]![1]!;
          b += w * cell.o[q]!;
        }
        A.push(a);
        c.push(b);
      }
      // split by every unit's zero line, then the layer's output map per piece
      let pieces: { polygon: Point[]; signs: number[] }[] = [{ polygon: cell.polygon, signs: [] }];
      for (let r = 0; r < rows; r++) {
        const split: { polygon: Point[]; signs: number[] }[] = [];
        for (const pc of pieces) {
          for (const s of [1, -1] as const) {
            const poly = clip(pc.polygon, A[r] as Point, c[r]!, s);
            if (poly.length >= 3 && Math.abs(area(poly)) > 1e-12) split.push({ polygon: poly, signs: [...pc.signs, s > 0 ? 1 : 0] });
          }
        }
        pieces = split;
      }
      for (const pc of pieces) {
        const J = A.map((a, r) => (relu && pc.signs[r] === 0 ? [0, 0] : [a[0]!, a[1]!]));
        const o = c.map((b, r) => (relu && pc.signs[r] === 0 ? 0 : b));
        next.push({ polygon: pc.polygon, pattern: [...cell.pattern, ...pc.signs], J, o });
      }
    }
    cells = next;
  }
  return cells.map((c) => ({ polygon: c.polygon, pattern: c.pattern, J: c.J, o: c.o }));
}

/** The pre-image of x inside one region: the polygon, a segment, a point, or null. */
export function preimageInRegion(region: Region, x: readonly number[], tol = 1e-9): Piece | null {
  const rows: { a: Point; b: number }[] = [];
  for (let j = 0; j < x.length; j++) {
    const a: Point = [region.J[j]![0]!, region.J[j]![1]!];
    const b = region.o[j]! - x[j]!;
    if (Math.abs(a[0]) + Math.abs(a[1]) <= tol) {
      if (Math.abs(b) > tol) return null; // constant output ≠ x_j
      continue;
    }
    rows.push({ a, b });
  }
  let poly = region.polygon;
  if (rows.length === 0) return { kind: "polygon", points: poly };
  // a·z + b = 0 for every row: clip to both sides of the first line, check the rest
  const first = rows[0]!;
  poly = clip(clip(poly, first.a, first.b, 1), first.a, first.b, -1);
  if (poly.length === 0) return null;
  const onAll = (p: Point): boolean => rows.every((r) => Math.abs(r.a[0] * p[0] + r.a[1] * p[1] + r.b) <= 1e-7);
  const pts = poly.filter(onAll);
  if (pts.length === 0) {
    // a second independent row cuts the segment at one point
    const [p, q] = [poly[0]!, poly[poly.length - 1]!];
    const r = rows.find((rr) => Math.abs(rr.a[0] * (q[0] - p[0]) + rr.a[1] * (q[1] - p[1])) > tol);
    if (!r) return null;
    const fp = r.a[0] * p[0] + r.a[1] * p[1] + r.b;
    const fq = r.a[0] * q[0] + r.a[1] * q[1] + r.b;
    const t = fp / (fp - fq);
    if (t < -1e-9 || t > 1 + 1e-9) return null;
    const m: Point = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
    return onAll(m) ? { kind: "point", points: [m] } : null;
  }
  if (pts.length === 1) return { kind: "point", points: [pts[0]!] };
  return { kind: "segment", points: [pts[0]!, pts[pts.length - 1]!] };
}

/**
 * Example 1: the regions of the window, the pre-image pieces of x, and two pre-images whose
 * midpoint is not one (checked by a forward pass).
 */
export function runExample1(window: [number, number] = [-2, 2]): Example1Result {
  const gen = example1Network();
  const x = [0, 0];
  const regions = activationRegions(gen, window);
  const all = regions.map((r) => preimageInRegion(r, x)).filter((p): p is Piece => p !== null);
  // a segment or point on the edge of a 2-D piece is part of it (regions are closed): keep the 2-D one
  const fat = all.filter((p) => p.kind === "polygon");
  const pieces = all.filter((p) => p.kind === "polygon" || !fat.some((f) => p.points.every((q) => insideConvex(f.points, q))));
  // two pre-images from different pieces whose midpoint G does not send to x
  let pair: Example1Result["pair"] = null;
  let best = 0;
  const reps = pieces.map((p) => centroid(p.points));
  for (let i = 0; i < reps.length; i++) {
    for (let j = i + 1; j < reps.length; j++) {
      const p = reps[i]!;
      const q = reps[j]!;
      const mid: Point = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
      const g = Array.from(gen.forward(mid));
      const miss = Math.max(...g.map((v, t) => Math.abs(v - x[t]!)));
      const fits = [p, q].every((z) => Array.from(gen.forward(z)).every((v, t) => Math.abs(v - x[t]!) <= 1e-9));
      if (fits && miss > best) {
        best = miss;
        pair = { p, q, mid, gMid: g };
      }
    }
  }
  return { gen, x, window, regions, pieces, pair };
}

function insideConvex(poly: Point[], q: Point): boolean {
  const sgn = Math.sign(area(poly)) || 1;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    if (sgn * ((b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0])) < -1e-9) return false;
  }
  return true;
}

/**
 * The figure: the pre-image (filled, one colour so the pieces show no seams), the activation
 * regions on top (thin grey lines), the pair and its midpoint (red, labelled with their
 * coordinates and G(midpoint)), ticks on both axes and a legend beside the plot, so nothing is
 * clipped at the default size.
 */
export function example1Svg(r: Example1Result, size = 480): string {
  const [lo, hi] = r.window;
  const pad = 50;
  const top = 58;
  const legendWidth = 270;
  const width = size + legendWidth;
  const height = top + (size - 2 * pad) + 50;
  const s = (size - 2 * pad) / (hi - lo);
  const X = (v: number): string => (pad + (v - lo) * s).toFixed(2);
  const Y = (v: number): string => (top + (hi - v) * s).toFixed(2);
  const path = (pts: Point[]): string => pts.map((p) => `${X(p[0])},${Y(p[1])}`).join(" ");
  const fmt = (v: number): string => String(Number(v.toFixed(3))).replace("-", "−");
  const halo = `stroke="white" stroke-width="3" paint-order="stroke"`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  for (const pc of r.pieces) {
    if (pc.kind === "polygon") parts.push(`<polygon points="${path(pc.points)}" fill="#a9c1ec" stroke="#a9c1ec" stroke-width="1"/>`);
    else if (pc.kind === "segment") parts.push(`<polyline points="${path(pc.points)}" stroke="#2b5aa8" stroke-width="3" fill="none"/>`);
    else parts.push(`<circle cx="${X(pc.points[0][0])}" cy="${Y(pc.points[0][1])}" r="4" fill="#2b5aa8"/>`);
  }
  for (const reg of r.regions) parts.push(`<polygon points="${path(reg.polygon)}" fill="none" stroke="#888" stroke-width="0.6"/>`);
  const x0 = pad;
  const x1 = pad + (hi - lo) * s;
  const y1 = top + (hi - lo) * s;
  parts.push(`<rect x="${x0}" y="${top}" width="${x1 - x0}" height="${y1 - top}" fill="none" stroke="#333"/>`);
  // ticks at the integers of the window
  for (let t = Math.ceil(lo); t <= Math.floor(hi); t++) {
    parts.push(`<line x1="${X(t)}" y1="${y1}" x2="${X(t)}" y2="${y1 + 5}" stroke="#333"/>`);
    parts.push(`<text x="${X(t)}" y="${y1 + 18}" text-anchor="middle">${t < 0 ? `−${-t}` : t}</text>`);
    parts.push(`<line x1="${x0 - 5}" y1="${Y(t)}" x2="${x0}" y2="${Y(t)}" stroke="#333"/>`);
    parts.push(`<text x="${x0 - 8}" y="${Number(Y(t)) + 4}" text-anchor="end">${t < 0 ? `−${-t}` : t}</text>`);
  }
  parts.push(`<text x="${(x0 + x1) / 2}" y="${y1 + 36}" text-anchor="middle" font-style="italic">z₁</text>`);
  parts.push(`<text x="${x0 - 32}" y="${(top + y1) / 2}" text-anchor="middle" font-style="italic">z₂</text>`);
  if (r.pair) {
    const { p, q, mid } = r.pair;
    parts.push(`<line x1="${X(p[0])}" y1="${Y(p[1])}" x2="${X(q[0])}" y2="${Y(q[1])}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5,4"/>`);
    for (const z of [p, q]) {
      parts.push(`<circle cx="${X(z[0])}" cy="${Y(z[1])}" r="5" fill="#c0392b"/>`);
      parts.push(`<text x="${Number(X(z[0])) + 9}" y="${Number(Y(z[1])) + 4}" fill="#c0392b" ${halo}>(${fmt(z[0])}, ${fmt(z[1])})</text>`);
    }
    const d = 0.07;
    parts.push(
      `<path d="M${X(mid[0] - d)},${Y(mid[1] - d)} L${X(mid[0] + d)},${Y(mid[1] + d)} M${X(mid[0] - d)},${Y(mid[1] + d)} L${X(mid[0] + d)},${Y(mid[1] - d)}" stroke="#c0392b" stroke-width="2.5"/>`,
    );
    parts.push(
      `<text x="${Number(X(mid[0])) + 10}" y="${Number(Y(mid[1])) + 4}" fill="#c0392b" ${halo}>G(${fmt(mid[0])}, ${fmt(mid[1])}) = (${r.pair.gMid.map(fmt).join(", ")}) ≠ x</text>`,
    );
  }
  parts.push(`<text x="${pad}" y="20" font-size="14" font-weight="bold">Example 1: a non-convex pre-image (k = 2, two ReLU layers)</text>`);
  parts.push(`<text x="${pad}" y="40">G(z) = (relu(1 − |z₁| − |z₂|), relu(|z₁| − |z₂|)), x = (0, 0): G⁻¹(x) = {|z₁| + |z₂| ≥ 1, |z₁| ≤ |z₂|}</text>`);
  // legend
  const lx = size + 10;
  let ly = top + 10;
  const item = (swatch: string, lines: string[]): void => {
    parts.push(swatch.replaceAll("LX", String(lx)).replaceAll("LY", String(ly)));
    lines.forEach((t, i) => parts.push(`<text x="${lx + 26}" y="${ly + 4 + 15 * i}">${t}</text>`));
    ly += 15 * lines.length + 14;
  };
  item(`<rect x="LX" y="${ly - 7}" width="18" height="12" fill="#a9c1ec"/>`, [
    "the pre-image of x, computed exactly",
    `(${r.pieces.length} convex pieces, two wedges)`,
  ]);
  item(`<rect x="LX" y="${ly - 7}" width="18" height="12" fill="none" stroke="#888"/>`, [`the ${r.regions.length} activation regions,`, "on each G is affine"]);
  if (r.pair) {
    item(`<circle cx="${lx + 9}" cy="${ly - 1}" r="5" fill="#c0392b"/>`, ["two pre-images: G(z) = x"]);
    item(`<path d="M${lx + 4},${ly - 6} L${lx + 14},${ly + 4} M${lx + 4},${ly + 4} L${lx + 14},${ly - 6}" stroke="#c0392b" stroke-width="2.5"/>`, [
      "their midpoint: not a pre-image,",
      "so G⁻¹(x) is not convex",
    ]);
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
