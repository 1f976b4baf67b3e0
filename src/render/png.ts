/**
 * PNG images (node:zlib for deflate): a strict decoder for every standard colour type, bit depth,
 * filter and Adam7 interlacing, an encoder, and conversions between PNGs and the grayscale vectors
 * in [0, 1] a generator outputs (MNIST: 28×28 = 784 values, row-major).
 *
 * Written by hand rather than through pngjs (kept as a test oracle) for three measured reasons:
 * - a PNG is user input (`geninv invert --obs digit.png`): this decoder names what is wrong as a
 *   DataFormatError (file, chunk, CRC, IHDR field, filter type and row, palette index) and bounds
 *   inflation by the header's size; pngjs 7 throws plain Errors such as "There are some read
 *   requests waitng on finished stream" for a truncated file and "unrecognised content at end of
 *   stream" for a flipped byte;
 * - pngjs writes neither tEXt chunks (grayToPng embeds them) nor palette, 1/2/4-bit or Adam7
 *   images, which the decoder's round-trip tests need;
 * - speed is a wash where geninv uses it: `npm run bench png` (bench/png.ts) times both in one
 *   run — decoding a 28×28 digit 1.5× faster than pngjs, a 560×560 gray grid 0.9×; encoding gray
 *   0.85–1× (pngjs is faster on RGBA, which geninv never writes).
 * The decoder is render/png-decode.ts, what both share render/png-format.ts; tile grids and
 * their bitmap font are render/grid.ts and render/font.ts.
 */
import { crc32 } from "../util/crc32.js";
import { deflateSync } from "node:zlib";
import { DataFormatError, InvalidValueError, OptionError, ShapeError } from "../errors.js";
import { ADAM7, ALLOWED_DEPTHS, concat, GRAY, GRAY_ALPHA, MAX_PIXELS, PALETTE, paeth, passSize, type PngImage, RGB, RGBA, SIGNATURE } from "./png-format.js";
import { decodePng } from "./png-decode.js";

export { type PngImage } from "./png-format.js";
export { decodePng } from "./png-decode.js";

/**
 * The image as grayscale intensities in [0, 1], row-major: gray as is, colour by Rec. 601 luma
 * (0.299 R + 0.587 G + 0.114 B), and transparency composited over black (MNIST's background).
 * @param img a decoded PNG
 * @returns width·height intensities
 * @throws nothing
 * @example
 * ```ts
 * import { decodePng, grayToPng, pngToGray } from "geninv/experiments";
 * const gray = pngToGray(decodePng(grayToPng([0, 0.5, 1, 0.25], 2, 2)));
 * ```
 */
export function pngToGray(img: PngImage): Float64Array {
  const n = img.width * img.height;
  const out = new Float64Array(n);
  const { channels: ch, data, maxValue } = img;
  for (let i = 0; i < n; i++) {
    const o = i * ch;
    let v = ch <= 2 ? data[o]! : 0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!;
    v /= maxValue;
    if (ch === 2 || ch === 4) v *= data[o + ch - 1]! / maxValue;
    out[i] = v;
  }
  return out;
}

// ---------------------------------------------------------------- encoding

/**
 * Pixels to encode: `channels` samples per pixel, each in [0, 2^bitDepth − 1].
 * @example
 * ```ts
 * import { encodePng, type RawImage } from "geninv/experiments";
 * // a 2×2 16-bit gray+alpha image: opaque white, half-transparent black, …
 * const img: RawImage = { width: 2, height: 2, channels: 2, bitDepth: 16, data: [65535, 65535, 0, 32768, 30000, 65535, 0, 0] };
 * const png = encodePng(img);
 * ```
 */
export interface RawImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Samples per pixel: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  /** width·height·channels samples, row-major, pixel by pixel. */
  data: ArrayLike<number>;
  /** 8 (default) or 16; gray may also be 1, 2 or 4. */
  bitDepth?: number;
}

/**
 * Options of {@link encodePng}.
 * @example
 * ```ts
 * import { decodePng, encodePng, type EncodePngOptions } from "geninv/experiments";
 * const opts: EncodePngOptions = { filter: 4, interlace: true, level: 6, text: { Title: "gradient" } };
 * const png = encodePng({ width: 4, height: 1, channels: 1, data: [0, 85, 170, 255] }, opts);
 * console.log(Array.from(decodePng(png).data)); // [0, 85, 170, 255]
 * ```
 */
