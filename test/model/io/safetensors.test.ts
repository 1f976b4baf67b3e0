import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../../src/errors.js";
import { readSafetensors } from "../../../src/model/io/safetensors.js";
import { type MakeError } from "../../../src/model/io/tensor.js";
import { concat, makeSafetensors, roundTo, utf8 } from "./writers.js";

const mk: MakeError = (msg, field) => new ModelFormatError(msg, { file: "m.safetensors", ...(field ? { field } : {}) });

function withHeader(header: unknown, data: Uint8Array): Uint8Array {
  const h = utf8(JSON.stringify(header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(h.length), true);
  return concat([len, h, data]);
}

describe("safetensors", () => {
  it("reads F64, F32, F16 and BF16 tensors in header order, with metadata", () => {
    const v = [0.1, -2.5, 3.75, 1e-2, 100, -0.3];
    const buf = makeSafetensors(
      (["float64", "float32", "float16", "bfloat16"] as const).map((dtype) => ({ name: `t_${dtype}`, dtype, shape: [2, 3], values: v })),
      { format: "pt" },
    );
    const st = readSafetensors(buf, mk);
    expect(st.metadata).toEqual({ format: "pt" });
    expect(st.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ["t_float64", "float64", [2, 3]],
      ["t_float32", "float32", [2, 3]],
      ["t_float16", "float16", [2, 3]],
      ["t_bfloat16", "bfloat16", [2, 3]],
    ]);
    for (const t of st.tensors) expect(Array.from(t.read())).toEqual(roundTo(v, t.dtype as "float64"));
  });

  it("a header length beyond the 100 MB cap is refused before any allocation", () => {
    const buf = new Uint8Array(16);
    new DataView(buf.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(() => readSafetensors(buf, mk)).toThrow(/header: header length 4611686018427387904 exceeds the 100000000-byte limit/);
  });

  it("offsets past the buffer, wrong sizes, overlaps, gaps and trailing bytes are each named", () => {
    const d = new Uint8Array(16);
    expect(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [4], data_offsets: [0, 32] } }, d), mk)).toThrow(
      /a: data_offsets \[0, 32\] run past the 16-byte data buffer/,
    );
    expect(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [3], data_offsets: [0, 16] } }, d), mk)).toThrow(
      /a: data_offsets \[0, 16\] span 16 bytes, but shape \(3\) of F32 needs 12/,
    );
    expect(() =>
      readSafetensors(withHeader({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] }, b: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, d), mk),
    ).toThrow(/b: overlaps the tensor before it/);
    expect(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, d), mk)).toThrow(/a: leaves a gap of 8 bytes/);
    expect(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, d), mk)).toThrow(
      /data: the tensors cover 8 bytes of the 16-byte data buffer/,
    );
  });

  it("absurd shapes, unknown dtypes and non-JSON headers are refused", () => {
    const d = new Uint8Array(8);
    expect(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, d), mk)).toThrow(
      /a: shape .* is absurdly large/,
    );
    expect(() => readSafetensors(withHeader({ a: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, d), mk)).toThrow(/a: dtype "C64" is not supported/);
    expect(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 8] } }, d), mk)).toThrow(
      /shape entry -1 is not a non-negative integer/,
    );
    const bad = concat([new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0]), utf8("{x}")]);
    expect(() => readSafetensors(bad, mk)).toThrow(/header: is not valid UTF-8 JSON/);
  });
});
