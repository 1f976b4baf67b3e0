import { deflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { DataFormatError, InvalidValueError, OptionError, ShapeError } from "../../src/errors.js";
import { decodePng, encodePng, type EncodePngOptions, grayToPng, type PngImage, pngToGray, pngToGrayVector, type RawImage } from "../../src/render/png.js";
import { Rng } from "../../src/model/rng.js";
import { crc32 } from "../../src/util/crc32.js";

const FILTERS = [0, 1, 2, 3, 4, "adaptive"] as const;
const SIZES: [number, number][] = [
  [1, 1],
  [3, 5],
  [17, 9],
  [33, 2],
];

/** Random samples in [0, max], with runs so that every filter has something to predict. */
function randomImage(rng: Rng, width: number, height: number, channels: 1 | 2 | 3 | 4, bitDepth: number, maxValue = (1 << bitDepth) - 1): RawImage {
  const data = new Array<number>(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform() < 0.3 && i >= channels ? data[i - channels]! : rng.int(maxValue + 1);
  return { width, height, channels, data, bitDepth };
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

function ihdr(width: number, height: number, depth: number, colorType: number, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return chunk("IHDR", d);
}

const SIG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function png(...chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat([SIG, ...chunks]);
}

const IEND = chunk("IEND", new Uint8Array(0));

/** A 2×2 8-bit gray PNG from raw (filter byte + 2 samples) rows. */
function grayPngFromRows(rows: number[][], width = 2): Uint8Array {
  return png(ihdr(width, rows.length, 8, 0), chunk("IDAT", deflateSync(Uint8Array.from(rows.flat()))), IEND);
}

function expectDataError(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    decodePng(bytes, "bad.png");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DataFormatError);
  expect((err as Error).message).toMatch(/^bad\.png: /);
  expect((err as Error).message).toMatch(pattern);
}

describe("encodePng / decodePng round trip", () => {
  const rng = new Rng(11);
  const cases: { channels: 1 | 2 | 3 | 4; depths: number[] }[] = [
    { channels: 1, depths: [1, 2, 4, 8, 16] },
    { channels: 2, depths: [8, 16] },
    { channels: 3, depths: [8, 16] },
    { channels: 4, depths: [8, 16] },
  ];
  for (const { channels, depths } of cases) {
    for (const depth of depths) {
      it(`restores every sample of ${channels}-channel ${depth}-bit images for each filter, interlaced or not`, () => {
        for (const [w, h] of SIZES) {
          for (const filter of FILTERS) {
            for (const interlace of [false, true]) {
              const img = randomImage(rng, w, h, channels, depth);
              const back = decodePng(encodePng(img, { filter, interlace }));
              expect([back.width, back.height, back.channels, back.maxValue]).toEqual([w, h, channels, (1 << depth) - 1]);
              expect(Array.from(back.data)).toEqual(img.data);
            }
          }
        }
      });
    }
  }

  it("expands palette images (1, 2, 4, 8 bit) to RGB, and to RGBA with tRNS", () => {
    for (const depth of [1, 2, 4, 8]) {
      const entries = Math.min(1 << depth, 7);
      const colors = Array.from({ length: entries * 3 }, () => rng.int(256));
      const alpha = Array.from({ length: entries - 1 }, () => rng.int(256));
      for (const withAlpha of [false, true]) {
        for (const interlace of [false, true]) {
          const img = randomImage(rng, 13, 6, 1, depth, entries - 1);
          const opts: EncodePngOptions = { interlace, palette: withAlpha ? { colors, alpha } : { colors } };
          const back = decodePng(encodePng(img, opts));
          const ch = withAlpha ? 4 : 3;
          expect(back.channels).toBe(ch);
          const want: number[] = [];
          for (const idx of img.data as number[]) {
            want.push(colors[3 * idx]!, colors[3 * idx + 1]!, colors[3 * idx + 2]!);
            // entries beyond the tRNS list are opaque
            if (withAlpha) want.push(idx < alpha.length ? alpha[idx]! : 255);
          }
          expect(Array.from(back.data)).toEqual(want);
        }
      }
    }
  });

  it("keeps tEXt chunks readable by another decoder and ignores them when decoding", () => {
    const img = randomImage(rng, 4, 4, 1, 8);
    const bytes = encodePng(img, { text: { Software: "geninv", Description: "test image" } });
    expect(Buffer.from(bytes).includes(Buffer.from("Software\0geninv"))).toBe(true);
    expect(Array.from(decodePng(bytes).data)).toEqual(img.data);
  });
});

describe("interoperability with pngjs", () => {
  const rng = new Rng(12);

  /** pngjs's RGBA view (skipRescale) of one of our decoded images. */
  function asRgba(img: PngImage): number[] {
    const out: number[] = [];
    for (let i = 0; i < img.width * img.height; i++) {
      const p = Array.from(img.data.subarray(i * img.channels, (i + 1) * img.channels));
      if (img.channels === 1) out.push(p[0]!, p[0]!, p[0]!, img.maxValue);
      else if (img.channels === 2) out.push(p[0]!, p[0]!, p[0]!, p[1]!);
      else if (img.channels === 3) out.push(p[0]!, p[1]!, p[2]!, img.maxValue);
      else out.push(...p);
    }
    return out;
  }

  it("pngjs decodes every variant encodePng writes to the same pixels", () => {
    const variants: [RawImage, EncodePngOptions][] = [];
    for (const [channels, depths] of [
      [1, [1, 2, 4, 8, 16]],
      [2, [8, 16]],
      [3, [8, 16]],
      [4, [8, 16]],
    ] as const) {
      for (const depth of depths) {
        for (const interlace of [false, true]) {
          for (const filter of FILTERS) variants.push([randomImage(rng, 19, 11, channels, depth), { interlace, filter }]);
        }
      }
    }
    const colors = Array.from({ length: 12 }, () => rng.int(256));
    variants.push([randomImage(rng, 19, 11, 1, 4, 3), { palette: { colors, alpha: [0, 128, 255, 7] }, interlace: true }]);
    for (const [img, opts] of variants) {
      const bytes = encodePng(img, opts);
      const theirs = PNG.sync.read(Buffer.from(bytes), { skipRescale: true });
      expect([theirs.width, theirs.height]).toEqual([img.width, img.height]);
      expect(Array.from(theirs.data)).toEqual(asRgba(decodePng(bytes)));
    }
  });

  it("decodePng reads pngjs's gray, gray+alpha, RGB and RGBA files, 8 and 16 bit", () => {
    for (const colorType of [0, 4, 2, 6] as const) {
      for (const bitDepth of [8, 16] as const) {
        const w = 9;
        const h = 7;
        const src = new PNG({ width: w, height: h, colorType, bitDepth, inputHasAlpha: true });
        const max = bitDepth === 16 ? 65535 : 255;
        const rgba = bitDepth === 16 ? new Uint16Array(w * h * 4) : new Uint8Array(w * h * 4);
        for (let i = 0; i < w * h; i++) {
          const g = rng.int(max + 1);
          const colour = colorType === 2 || colorType === 6;
          rgba[4 * i] = g;
          rgba[4 * i + 1] = colour ? rng.int(max + 1) : g;
          rgba[4 * i + 2] = colour ? rng.int(max + 1) : g;
          rgba[4 * i + 3] = colorType === 4 || colorType === 6 ? rng.int(max + 1) : max;
        }
        src.data = rgba as unknown as Buffer;
        const bytes = PNG.sync.write(src, { colorType, bitDepth, inputHasAlpha: true });
        const ours = decodePng(bytes);
        expect(ours.maxValue).toBe(max);
        expect(asRgba(ours)).toEqual(Array.from(rgba));
      }
    }
  });
});

describe("decodePng on hand-made scanlines", () => {
  it("undoes Sub, Up, Average and Paeth as the PNG spec defines them", () => {
    // rows of a 2×2 gray image: [[10, 20], [30, 5]]
    const none = grayPngFromRows([
      [0, 10, 20],
      [0, 30, 5],
    ]);
    const sub = grayPngFromRows([
      [1, 10, 10],
      [1, 30, (5 - 30) & 0xff],
    ]);
    const up = grayPngFromRows([
      [2, 10, 20],
      [2, 20, (5 - 20) & 0xff],
    ]);
    // Average: row 1 predicts floor((left + up)/2): pixel 0 → floor(10/2)=5, pixel 1 → floor((30+20)/2)=25
    const avg = grayPngFromRows([
      [3, 10, 15],
      [3, 25, (5 - 25) & 0xff],
    ]);
    // Paeth on row 1: pixel 0 predicts up = 10; pixel 1 has a=30, b=20, c=10 → p=40, picks a=30
    const paeth = grayPngFromRows([
      [4, 10, 10],
      [4, 20, (5 - 30) & 0xff],
    ]);
    for (const bytes of [none, sub, up, avg, paeth]) expect(Array.from(decodePng(bytes).data)).toEqual([10, 20, 30, 5]);
  });
});

describe("decodePng rejects malformed files with DataFormatError", () => {
  const good = encodePng({ width: 5, height: 4, channels: 1, data: Array.from({ length: 20 }, (_, i) => i * 12) });
  const idat = (raw: number[] | Uint8Array) => chunk("IDAT", deflateSync(Uint8Array.from(raw)));

  it("names a bad signature or a file too short to be a PNG", () => {
    expectDataError(new TextEncoder().encode("GIF89a......"), /bad signature/);
    expectDataError(good.subarray(0, 5), /only 5 bytes/);
  });

  it("reports truncation anywhere in the file", () => {
    for (const cut of [12, 20, 33, 40, good.length - 13, good.length - 1]) expectDataError(good.subarray(0, cut), /truncated/);
  });

  it("detects a flipped byte by its chunk CRC", () => {
    const bad = Uint8Array.from(good);
    bad[45]! ^= 0x10;
    expectDataError(bad, /CRC mismatch/);
  });

  it("names the IHDR field that is invalid", () => {
    const body = idat([0, 0]);
    expectDataError(png(ihdr(0, 1, 8, 0), body, IEND), /IHDR: image is 0×1/);
    expectDataError(png(ihdr(1, 1, 3, 0), body, IEND), /bit depth 3 is not allowed for colour type 0/);
    expectDataError(png(ihdr(1, 1, 8, 5), body, IEND), /unknown colour type 5/);
    expectDataError(png(ihdr(1, 1, 8, 0, 2), body, IEND), /unknown interlace method 2/);
    expectDataError(png(ihdr(100000, 100000, 8, 0), body, IEND), /larger than the .*-pixel limit/);
    expectDataError(png(chunk("IHDR", new Uint8Array(12)), body, IEND), /IHDR has 12 bytes, expected 13/);
  });

  it("requires IHDR first, image data, and IEND", () => {
    expectDataError(png(idat([0, 0]), ihdr(1, 1, 8, 0), IEND), /first chunk is IDAT, expected IHDR/);
    expectDataError(png(ihdr(1, 1, 8, 0), IEND), /no IDAT chunk/);
    expectDataError(png(ihdr(1, 1, 8, 0), idat([0, 0])), /no IEND chunk/);
  });

  it("rejects a corrupt zlib stream, and image data of the wrong length", () => {
    const garbage = chunk("IDAT", Uint8Array.of(0x78, 0x9c, 0xff, 0xff, 0xff, 0x00, 0x13));
    expectDataError(png(ihdr(2, 2, 8, 0), garbage, IEND), /corrupt zlib stream/);
    expectDataError(png(ihdr(2, 2, 8, 0), idat([0, 1, 2]), IEND), /image data has 3 bytes, a 2×2 image needs 6/);
    // a tiny image whose data inflates to megabytes is cut off, not inflated
    expectDataError(png(ihdr(2, 2, 8, 0), idat(new Uint8Array(5_000_000)), IEND), /decompresses to more than the 6 bytes/);
  });

  it("names an unknown filter type and its row", () => {
    expectDataError(
      grayPngFromRows([
        [0, 1, 2],
        [5, 3, 4],
      ]),
      /row 1: unknown filter type 5/,
    );
  });

  it("checks palettes: PLTE present, well-sized, indices in range", () => {
    const body = idat([0, 0x0f]); // 1×1, 8-bit index 15
    expectDataError(png(ihdr(1, 1, 8, 3), body, IEND), /without a PLTE chunk/);
    expectDataError(png(ihdr(1, 1, 8, 3), chunk("PLTE", new Uint8Array(4)), body, IEND), /PLTE has 4 bytes/);
    expectDataError(png(ihdr(1, 1, 8, 3), chunk("PLTE", new Uint8Array(6)), body, IEND), /palette index 15, the palette has 2 entries/);
  });

  it("refuses unknown critical chunks but skips unknown ancillary ones", () => {
    const body = idat([0, 7]);
    expectDataError(png(ihdr(1, 1, 8, 0), chunk("ZZZZ", new Uint8Array(1)), body, IEND), /unknown critical chunk ZZZZ/);
    expect(Array.from(decodePng(png(ihdr(1, 1, 8, 0), chunk("zzZZ", new Uint8Array(3)), body, IEND)).data)).toEqual([7]);
  });
});

describe("grayscale conversions", () => {
  it("pngToGray uses gray as is, Rec. 601 luma for colour, and composites alpha over black", () => {
    const gray = decodePng(encodePng({ width: 2, height: 1, channels: 1, data: [0, 255] }));
    expect(Array.from(pngToGray(gray))).toEqual([0, 1]);
    const rgb = decodePng(encodePng({ width: 1, height: 1, channels: 3, data: [255, 0, 0] }));
    expect(pngToGray(rgb)[0]).toBeCloseTo(0.299, 12);
    const ga = decodePng(encodePng({ width: 1, height: 1, channels: 2, data: [65535, 32768], bitDepth: 16 }));
    expect(pngToGray(ga)[0]).toBeCloseTo(32768 / 65535, 12);
    const mask = decodePng(encodePng({ width: 3, height: 1, channels: 1, data: [1, 0, 1], bitDepth: 1 }));
    expect(Array.from(pngToGray(mask))).toEqual([1, 0, 1]);
  });

  it("grayToPng maps the range to 0–255, clips outside it, and round-trips to within 1/510", () => {
    const values = [-0.5, 0, 0.25, 0.5, 1, 3];
    const back = pngToGrayVector(grayToPng(values, 3, 2), 3, 2);
    expect(Array.from(back).map((v) => Math.round(v * 255))).toEqual([0, 0, 64, 128, 255, 255]);
    const ranged = pngToGrayVector(grayToPng([-1, 0, 1], 3, 1, { range: [-1, 1] }), 3, 1);
    expect(Array.from(ranged).map((v) => Math.round(v * 255))).toEqual([0, 128, 255]);
    const rng = new Rng(3);
    const x = rng.fillUniform(new Float64Array(784), 0, 1);
    const y = pngToGrayVector(grayToPng(x, 28, 28), 28, 28);
    for (let i = 0; i < 784; i++) expect(Math.abs(y[i]! - x[i]!)).toBeLessThanOrEqual(1 / 510 + 1e-12);
  });

  it("grayToPng names a NaN pixel and rejects a length that is not width×height", () => {
    expect(() => grayToPng([0, NaN, 0, 0], 2, 2)).toThrow(InvalidValueError);
    expect(() => grayToPng([0, NaN, 0, 0], 2, 2)).toThrow(/pixel 1 \(x 1, y 0\) is NaN/);
    expect(() => grayToPng([0, 0, 0], 2, 2)).toThrow(ShapeError);
    expect(() => grayToPng([0], 1, 1, { range: [1, 1] })).toThrow(OptionError);
  });

  it("pngToGrayVector rejects an image of the wrong size, naming the file", () => {
    expect(() => pngToGrayVector(grayToPng(new Float64Array(30), 6, 5), 28, 28, "digit.png")).toThrow(/digit\.png: image is 6×5, expected 28×28/);
  });
});

describe("encodePng input checks", () => {
  it("rejects bad sizes, depths, samples and palettes", () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 1, data: [0, 0, 0] })).toThrow(ShapeError);
    expect(() => encodePng({ width: 1, height: 1, channels: 3, data: [0, 0, 0], bitDepth: 4 })).toThrow(/bit depth 4 is not allowed/);
    expect(() => encodePng({ width: 1, height: 1, channels: 1, data: [256] })).toThrow(/sample 0 is 256/);
    expect(() => encodePng({ width: 1, height: 1, channels: 1, data: [1.5] })).toThrow(InvalidValueError);
    expect(() => encodePng({ width: 1, height: 1, channels: 1, data: [2] }, { palette: { colors: [0, 0, 0, 1, 1, 1] } })).toThrow(
      /palette index 2, the palette has 2 entries/,
    );
    expect(() => encodePng({ width: 0, height: 1, channels: 1, data: [] })).toThrow(ShapeError);
  });
});
