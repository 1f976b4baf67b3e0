/**
 * NumPy `.npy` arrays (format versions 1–3): every common numeric dtype in either byte order,
 * C or Fortran order, read into float64. Every length is checked against the buffer.
 */
import { DataFormatError } from "../../errors.js";

/** An n-dimensional array as float64, C (row-major) order. */
export interface NdArray {
  shape: number[];
  data: Float64Array;
  /** The dtype as written in the file, e.g. `<f4`. */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_HEADER = 1 << 20;

/** Parse a `.npy` file's bytes. @throws DataFormatError naming the file and what is wrong */
export function parseNpy(buf: Uint8Array, file = "<npy>"): NdArray {
  const err = (msg: string): DataFormatError => new DataFormatError(msg, { file });
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
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(buf.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw err(`header is not a dict with 'descr', 'fortran_order' and 'shape': ${JSON.stringify(header.slice(0, 120))}`);
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+L?$/.test(s)) throw err(`shape entry '${s}' is not a non-negative integer`);
      return Number.parseInt(s, 10);
    });
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count)) throw err(`shape (${shape.join(", ")}) is absurdly large`);
  const dt = dtypeInfo(descr);
  if (!dt) throw err(`unsupported dtype '${descr}' (supported: float16/32/64, int8–64, uint8–64, bool)`);
  const dataStart = headerStart + headerLen;
  const need = count * dt.size;
  if (buf.length - dataStart < need) {
    throw err(`data is truncated: shape (${shape.join(", ")}) of ${descr} needs ${need} bytes, the file has ${buf.length - dataStart}`);
  }
  const raw = new Float64Array(count);
  const view = new DataView(buf.buffer, buf.byteOffset + dataStart, need);
  decodeInto(view, dt, raw);
  const data = fortran === "True" && shape.length > 1 ? fortranToC(raw, shape) : raw;
  return { shape, data, dtype: descr };
}

interface Dtype {
  kind: "f" | "i" | "u" | "b";
  size: number;
  little: boolean;
}

function dtypeInfo(descr: string): Dtype | null {
  const m = /^([<>|=]?)([fiub])(\d+)$/.exec(descr) ?? (descr === "?" || descr === "|b1" ? ["", "|", "b", "1"] : null);
  if (!m) return null;
  const kind = m[2] as Dtype["kind"];
  const size = Number(m[3]);
  const ok =
    (kind === "f" && (size === 2 || size === 4 || size === 8)) ||
    ((kind === "i" || kind === "u") && (size === 1 || size === 2 || size === 4 || size === 8)) ||
    (kind === "b" && size === 1);
  if (!ok) return null;
  return { kind, size, little: m[1] !== ">" };
}

function decodeInto(v: DataView, dt: Dtype, out: Float64Array): void {
  const n = out.length;
  const le = dt.little;
  const s = dt.size;
  if (dt.kind === "f") {
    if (s === 8) for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, le);
    else if (s === 4) for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, le);
    else for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(i * 2, le));
  } else if (dt.kind === "i") {
    if (s === 1) for (let i = 0; i < n; i++) out[i] = v.getInt8(i);
    else if (s === 2) for (let i = 0; i < n; i++) out[i] = v.getInt16(i * 2, le);
    else if (s === 4) for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 4, le);
    else for (let i = 0; i < n; i++) out[i] = Number(v.getBigInt64(i * 8, le));
  } else if (dt.kind === "u") {
    if (s === 1) for (let i = 0; i < n; i++) out[i] = v.getUint8(i);
    else if (s === 2) for (let i = 0; i < n; i++) out[i] = v.getUint16(i * 2, le);
    else if (s === 4) for (let i = 0; i < n; i++) out[i] = v.getUint32(i * 4, le);
    else for (let i = 0; i < n; i++) out[i] = Number(v.getBigUint64(i * 8, le));
  } else {
    for (let i = 0; i < n; i++) out[i] = v.getUint8(i) !== 0 ? 1 : 0;
  }
}

/** IEEE 754 binary16 → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function fortranToC(src: Float64Array, shape: number[]): Float64Array {
  const d = shape.length;
  const out = new Float64Array(src.length);
  const idx = new Array<number>(d).fill(0);
  // walk the Fortran-order source (first index fastest) and place each value at its C offset
  const cStrides = new Array<number>(d);
  cStrides[d - 1] = 1;
  for (let k = d - 2; k >= 0; k--) cStrides[k] = cStrides[k + 1]! * shape[k + 1]!;
  for (let f = 0; f < src.length; f++) {
    let c = 0;
    for (let k = 0; k < d; k++) c += idx[k]! * cStrides[k]!;
    out[c] = src[f]!;
    for (let k = 0; k < d; k++) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Encode a float64 array as a `.npy` file (version 1, little-endian `<f8`, C order). */
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
