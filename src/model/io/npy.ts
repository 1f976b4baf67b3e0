/**
 * NumPy `.npy` arrays (format versions 1–3): every common numeric dtype in either byte order,
 * C or Fortran order, read into float64. The header is parsed as the Python literal it is (not
 * by pattern matching), and every length is checked against the bytes present.
 */
import { DataFormatError } from "../../errors.js";
import { checkedNumel, type DType, DTYPE_SIZE, type MakeError, stridedTensor, type Tensor } from "./tensor.js";

/**
 * An n-dimensional array as float64, C (row-major) order: what {@link parseNpy} returns.
 * @example
 * ```ts
 * import { encodeNpy, type NdArray, parseNpy } from "geninv";
 * const a: NdArray = parseNpy(encodeNpy([2, 3], [1, 2, 3, 4, 5, 6]));
 * console.log(a.dtype, a.data[1 * a.shape[1]! + 2]); // <f8 6
 * ```
 */
export interface NdArray {
  /** The dimensions, outermost first. */
  shape: number[];
  /** The values, C order, converted to float64. */
  data: Float64Array;
  /** The dtype as written in the file, e.g. `<f4`. */
  dtype: string;
}

/**
 * A `.npy` file's header and its (lazily decoded) data, as {@link readNpy} returns it.
 * @example
 * ```ts
 * import { DataFormatError, encodeNpy, type NpyFile, readNpy } from "geninv";
 * const f: NpyFile = readNpy(encodeNpy([3], [1, 2, 3]), "z", (msg) => new DataFormatError(msg));
 * console.log(f.descr, f.fortranOrder, f.shape); // <f8 false [ 3 ]
 * ```
 */
