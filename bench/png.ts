/**
 * PNG codec: geninv's decoder/encoder (src/render/png.ts) beside pngjs, the kept pure-JS library,
 * on the same images in the same run — a 28×28 digit, a 560×560 gray grid and a 512×512 RGBA image.
 * This measurement (with the features listed in png.ts's header) is why png.ts stays hand-written.
 */
import { PNG } from "pngjs";
import { decodePng, encodePng } from "../src/render/png.js";
import { Rng } from "../src/model/rng.js";
import { median, printTable, timeEach } from "./common.js";

function image(width: number, height: number, channels: 1 | 4, seed: number): { width: number; height: number; channels: 1 | 4; data: Uint8Array } {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * channels);
  // smooth blobs plus a little noise: compresses like a real figure, not like white noise
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = 127.5 * (1 + Math.sin(x / 9) * Math.cos(y / 13)) + 8 * rng.uniform();
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = Math.min(255, Math.round(v + 20 * c));
    }
  }
  return { width, height, channels, data };
}

function toPngjs(img: { width: number; height: number; channels: 1 | 4; data: Uint8Array }): PNG {
  const p = new PNG({ width: img.width, height: img.height });
  for (let i = 0; i < img.width * img.height; i++) {
    for (let c = 0; c < 4; c++) p.data[i * 4 + c] = img.channels === 1 ? (c === 3 ? 255 : img.data[i]!) : img.data[i * 4 + c]!;
  }
  return p;
}

export function run(): void {
  const cases = [
    { name: "28×28 gray", img: image(28, 28, 1, 1), reps: 400 },
    { name: "560×560 gray", img: image(560, 560, 1, 2), reps: 15 },
    { name: "512×512 RGBA", img: image(512, 512, 4, 3), reps: 15 },
  ];
  const rows: (string | number)[][] = [];
  for (const { name, img, reps } of cases) {
    const ours = encodePng(img);
    const theirs = PNG.sync.write(toPngjs(img), img.channels === 1 ? { colorType: 0, inputColorType: 6 } : { colorType: 6 });
    const items = Array.from({ length: reps }, (_, i) => i);
    const decOurs = median(timeEach(items, () => decodePng(ours)));
    const decTheirs = median(timeEach(items, () => PNG.sync.read(Buffer.from(ours))));
    const encOurs = median(timeEach(items, () => encodePng(img)));
    const pj = toPngjs(img);
    const encTheirs = median(timeEach(items, () => PNG.sync.write(pj, img.channels === 1 ? { colorType: 0, inputColorType: 6 } : { colorType: 6 })));
    rows.push([
      name,
      decOurs,
      decTheirs,
      `${(decTheirs / decOurs).toFixed(2)}×`,
      encOurs,
      encTheirs,
      `${(encTheirs / encOurs).toFixed(2)}×`,
      ours.length,
      theirs.length,
    ]);
  }
  printTable(
    "PNG decode/encode, median ms (pngjs 7 in the same run; ratio = pngjs time / geninv time)",
    ["image", "decode ms", "pngjs ms", "ratio", "encode ms", "pngjs ms", "ratio", "bytes", "pngjs bytes"],
    rows,
  );
}
