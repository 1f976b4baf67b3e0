import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GeninvError, ModelFormatError } from "../../../src/errors.js";
import { readTorchCheckpoint } from "../../../src/model/io/pytorch/checkpoint.js";
import { unpickle } from "../../../src/model/io/pytorch/pickle.js";
import { type MakeError } from "../../../src/model/io/tensor.js";
import { generatorFromTensors } from "../../../src/model/io/state-dict.js";
import { concat, makeLegacyPth, makeZip, makeZipPt, P, roundTo, statePickle, type TorchTensorSpec, utf8 } from "./writers.js";

const mk: MakeError = (msg, field) => new ModelFormatError(msg, { file: "t.pt", ...(field ? { field } : {}) });
const golden = (name: string): Uint8Array => readFileSync(new URL(`./golden/${name}`, import.meta.url));
const read = (buf: Uint8Array): Record<string, { shape: readonly number[]; dtype: string; values: number[] }> =>
  Object.fromEntries(readTorchCheckpoint(buf, mk).tensors.map((t) => [t.name, { shape: t.shape, dtype: t.dtype, values: Array.from(t.read()) }]));

// what make_golden.py stored: a transposed, offset float32 view, float16, a float64 Parameter, bfloat16
const GOLDEN = {
  "state_dict.net.0.weight": { shape: [3, 2], dtype: "float32", values: [0, 1.5, 0.5, 2, 1, 2.5] },
  "state_dict.net.0.bias": { shape: [3], dtype: "float16", values: [0.5, -0.25, 1.5] },
  "state_dict.net.2.weight": { shape: [2, 3], dtype: "float64", values: [1, 2, 3, -4, 5, -6].map((v) => v / 8) },
  "state_dict.net.2.bias": { shape: [2], dtype: "bfloat16", values: [1, -2.5] },
};

describe("PyTorch checkpoints written by CPython's own pickler (golden files)", () => {
  for (const file of ["golden_p2_stored.pt", "golden_p4_deflated.pt", "golden_p5_stored.pt", "golden_legacy.pth"]) {
    it(`${file}: strides, storage offset, float16, bfloat16, float64 Parameter and nesting all decode`, () => {
      expect(read(golden(file))).toEqual(GOLDEN);
      const ck = readTorchCheckpoint(golden(file), mk);
      expect(ck.format).toBe(file.endsWith(".pth") ? "pytorch-legacy" : "pytorch-zip");
      expect(ck.scalars).toEqual({ epoch: 7, name: "golden" });
      if (file.endsWith(".pth")) expect(ck.locations).toEqual(["cuda:0"]);
    });
  }

  it("the nested Sequential keys are ordered by index and build a 2-3-2 generator", () => {
    const gen = generatorFromTensors(readTorchCheckpoint(golden("golden_p2_stored.pt"), mk).tensors, { activation: "relu,identity" }, "g.pt");
    expect(gen.sizes).toEqual([2, 3, 2]);
    // G(z) = W2·relu(W1·z + b1) + b2 at z = (1, -1): W1 z + b1 = (-1, -1.25, 0) → relu → 0 → b2
    expect(Array.from(gen.forward([1, -1]))).toEqual([1, -2.5]);
    // z = (1, 1): W1 z + b1 = (2, 2.25, 5) → W2 · = (2 + 4.5 + 15, -8 + 11.25 - 30) / 8
    expect(Array.from(gen.forward([1, 1]))).toEqual([(2 + 4.5 + 15) / 8 + 1, (-8 + 11.25 - 30) / 8 - 2.5]);
  });

  for (const [file, global] of [
    ["hostile_os_system.pt", "posix.system"],
    ["hostile_builtins_eval.pt", "__builtin__.eval"],
  ] as const) {
    it(`${file}: the global ${global} is refused before anything could run`, () => {
      expect(() => readTorchCheckpoint(golden(file), mk)).toThrow(ModelFormatError);
      expect(() => readTorchCheckpoint(golden(file), mk)).toThrow(
        new RegExp(`refuses global '${global.replace(".", "\\.")}'.*nothing in a model file is executed`),
      );
    });
  }
});

