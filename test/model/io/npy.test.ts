import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataFormatError } from "../../../src/errors.js";
import { loadArrayFile, loadObservations } from "../../../src/model/io/arrays.js";
import { parseNpy } from "../../../src/model/io/npy.js";
import { dataErrors, readNpz } from "../../../src/model/io/npz.js";
import { concat, makeNpy, makeZip, roundTo, utf8 } from "./writers.js";

const golden = (name: string): Uint8Array => readFileSync(new URL(`./golden/${name}`, import.meta.url));
const A = Array.from({ length: 12 }, (_v, i) => (i - 5) / 4); // C order of the 3×4 array NumPy wrote

describe(".npy written by NumPy (golden files)", () => {
  it("Fortran-ordered float16 comes back in C order", () => {
    const a = parseNpy(golden("golden_fortran_f2.npy"));
    expect(a.shape).toEqual([3, 4]);
    expect(a.dtype).toBe("<f2");
    expect(Array.from(a.data)).toEqual(A);
  });

  it("big-endian float32, uint8 and bool", () => {
    expect(Array.from(parseNpy(golden("golden_be_f4.npy")).data)).toEqual(A);
    expect(parseNpy(golden("golden_be_f4.npy")).dtype).toBe(">f4");
    expect(Array.from(parseNpy(golden("golden_u1.npy")).data)).toEqual([0, 255, 7, 128]);
    expect(Array.from(parseNpy(golden("golden_bool.npy")).data)).toEqual([1, 0, 1]);
  });
});

describe(".npz written by NumPy (golden files)", () => {
  it("savez_compressed (deflate, zip64 extra fields): float16 Fortran, big-endian int32, float64", () => {
    const npz = readNpz(golden("golden_arrays.npz"), dataErrors("g.npz"));
    expect(npz.keys).toEqual(["x", "z", "f"]);
    expect(npz.get("x").fortranOrder).toBe(true);
    expect(Array.from(npz.get("x").tensor.read())).toEqual(A);
    expect(Array.from(npz.get("z").tensor.read())).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(npz.get("f").tensor.read())).toEqual(A);
  });

  it("savez (stored)", () => {
    const npz = readNpz(golden("golden_stored.npz"), dataErrors("g.npz"));
    expect(Array.from(npz.get("x").tensor.read())).toEqual(A);
  });
});