export interface EncodePngOptions {
  /** Row filter: a PNG filter type 0–4 for every row, or "adaptive" (default: per row, the filter with the smallest sum of absolute bytes, as libpng does). */
  filter?: 0 | 1 | 2 | 3 | 4 | "adaptive";
  /** Write Adam7-interlaced (default false). */
  interlace?: boolean;
  /** zlib level 0–9 (default 9). */
  level?: number;
  /** tEXt chunks, keyword → text (Latin-1; keywords 1–79 characters). */
  text?: Record<string, string>;
  /** Encode as a palette image instead: `data` holds indices into `palette` (RGB triples), `alpha` optional per entry. */
  palette?: { colors: ArrayLike<number>; alpha?: ArrayLike<number> };
}

/**
 * Encode an image as PNG bytes.
 * @param img width, height, channels, bit depth and the samples
 * @param opts palette, Adam7 interlacing, tEXt chunks, filter and zlib level
 * @returns the PNG file's bytes
 * @example
 * ```ts
 * import { decodePng, encodePng } from "geninv/experiments";
 * const png = encodePng({ width: 2, height: 1, channels: 1, data: Uint8Array.of(0, 255) });
 * console.log(decodePng(png).width); // 2
 * ```
 * @throws ShapeError when `data` does not hold width·height·channels samples; InvalidValueError
 *   when a sample is not an integer in range; OptionError for an unsupported depth or option
 */
export function encodePng(img: RawImage, opts: EncodePngOptions = {}): Uint8Array {
  const { width, height, channels } = img;
  const depth = img.bitDepth ?? 8;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || width * height > MAX_PIXELS) {
    throw new ShapeError(`PNG size ${width}×${height} must be positive integers with at most ${MAX_PIXELS} pixels`);
  }
  let colorType: number;
  if (opts.palette) {
    if (channels !== 1) throw new OptionError("a palette image takes one index per pixel (channels: 1)");
    colorType = PALETTE;
  } else colorType = [GRAY, GRAY_ALPHA, RGB, RGBA][channels - 1]!;
  if (!ALLOWED_DEPTHS[colorType]!.includes(depth)) {
    throw new OptionError(
      `bit depth ${depth} is not allowed for ${opts.palette ? "palette" : `${channels}-channel`} PNGs (allowed: ${ALLOWED_DEPTHS[colorType]!.join(", ")})`,
    );
  }
  const spp = channels;
  if (img.data.length !== width * height * spp) {
    throw new ShapeError(`image data has ${img.data.length} samples, a ${width}×${height}×${channels} image needs ${width * height * spp}`);
  }
  const maxValue = (1 << depth) - 1;
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v > maxValue) {
      throw new InvalidValueError(`image sample ${i} is ${v}, expected an integer in [0, ${maxValue}]`);
    }
  }
  const chunks: Uint8Array[] = [SIGNATURE];
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  ihdr[12] = opts.interlace ? 1 : 0;
  chunks.push(chunk("IHDR", ihdr));
  if (opts.palette) {
    const colors = opts.palette.colors;
    const entries = colors.length / 3;
    if (!Number.isInteger(entries) || entries < 1 || entries > Math.min(256, 1 << depth)) {
      throw new OptionError(`palette has ${colors.length} values; expected 1 to ${Math.min(256, 1 << depth)} RGB triples`);
    }
    chunks.push(chunk("PLTE", toBytes(colors, "palette")));
    if (opts.palette.alpha) chunks.push(chunk("tRNS", toBytes(opts.palette.alpha, "palette alpha")));
    for (let i = 0; i < img.data.length; i++) {
      if (img.data[i]! >= entries) throw new InvalidValueError(`pixel ${i} uses palette index ${img.data[i]}, the palette has ${entries} entries`);
    }
  }
  for (const [key, value] of Object.entries(opts.text ?? {})) {
    if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(key) || /^ | $| {2}/.test(key))
      throw new OptionError(`PNG text keyword ${JSON.stringify(key)} is not a valid tEXt keyword`);
    chunks.push(chunk("tEXt", latin1(`${key}\0${value}`)));
  }
  const bitsPerPixel = spp * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = opts.interlace ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const parts: Uint8Array[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const pw = passSize(width, x0, dx);
    const ph = passSize(height, y0, dy);
    if (pw === 0 || ph === 0) continue;
    const stride = Math.ceil((pw * bitsPerPixel) / 8);
    const out = new Uint8Array(ph * (stride + 1));
    let prev = new Uint8Array(stride);
    let cur = new Uint8Array(stride);
    const trial = new Uint8Array(stride);
    for (let r = 0; r < ph; r++) {
      cur.fill(0);
      const y = y0 + r * dy;
      for (let c = 0; c < pw; c++) {
        const src = (y * width + x0 + c * dx) * spp;
        for (let s = 0; s < spp; s++) writeSample(cur, c * spp + s, depth, img.data[src + s]!);
      }
      const line = out.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1));
      let best = opts.filter ?? "adaptive";
      if (best === "adaptive") {
        let bestCost = Infinity;
        for (let f = 0; f <= 4; f++) {
          applyFilter(f, cur, prev, trial, bpp);
          let cost = 0;
          for (let i = 0; i < stride; i++) cost += trial[i]! < 128 ? trial[i]! : 256 - trial[i]!;
          if (cost < bestCost) {
            bestCost = cost;
            best = f as 0 | 1 | 2 | 3 | 4;
          }
        }
      }
      out[r * (stride + 1)] = best as number;
      applyFilter(best as number, cur, prev, line, bpp);
      const t = prev;
      prev = cur;
      cur = t;
    }
    parts.push(out);
  }
  chunks.push(chunk("IDAT", deflateSync(concat(parts), { level: opts.level ?? 9 })));
  chunks.push(chunk("IEND", new Uint8Array(0)));
  return concat(chunks);
}

