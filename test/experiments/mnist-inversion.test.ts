import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/io/load.js";
import { Rng } from "../../src/model/rng.js";
import { addNoise } from "../../src/model/random.js";
import { invert } from "../../src/invert/invert.js";
import { relativeError } from "../../src/linalg/norms.js";
import { TRAINED_NET_METHOD_OPTIONS } from "../../src/experiments/common.js";
import { invertImage, imageFigureConfig, imageFigurePng, runImageFigure } from "../../src/experiments/images.js";
import { parseMaskSpec } from "../../src/operators/masks.js";
import { applyOperator, gaussianOperator } from "../../src/operators/operator.js";
import { decodePng } from "../../src/render/png.js";

const gen = loadModel("mnist");
function digit(seed: number): { z: Float64Array; x: Float64Array } {
  const z = new Rng(seed).fillNormal(new Float64Array(20));
  return { z, x: gen.forward(z) };
}

describe("inverting the shipped MNIST ReLU generator (20 → 60 → 784)", () => {
  it("ℓ∞ LP recovers z* from noiseless and low-noise digits where GD from a random start (paper's settings) stalls", () => {
    let lpNoiseless = 0;
    let lpNoisy = 0;
    let gdOk = 0;
    const runs = 6;
    for (let s = 0; s < runs; s++) {
      const { z, x } = digit(100 + s);
      if (relativeError(invert(gen, x, { method: "linf" }).z, z) < 1e-6) lpNoiseless++;
      const noisy = addNoise(Float64Array.from(x), { kind: "uniform", level: 1e-4 }, new Rng(s));
      if (relativeError(invert(gen, noisy, { method: "linf" }).z, z) < 1e-2) lpNoisy++;
      const gd = invert(gen, x, { method: "gd", ...TRAINED_NET_METHOD_OPTIONS.gd, iterations: 3000, seed: s });
      if (relativeError(gd.z, z) < 1e-2) gdOk++;
    }
    expect(lpNoiseless).toBe(runs);
    expect(lpNoisy).toBeGreaterThanOrEqual(runs - 1);
    expect(gdOk).toBeLessThanOrEqual(runs / 2);
  });

  it("inpainting from a random 50 % of the pixels recovers z* (inverting from the observed rows alone)", () => {
    for (let s = 0; s < 4; s++) {
      const { z, x } = digit(200 + s);
      const mask = parseMaskSpec("random:0.5", 28, 28, s);
      const { outcome, image } = invertImage(gen, x, mask, { z, image: x }, "linf", {});
      expect(outcome.status).toMatch(/optimal|exact/);
      expect(outcome.relError).toBeLessThan(1e-6);
      expect(relativeError(image!, x)).toBeLessThan(1e-6);
    }
  });

  it("PGD (LP projections) beats Adam with restarts from m = 100 Gaussian measurements (m ≪ n = 784)", () => {
    const pgdErr: number[] = [];
    const adamErr: number[] = [];
    for (let s = 0; s < 2; s++) {
      const { x } = digit(300 + s);
      const A = gaussianOperator(100, 784, 400 + s);
      const y = applyOperator(A, x, new Float64Array(100));
      const pgd = invert(gen, y, { method: "pgd", operator: A, ...TRAINED_NET_METHOD_OPTIONS.pgd, pgdRestarts: 1 } as never);
      const adam = invert(gen, y, { method: "adam", operator: A, ...TRAINED_NET_METHOD_OPTIONS.adam, seed: s });
      pgdErr.push(relativeError(gen.forward(pgd.z), x));
      adamErr.push(relativeError(gen.forward(adam.z), x));
    }
    expect(Math.max(...pgdErr)).toBeLessThan(1e-2);
    expect(Math.max(...pgdErr)).toBeLessThan(Math.min(...adamErr));
  });

  it("Adam, then PGD from its answer (adam+pgd), beats Adam alone from m = 50 = 2.5·k measurements", () => {
    // digits 300 and 302, where Adam alone lands 4–5e-2 away (301 is one Adam already gets to 3e-3)
    for (const s of [0, 2]) {
      const { x } = digit(300 + s);
      const A = gaussianOperator(50, 784, 500 + s);
      const y = applyOperator(A, x, new Float64Array(50));
      const adam = invert(gen, y, { method: "adam", operator: A, ...TRAINED_NET_METHOD_OPTIONS.adam, seed: s });
      const started = invert(gen, y, { method: "adam+pgd", operator: A, ...TRAINED_NET_METHOD_OPTIONS["adam+pgd"], seed: s } as never);
      expect(started.method).toBe("adam+pgd");
      // PGD keeps the better measurement fit, its start included
      expect(started.residual.l2).toBeLessThanOrEqual(adam.residual.l2);
      const startedErr = relativeError(gen.forward(started.z), x);
      expect(startedErr).toBeLessThan(1e-2);
      expect(startedErr).toBeLessThan(relativeError(gen.forward(adam.z), x) / 10);
    }
  });

  it("fig3 and fig4 write PNG grids of the right size (truth | observation | each method)", () => {
    for (const figure of ["fig3", "fig4"] as const) {
      const r = runImageFigure(imageFigureConfig(figure, { digits: 2, methods: ["linf", "adam"], methodOptions: { adam: { iterations: 50, restarts: 1 } } }));
      const png = decodePng(imageFigurePng(r));
      expect(png.width).toBe(4 * 28 * 3 + 5 * 3);
      expect(png.height).toBeGreaterThan(2 * 28 * 3);
      expect(r.summary.linf!.failed).toBe(0);
      if (figure === "fig4") expect(r.summary.linf!.medianImageError).toBeLessThan(1e-6);
    }
  });
});
