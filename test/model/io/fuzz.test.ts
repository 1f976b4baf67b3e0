/**
 * Seeded fuzzing of every loader: truncation at every byte, bit flips, absurd lengths written over
 * length fields, spliced and duplicated chunks, and (for pickles) hostile opcode streams. Every
 * mutated file must either load completely (tensors decoded, generator built) or throw a
 * GeninvError with a message; any other exception (TypeError, RangeError from a huge allocation,
 * stack overflow) fails the test with the mutation that caused it.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GeninvError, ModelFormatError } from "../../../src/errors.js";
import { Generator } from "../../../src/model/generator.js";
import { parseNpy } from "../../../src/model/io/npy.js";
import { dataErrors, readNpz } from "../../../src/model/io/npz.js";
import { onnxLayers, readOnnx } from "../../../src/model/io/onnx.js";
import { readTorchCheckpoint } from "../../../src/model/io/pytorch/checkpoint.js";
import { readSafetensors } from "../../../src/model/io/safetensors.js";
import { generatorFromTensors } from "../../../src/model/io/state-dict.js";
import { type MakeError, type Tensor } from "../../../src/model/io/tensor.js";
import { Rng } from "../../../src/model/rng.js";
import { concat, makeLegacyPth, makeNpy, makeOnnx, makeSafetensors, makeZip, makeZipPt, P, statePickle, storageOf, type TorchTensorSpec, utf8 } from "./writers.js";

const mk: MakeError = (msg, field) => new ModelFormatError(msg, { file: "fuzz", ...(field ? { field } : {}) });
// a copy: Buffer.slice() shares memory, and the mutators below must not damage the seeds
const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./golden/${name}`, import.meta.url)));

interface Outcome {
  cases: number;
  loaded: number;
  refused: number;
}

/** Run `load` on `buf`; record the outcome, or fail with what the mutation was. */
function check(load: (b: Uint8Array) => void, buf: Uint8Array, what: string, out: Outcome): void {
  out.cases++;
  try {
    load(buf);
    out.loaded++;
  } catch (e) {
    if (e instanceof GeninvError && e.message.length > 0) {
      out.refused++;
      return;
    }
    throw new Error(`${what}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of a GeninvError`);
  }
}

/** Values that make length and count fields absurd. */
const ABSURD = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0x10000, 0xffff, 0, 1];

/** Truncations at every byte, bit flips, absurd 4/8-byte fields, and chunk splices of each seed. */
function fuzz(seeds: readonly Uint8Array[], load: (b: Uint8Array) => void, seed: number, perSeed: { flips: number; absurd: number; splices: number }): Outcome {
  const rng = new Rng(seed);
  const out: Outcome = { cases: 0, loaded: 0, refused: 0 };
  seeds.forEach((s, si) => {
    check(load, s, `seed ${si} unmodified`, out);
    for (let n = 0; n < s.length; n++) check(load, s.subarray(0, n), `seed ${si} truncated to ${n} bytes`, out);
    for (let k = 0; k < perSeed.flips; k++) {
      const b = s.slice();
      const flips = 1 + rng.int(4);
      for (let f = 0; f < flips; f++) b[rng.int(b.length)] ^= 1 << rng.int(8);
      check(load, b, `seed ${si} flip #${k}`, out);
    }
    for (let k = 0; k < perSeed.absurd; k++) {
      const b = s.slice();
      const at = rng.int(Math.max(1, b.length - 8));
      const dv = new DataView(b.buffer);
      const v = ABSURD[rng.int(ABSURD.length)]!;
      if (rng.uniform() < 0.5) dv.setUint32(at, v, true);
      else dv.setBigUint64(at, BigInt(v) * (rng.uniform() < 0.5 ? 1n : 0x100000001n), true);
      check(load, b, `seed ${si} absurd value ${v} at ${at}`, out);
    }
    for (let k = 0; k < perSeed.splices; k++) {
      const a = rng.int(s.length);
      const len = 1 + rng.int(Math.min(64, s.length - a));
      const at = rng.int(s.length);
      const b = rng.uniform() < 0.5 ? concat([s.subarray(0, at), s.subarray(a, a + len), s.subarray(at)]) : concat([s.subarray(0, at), s.subarray(Math.min(s.length, at + len))]);
      check(load, b, `seed ${si} splice #${k}`, out);
    }
  });
  return out;
}

function readAll(ts: readonly Tensor[]): void {
  for (const t of ts) t.read();
}

const SPECS: TorchTensorSpec[] = [
  { name: "0.weight", dtype: "float32", shape: [3, 2], values: [0.5, -1, 2, 0.25, -0.75, 1.5], transposed: true, offset: 2 },
  { name: "0.bias", dtype: "float16", shape: [3], values: [0.5, -0.25, 1] },
  { name: "2.weight", dtype: "bfloat16", shape: [2, 3], values: [1, 2, 3, -4, 5, -6] },
];

