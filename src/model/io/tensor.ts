/**
 * Named tensors read from a model file, decoded lazily: loaders record dtype, shape, strides and the
 * bytes a tensor lives in; values become float64 only when a layer is built from them, so listing a
 * large checkpoint costs no copies. Every index a tensor can reach is checked against its storage.
 */
import { type GeninvError } from "../../errors.js";

/** Builds the typed error a loader throws (ModelFormatError for models, DataFormatError for arrays). */
export type MakeError = (message: string, field?: string) => GeninvError;

/**
 * Element types geninv decodes (PyTorch's names; every one is read into float64).
 * @example
 * ```ts
 * import { type DType, type Tensor } from "geninv";
 * const dtype: DType = "bfloat16";
 * const t: Tensor = { name: "w", dtype, shape: [1], read: () => Float64Array.of(1) };
 * console.log(t.dtype); // bfloat16
 * ```
 */
export type DType =
  | "float64"
  | "float32"
  | "float16"
  | "bfloat16"
  | "float8_e4m3fn"
  | "float8_e5m2"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint64"
  | "uint32"
  | "uint16"
  | "uint8"
  | "bool";

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float8_e4m3fn: 1,
  float8_e5m2: 1,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint64: 8,
  uint32: 4,
  uint16: 2,
  uint8: 1,
  bool: 1,
};

/**
 * A tensor as a loader found it; `read()` decodes it (C order, float64).
 * @example
 * ```ts
 * import { DataFormatError, encodeNpy, readNpy, type Tensor } from "geninv";
 * const t: Tensor = readNpy(encodeNpy([2, 2], [1, 2, 3, 4]), "w", (msg) => new DataFormatError(msg)).tensor;
 * console.log(t.name, t.dtype, t.shape, Array.from(t.read())); // w float64 [ 2, 2 ] [ 1, 2, 3, 4 ]
 * ```
 */
export interface Tensor {
  /** Its name in the file, e.g. `fc3.weight`. */
  readonly name: string;
  /** The element type as stored. */
  readonly dtype: DType;
  /** The dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Decode to float64 in C (row-major) order. @throws the loader's typed error on bad data */
  read(): Float64Array;
}

/** Upper bound on the number of dimensions any loader accepts (PyTorch's own limit is 64). */
export const MAX_DIMS = 64;

/**
 * Element count of `shape`, checked: every entry a non-negative safe integer, at most
 * {@link MAX_DIMS} entries, and a product that is a safe integer.
 */
export function checkedNumel(shape: readonly unknown[], makeError: MakeError, field?: string): number {
  if (shape.length > MAX_DIMS) throw makeError(`has ${shape.length} dimensions (limit ${MAX_DIMS})`, field);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw makeError(`shape entry ${String(d)} is not a non-negative integer`, field);
    }
    n *= d;
    if (!Number.isSafeInteger(n)) throw makeError(`shape (${shape.join(", ")}) is absurdly large`, field);
  }
  return n;
}

/**
 * A tensor over `storage` (raw bytes of `storageElements` elements of `dtype`), with element
 * `strides` (C-contiguous when null) starting at element `offset`. Bounds are checked now, so a
 * returned tensor always decodes.
 */