const W1: TorchTensorSpec = { name: "fc1.weight", dtype: "float32", shape: [3, 2], values: [0.5, -1, 2, 0.25, -0.75, 1.5] };
const B1: TorchTensorSpec = { name: "fc1.bias", dtype: "float32", shape: [3], values: [0.1, -0.2, 0.3] };
const W2: TorchTensorSpec = { name: "fc2.weight", dtype: "float32", shape: [4, 3], values: [1, 2, 3, 4, 5, 6, -7, -8, -9, 0.5, 0.25, 0.125] };

describe("PyTorch checkpoints written by the test writers", () => {
  for (const dtype of ["float32", "float64", "float16", "bfloat16"] as const) {
    for (const layout of ["contiguous", "transposed + offset 5"] as const) {
      it(`${dtype}, ${layout}: legacy and zip agree and return the values ${dtype} holds`, () => {
        const values = [0.1, -2.7, 3.14159, 1e-3, -0.5, 65504 / 1024];
        const spec: TorchTensorSpec = { name: "w", dtype, shape: [2, 3], values, ...(layout === "contiguous" ? {} : { transposed: true, offset: 5 }) };
        const want = { w: { shape: [2, 3], dtype, values: roundTo(values, dtype) } };
        expect(read(makeLegacyPth([spec]))).toEqual(want);
        expect(read(makeZipPt([spec]))).toEqual(want);
        expect(read(makeZipPt([spec], { deflate: true }))).toEqual(want);
      });
    }
  }

  it("tensors tagged cuda:0 load like cpu tensors and the location is reported", () => {
    const ck = readTorchCheckpoint(makeLegacyPth([W1, B1], { location: "cuda:0" }), mk);
    expect(ck.locations).toEqual(["cuda:0"]);
    expect(Array.from(ck.tensors[0]!.read())).toEqual(roundTo(W1.values, "float32"));
  });

  it("--layers picks weights and biases; the bias is applied", () => {
    const ts = readTorchCheckpoint(makeZipPt([W1, B1, W2]), mk).tensors;
    const gen = generatorFromTensors(ts, { layers: ["fc1", "fc2"], activation: "leaky_relu:0.1,identity" }, "m.pt");
    expect(gen.sizes).toEqual([2, 3, 4]);
    expect(Array.from(gen.layers[0]!.bias!)).toEqual(roundTo(B1.values, "float32"));
    const h = [0.5 * 1 - 1 * 2, 2 * 1 + 0.25 * 2, -0.75 * 1 + 1.5 * 2].map((v, i) => v + roundTo(B1.values, "float32")[i]!);
    const a = h.map((v) => (v < 0 ? 0.1 * v : v));
    const out = gen.forward([1, 2]);
    expect(out[0]).toBeCloseTo(a[0]! + 2 * a[1]! + 3 * a[2]!, 12);
    expect(out[3]).toBeCloseTo(0.5 * a[0]! + 0.25 * a[1]! + 0.125 * a[2]!, 12);
  });

  it("an archive with a folder name other than 'archive' is found by its data.pkl", () => {
    expect(Object.keys(read(makeZipPt([W1], { prefix: "my_model" })))).toEqual(["fc1.weight"]);
  });

  it("a storage too small for the tensor's strides is refused, naming the tensor", () => {
    const pkl = statePickle([W1]);
    // declare 3 elements of storage while the 3×2 view needs 6 (the byte after BININT1 7 → 3)
    const i = pkl.findIndex((b, k) => b === 0x4b && pkl[k + 1] === 7 && pkl[k + 2] === 0x74);
    const bad = pkl.slice();
    bad[i + 1] = 3;
    const zip = makeZip([
      { name: "a/data.pkl", data: bad },
      { name: "a/data/0", data: new Uint8Array(12) },
    ]);
    expect(() => readTorchCheckpoint(zip, mk)).toThrow(
      /fc1\.weight: shape \(3, 2\) with strides \(2, 1\) and offset 0 reaches element 5, but its storage holds 3/,
    );
  });

  it("a legacy file cut inside the storages says it is truncated, naming the storage", () => {
    const buf = makeLegacyPth([W1, W2]);
    expect(() => readTorchCheckpoint(buf.subarray(0, buf.length - 10), mk)).toThrow(/storage '1'.*run past the end of the file.*truncated/);
  });

  it("a zip checkpoint missing a storage entry names it", () => {
    const zip = makeZip([{ name: "a/data.pkl", data: statePickle([W1]) }]);
    expect(() => readTorchCheckpoint(zip, mk)).toThrow(/references storage '0' but the archive has no a\/data\/0/);
  });

  it("a pickled whole model (module class global) is refused with advice to save a state dict", () => {
    const pkl = concat([P.proto(2), P.global("torch.nn.modules.container", "Sequential"), P.emptyTuple(), P.reduce(), P.stop()]);
    expect(() => readTorchCheckpoint(makeZip([{ name: "a/data.pkl", data: pkl }]), mk)).toThrow(
      /refuses global 'torch\.nn\.modules\.container\.Sequential'.*save model\.state_dict\(\) instead/,
    );
  });
});