function applyFilter(filter: number, cur: Uint8Array, prev: Uint8Array, out: Uint8Array, bpp: number): void {
  const n = cur.length;
  for (let i = 0; i < n; i++) {
    const a = i >= bpp ? cur[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
    out[i] = (cur[i]! - pred) & 0xff;
  }
}

function writeSample(row: Uint8Array, index: number, depth: number, v: number): void {
  switch (depth) {
    case 8:
      row[index] = v;
      return;
    case 16:
      row[2 * index] = v >> 8;
      row[2 * index + 1] = v & 0xff;
      return;
    default: {
      const bit = index * depth;
      row[bit >> 3]! |= v << (8 - depth - (bit & 7));
    }
  }
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function toBytes(values: ArrayLike<number>, what: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new InvalidValueError(`${what}[${i}] is ${v}, expected an integer in [0, 255]`);
    out[i] = v;
  }
  return out;
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new OptionError(`PNG text must be Latin-1; character ${JSON.stringify(s[i])} is not`);
    out[i] = c;
  }
  return out;
}

/** Options of {@link grayToPng}. */
export interface GrayToPngOptions {
  /** Values mapped to black and white (default [0, 1]); values outside are clipped. */
  range?: readonly [number, number];
  /** tEXt chunks to embed. */
  text?: Record<string, string>;
}

/**
 * An 8-bit grayscale PNG of `values` (row-major, width·height entries), black at `range[0]`,
 * white at `range[1]`.
 * @param values the intensities, row-major
 * @param width the image width
 * @param height the image height
 * @param opts the intensity range (default [0, 1]) and tEXt chunks
 * @returns the PNG file's bytes
 * @throws ShapeError on a length mismatch; InvalidValueError on NaN/Inf; OptionError for a bad range
 * @example
 * ```ts
 * import { grayToPng } from "geninv/experiments";
 * const png = grayToPng(new Float64Array(784).fill(0.5), 28, 28, { text: { Title: "a gray digit" } });
 * ```
 */
export function grayToPng(values: ArrayLike<number>, width: number, height: number, opts: GrayToPngOptions = {}): Uint8Array {
  if (values.length !== width * height) throw new ShapeError(`image has ${values.length} values, expected ${width}×${height} = ${width * height}`);
  const [lo, hi] = opts.range ?? [0, 1];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new OptionError(`intensity range [${lo}, ${hi}] must be finite with lo < hi`);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new InvalidValueError(`pixel ${i} (x ${i % width}, y ${Math.floor(i / width)}) is ${v}`);
    bytes[i] = Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))));
  }
  return encodePng({ width, height, channels: 1, data: bytes }, opts.text ? { text: opts.text } : {});
}

/**
 * Read a PNG as grayscale values in [0, 1] and check its size (e.g. 28×28 for MNIST).
 * @param bytes the PNG file's bytes
 * @param width the width it must have
 * @param height the height it must have
 * @param file names the source in error messages
 * @returns width·height intensities, row-major
 * @throws DataFormatError when malformed or of another size
 * @example
 * ```ts
 * import { grayToPng, pngToGrayVector } from "geninv/experiments";
 * const x = pngToGrayVector(grayToPng(new Float64Array(784), 28, 28), 28, 28, "digit.png");
 * ```
 */
export function pngToGrayVector(bytes: Uint8Array, width: number, height: number, file = "<png>"): Float64Array {
  const img = decodePng(bytes, file);
  if (img.width !== width || img.height !== height) {
    throw new DataFormatError(`image is ${img.width}×${img.height}, expected ${width}×${height}`, { file });
  }
  return pngToGray(img);
}
