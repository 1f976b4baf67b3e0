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
 * Tile grids and their bitmap font are render/grid.ts and render/font.ts.
 */
import { crc32 } from "../util/crc32.js";
import { ByteBudget, formatBytes, type LoadLimits } from "../model/io/limits.js";
import { deflateSync, inflateSync } from "node:zlib";
import { DataFormatError, InvalidValueError, OptionError, ShapeError } from "../errors.js";

/** A decoded image: `channels` samples per pixel (gray, gray+alpha, RGB, RGBA), row-major. */
export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (palettes are expanded to RGB or RGBA). */
  readonly channels: 1 | 2 | 3 | 4;
  /** The largest sample value: 2^bitDepth − 1 (255 for palette images). */
  readonly maxValue: number;
  /** width·height·channels samples in [0, maxValue]. */
  readonly data: Uint16Array;
}

/** PNG colour types (PNG spec, table 11.1). */
const GRAY = 0;
const RGB = 2;
const PALETTE = 3;
const GRAY_ALPHA = 4;
const RGBA = 6;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** Largest image decoded: 2^26 pixels (8192² ≈ 67 M), so a hostile header cannot exhaust memory. */
const MAX_PIXELS = 1 << 26;

const ALLOWED_DEPTHS: Record<number, readonly number[]> = {
  [GRAY]: [1, 2, 4, 8, 16],
  [RGB]: [8, 16],
  [PALETTE]: [1, 2, 4, 8],
  [GRAY_ALPHA]: [8, 16],
  [RGBA]: [8, 16],
};
const SAMPLES_PER_PIXEL: Record<number, number> = { [GRAY]: 1, [RGB]: 3, [PALETTE]: 1, [GRAY_ALPHA]: 2, [RGBA]: 4 };

/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

// ---------------------------------------------------------------- decoding

/**
 * Decode a PNG. Accepts every colour type and bit depth of the PNG spec, all five filters and
 * Adam7 interlacing; honours tRNS (as an alpha channel). Ancillary chunks are skipped.
 * The image's size is checked from its IHDR chunk, before any pixel data is inflated: against the
 * pixel count the caller expects (`opts.pixels`, e.g. a generator's output size) and against the
 * file's {@link ByteBudget} (what decoding allocates: at most 64 × the file's size, at least 64 MiB,
 * by default; `opts.limits.maxBytes` raises it), so a 65 KB PNG of 8192² pixels costs nothing.
 * @param file names the source in error messages
 * @param opts.pixels the number of pixels the image must have
 * @param opts.limits the byte limit (CLI `--max-input-bytes`)
 * @throws DataFormatError naming the file and what is wrong (signature, chunk, CRC, header
 *   field, size, zlib stream, filter type, data length)
 */