export function stridedTensor(spec: {
  name: string;
  dtype: DType;
  shape: readonly number[];
  strides: readonly number[] | null;
  offset: number;
  storage: Uint8Array;
  littleEndian: boolean;
  makeError: MakeError;
}): Tensor {
  const { name, dtype, shape, offset, storage, littleEndian, makeError } = spec;
  const size = DTYPE_SIZE[dtype];
  const storageElements = Math.floor(storage.length / size);
  const numel = checkedNumel(shape, makeError, name);
  const strides = spec.strides ?? contiguousStrides(shape);
  if (strides.length !== shape.length) {
    throw makeError(`has ${shape.length} dimensions but ${strides.length} strides`, name);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw makeError(`storage offset ${offset} is not a non-negative integer`, name);
  let last = offset; // the largest element index the tensor touches
  for (let k = 0; k < shape.length; k++) {
    const s = strides[k]!;
    if (!Number.isSafeInteger(s) || s < 0) throw makeError(`stride ${String(s)} is not a non-negative integer`, name);
    if (shape[k]! > 0) last += (shape[k]! - 1) * s;
  }
  if (numel > 0 && !(last < storageElements)) {
    throw makeError(
      `shape (${shape.join(", ")}) with strides (${strides.join(", ")}) and offset ${offset} reaches element ${last}, but its storage holds ${storageElements} ${dtype} elements`,
      name,
    );
  }
  // overlapping views (stride 0, expand) may hold more elements than their storage; cap those so a
  // tiny file cannot demand a huge decode
  if (numel > storageElements && numel > 1 << 22) {
    throw makeError(`views ${numel} elements of a ${storageElements}-element storage (overlapping strides); refusing to expand it`, name);
  }
  const contiguous = isContiguous(shape, strides);
  return {
    name,
    dtype,
    shape: [...shape],
    read(): Float64Array {
      const out = new Float64Array(numel);
      if (numel === 0) return out;
      const view = new DataView(storage.buffer, storage.byteOffset, storage.byteLength);
      const get = elementReader(dtype, littleEndian);
      if (contiguous) {
        for (let i = 0; i < numel; i++) out[i] = get(view, (offset + i) * size);
        return out;
      }
      const d = shape.length;
      const idx = new Array<number>(d).fill(0);
      let src = offset;
      for (let i = 0; i < numel; i++) {
        out[i] = get(view, src * size);
        // advance the C-order index (last dimension fastest), updating the source position
        for (let k = d - 1; k >= 0; k--) {
          if (++idx[k]! < shape[k]!) {
            src += strides[k]!;
            break;
          }
          src -= (shape[k]! - 1) * strides[k]!;
          idx[k] = 0;
        }
      }
      return out;
    },
  };
}

/** A tensor whose values are already numbers (e.g. ONNX `float_data`). */
export function valuesTensor(name: string, dtype: DType, shape: readonly number[], values: Float64Array): Tensor {
  return { name, dtype, shape: [...shape], read: () => Float64Array.from(values) };
}

/** C-order strides of `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k]!;
  }
  return s;
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k]! !== 1 && strides[k]! !== acc) return false;
    acc *= shape[k]!;
  }
  return true;
}

type Reader = (v: DataView, byteOffset: number) => number;

/** A function reading one element of `dtype` at a byte offset. */
export function elementReader(dtype: DType, little: boolean): Reader {
  switch (dtype) {
    case "float64":
      return (v, o) => v.getFloat64(o, little);
    case "float32":
      return (v, o) => v.getFloat32(o, little);
    case "float16":
      return (v, o) => halfToFloat(v.getUint16(o, little));
    case "bfloat16":
      return (v, o) => bfloat16ToFloat(v.getUint16(o, little));
    case "float8_e4m3fn":
      return (v, o) => e4m3fnToFloat(v.getUint8(o));
    case "float8_e5m2":
      return (v, o) => halfToFloat(v.getUint8(o) << 8);
    case "int64":
      return (v, o) => Number(v.getBigInt64(o, little));
    case "int32":
      return (v, o) => v.getInt32(o, little);
    case "int16":
      return (v, o) => v.getInt16(o, little);
    case "int8":
      return (v, o) => v.getInt8(o);
    case "uint64":
      return (v, o) => Number(v.getBigUint64(o, little));
    case "uint32":
      return (v, o) => v.getUint32(o, little);
    case "uint16":
      return (v, o) => v.getUint16(o, little);
    case "uint8":
      return (v, o) => v.getUint8(o);
    case "bool":
      return (v, o) => (v.getUint8(o) !== 0 ? 1 : 0);
  }
}

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bfloat16 bits (the top half of a float32) → number. */
export function bfloat16ToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

/** float8 e4m3fn (bias 7, no infinities, NaN at S.1111.111) → number. */
export function e4m3fnToFloat(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> 3) & 0xf;
  const frac = b & 0x7;
  if (exp === 15 && frac === 7) return NaN;
  if (exp === 0) return sign * frac * 2 ** -9;
  return sign * (1 + frac / 8) * 2 ** (exp - 7);
}
