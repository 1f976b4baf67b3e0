/**
 * Grids of grayscale tiles (digits, reconstructions) with column labels and a title, and pictures
 * side by side — the figures `geninv demo`, `invert -o x.png` and `reproduce images` write.
 */
import { OptionError, ShapeError } from "../errors.js";
import { drawText, GLYPH_H, GLYPH_W } from "./font.js";

/**
 * Options of {@link imageGrid}.
 * @example
 * ```ts
 * import { imageGrid, type ImageGridOptions } from "geninv/experiments";
 * const opts: ImageGridOptions = { cols: 2, tileWidth: 4, tileHeight: 4, padding: 1, scale: 2, columnLabels: ["true", "found"] };
 * const g = imageGrid([new Float64Array(16).fill(1), new Float64Array(16).fill(0.9)], opts);
 * console.log(g.width, g.height);
 * ```
 */
export interface ImageGridOptions {
  /** Tiles per row. */
  cols: number;
  /** Tile size in pixels (default 28×28). */
  tileWidth?: number;
  /** Tile height in pixels (default 28). */
  tileHeight?: number;
  /** Pixels between tiles and around the grid (default 2). */
  padding?: number;
  /** Upscale every tile by this integer factor, nearest neighbour (default 1). */
  scale?: number;
  /** Intensity of padding and empty cells (default 0.5, mid-gray: tiles on black stay visible). */
  background?: number;
  /** One label per column, drawn above it (5×7 pixel font; letters are drawn upper-case). */
  columnLabels?: readonly string[];
  /** Values mapped to black and white in each tile (default [0, 1]), clipped. */
  range?: readonly [number, number];
  /** A line of text centred above the whole grid (5×7 pixel font, upper-case). */
  title?: string;
}

/**
 * A grayscale picture with values in [0, 1].
 * @example
 * ```ts
 * import { grayToPng, type GrayImage } from "geninv/experiments";
 * // a 3×2 horizontal ramp
 * const ramp: GrayImage = { width: 3, height: 2, data: Float64Array.of(0, 0.5, 1, 0, 0.5, 1) };
 * const png = grayToPng(ramp.data, ramp.width, ramp.height);
 * ```
 */
export interface GrayImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width·height intensities in [0, 1], row-major. */
  data: Float64Array;
}

/**
 * Lay tiles out row by row in a grid (null leaves a cell empty), optionally under column labels.
 * Encode the result with `grayToPng(g.data, g.width, g.height)`.
 * @param tiles the tiles (tileWidth·tileHeight values each), or null for an empty cell
 * @param opts tiles per row, the tile size, padding, scale, labels, title and background
 * @returns the grid as a gray image
 * @throws ShapeError when a tile has the wrong length; OptionError on bad options
 * @example
 * ```ts
 * import { grayToPng, imageGrid } from "geninv/experiments";
 * const tiles = [new Float64Array(784).fill(1), null, new Float64Array(784)];
 * const g = imageGrid(tiles, { cols: 3 });
 * const png = grayToPng(g.data, g.width, g.height);
 * ```
 */
export function imageGrid(tiles: readonly (ArrayLike<number> | null)[], opts: ImageGridOptions): GrayImage {
  const tw = opts.tileWidth ?? 28;
  const th = opts.tileHeight ?? 28;
  const pad = opts.padding ?? 2;
  const scale = opts.scale ?? 1;
  const bg = opts.background ?? 0.5;
  const { cols } = opts;
  const [lo, hi] = opts.range ?? [0, 1];
  for (const [v, name] of [
    [cols, "cols"],
    [tw, "tileWidth"],
    [th, "tileHeight"],
    [scale, "scale"],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new OptionError(`imageGrid: ${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isSafeInteger(pad) || pad < 0) throw new OptionError(`imageGrid: padding must be a non-negative integer, got ${pad}`);
  if (!(hi > lo)) throw new OptionError(`imageGrid: range [${lo}, ${hi}] needs lo < hi`);
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const cw = tw * scale;
  const chh = th * scale;
  const labels = opts.columnLabels;
  const labelScale = Math.max(1, Math.floor(scale / 2) + (cw >= 56 ? 1 : 0));
  const textH = GLYPH_H * labelScale + 2 * pad + 2;
  const titleH = opts.title ? textH : 0;
  const labelH = titleH + (labels && labels.length > 0 ? textH : 0);
  const width = cols * cw + (cols + 1) * pad;
  const height = labelH + rows * chh + (rows + 1) * pad;
  const data = new Float64Array(width * height).fill(bg);
  tiles.forEach((tile, t) => {
    if (tile === null) return;
    if (tile.length !== tw * th) throw new ShapeError(`imageGrid: tile ${t} has ${tile.length} values, expected ${tw}×${th} = ${tw * th}`);
    const r = Math.floor(t / cols);
    const c = t % cols;
    const ox = pad + c * (cw + pad);
    const oy = labelH + pad + r * (chh + pad);
    for (let y = 0; y < chh; y++) {
      for (let x = 0; x < cw; x++) {
        const v = tile[Math.floor(y / scale) * tw + Math.floor(x / scale)]!;
        data[(oy + y) * width + ox + x] = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : bg;
      }
    }
  });
  if (labels) {
    labels.slice(0, cols).forEach((label, c) => {
      const text = label.toUpperCase();
      const textW = text.length * (GLYPH_W + 1) * labelScale - labelScale;
      const ox = pad + c * (cw + pad) + Math.floor((cw - textW) / 2);
      drawText(data, width, height, text, ox, titleH + pad + 1, labelScale);
    });
  }
  if (opts.title) {
    const text = opts.title.toUpperCase();
    const textW = text.length * (GLYPH_W + 1) * labelScale - labelScale;
    drawText(data, width, height, text, Math.floor((width - textW) / 2), pad + 1, labelScale);
  }
  return { width, height, data };
}

/**
 * Pictures side by side, top-aligned, `gap` pixels apart, on `background`.
 * @param images the pictures
 * @param gap pixels between them (default 8)
 * @param background the gray of the gaps (default 0.5)
 * @returns one gray image
 * @throws OptionError for no images
 * @example
 * ```ts
 * import { besideEachOther, imageGrid } from "geninv/experiments";
 * const a = imageGrid([new Float64Array(784)], { cols: 1 });
 * const both = besideEachOther([a, a]);
 * ```
 */
export function besideEachOther(images: readonly GrayImage[], gap = 8, background = 0.5): GrayImage {
  if (images.length === 0) throw new OptionError("besideEachOther needs at least one image");
  const width = images.reduce((s, im) => s + im.width, 0) + gap * (images.length - 1);
  const height = Math.max(...images.map((im) => im.height));
  const data = new Float64Array(width * height).fill(background);
  let ox = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) data.set(im.data.subarray(y * im.width, (y + 1) * im.width), y * width + ox);
    ox += im.width + gap;
  }
  return { width, height, data };
}