const torchLoad = (b: Uint8Array): void => {
  const ck = readTorchCheckpoint(b, mk);
  readAll(ck.tensors);
  generatorFromTensors(ck.tensors, { activation: "relu" }, "fuzz");
};

const report: string[] = [];
const note = (format: string, o: Outcome): void => {
  report.push(`${format}: ${o.cases} cases, ${o.loaded} loaded, ${o.refused} refused`);
  expect(o.cases).toBe(o.loaded + o.refused);
  expect(o.refused).toBeGreaterThan(o.cases / 2); // the mutations really do break files
  expect(o.loaded).toBeGreaterThan(0); // and the unmodified seeds load
};

describe("fuzzing the loaders (seeded): every mutated file loads or throws a GeninvError", () => {
  it("PyTorch legacy .pth", () => {
    note("pytorch-legacy", fuzz([makeLegacyPth(SPECS), golden("golden_legacy.pth")], torchLoad, 1, { flips: 4000, absurd: 3000, splices: 1500 }));
  });

  it("PyTorch zip .pt (stored and deflated)", () => {
    const seeds = [makeZipPt(SPECS), makeZipPt(SPECS, { deflate: true }), golden("golden_p4_deflated.pt")];
    note("pytorch-zip", fuzz(seeds, torchLoad, 2, { flips: 3000, absurd: 2000, splices: 1000 }));
  });

  it("PyTorch zip .pt with the mutation inside data.pkl (re-zipped with a valid CRC)", () => {
    const storages = SPECS.map((t, k) => ({ name: `archive/data/${k}`, data: storageOf(t).data }));
    const load = (pkl: Uint8Array): void => torchLoad(makeZip([{ name: "archive/data.pkl", data: pkl }, ...storages]));
    note("pytorch-zip data.pkl", fuzz([statePickle(SPECS)], load, 8, { flips: 4000, absurd: 3000, splices: 2000 }));
  });

  it("hostile pickle opcode streams inside a zip checkpoint", () => {
    const rng = new Rng(3);
    const out: Outcome = { cases: 0, loaded: 0, refused: 0 };
    const base = statePickle(SPECS);
    const storages = makeZipPt(SPECS);
    const entriesOf = (pkl: Uint8Array): Uint8Array =>
      makeZip([{ name: "a/data.pkl", data: pkl }, ...SPECS.map((t, k) => ({ name: `a/data/${k}`, data: storageOf(t).data }))]);
    const fragments = [
      P.global("os", "system"),
      P.global("builtins", "eval"),
      P.global("torch._utils", "_rebuild_tensor_v2"),
      P.global("collections", "OrderedDict"),
      P.global("torch", "FloatStorage"),
      P.reduce(),
      P.build(),
      P.mark(),
      P.tuple(),
      P.emptyTuple(),
      P.emptyDict(),
      P.emptyList(),
      P.setitems(),
      P.appends(),
      P.binpersid(),
      P.binget(0),
      P.binput(0),
      P.str("storage"),
      P.int(65535),
      P.none(),
      P.stop(),
      new Uint8Array([0x32]), // DUP
      new Uint8Array([0x30]), // POP
      new Uint8Array([0x31]), // POP_MARK
      new Uint8Array([0x81]), // NEWOBJ
      new Uint8Array([0x92]), // NEWOBJ_EX
      new Uint8Array([0x93]), // STACK_GLOBAL
      new Uint8Array([0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), // FRAME of absurd length
      new Uint8Array([0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // BINUNICODE8 absurd
      new Uint8Array([0x8b, 0xff, 0xff, 0xff, 0x7f]), // LONG4 absurd
      new Uint8Array([0x6a, 0xff, 0xff, 0xff, 0xff]), // LONG_BINGET absurd
      new Uint8Array([0x72, 0xff, 0xff, 0xff, 0xff]), // LONG_BINPUT absurd
      utf8("I99999999999999999999999999999999999\n"),
      utf8("Fnan\n"),
      new Uint8Array([0x82, 0x01]), // EXT1
      new Uint8Array([0x97]), // NEXT_BUFFER
    ];
    for (let k = 0; k < 20000; k++) {
      let pkl: Uint8Array;
      if (k % 2 === 0) {
        // random programs
        const parts: Uint8Array[] = [P.proto(1 + rng.int(5))];
        const n = 1 + rng.int(30);
        for (let i = 0; i < n; i++) parts.push(rng.uniform() < 0.8 ? fragments[rng.int(fragments.length)]! : new Uint8Array([rng.int(256)]));
        parts.push(P.stop());
        pkl = concat(parts);
      } else {
        // the real state-dict pickle with fragments spliced in
        const at = rng.int(base.length);
        const frag = fragments[rng.int(fragments.length)]!;
        pkl = concat([base.subarray(0, at), frag, base.subarray(at)]);
      }
      check(torchLoad, entriesOf(pkl), `hostile pickle #${k}`, out);
    }
    check(torchLoad, storages, "unmodified", out);
    note("pickle-opcodes", out);
    // no program that names os.system or eval ever loads
    const evil = entriesOf(concat([P.proto(2), P.global("os", "system"), P.str("echo"), P.tuple(), P.reduce(), P.stop()]));
    expect(() => torchLoad(evil)).toThrow(/refuses global 'os\.system'/);
  });

  it("safetensors", () => {
    const seeds = [
      makeSafetensors([
        { name: "0.weight", dtype: "float32", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] },
        { name: "0.bias", dtype: "bfloat16", shape: [3], values: [1, 2, 3] },
        { name: "2.weight", dtype: "float16", shape: [2, 3], values: [1, 2, 3, 4, 5, 6] },
      ]),
    ];
    const load = (b: Uint8Array): void => {
      const st = readSafetensors(b, mk);
      readAll(st.tensors);
      generatorFromTensors(st.tensors, { activation: "relu" }, "fuzz");
    };
    note("safetensors", fuzz(seeds, load, 4, { flips: 6000, absurd: 4000, splices: 2000 }));
  });

  it("ONNX", () => {
    const seeds = [
      makeOnnx({
        nodes: [
          { op: "Gemm", inputs: ["z", "W", "b"], outputs: ["a"], attrs: [{ name: "transB", i: 1 }, { name: "alpha", f: 0.5 }] },
          { op: "LeakyRelu", inputs: ["a"], outputs: ["c"] },
          { op: "MatMul", inputs: ["c", "V"], outputs: ["d"] },
          { op: "Relu", inputs: ["d"], outputs: ["y"] },
        ],
        initializers: [
          { name: "W", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] },
          { name: "b", shape: [3], values: [1, 2, 3], storage: "float_data" },
          { name: "V", shape: [3, 2], values: [1, 2, 3, 4, 5, 6], storage: "half_int32" },
        ],
        input: { name: "z", shape: ["N", 2] },
        output: { name: "y", shape: ["N", 2] },
      }),
    ];
    const load = (b: Uint8Array): void => {
      new Generator(onnxLayers(readOnnx(b, mk), mk));
    };
    note("onnx", fuzz(seeds, load, 5, { flips: 6000, absurd: 4000, splices: 2000 }));
  });

  it(".npy and .npz", () => {
    const npy = [makeNpy([3, 4], Array.from({ length: 12 }, (_v, i) => i), { dtype: "float16", fortran: true }), golden("golden_be_f4.npy")];
    note("npy", fuzz(npy, (b) => void parseNpy(b, "fuzz.npy"), 6, { flips: 3000, absurd: 2000, splices: 1000 }));
    const npz = [makeZip([{ name: "x.npy", data: npy[0]!, method: 8 }, { name: "z.npy", data: npy[1]! }]), golden("golden_arrays.npz")];
    const loadNpz = (b: Uint8Array): void => {
      const f = readNpz(b, dataErrors("fuzz.npz"));
      for (const k of f.keys) f.get(k).tensor.read();
    };
    note("npz", fuzz(npz, loadNpz, 7, { flips: 3000, absurd: 2000, splices: 1000 }));
    // mutations inside the member, re-zipped (deflated) with a valid CRC
    const inner = (m: Uint8Array): void => loadNpz(makeZip([{ name: "x.npy", data: m, method: 8 }]));
    note("npz member", fuzz([npy[0]!], inner, 9, { flips: 2000, absurd: 1500, splices: 800 }));
  });

  it("the harness itself fails on a crash that is not a GeninvError", () => {
    const out: Outcome = { cases: 0, loaded: 0, refused: 0 };
    const crashing = (b: Uint8Array): void => {
      if (b.length < 3) throw new RangeError("Invalid typed array length: 1e12");
    };
    expect(() => fuzz([new Uint8Array(8)], crashing, 1, { flips: 0, absurd: 0, splices: 0 })).toThrow(/seed 0 truncated to 0 bytes: threw RangeError/);
    check(() => {
      throw new ModelFormatError("bad");
    }, new Uint8Array(1), "x", out);
    expect(out).toEqual({ cases: 1, loaded: 0, refused: 1 });
  });

  it("summary", () => {
    console.log(`fuzz summary:\n  ${report.join("\n  ")}\n  rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
    // a mutated length that slipped past a bound would have allocated gigabytes
    expect(process.memoryUsage().rss).toBeLessThan(2 ** 31);
  });
});