export function decodePng(bytes: Uint8Array, file = "<png>", opts: { pixels?: number; limits?: LoadLimits } = {}): PngImage {
  const fail = (msg: string): never => {
    throw new DataFormatError(msg, { file });
  };
  if (bytes.length < 8 || !SIGNATURE.every((b, i) => bytes[i] === b)) {
    fail(bytes.length < 8 ? `not a PNG file (only ${bytes.length} bytes)` : "not a PNG file (bad signature)");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: { width: number; height: number; depth: number; colorType: number; interlace: number } | null = null;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) fail(`truncated: chunk header at byte ${pos} needs 8 bytes, ${bytes.length - pos} remain`);
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`chunk at byte ${pos}: invalid chunk type ${JSON.stringify(type)}`);
    if (len > 0x7fffffff) fail(`chunk ${type} at byte ${pos}: length ${len} exceeds 2^31 − 1`);
    const dataStart = pos + 8;
    if (dataStart + len + 4 > bytes.length) {
      fail(`truncated: chunk ${type} at byte ${pos} declares ${len} data bytes + CRC, ${bytes.length - dataStart} remain`);
    }
    const stored = dv.getUint32(dataStart + len);
    const actual = crc32(bytes, pos + 4, dataStart + len);
    if (stored !== actual) fail(`chunk ${type} at byte ${pos}: CRC mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
    const data = bytes.subarray(dataStart, dataStart + len);
    pos = dataStart + len + 4;
    if (header === null && type !== "IHDR") fail(`first chunk is ${type}, expected IHDR`);
    switch (type) {
      case "IHDR": {
        if (header !== null) fail("more than one IHDR chunk");
        if (len !== 13) fail(`IHDR has ${len} bytes, expected 13`);
        header = parseHeader(data, fail);
        checkImageSize(header, bytes.length, opts, fail);
        break;
      }
      case "PLTE": {
        if (len === 0 || len % 3 !== 0 || len > 768) fail(`PLTE has ${len} bytes, expected a multiple of 3 between 3 and 768`);
        if (palette !== null) fail("more than one PLTE chunk");
        if (idat.length > 0) fail("PLTE after IDAT");
        palette = data;
        break;
      }
      case "tRNS":
        trns = data;
        break;
      case "IDAT":
        idat.push(data);
        break;
      case "IEND":
        sawEnd = true;
        break;
      default:
        // bit 5 of the first byte clear = critical chunk: one we do not know cannot be skipped
        if ((bytes[dataStart - 4]! & 0x20) === 0) fail(`unknown critical chunk ${type}`);
    }
    if (sawEnd) break;
  }
  if (header === null) fail("no IHDR chunk");
  const h = header!;
  if (!sawEnd) fail("truncated: no IEND chunk");
  if (idat.length === 0) fail("no IDAT chunk (no image data)");
  if (h.colorType === PALETTE && palette === null) fail("palette image (colour type 3) without a PLTE chunk");

  const spp = SAMPLES_PER_PIXEL[h.colorType]!;
  const bitsPerPixel = spp * h.depth;
  const passes =
    h.interlace === 1 ? ADAM7.map(([x0, y0, dx, dy]) => [passSize(h.width, x0, dx), passSize(h.height, y0, dy)] as const) : [[h.width, h.height] as const];
  let expected = 0;
  for (const [pw, ph] of passes) if (pw > 0 && ph > 0) expected += ph * (1 + Math.ceil((pw * bitsPerPixel) / 8));

  let raw: Buffer;
  try {
    raw = inflateSync(concat(idat), { maxOutputLength: expected + 1 });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/maxOutputLength|buffer/i.test(msg) || (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      return fail(`IDAT: image data decompresses to more than the ${expected} bytes a ${h.width}×${h.height} image needs`);
    }
    return fail(`IDAT: corrupt zlib stream (${msg})`);
  }
  if (raw.length !== expected) fail(`IDAT: image data has ${raw.length} bytes, a ${h.width}×${h.height} image needs ${expected}`);

  // unfilter every pass into samples at their final positions
  const samples = new Uint16Array(h.width * h.height * spp);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  let off = 0;
  passes.forEach(([pw, ph], p) => {
    if (pw === 0 || ph === 0) return;
    const stride = Math.ceil((pw * bitsPerPixel) / 8);
    let prev = new Uint8Array(stride);
    let cur = new Uint8Array(stride);
    const [x0, y0, dx, dy] = h.interlace === 1 ? ADAM7[p]! : [0, 0, 1, 1];
    for (let r = 0; r < ph; r++) {
      const filter = raw[off]!;
      if (filter > 4) fail(`row ${r}${h.interlace ? ` of interlace pass ${p + 1}` : ""}: unknown filter type ${filter}`);
      unfilter(filter, raw.subarray(off + 1, off + 1 + stride), prev, cur, bpp);
      off += 1 + stride;
      const y = y0 + r * dy;
      for (let c = 0; c < pw; c++) {
        const x = x0 + c * dx;
        const at = (y * h.width + x) * spp;
        for (let s = 0; s < spp; s++) samples[at + s] = readSample(cur, c * spp + s, h.depth);
      }
      const t = prev;
      prev = cur;
      cur = t;
    }
  });
  return expand(h, samples, palette, trns, fail);
}

/** Refuse, from the header alone, an image of the wrong pixel count or one whose decoding would exceed the budget. */
function checkImageSize(
  h: { width: number; height: number; depth: number; colorType: number },
  fileSize: number,
  opts: { pixels?: number; limits?: LoadLimits },
  fail: (m: string) => never,
): void {
  const pixels = h.width * h.height;
  if (opts.pixels !== undefined && pixels !== opts.pixels) {
    fail(`the image has ${h.width}×${h.height} = ${pixels} pixels, but the model outputs ${opts.pixels} values`);
  }
  const spp = SAMPLES_PER_PIXEL[h.colorType] ?? 4;
  // the inflated scanlines plus the decoded samples (two bytes each)
  const need = h.height * (1 + Math.ceil((h.width * spp * h.depth) / 8)) + 2 * pixels * (h.colorType === PALETTE ? 4 : spp);
  const over = new ByteBudget(fileSize, opts.limits ?? {}, "--max-input-bytes").charge(need);
  if (over) fail(`IHDR: decoding the ${h.width}×${h.height} image needs ${formatBytes(need)},${over.replace(/^would expand to [^,]*,/, "")}`);
}

function parseHeader(d: Uint8Array, fail: (m: string) => never) {
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const width = dv.getUint32(0);
  const height = dv.getUint32(4);
  const depth = d[8]!;
  const colorType = d[9]!;
  if (width === 0 || height === 0) fail(`IHDR: image is ${width}×${height}, both sides must be at least 1`);
  if (width > 0x7fffffff || height > 0x7fffffff) fail(`IHDR: image is ${width}×${height}, sides must be below 2^31`);
  if (width * height > MAX_PIXELS) fail(`IHDR: image is ${width}×${height}, larger than the ${MAX_PIXELS}-pixel limit`);
  const depths = ALLOWED_DEPTHS[colorType];
  if (!depths) fail(`IHDR: unknown colour type ${colorType} (expected 0, 2, 3, 4 or 6)`);
  if (!depths!.includes(depth)) fail(`IHDR: bit depth ${depth} is not allowed for colour type ${colorType} (allowed: ${depths!.join(", ")})`);
  if (d[10] !== 0) fail(`IHDR: unknown compression method ${d[10]}`);
  if (d[11] !== 0) fail(`IHDR: unknown filter method ${d[11]}`);
  if (d[12] !== 0 && d[12] !== 1) fail(`IHDR: unknown interlace method ${d[12]}`);
  return { width, height, depth, colorType, interlace: d[12]! };
}

function passSize(n: number, start: number, step: number): number {
  return n > start ? Math.ceil((n - start) / step) : 0;
}

/** Undo one row's filter (PNG spec, section 9) from `line` into `out`, given the previous row. */
function unfilter(filter: number, line: Uint8Array, prev: Uint8Array, out: Uint8Array, bpp: number): void {
  const n = line.length;
  switch (filter) {
    case 0:
      out.set(line);
      return;
    case 1:
      for (let i = 0; i < n; i++) out[i] = line[i]! + (i >= bpp ? out[i - bpp]! : 0);
      return;
    case 2:
      for (let i = 0; i < n; i++) out[i] = line[i]! + prev[i]!;
      return;
    case 3:
      for (let i = 0; i < n; i++) out[i] = line[i]! + (((i >= bpp ? out[i - bpp]! : 0) + prev[i]!) >> 1);
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? out[i - bpp]! : 0;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        out[i] = line[i]! + paeth(a, prev[i]!, c);
      }
      return;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function readSample(row: Uint8Array, index: number, depth: number): number {
  switch (depth) {
    case 8:
      return row[index]!;
    case 16:
      return (row[2 * index]! << 8) | row[2 * index + 1]!;
    default: {
      const bit = index * depth;
      return (row[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    }
  }
}

/** Palette → RGB(A); tRNS → alpha channel. */
function expand(
  h: { width: number; height: number; depth: number; colorType: number },
  samples: Uint16Array,
  palette: Uint8Array | null,
  trns: Uint8Array | null,
  fail: (m: string) => never,
): PngImage {
  const { width, height } = h;
  const n = width * height;
  const maxValue = (1 << h.depth) - 1;
  if (h.colorType === PALETTE) {
    const entries = palette!.length / 3;
    if (trns && trns.length > entries) fail(`tRNS has ${trns.length} entries, the palette only ${entries}`);
    const channels = trns ? 4 : 3;
    const data = new Uint16Array(n * channels);
    for (let i = 0; i < n; i++) {
      const idx = samples[i]!;
      if (idx >= entries) fail(`pixel (${i % width}, ${Math.floor(i / width)}) uses palette index ${idx}, the palette has ${entries} entries`);
      for (let c = 0; c < 3; c++) data[i * channels + c] = palette![idx * 3 + c]!;
      if (trns) data[i * 4 + 3] = idx < trns.length ? trns[idx]! : 255;
    }
    return { width, height, channels: channels as 3 | 4, maxValue: 255, data };
  }
  if (trns && (h.colorType === GRAY || h.colorType === RGB)) {
    // a single fully transparent colour: make it an alpha channel
    const spp = h.colorType === GRAY ? 1 : 3;
    if (trns.length !== 2 * spp) fail(`tRNS has ${trns.length} bytes, expected ${2 * spp} for colour type ${h.colorType}`);
    const key = Array.from({ length: spp }, (_, c) => ((trns[2 * c]! << 8) | trns[2 * c + 1]!) & maxValue);
    const data = new Uint16Array(n * (spp + 1));
    for (let i = 0; i < n; i++) {
      let match = true;
      for (let c = 0; c < spp; c++) {
        const v = samples[i * spp + c]!;
        data[i * (spp + 1) + c] = v;
        if (v !== key[c]) match = false;
      }
      data[i * (spp + 1) + spp] = match ? 0 : maxValue;
    }
    return { width, height, channels: (spp + 1) as 2 | 4, maxValue, data };
  }
  const channels = SAMPLES_PER_PIXEL[h.colorType] as 1 | 2 | 3 | 4;
  return { width, height, channels, maxValue, data: samples };
}

/**
 * The image as grayscale intensities in [0, 1], row-major: gray as is, colour by Rec. 601 luma
 * (0.299 R + 0.587 G + 0.114 B), and transparency composited over black (MNIST's background).
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

/** Pixels to encode: `channels` samples per pixel, each in [0, 2^bitDepth − 1]. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: ArrayLike<number>;
  /** 8 (default) or 16; gray may also be 1, 2 or 4. */
  bitDepth?: number;
}

/** Options of {@link encodePng}. */
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

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}

// ---------------------------------------------------------------- grayscale vectors ↔ PNG

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
 * @throws ShapeError on a length mismatch; InvalidValueError on NaN/Inf
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
 * @throws DataFormatError when malformed or of another size
 */
export function pngToGrayVector(bytes: Uint8Array, width: number, height: number, file = "<png>"): Float64Array {
  const img = decodePng(bytes, file);
  if (img.width !== width || img.height !== height) {
    throw new DataFormatError(`image is ${img.width}×${img.height}, expected ${width}×${height}`, { file });
  }
  return pngToGray(img);
}
