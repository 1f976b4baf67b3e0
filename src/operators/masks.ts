/**
 * Observation masks for inpainting (the paper's Figure 4): which pixels of an image are seen.
 * Spelled `random:<fraction observed>`, `half:top|bottom|left|right` (that half hidden),
 * `block:x0,y0,x1,y1` (the rectangle hidden, corners inclusive–exclusive) or `center:<side>`.
 */
import { OptionError } from "../errors.js";
import { Rng } from "../model/rng.js";

/** 1 for an observed pixel, 0 for a hidden one, row-major width × height. */
export type PixelMask = Uint8Array;

/** Build the mask a spec names for a width × height image (`rng` for random masks). */
export function parseMaskSpec(spec: string, width: number, height: number, rng: Rng | number = 0): PixelMask {
  const n = width * height;
  const mask = new Uint8Array(n).fill(1);
  const s = spec.trim().toLowerCase();
  const random = /^random:(.+)$/.exec(s);
  if (random) {
    const p = Number(random[1]);
    if (!(p > 0 && p <= 1)) throw new OptionError(`mask '${spec}': the observed fraction must be in (0, 1]`);
    const r = typeof rng === "number" ? new Rng(rng) : rng;
    const keep = Math.max(1, Math.round(p * n));
    mask.fill(0);
    const perm = r.permutation(n);
    for (let i = 0; i < keep; i++) mask[perm[i]!] = 1;
    return mask;
  }
  const half = /^half:(top|bottom|left|right)$/.exec(s);
  if (half) {
    const w2 = Math.floor(width / 2);
    const h2 = Math.floor(height / 2);
    const box = { top: [0, 0, width, h2], bottom: [0, h2, width, height], left: [0, 0, w2, height], right: [w2, 0, width, height] }[half[1] as "top"];
    return hideBox(mask, width, box as [number, number, number, number]);
  }
  const block = /^block:(\d+),(\d+),(\d+),(\d+)$/.exec(s);
  if (block) {
    const [x0, y0, x1, y1] = block.slice(1).map(Number) as [number, number, number, number];
    if (!(x0 < x1 && y0 < y1 && x1 <= width && y1 <= height)) {
      throw new OptionError(`mask '${spec}': need x0 < x1 ≤ ${width} and y0 < y1 ≤ ${height}`);
    }
    return hideBox(mask, width, [x0, y0, x1, y1]);
  }
  const center = /^center:(\d+)$/.exec(s);
  if (center) {
    const side = Number(center[1]);
    if (!(side >= 1 && side <= Math.min(width, height))) throw new OptionError(`mask '${spec}': side must be in [1, ${Math.min(width, height)}]`);
    const x0 = Math.floor((width - side) / 2);
    const y0 = Math.floor((height - side) / 2);
    return hideBox(mask, width, [x0, y0, x0 + side, y0 + side]);
  }
  throw new OptionError(`mask '${spec}' not understood (expected random:<fraction>, half:top|bottom|left|right, block:x0,y0,x1,y1 or center:<side>)`);
}

function hideBox(mask: PixelMask, width: number, [x0, y0, x1, y1]: [number, number, number, number]): PixelMask {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * width + x] = 0;
  return mask;
}

/** Indices of the observed pixels, increasing. */
export function observedIndices(mask: PixelMask): Int32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  const out = new Int32Array(count);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[j++] = i;
  return out;
}

/** The image with hidden pixels set to `fill` (black by default), for display. */
export function applyMaskForDisplay(image: ArrayLike<number>, mask: PixelMask, fill = 0): Float64Array {
  const out = Float64Array.from(image);
  for (let i = 0; i < out.length; i++) if (!mask[i]) out[i] = fill;
  return out;
}
