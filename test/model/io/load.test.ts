import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileError, ModelFormatError, OptionError } from "../../../src/errors.js";
import { inspectModelFile, loadModel, modelFormatOf } from "../../../src/model/io/load.js";
import { makeNpy, makeSafetensors, makeZip, makeZipPt, type TorchTensorSpec } from "./writers.js";

const dir = mkdtempSync(join(tmpdir(), "geninv-load-"));
const specs: TorchTensorSpec[] = [
  { name: "0.weight", dtype: "float32", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] },
  { name: "2.weight", dtype: "float32", shape: [1, 3], values: [1, -1, 0.5] },
];

describe("loadModel: choosing the format", () => {
  it("maps extensions to formats and accepts aliases for --format", () => {
    expect(["a.pth", "a.pt", "a.ckpt", "a.bin", "a.safetensors", "a.onnx", "a.npz", "a.json", "a.xyz"].map((p) => modelFormatOf(p))).toEqual([
      "pytorch",
      "pytorch",
      "pytorch",
      "pytorch",
      "safetensors",
      "onnx",
      "npz",
      "json",
      null,
    ]);
    expect(modelFormatOf("a.json", "pth")).toBe("pytorch");
    expect(() => modelFormatOf("a.json", "keras")).toThrow(OptionError);
  });

  it("an unfamiliar extension is recognised from the content (zip checkpoint, safetensors)", () => {
    const p = join(dir, "model.weights");
    writeFileSync(p, makeZipPt(specs));
    expect(loadModel(p, { activation: "relu" }).sizes).toEqual([2, 3, 1]);
    const q = join(dir, "model.st");
    writeFileSync(q, makeSafetensors(specs));
    expect(loadModel(q, { activation: "relu" }).sizes).toEqual([2, 3, 1]);
  });

  it("--format overrides a misleading extension", () => {
    const p = join(dir, "actually-safetensors.pt");
    writeFileSync(p, makeSafetensors(specs));
    expect(() => loadModel(p, { activation: "relu" })).toThrow(ModelFormatError);
    expect(loadModel(p, { activation: "relu", format: "safetensors" }).sizes).toEqual([2, 3, 1]);
  });

  it("an .npz of weights is a state dict too", () => {
    const p = join(dir, "w.npz");
    writeFileSync(
      p,
      makeZip([
        { name: "fc1.weight.npy", data: makeNpy([3, 2], [1, 2, 3, 4, 5, 6], { fortran: true }) },
        { name: "fc1.bias.npy", data: makeNpy([3], [0, 1, 0]) },
      ]),
    );
    const g = loadModel(p, { layers: ["fc1"], activation: "identity" });
    expect(Array.from(g.forward([1, 1]))).toEqual([3, 8, 11]);
  });

  it("a missing file is a FileError; a file of unknown content asks for --format", () => {
    expect(() => loadModel(join(dir, "nope.pt"))).toThrow(FileError);
    const p = join(dir, "junk.dat");
    writeFileSync(p, new Uint8Array([1, 2, 3, 4]));
    expect(() => loadModel(p)).toThrow(/cannot tell the model format .*choose one with --format/);
  });

  it("inspectModelFile describes a file even when no generator can be built from it", () => {
    const p = join(dir, "seq.pt");
    writeFileSync(p, makeZipPt(specs));
    const r = inspectModelFile(p);
    expect(r.generator).toBeNull();
    expect(r.problem).toMatch(/give --activation/);
    expect(r.description.tensors).toEqual([
      { name: "0.weight", dtype: "float32", shape: [3, 2] },
      { name: "2.weight", dtype: "float32", shape: [1, 3] },
    ]);
  });
});
