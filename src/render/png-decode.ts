/**
 * The PNG decoder: every colour type and bit depth of the PNG spec, all five filters and Adam7
 * interlacing, tRNS as alpha; strict (a DataFormatError naming the file and what is wrong), and
 * bounded (the image size is checked from IHDR against the caller's pixel count and byte budget
 * before anything is inflated). Why by hand rather than pngjs: render/png.ts's header.
 */
import { inflateSync } from "node:zlib";
import { DataFormatError } from "../errors.js";
import { ByteBudget, formatBytes, type LoadLimits } from "../model/io/limits.js";
import { crc32 } from "../util/crc32.js";
import { ADAM7, ALLOWED_DEPTHS, concat, GRAY, MAX_PIXELS, PALETTE, paeth, passSize, type PngImage, RGB, SAMPLES_PER_PIXEL, SIGNATURE } from "./png-format.js";

/**
 * Decode a PNG. Accepts every colour type and bit depth of the PNG spec, all five filters and
 * Adam7 interlacing; honours tRNS (as an alpha channel). Ancillary chunks are skipped.
 * The image's size is checked from its IHDR chunk, before any pixel data is inflated: against the
 * pixel count the caller expects (`opts.pixels`, e.g. a generator's output size) and against the
 * file's {@link ByteBudget} (what decoding allocates: at most 64 × the file's size, at least 64 MiB,
 * by default; `opts.limits.maxBytes` raises it), so a 65 KB PNG of 8192² pixels costs nothing.
 * @param bytes the PNG file's bytes
 * @param file names the source in error messages
 * @param opts.pixels the number of pixels the image must have
 * @param opts.limits the byte limit (CLI `--max-input-bytes`)
 * @returns the decoded samples, palettes expanded and tRNS as an alpha channel
 * @throws DataFormatError naming the file and what is wrong (signature, chunk, CRC, header
 *   field, size, zlib stream, filter type, data length)
 * @example
 * ```ts
 * import { DataFormatError } from "geninv";
 * import { decodePng, grayToPng } from "geninv/experiments";
 * const img = decodePng(grayToPng([0, 1, 1, 0], 2, 2), "checker.png", { pixels: 4 });
 * console.log(img.channels, Array.from(img.data)); // 1 [0, 255, 255, 0]
 * try {
 *   decodePng(Uint8Array.of(1, 2, 3), "broken.png");
 * } catch (e) {
 *   if (!(e instanceof DataFormatError)) throw e;
 * }
 * ```
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

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}
