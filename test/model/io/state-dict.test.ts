import { describe, expect, it } from "vitest";
import { ModelFormatError, OptionError } from "../../../src/errors.js";
import { generatorFromTensors, parseManifest } from "../../../src/model/io/state-dict.js";
import { stridedTensor, type Tensor } from "../../../src/model/io/tensor.js";
import { encodeValues } from "./writers.js";

const t = (name: string, shape: number[], values?: number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = values ?? Array.from({ length: n }, (_x, i) => (i % 7) - 3);
  return stridedTensor({
    name,
    dtype: "float64",
    shape,
    strides: null,
    offset: 0,
    storage: encodeValues(v, "float64"),
    littleEndian: true,
    makeError: (m, f) => new ModelFormatError(m, { file: "x", ...(f ? { field: f } : {}) }),
  });
};

describe("choosing the generator's layers in a state dict", () => {
  it("nn.Sequential keys are ordered by index, not file order (0, 2, 10)", () => {
    const ts = [t("10.weight", [5, 4]), t("0.weight", [3, 2]), t("2.weight", [4, 3]), t("2.bias", [4])];
    const g = generatorFromTensors(ts, { activation: "relu" }, "s.pt");
    expect(g.sizes).toEqual([2, 3, 4, 5]);
    expect(g.layers.map((l) => l.name)).toEqual(["0", "2", "10"]);
    expect(g.layers[1]!.bias).not.toBeNull();
  });

  it("a nested Sequential (decoder.0, decoder.2) with a per-layer activation list", () => {
    const ts = [t("decoder.0.weight", [3, 2]), t("decoder.2.weight", [4, 3])];
    const g = generatorFromTensors(ts, { activation: "leaky_relu:0.2,sigmoid" }, "s.pt");
    expect(g.layers.map((l) => l.activation)).toEqual([{ kind: "leaky_relu", slope: 0.2 }, { kind: "sigmoid" }]);
  });

  it("inference refuses to drop tensors it cannot map (a BatchNorm between the layers)", () => {
    const ts = [t("0.weight", [3, 2]), t("1.weight", [3]), t("1.running_mean", [3]), t("2.weight", [4, 3])];
    expect(() => generatorFromTensors(ts, { activation: "relu" }, "bn.pt")).toThrow(
      /bn\.pt: cannot infer the generator: 2 tensors would be left unused \(1\.weight \(3\), 1\.running_mean \(3\)\)/,
    );
  });

  it("--layers accepts prefixes, full weight names and unique suffixes (state_dict.fc3 via fc3)", () => {
    const ts = [t("model.fc3.weight", [3, 2]), t("model.fc3.bias", [3]), t("model.fc4.weight", [4, 3])];
    const a = generatorFromTensors(ts, { layers: ["fc3", "model.fc4.weight"], activation: "relu" }, "c.pt");
    expect(a.sizes).toEqual([2, 3, 4]);
    expect(a.layers[0]!.bias).not.toBeNull();
    expect(() => generatorFromTensors(ts, { layers: ["fc5"], activation: "relu" }, "c.pt")).toThrow(
      /c\.pt: --layers: no tensor 'fc5' or 'fc5\.weight' \(weights here: model\.fc3\.weight 3×2, model\.fc4\.weight 4×3\)/,
    );
    expect(() => generatorFromTensors(ts, { layers: ["fc4", "fc3"], activation: "relu" }, "c.pt")).toThrow(
      /model\.fc3\.weight: takes 2 inputs but the layer before it \(fc4\) outputs 4: wrong layer order/,
    );
  });

  it("the number of activations must match the layers", () => {
    const ts = [t("0.weight", [3, 2]), t("2.weight", [4, 3])];
    expect(() => generatorFromTensors(ts, { activation: "relu,relu,relu" }, "s.pt")).toThrow(OptionError);
  });

  it("a manifest picks tensors, biases (or none), activations and transposed weights", () => {
    const ts = [t("enc.weight", [9, 9]), t("a.kernel", [2, 3], [1, 2, 3, 4, 5, 6]), t("a.b", [3]), t("z.weight", [4, 3]), t("z.bias", [4])];
    const manifest = parseManifest(
      {
        activation: "relu",
        layers: [
          { weight: "a.kernel", bias: "a.b", transpose: true, activation: { leaky_relu: 0.5 } },
          { name: "z", bias: null },
        ],
      },
      "m.json",
    );
    const g = generatorFromTensors(ts, { manifest }, "w.safetensors");
    expect(g.sizes).toEqual([2, 3, 4]);
    expect(Array.from(g.layers[0]!.weight.data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(g.layers[0]!.activation).toEqual({ kind: "leaky_relu", slope: 0.5 });
    expect(g.layers[1]!.activation).toEqual({ kind: "relu" });
    expect(g.layers[1]!.bias).toBeNull();
  });

  it("manifest mistakes are named by field", () => {
    expect(() => parseManifest({ layers: [{ nme: "fc3" }] }, "m.json")).toThrow(/m\.json: layers\[0\]\.nme: unknown field/);
    expect(() => parseManifest({ layers: [] }, "m.json")).toThrow(/layers: expected a non-empty list/);
    expect(() => parseManifest({ layers: ["fc3"], activation: "swish" }, "m.json")).toThrow(/m\.json: activation: unknown activation 'swish'/);
  });
});
