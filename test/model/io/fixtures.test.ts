import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Generator } from "../../../src/model/generator.js";
import { inspectModelFile, loadModel } from "../../../src/model/io/load.js";
import { parseNpy } from "../../../src/model/io/npy.js";
import { FIXTURES, fixture, fixtureSuite } from "../../fixtures.js";

describe.skipIf(!FIXTURES)(fixtureSuite("the PyTorch-written fixtures"), () => {
  const load = (): Record<string, Generator> => ({
    legacy: loadModel(fixture("trained_vae_20_60_784_nobias.pth"), { layers: ["fc3", "fc4"], activation: "relu" }),
    zip: loadModel(fixture("vae_relu_decoder_sequential.pt"), { activation: "relu" }),
    onnx: loadModel(fixture("vae_relu_decoder.onnx")),
    safetensors: loadModel(fixture("vae_relu_decoder.safetensors"), { activation: "relu" }),
  });

  it("legacy .pth (fc3,fc4 relu), zip .pt, ONNX and safetensors give the same 20-60-784 generator, weights bit for bit", () => {
    const g = load();
    const ref = g.legacy!;
    expect(ref.sizes).toEqual([20, 60, 784]);
    expect(ref.layers.map((l) => l.name)).toEqual(["fc3", "fc4"]);
    for (const [name, gen] of Object.entries(g)) {
      expect(gen.sizes, name).toEqual([20, 60, 784]);
      gen.layers.forEach((l, i) => {
        expect(l.activation, `${name} layer ${i}`).toEqual({ kind: "relu" });
        expect(l.bias, `${name} layer ${i}`).toBeNull();
        expect(Array.from(l.weight.data), `${name} layer ${i}`).toEqual(Array.from(ref.layers[i]!.weight.data));
      });
    }
    // the weights are float32 values: converting to float32 changes nothing
    const w = ref.layers[0]!.weight.data;
    expect(Array.from(Float32Array.from(w))).toEqual(Array.from(w));
  });

  it("maps vae_relu_decoder_z.npy to vae_relu_decoder_x.npy to float32 accuracy, for every format", () => {
    const z = parseNpy(readFileSync(fixture("vae_relu_decoder_z.npy")));
    const x = parseNpy(readFileSync(fixture("vae_relu_decoder_x.npy")));
    expect(z.shape).toEqual([5, 20]);
    expect(x.shape).toEqual([5, 784]);
    for (const [name, gen] of Object.entries(load())) {
      const out = gen.forwardBatch({ rows: 5, cols: 20, data: z.data });
      let worst = 0;
      for (let b = 0; b < 5; b++) {
        let scale = 0;
        for (let j = 0; j < 784; j++) scale = Math.max(scale, Math.abs(x.data[b * 784 + j]!));
        for (let j = 0; j < 784; j++) worst = Math.max(worst, Math.abs(out.data[b * 784 + j]! - x.data[b * 784 + j]!) / scale);
      }
      // PyTorch computed x in float32 (unit roundoff 6e-8); summing 60 products costs a few ulps
      expect(worst, name).toBeLessThan(2e-6);
      expect(worst, name).toBeGreaterThan(0); // float64 here, float32 there: not bitwise equal
    }
  });

  it("row 2 of x has 27 active pixels, fewer than the 60 hidden units", () => {
    const x = parseNpy(readFileSync(fixture("vae_relu_decoder_x.npy")));
    const active = [0, 1, 2, 3, 4].map((b) => Array.from(x.data.subarray(b * 784, (b + 1) * 784)).filter((v) => v > 0).length);
    expect(active[2]).toBe(27);
    expect(active.filter((a) => a >= 60)).toHaveLength(4);
  });

  it("the legacy checkpoint lists all eight tensors as cuda:0 float32, and without --layers says which to pick", () => {
    const r = inspectModelFile(fixture("trained_vae_20_60_784_nobias.pth"), { activation: "relu" });
    expect(r.description.format).toBe("pytorch-legacy");
    expect(r.description.tensors.map((t) => t.name)).toEqual([
      "fc1.weight",
      "fc1.bias",
      "fc21.weight",
      "fc21.bias",
      "fc22.weight",
      "fc22.bias",
      "fc3.weight",
      "fc4.weight",
    ]);
    expect(r.description.tensors.every((t) => t.dtype === "float32")).toBe(true);
    expect(r.description.metadata.locations).toEqual(["cuda:0"]);
    expect(r.generator).toBeNull();
    expect(r.problem).toMatch(/cannot tell which tensors form the generator.*--layers/);
  });

  it("a state dict without activations is refused with advice, not given a guessed one", () => {
    expect(() => loadModel(fixture("vae_relu_decoder.safetensors"))).toThrow(/not which activation follows each layer: give --activation/);
  });
});