export interface NpyFile {
  /** The dtype as written in the file, e.g. `<f4`. */
  descr: string;
  /** Whether the data are stored in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** The dimensions, outermost first. */
  shape: number[];
  /** The array as a tensor in C order (Fortran data is read through strides). */
  tensor: Tensor;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_HEADER = 1 << 20;

/**
 * Parse a `.npy` file's bytes into float64.
 * @param buf the file's bytes
 * @param file names the source in error messages
 * @returns the shape and the values, C order
 * @throws DataFormatError naming the file and what is wrong
 * @example
 * ```ts
 * import { encodeNpy, parseNpy } from "geninv";
 * const a = parseNpy(encodeNpy([2, 2], [1, 2, 3, 4]));
 * console.log(a.shape); // [2, 2]
 * ```
 */
export function parseNpy(buf: Uint8Array, file = "<npy>"): NdArray {
  const npy = readNpy(buf, "array", (msg, field) => new DataFormatError(msg, { file, ...(field ? { field } : {}) }));
  return { shape: npy.shape, data: npy.tensor.read(), dtype: npy.descr };
}

/**
 * Parse a `.npy` file's header and bind its data as a tensor called `name` (decoded on `read()`).
 * @param buf the file's bytes
 * @param name the tensor's name (an `.npz` member's key)
 * @param makeError builds the typed error to throw (DataFormatError for data, ModelFormatError for models)
 * @returns the header fields and the tensor
 * @throws the `makeError` error naming what is wrong
 * @example
 * ```ts
 * import { DataFormatError, encodeNpy, readNpy } from "geninv";
 * const npy = readNpy(encodeNpy([2, 2], [1, 2, 3, 4]), "w", (msg) => new DataFormatError(msg, { file: "w.npy" }));
 * console.log(npy.shape, Array.from(npy.tensor.read())); // [ 2, 2 ] [ 1, 2, 3, 4 ]
 * ```
 */
export function readNpy(buf: Uint8Array, name: string, makeError: MakeError): NpyFile {
  const err = (msg: string): Error => makeError(msg);
  const { descr, fortran, dims, dtype, dataStart, need } = readNpyHeader(buf, makeError);
  if (buf.length - dataStart < need) {
    throw err(`data is truncated: shape (${dims.join(", ")}) of ${descr} needs ${need} bytes, the file has ${buf.length - dataStart}`);
  }
  // an array file holds exactly its data: extra bytes mean the header's shape was damaged
  if (buf.length - dataStart > need) {
    throw err(`holds ${buf.length - dataStart} bytes of data, but shape (${dims.join(", ")}) of ${descr} is ${need} bytes: corrupted header or data`);
  }
  // Fortran order is C order of the reversed shape: read it through reversed strides
  let strides: number[] | null = null;
  if (fortran && dims.length > 1) {
    strides = new Array<number>(dims.length);
    let acc = 1;
    for (let k = 0; k < dims.length; k++) {
      strides[k] = acc;
      acc *= dims[k]!;
    }
  }
  const tensor = stridedTensor({
    name,
    dtype: dtype.dtype,
    shape: dims,
    strides,
    offset: 0,
    storage: buf.subarray(dataStart, dataStart + need),
    littleEndian: dtype.little,
    makeError,
  });
  return { descr, fortranOrder: fortran, shape: dims, tensor };
}

/** What a `.npy` header says: dtype, order, shape, where the data starts and how many bytes it has. */
export interface NpyHeader {
  descr: string;
  fortran: boolean;
  dims: number[];
  dtype: { dtype: DType; little: boolean };
  /** Byte offset of the data. */
  dataStart: number;
  /** Bytes of data the shape and dtype need. */
  need: number;
}

/** The largest prefix of a `.npy` file its header can occupy (magic, version, length, header). */
export const NPY_MAX_PREFIX = 12 + MAX_HEADER;

/**
 * Parse a `.npy` header from the first bytes of the file (at least the header; the data need not
 * be there), so a reader can check the shape before reading any data.
 * @throws the `makeError` error naming what is wrong
 */
export function readNpyHeader(buf: Uint8Array, makeError: MakeError): NpyHeader {
  const err = (msg: string): Error => makeError(msg);
  if (buf.length < 10) throw err(`too short for a .npy file (${buf.length} bytes)`);
  for (let i = 0; i < MAGIC.length; i++) if (buf[i] !== MAGIC[i]) throw err("not a .npy file (bad magic bytes)");
  const major = buf[6]!;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw err("truncated header length");
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else throw err(`unsupported .npy format version ${major}`);
  if (headerLen > MAX_HEADER) throw err(`header length ${headerLen} is absurd (limit ${MAX_HEADER})`);
  if (headerStart + headerLen > buf.length) throw err(`header of ${headerLen} bytes runs past the end of the file (${buf.length} bytes)`);
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(buf.subarray(headerStart, headerStart + headerLen));
  const header = parseHeaderDict(text, err);
  const descr = header.get("descr");
  const fortran = header.get("fortran_order");
  const shape = header.get("shape");
  if (typeof descr !== "string") {
    throw err(`header 'descr' is ${Array.isArray(descr) ? "a structured dtype (record arrays are not supported)" : "missing or not a string"}`);
  }
  if (typeof fortran !== "boolean") throw err("header 'fortran_order' is missing or not True/False");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number")) throw err("header 'shape' is missing or not a tuple of integers");
  const dims = shape as number[];
  checkedNumel(dims, (m) => makeError(`header 'shape': ${m}`));
  const dtype = npyDtype(descr, err);
  const dataStart = headerStart + headerLen;
  const count = dims.reduce((a, b) => a * b, 1);
  const need = count * DTYPE_SIZE[dtype.dtype];
  return { descr, fortran, dims, dtype, dataStart, need };
}

/** Map a NumPy type string (`<f4`, `>i8`, `|u1`, `?`, …) to a dtype and byte order. */
function npyDtype(descr: string, err: (msg: string) => Error): { dtype: DType; little: boolean } {
  if (descr === "?" || descr === "|b1" || descr === "b1") return { dtype: "bool", little: true };
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  const supported = "float16/32/64, int8–64, uint8–64, bool";
  if (!m) throw err(`unsupported dtype '${descr}' (supported: ${supported})`);
  const little = m[1] !== ">";
  const kind = m[2]!;
  const size = Number(m[3] || "0");
  const table: Record<string, Record<number, DType>> = {
    f: { 2: "float16", 4: "float32", 8: "float64" },
    i: { 1: "int8", 2: "int16", 4: "int32", 8: "int64" },
    u: { 1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64" },
    b: { 1: "bool" },
  };
  const dt = table[kind]?.[size];
  if (dt) return { dtype: dt, little };
  const why: Record<string, string> = {
    O: "object arrays hold pickled Python objects, which geninv never unpickles",
    c: "complex numbers are not supported",
    U: "string arrays are not numbers",
    S: "byte-string arrays are not numbers",
    V: "raw void/record arrays are not supported",
    M: "datetime arrays are not numbers",
    m: "timedelta arrays are not numbers",
  };
  throw err(`unsupported dtype '${descr}' (${why[kind] ?? `supported: ${supported}`})`);
}

type HeaderValue = string | number | boolean | null | HeaderValue[];

/**
 * Parse the header, a Python dict literal such as
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (5, 20), }`.
 */
function parseHeaderDict(text: string, err: (msg: string) => Error): Map<string, HeaderValue> {
  let p = 0;
  const fail = (what: string): never => {
    throw err(`header is not a valid dict literal (${what} at character ${p}): ${JSON.stringify(text.slice(0, 120))}`);
  };
  const ws = (): void => {
    while (p < text.length && /\s/.test(text[p]!)) p++;
  };
  const value = (depth: number): HeaderValue => {
    if (depth > 8) fail("nested too deeply");
    ws();
    const c = text[p];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, p + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(p + 1, end);
      p = end + 1;
      return s;
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      p++;
      const items: HeaderValue[] = [];
      for (;;) {
        ws();
        if (text[p] === close) {
          p++;
          return items;
        }
        items.push(value(depth + 1));
        ws();
        if (text[p] === ",") p++;
        else if (text[p] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(p, p + 40));
    if (!m) return fail("unexpected token");
    p += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    const n = Number(m[0].replace(/L$/, ""));
    if (!Number.isSafeInteger(n)) fail(`integer ${m[0]} is out of range`);
    return n;
  };
  ws();
  if (text[p] !== "{") fail("expected '{'");
  p++;
  const out = new Map<string, HeaderValue>();
  for (;;) {
    ws();
    if (text[p] === "}") {
      p++;
      break;
    }
    const key = value(1);
    if (typeof key !== "string") fail("expected a string key");
    ws();
    if (text[p] !== ":") fail("expected ':'");
    p++;
    out.set(key as string, value(1));
    ws();
    if (text[p] === ",") p++;
    else if (text[p] !== "}") fail("expected ',' or '}'");
  }
  ws();
  if (p !== text.length) fail("trailing characters");
  return out;
}

/**
 * Encode a float64 array as a `.npy` file (version 1, little-endian `<f8`, C order).
 * @param shape the array's shape
 * @param data its values, C order
 * @returns the file's bytes
 * @throws ShapeError when data does not hold the shape's product of values
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { encodeNpy } from "geninv";
 * writeFileSync(join(tmpdir(), "x-example.npy"), encodeNpy([3], [0.1, 0.2, 0.3])); // numpy.load reads it
 * ```
 */
export function encodeNpy(shape: readonly number[], data: ArrayLike<number>): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.length * 8);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const off = 10 + header.length;
  for (let i = 0; i < data.length; i++) dv.setFloat64(off + i * 8, data[i]!, true);
  return out;
}
