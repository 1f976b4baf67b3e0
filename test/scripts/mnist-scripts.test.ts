import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodePng } from "../../src/render/png.js";
import { randomGenerator } from "../../src/model/random.js";
import { Rng } from "../../src/model/rng.js";
import { float32Shortest, MNIST_RECIPES, roundToFloat32 } from "../../scripts/mnist-models.js";
import { writeSampleGrid } from "../../scripts/mnist-samples.js";

describe("float32Shortest", () => {
  it("picks the shortest decimal with the same float32, never a different float32", () => {
    expect(float32Shortest(0.1)).toBe(0.1);
    expect(float32Shortest(Math.fround(0.1))).toBe(0.1);
    expect(float32Shortest(-1.2345678901234)).toBe(-1.2345679);
    const rng = new Rng(2);
    for (let i = 0; i < 5000; i++) {
      const v = rng.normal() * 10 ** (rng.int(7) - 4);
      const s = float32Shortest(v);
      expect(Math.fround(s)).toBe(Math.fround(v));
      expect(String(s).replace(/^-?0\.0*|[-.]|e.*$/g, "").length).toBeLessThanOrEqual(9);
    }
  });

  it("roundToFloat32 keeps a generator's outputs to float32 accuracy", () => {
    const gen = randomGenerator({ sizes: [4, 9, 12], activation: { kind: "relu" }, rng: 3 });
    const rounded = roundToFloat32(gen);
    const z = new Rng(4).fillNormal(new Float64Array(4));
    const a = gen.forward(z);
    const b = rounded.forward(z);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-6 * (1 + Math.abs(a[i]!)));
  });
});

describe("MNIST recipes", () => {
  it("describe the two shipped architectures with ReLU / LeakyReLU(0.1) on every layer and no biases", () => {
    expect(MNIST_RECIPES.map((r) => [r.name, r.config.latent, ...r.config.decoder.map((l) => l.outputs)])).toEqual([
      ["mnist", 20, 60, 784],
      ["mnist-leaky", 20, 200, 500, 784],
    ]);
    expect(MNIST_RECIPES[0]!.config.decoder.every((l) => l.activation.kind === "relu" && !l.bias)).toBe(true);
    expect(MNIST_RECIPES[1]!.config.decoder.every((l) => l.activation.kind === "leaky_relu" && l.activation.slope === 0.1 && !l.bias)).toBe(true);
  });
});

describe("writeSampleGrid", () => {
  it("writes the same titled 8×8 grid per model for the same seed", () => {
    const dir = mkdtempSync(join(tmpdir(), "geninv-samples-"));
    try {
      writeSampleGrid(["mnist", "mnist-leaky"], join(dir, "a.png"), 5);
      writeSampleGrid(["mnist", "mnist-leaky"], join(dir, "b.png"), 5);
      writeSampleGrid(["mnist", "mnist-leaky"], join(dir, "c.png"), 6);
      const a = readFileSync(join(dir, "a.png"));
      expect(a.equals(readFileSync(join(dir, "b.png")))).toBe(true);
      expect(a.equals(readFileSync(join(dir, "c.png")))).toBe(false);
      const img = decodePng(a);
      // two grids of 8 tiles of 56 px with 2 px padding, 12 px apart
      expect(img.width).toBe(2 * (8 * 56 + 9 * 2) + 12);
      expect(img.channels).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
