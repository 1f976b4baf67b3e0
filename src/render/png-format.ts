/**
 * What the PNG decoder (render/png-decode.ts) and encoder (render/png.ts) share: the decoded image
 * type, the colour types, bit depths and Adam7 passes of the PNG spec, and the Paeth predictor.
 */

/**
 * A decoded image: `channels` samples per pixel (gray, gray+alpha, RGB, RGBA), row-major.
 * @example
 * ```ts
 * import { decodePng, encodePng, type PngImage } from "geninv/experiments";
 * const img: PngImage = decodePng(encodePng({ width: 2, height: 1, channels: 3, data: [255, 0, 0, 0, 0, 255] }));
 * console.log(img.width, img.height, img.channels, img.maxValue, Array.from(img.data)); // 2 1 3 255 [255, 0, 0, 0, 0, 255]
 * ```
 */
export interface PngImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (palettes are expanded to RGB or RGBA). */
  readonly channels: 1 | 2 | 3 | 4;
  /** The largest sample value: 2^bitDepth − 1 (255 for palette images). */
  readonly maxValue: number;
  /** width·height·channels samples in [0, maxValue]. */
  readonly data: Uint16Array;
}

/** PNG colour types (PNG spec, table 11.1). */
export const GRAY = 0;
export const RGB = 2;
export const PALETTE = 3;
export const GRAY_ALPHA = 4;
export const RGBA = 6;

export const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** Largest image decoded: 2^26 pixels (8192² ≈ 67 M), so a hostile header cannot exhaust memory. */
export const MAX_PIXELS = 1 << 26;

export const ALLOWED_DEPTHS: Record<number, readonly number[]> = {
  [GRAY]: [1, 2, 4, 8, 16],
  [RGB]: [8, 16],
  [PALETTE]: [1, 2, 4, 8],
  [GRAY_ALPHA]: [8, 16],
  [RGBA]: [8, 16],
};
export const SAMPLES_PER_PIXEL: Record<number, number> = { [GRAY]: 1, [RGB]: 3, [PALETTE]: 1, [GRAY_ALPHA]: 2, [RGBA]: 4 };

/** Adam7 passes: x start, y start, x step, y step. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Pixels (or rows) of an Adam7 pass over n starting at `start` with step `step`. */
export function passSize(n: number, start: number, step: number): number {
  return n > start ? Math.ceil((n - start) / step) : 0;
}

/** The Paeth predictor (PNG spec, section 9.4). */
export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The bytes of `parts` one after another. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