describe("the restricted pickle interpreter", () => {
  const run = (...ops: Uint8Array[]): unknown =>
    unpickle(concat(ops), 0, {
      makeError: mk,
      findGlobal: (m, n) => (m === "collections" && n === "OrderedDict" ? undefined : undefined),
    }).value;

  it("REDUCE of something that is not an allowed callable is refused", () => {
    expect(() => run(P.proto(), P.str("os"), P.emptyTuple(), P.reduce(), P.stop())).toThrow(/REDUCE of the string "os", which is not an allowed callable/);
  });

  it("STACK_GLOBAL, INST and OBJ go through the same allow-list", () => {
    expect(() => run(P.proto(4), P.str("os"), P.str("system"), new Uint8Array([0x93]), P.stop())).toThrow(/refuses global 'os\.system'/);
    expect(() => run(P.proto(), P.mark(), P.str("ls"), new Uint8Array([0x69]), utf8("os\nsystem\n"), P.stop())).toThrow(/refuses global 'os\.system'/);
    expect(() => run(P.proto(), P.global("subprocess", "Popen"), P.stop())).toThrow(/refuses global 'subprocess\.Popen'/);
  });

  it("BUILD on a plain value, extension opcodes and out-of-band buffers are refused", () => {
    expect(() => run(P.proto(), P.str("x"), P.emptyDict(), P.build(), P.stop())).toThrow(/BUILD on the string "x"/);
    expect(() => run(P.proto(), new Uint8Array([0x82, 1]), P.stop())).toThrow(/extension-registry/);
    expect(() => run(P.proto(5), new Uint8Array([0x97]), P.stop())).toThrow(/out-of-band/);
  });

  it("persistent ids are refused where none are expected, unknown opcodes and stack underflow are named", () => {
    expect(() => run(P.proto(), P.str("x"), P.binpersid(), P.stop())).toThrow(/persistent id in a pickle that must not have any/);
    expect(() => run(P.proto(), new Uint8Array([0xff]))).toThrow(/unknown opcode 0xff/);
    expect(() => run(P.proto(), P.setitem(), P.stop())).toThrow(/stack underflow/);
    expect(() => run(P.proto(), P.binget(3), P.stop())).toThrow(/memo key 3 was never stored/);
  });

  it("a list that contains itself does not hang the tensor walk", () => {
    const pkl = concat([P.proto(), P.emptyList(), P.binput(0), P.binget(0), new Uint8Array([0x61]), P.stop()]);
    const zip = makeZip([{ name: "a/data.pkl", data: pkl }]);
    expect(() => readTorchCheckpoint(zip, mk)).toThrow(/holds no tensors/);
  });

  it("every refusal is a GeninvError with the file in its message", () => {
    try {
      run(P.proto(), P.global("builtins", "exec"), P.stop());
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GeninvError);
      expect((e as Error).message).toMatch(/^t\.pt: pickle at byte 2: refuses global 'builtins\.exec'/);
    }
  });
});