describe(".npy round trips and refusals", () => {
  const vals = [0.1, -2.5, 3.140625, 1e-3, 7, -0.0625];
  for (const dtype of ["float64", "float32", "float16"] as const) {
    for (const fortran of [false, true]) {
      for (const bigEndian of [false, true]) {
        it(`${dtype} ${fortran ? "Fortran" : "C"} order ${bigEndian ? "big" : "little"}-endian`, () => {
          const a = parseNpy(makeNpy([2, 3], vals, { dtype, fortran, bigEndian }));
          expect(a.shape).toEqual([2, 3]);
          expect(Array.from(a.data)).toEqual(roundTo(vals, dtype));
        });
      }
    }
  }

  it("a 3-D Fortran array is reordered correctly", () => {
    const v = Array.from({ length: 24 }, (_x, i) => i);
    expect(Array.from(parseNpy(makeNpy([2, 3, 4], v, { fortran: true })).data)).toEqual(v);
  });

  const header = (h: string): Uint8Array => {
    const text = h + " ".repeat((64 - ((10 + h.length + 1) % 64)) % 64) + "\n";
    const len = new Uint8Array(2);
    new DataView(len.buffer).setUint16(0, text.length, true);
    return concat([new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), len, utf8(text)]);
  };

  it("object, complex and structured dtypes are refused with the reason", () => {
    expect(() => parseNpy(header("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"), "a.npy")).toThrow(
      /a\.npy: unsupported dtype '\|O' \(object arrays hold pickled Python objects/,
    );
    expect(() => parseNpy(header("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }"), "a.npy")).toThrow(/complex numbers are not supported/);
    expect(() => parseNpy(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"), "a.npy")).toThrow(/structured dtype/);
  });

  it("truncated data, absurd shapes and broken headers are DataFormatErrors naming the file", () => {
    expect(() => parseNpy(header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"), "a.npy")).toThrow(
      /a\.npy: data is truncated: shape \(3, 4\) of <f8 needs 96 bytes, the file has 0/,
    );
    expect(() => parseNpy(header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }"), "a.npy")).toThrow(/absurdly large/);
    expect(() => parseNpy(header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4}"), "a.npy")).toThrow(/header is not a valid dict literal/);
    expect(() => parseNpy(header("{'descr': '<f8', 'shape': (3,), }"), "a.npy")).toThrow(/'fortran_order' is missing/);
    expect(() => parseNpy(new Uint8Array(5), "a.npy")).toThrow(DataFormatError);
  });
});

describe("observations and ground truth from .npy / .npz", () => {
  const dir = mkdtempSync(join(tmpdir(), "geninv-npz-"));
  const x = [1, 2, 3, 4, 5, 6];
  const z = [0.5, -0.5];

  it("--obs pairs.npz with arrays x and z gives both, one row each", () => {
    const p = join(dir, "pairs.npz");
    writeFileSync(
      p,
      makeZip([
        { name: "x.npy", data: makeNpy([2, 3], x), method: 8 },
        { name: "z.npy", data: makeNpy([2, 1], z) },
      ]),
    );
    const o = loadObservations(p);
    expect(o.x).toEqual({ rows: 2, cols: 3, data: Float64Array.from(x) });
    expect(o.z).toEqual({ rows: 2, cols: 1, data: Float64Array.from(z) });
    expect(loadArrayFile(p, "z")).toEqual(o.z);
  });

  it("--truth from JSON: a bare array, or the member z of an object such as `geninv sample` writes", () => {
    const bare = join(dir, "z.json");
    writeFileSync(bare, JSON.stringify([[0.5], [-0.5]]));
    expect(loadArrayFile(bare, "z")).toEqual({ rows: 2, cols: 1, data: Float64Array.from(z) });
    const sample = join(dir, "sample.json");
    writeFileSync(sample, JSON.stringify({ seed: 1, z: [[0.5], [-0.5]], x: [[1, 2, 3]] }));
    expect(loadArrayFile(sample, "z")).toEqual({ rows: 2, cols: 1, data: Float64Array.from(z) });
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ x: [1] }));
    expect(() => loadArrayFile(other, "z")).toThrow(/other\.json: has no array 'z' \(its keys: x\)/);
  });

  it("a batch of images (N, 2, 3) flattens to N rows in C order", () => {
    const p = join(dir, "imgs.npy");
    writeFileSync(p, makeNpy([1, 2, 3], x));
    expect(loadObservations(p).x).toEqual({ rows: 1, cols: 6, data: Float64Array.from(x) });
  });

  it("an .npz without x, and NaN entries, are refused naming the file and array", () => {
    const p = join(dir, "bad.npz");
    writeFileSync(
      p,
      makeZip([
        { name: "a.npy", data: makeNpy([3], x.slice(0, 3)) },
        { name: "b.npy", data: makeNpy([3], x.slice(0, 3)) },
      ]),
    );
    expect(() => loadObservations(p)).toThrow(/bad\.npz: has no array 'x' \(it holds: a, b\)/);
    const q = join(dir, "nan.npy");
    writeFileSync(q, makeNpy([2], [1, Number.NaN]));
    expect(() => loadObservations(q)).toThrow(/nan\.npy: x\[0\]\[1\] is NaN/);
  });

  it("a zip member whose CRC does not match is reported as corrupted", () => {
    const good = makeZip([{ name: "x.npy", data: makeNpy([3], [1, 2, 3]) }]);
    const bad = good.slice();
    bad[good.indexOf(0x3f, 100)]! ^= 0x01; // flip a bit of the stored float data (1.0 = 0x3ff0…)
    expect(() => readNpz(bad, dataErrors("c.npz")).get("x")).toThrow(/c\.npz: zip entry 'x\.npy': CRC-32 is .* the file is corrupted/);
  });
});
