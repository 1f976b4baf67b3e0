import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../../src/errors.js";
import { Generator } from "../../../src/model/generator.js";
import { onnxLayers, readOnnx } from "../../../src/model/io/onnx.js";
import { type MakeError } from "../../../src/model/io/tensor.js";
import { makeOnnx, type OnnxInit, type OnnxNodeSpec } from "./writers.js";

const mk: MakeError = (msg, field) => new ModelFormatError(msg, { file: "m.onnx", ...(field ? { field } : {}) });
const build = (nodes: OnnxNodeSpec[], initializers: OnnxInit[], inShape: (number | string)[] = ["N", 2], outName = "y"): Generator =>
  new Generator(
    onnxLayers(readOnnx(makeOnnx({ nodes, initializers, input: { name: "z", shape: inShape }, output: { name: outName, shape: ["N", 3] } }), mk), mk),
  );

// W (3×2) and b (3), exactly representable in float32
const W = [0.5, -1, 2, 0.25, -0.75, 1.5];
const Wt = [0.5, 2, -0.75, -1, 0.25, 1.5]; // Wᵀ, 2×3
const b = [0.125, -0.5, 1];
const z = [1, -2];
const affine = (scale = 1, bscale = 1): number[] => [0, 1, 2].map((i) => scale * (W[2 * i]! * z[0]! + W[2 * i + 1]! * z[1]!) + bscale * b[i]!);

describe("ONNX graphs", () => {
  it("Gemm with transB = 1 (torch's Linear export) and bias C", () => {
    const g = build(
      [{ op: "Gemm", inputs: ["z", "W", "b"], outputs: ["y"], attrs: [{ name: "transB", i: 1 }] }],
      [
        { name: "W", shape: [3, 2], values: W },
        { name: "b", shape: [3], values: b },
      ],
    );
    expect(g.layers[0]!.activation).toEqual({ kind: "identity" });
    expect(Array.from(g.forward(z))).toEqual(affine());
  });

  it("Gemm with transB = 0 (B stored [in, out]), alpha and beta", () => {
    const g = build(
      [
        {
          op: "Gemm",
          inputs: ["z", "B", "C"],
          outputs: ["y"],
          attrs: [
            { name: "alpha", f: 2 },
            { name: "beta", f: 0.5 },
          ],
        },
      ],
      [
        { name: "B", shape: [2, 3], values: Wt },
        { name: "C", shape: [1, 3], values: b },
      ],
    );
    expect(Array.from(g.forward(z))).toEqual(affine(2, 0.5));
  });

  it("Gemm with the data as B (column layout): W·x + C with C of shape [out, 1]", () => {
    const g = build(
      [{ op: "Gemm", inputs: ["W", "z", "C"], outputs: ["y"] }],
      [
        { name: "W", shape: [3, 2], values: W },
        { name: "C", shape: [3, 1], values: b },
      ],
      [2, 1],
    );
    expect(Array.from(g.forward(z))).toEqual(affine());
  });

  it("MatMul + Add + LeakyRelu (default alpha 0.01) + MatMul + Sigmoid, initializers in float_data and as float64 / float16", () => {
    const g = build(
      [
        { op: "MatMul", inputs: ["z", "Wt"], outputs: ["h0"] },
        { op: "Add", inputs: ["bias", "h0"], outputs: ["h1"] },
        { op: "LeakyRelu", inputs: ["h1"], outputs: ["h2"], name: "act1" },
        { op: "Flatten", inputs: ["h2"], outputs: ["h3"] },
        { op: "MatMul", inputs: ["h3", "V"], outputs: ["h4"] },
        { op: "Sigmoid", inputs: ["h4"], outputs: ["y"] },
      ],
      [
        { name: "Wt", shape: [2, 3], values: Wt, storage: "float_data" },
        { name: "bias", shape: [3], values: b, storage: "double_raw" },
        { name: "V", shape: [3, 1], values: [1, 0.5, -0.25], storage: "half_int32" },
      ],
    );
    expect(g.sizes).toEqual([2, 3, 1]);
    expect(g.layers[0]!.activation).toEqual({ kind: "leaky_relu", slope: 0.01 });
    const h = affine().map((v) => (v < 0 ? 0.01 * v : v));
    const pre = h[0]! + 0.5 * h[1]! - 0.25 * h[2]!;
    expect(g.forward(z)[0]).toBeCloseTo(1 / (1 + Math.exp(-pre)), 14);
  });

  it("LeakyRelu's explicit alpha, Tanh, and Identity / Reshape to [1, -1] as no-ops", () => {
    const g = build(
      [
        { op: "Reshape", inputs: ["z", "shape"], outputs: ["z1"] },
        { op: "Gemm", inputs: ["z1", "W"], outputs: ["a"], attrs: [{ name: "transB", i: 1 }] },
        { op: "LeakyRelu", inputs: ["a"], outputs: ["b"], attrs: [{ name: "alpha", f: 0.25 }] },
        { op: "Identity", inputs: ["b"], outputs: ["c"] },
        { op: "Gemm", inputs: ["c", "I"], outputs: ["d"], attrs: [{ name: "transB", i: 1 }] },
        { op: "Tanh", inputs: ["d"], outputs: ["y"] },
      ],
      [
        { name: "shape", shape: [2], values: [1, -1], storage: "double_raw" },
        { name: "W", shape: [3, 2], values: W },
        { name: "I", shape: [3, 3], values: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
      ],
    );
    expect(g.layers.map((l) => l.activation)).toEqual([{ kind: "leaky_relu", slope: 0.25 }, { kind: "tanh" }]);
    expect(Array.from(g.forward(z))).toEqual(affine(1, 0).map((v) => Math.tanh(v < 0 ? 0.25 * v : v)));
  });

  it("an unsupported op is named with its node name", () => {
    expect(() => build([{ op: "Conv", inputs: ["z", "W"], outputs: ["y"], name: "/enc/conv1" }], [{ name: "W", shape: [3, 2], values: W }])).toThrow(
      /m\.onnx: node '\/enc\/conv1' \(Conv\): unsupported op 'Conv'/,
    );
  });

  it("branches, two activations in a row, non-constant weights and bad bias shapes are refused with the node named", () => {
    const init = [{ name: "W", shape: [3, 2], values: W }];
    expect(() =>
      build(
        [
          { op: "Gemm", inputs: ["z", "W"], outputs: ["a"], attrs: [{ name: "transB", i: 1 }] },
          { op: "Relu", inputs: ["a"], outputs: ["y"] },
          { op: "Relu", inputs: ["a"], outputs: ["y2"] },
        ],
        init,
      ),
    ).toThrow(/value 'a' feeds 2 nodes/);
    expect(() =>
      build(
        [
          { op: "Gemm", inputs: ["z", "W"], outputs: ["a"], attrs: [{ name: "transB", i: 1 }] },
          { op: "Relu", inputs: ["a"], outputs: ["b"] },
          { op: "Relu", inputs: ["b"], outputs: ["y"], name: "again" },
        ],
        init,
      ),
    ).toThrow(/node 'again' \(Relu\): a second activation in a row/);
    expect(() => build([{ op: "MatMul", inputs: ["z", "z"], outputs: ["y"], name: "sq" }], init)).toThrow(
      /node 'sq' \(MatMul\): input 1 \('z'\) must be a constant/,
    );
    expect(() =>
      build(
        [
          { op: "Gemm", inputs: ["z", "W"], outputs: ["a"], attrs: [{ name: "transB", i: 1 }] },
          { op: "Add", inputs: ["a", "c"], outputs: ["y"], name: "add" },
        ],
        [...init, { name: "c", shape: [2], values: [1, 2] }],
      ),
    ).toThrow(/node 'add' \(Add\): bias of shape \(2\) does not add one value per output of a 3-unit layer/);
  });

  it("external data and truncated protobufs are refused as ModelFormatError", () => {
    const buf = makeOnnx({
      nodes: [],
      initializers: [{ name: "W", shape: [3, 2], values: W }],
      input: { name: "z", shape: [2] },
      output: { name: "y", shape: [3] },
    });
    expect(() => readOnnx(buf.subarray(0, buf.length - 7), mk)).toThrow(ModelFormatError);
    expect(() => onnxLayers(readOnnx(buf, mk), mk)).toThrow(/value 'z' feeds no node|no dense layers/);
  });
});
