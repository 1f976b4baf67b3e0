/**
 * Writers for the formats geninv reads, used only by tests to make files the fixtures do not cover
 * (float16, bfloat16, Fortran order, strides and offsets, Gemm attributes, biases) and as seeds for
 * the fuzz tests. Each follows the format's specification, not geninv's reader.
 */
import { deflateRawSync } from "node:zlib";
import { concat } from "../../../src/render/png-format.js";
import { crc32 } from "../../../src/util/crc32.js";

// byte concatenation is no part of any format: the library's own helper serves the writers (and fuzz-cases.ts) too
export { concat };

const enc = new TextEncoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);

function le(n: number, bytes: 1 | 2 | 4 | 8): Uint8Array {
  const b = new Uint8Array(bytes);
  const dv = new DataView(b.buffer);
  if (bytes === 1) dv.setUint8(0, n);
  else if (bytes === 2) dv.setUint16(0, n, true);
  else if (bytes === 4) dv.setUint32(0, n >>> 0, true);
  else dv.setBigUint64(0, BigInt(n), true);
  return b;
}

// ---------------------------------------------------------------- element encodings

export type WDType = "float64" | "float32" | "float16" | "bfloat16";
export const SIZE: Record<WDType, number> = { float64: 8, float32: 4, float16: 2, bfloat16: 2 };

/** Round-to-nearest-even float → IEEE binary16 bits (normals and subnormals; tests use small values). */
export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** Encode values as little-endian elements of `dtype` (bfloat16 truncates a float32). */
export function encodeValues(values: readonly number[], dtype: WDType, little = true): Uint8Array {
  const out = new Uint8Array(values.length * SIZE[dtype]);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (dtype === "float64") dv.setFloat64(i * 8, v, little);
    else if (dtype === "float32") dv.setFloat32(i * 4, v, little);
    else if (dtype === "float16") dv.setUint16(i * 2, floatToHalf(v), little);
    else {
      const f = new Float32Array([v]);
      dv.setUint16(i * 2, new Uint32Array(f.buffer)[0]! >>> 16, little);
    }
  });
  return out;
}

/** Values as `dtype` would round them (what a reader must return). */
export function roundTo(values: readonly number[], dtype: WDType): number[] {
  if (dtype === "float64") return [...values];
  if (dtype === "float32") return Array.from(Float32Array.from(values));
  return values.map((v) => {
    const b = encodeValues([v], dtype);
    const h = new DataView(b.buffer).getUint16(0, true);
    if (dtype === "bfloat16") return new Float32Array(new Uint32Array([h << 16]).buffer)[0]!;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    const s = h & 0x8000 ? -1 : 1;
    return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
  });
}

// ---------------------------------------------------------------- zip

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** 0 stored (default), 8 deflated. */
  method?: 0 | 8;
  /** Hostile files: these bytes as the member's (compressed) body, declaring `size` and `crc` instead of data's. */
  forge?: { body: Uint8Array; size: number; crc: number };
}

/** A zip archive; `zip64` writes zip64 extra fields and end records as numpy's savez does. */
export function makeZip(entries: readonly ZipInput[], opts: { zip64?: boolean; align?: number } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 0;
    const body = e.forge ? e.forge.body : method === 8 ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const crc = e.forge ? e.forge.crc : crc32(e.data);
    const size = e.forge ? e.forge.size : e.data.length;
    const name = utf8(e.name);
    const z64 = opts.zip64 === true;
    const extraLocal = z64 ? concat([le(1, 2), le(16, 2), le(size, 8), le(body.length, 8)]) : new Uint8Array(0);
    // PyTorch pads the local extra field so data is 64-byte aligned
    let pad: Uint8Array = new Uint8Array(0);
    if (opts.align) {
      const dataStart = offset + 30 + name.length + extraLocal.length + 4;
      const p = (opts.align - (dataStart % opts.align)) % opts.align;
      pad = concat([le(0x4b46, 2), le(p, 2), new Uint8Array(p)]);
    }
    const extra = concat([extraLocal, pad]);
    const local = concat([
      le(0x04034b50, 4),
      le(z64 ? 45 : 20, 2),
      le(0x800, 2),
      le(method, 2),
      le(0, 2),
      le(0, 2),
      le(crc, 4),
      le(z64 ? 0xffffffff : body.length, 4),
      le(z64 ? 0xffffffff : size, 4),
      le(name.length, 2),
      le(extra.length, 2),
      name,
      extra,
    ]);
    const extraCentral = z64 ? concat([le(1, 2), le(24, 2), le(size, 8), le(body.length, 8), le(offset, 8)]) : new Uint8Array(0);
    central.push(
      concat([
        le(0x02014b50, 4),
        le(45, 2),
        le(z64 ? 45 : 20, 2),
        le(0x800, 2),
        le(method, 2),
        le(0, 2),
        le(0, 2),
        le(crc, 4),
        le(z64 ? 0xffffffff : body.length, 4),
        le(z64 ? 0xffffffff : size, 4),
        le(name.length, 2),
        le(extraCentral.length, 2),
        le(0, 2),
        le(0, 2),
        le(0, 2),
        le(0, 4),
        le(z64 ? 0xffffffff : offset, 4),
        name,
        extraCentral,
      ]),
    );
    parts.push(local, body);
    offset += local.length + body.length;
  }
  const cd = concat(central);
  const tail: Uint8Array[] = [];
  if (opts.zip64) {
    const eocd64 = concat([
      le(0x06064b50, 4),
      le(44, 8),
      le(45, 2),
      le(45, 2),
      le(0, 4),
      le(0, 4),
      le(entries.length, 8),
      le(entries.length, 8),
      le(cd.length, 8),
      le(offset, 8),
    ]);
    const locator = concat([le(0x07064b50, 4), le(0, 4), le(offset + cd.length, 8), le(1, 4)]);
    tail.push(eocd64, locator);
    tail.push(concat([le(0x06054b50, 4), le(0, 2), le(0, 2), le(0xffff, 2), le(0xffff, 2), le(0xffffffff, 4), le(0xffffffff, 4), le(0, 2)]));
  } else {
    tail.push(concat([le(0x06054b50, 4), le(0, 2), le(0, 2), le(entries.length, 2), le(entries.length, 2), le(cd.length, 4), le(offset, 4), le(0, 2)]));
  }
  return concat([...parts, cd, ...tail]);
}

// ---------------------------------------------------------------- npy

/** A `.npy` file (version 1) of `values` given in C order, written as `descr`, optionally Fortran-ordered. */
export function makeNpy(
  shape: readonly number[],
  values: readonly number[],
  opts: { dtype?: WDType; fortran?: boolean; bigEndian?: boolean } = {},
): Uint8Array {
  const dtype = opts.dtype ?? "float64";
  const code = { float64: "f8", float32: "f4", float16: "f2", bfloat16: "" }[dtype];
  if (!code) throw new Error("npy has no bfloat16");
  const descr = `${opts.bigEndian ? ">" : "<"}${code}`;
  let data = [...values];
  if (opts.fortran && shape.length > 1) data = cToFortran(values, shape);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? "True" : "False"}, 'shape': ${shapeText}, }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  return concat([new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), le(header.length, 2), utf8(header), encodeValues(data, dtype, !opts.bigEndian)]);
}

function cToFortran(values: readonly number[], shape: readonly number[]): number[] {
  const out = new Array<number>(values.length);
  const d = shape.length;
  const idx = new Array<number>(d).fill(0);
  for (let c = 0; c < values.length; c++) {
    let f = 0;
    let mul = 1;
    for (let k = 0; k < d; k++) {
      f += idx[k]! * mul;
      mul *= shape[k]!;
    }
    out[f] = values[c]!;
    for (let k = d - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------- safetensors

export interface NamedArray {
  name: string;
  dtype: WDType;
  shape: number[];
  /** C-order values. */
  values: number[];
}

const ST_DTYPE: Record<WDType, string> = { float64: "F64", float32: "F32", float16: "F16", bfloat16: "BF16" };

/** A safetensors file holding `arrays` in order, with optional metadata. */
export function makeSafetensors(arrays: readonly NamedArray[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const datas: Uint8Array[] = [];
  let off = 0;
  for (const a of arrays) {
    const d = encodeValues(a.values, a.dtype);
    header[a.name] = { dtype: ST_DTYPE[a.dtype], shape: a.shape, data_offsets: [off, off + d.length] };
    datas.push(d);
    off += d.length;
  }
  let text = JSON.stringify(header);
  text += " ".repeat((8 - (text.length % 8)) % 8);
  const h = utf8(text);
  return concat([le(h.length, 8), h, ...datas]);
}

// ---------------------------------------------------------------- pickle + PyTorch

/** Pickle opcodes, protocol 2, as torch.save emits them. */
export const P = {
  proto: (v = 2) => new Uint8Array([0x80, v]),
  stop: () => new Uint8Array([0x2e]),
  mark: () => new Uint8Array([0x28]),
  global: (module: string, name: string) => concat([new Uint8Array([0x63]), utf8(`${module}\n${name}\n`)]),
  str: (s: string) => {
    const b = utf8(s);
    return concat([new Uint8Array([0x58]), le(b.length, 4), b]);
  },
  int: (n: number) =>
    n < 256 ? new Uint8Array([0x4b, n]) : n < 65536 ? concat([new Uint8Array([0x4d]), le(n, 2)]) : concat([new Uint8Array([0x4a]), le(n, 4)]),
  none: () => new Uint8Array([0x4e]),
  false: () => new Uint8Array([0x89]),
  tuple: () => new Uint8Array([0x74]),
  emptyTuple: () => new Uint8Array([0x29]),
  emptyDict: () => new Uint8Array([0x7d]),
  emptyList: () => new Uint8Array([0x5d]),
  appends: () => new Uint8Array([0x65]),
  reduce: () => new Uint8Array([0x52]),
  setitems: () => new Uint8Array([0x75]),
  setitem: () => new Uint8Array([0x73]),
  build: () => new Uint8Array([0x62]),
  binpersid: () => new Uint8Array([0x51]),
  binput: (i: number) => new Uint8Array([0x71, i]),
  binget: (i: number) => new Uint8Array([0x68, i]),
  long1: (v: bigint) => {
    const bytes: number[] = [];
    let x = v;
    while (x > 0n) {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
    }
    if (bytes.length === 0 || bytes[bytes.length - 1]! & 0x80) bytes.push(0);
    return concat([new Uint8Array([0x8a, bytes.length]), new Uint8Array(bytes)]);
  },
};

/** A tensor to store in a checkpoint: logical C-order values plus how its storage lays them out. */
export interface TorchTensorSpec extends NamedArray {
  /** Store a 2-D tensor column-major (strides (1, rows)), as `w.t()` would be saved. */
  transposed?: boolean;
  /** Elements of padding before the tensor in its storage (storage_offset). */
  offset?: number;
  /** Location tag, e.g. `cuda:0`. */
  location?: string;
}

const STORAGE: Record<WDType, string> = { float64: "DoubleStorage", float32: "FloatStorage", float16: "HalfStorage", bfloat16: "BFloat16Storage" };

/** The storage bytes, element count, strides and offset of a tensor spec. */
export function storageOf(t: TorchTensorSpec): { data: Uint8Array; numel: number; strides: number[]; offset: number } {
  const offset = t.offset ?? 0;
  let laid = [...t.values];
  let strides: number[];
  if (t.transposed && t.shape.length === 2) {
    const [r, c] = t.shape as [number, number];
    laid = new Array<number>(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) laid[j * r + i] = t.values[i * c + j]!;
    strides = [1, r];
  } else {
    strides = [];
    let acc = 1;
    for (let k = t.shape.length - 1; k >= 0; k--) {
      strides.unshift(acc);
      acc *= t.shape[k]!;
    }
  }
  const padded = [...new Array<number>(offset).fill(7), ...laid, 9]; // one trailing element: storages may be larger
  return { data: encodeValues(padded, t.dtype), numel: padded.length, strides, offset };
}

/** The state-dict pickle torch.save writes: OrderedDict of `_rebuild_tensor_v2` calls with persistent storages. */
export function statePickle(specs: readonly TorchTensorSpec[], opts: { defaultLocation?: string } = {}): Uint8Array {
  const parts: Uint8Array[] = [P.proto(2), P.global("collections", "OrderedDict"), P.binput(0), P.emptyTuple(), P.reduce(), P.mark()];
  specs.forEach((t, k) => {
    const s = storageOf(t);
    parts.push(
      P.str(t.name),
      P.global("torch._utils", "_rebuild_tensor_v2"),
      P.mark(),
      P.mark(),
      P.str("storage"),
      P.global("torch", STORAGE[t.dtype]),
      P.str(String(k)),
      P.str(t.location ?? opts.defaultLocation ?? "cpu"),
      P.int(s.numel),
      P.tuple(),
      P.binpersid(),
      P.int(s.offset),
      P.mark(),
      ...t.shape.map((d) => P.int(d)),
      P.tuple(),
      P.mark(),
      ...s.strides.map((d) => P.int(d)),
      P.tuple(),
      P.false(),
      P.binget(0),
      P.emptyTuple(),
      P.reduce(),
      P.tuple(),
      P.reduce(),
    );
  });
  parts.push(P.setitems(), P.stop());
  return concat(parts);
}

/** A zip-format checkpoint (`torch.save` since 1.6) of the tensors. */
export function makeZipPt(specs: readonly TorchTensorSpec[], opts: { prefix?: string; deflate?: boolean } = {}): Uint8Array {
  const prefix = opts.prefix ?? "archive";
  return makeZip(
    [
      { name: `${prefix}/data.pkl`, data: statePickle(specs) },
      { name: `${prefix}/byteorder`, data: utf8("little") },
      ...specs.map((t, k) => ({ name: `${prefix}/data/${k}`, data: storageOf(t).data, method: (opts.deflate ? 8 : 0) as 0 | 8 })),
      { name: `${prefix}/version`, data: utf8("3\n") },
    ],
    { align: 64 },
  );
}

/** A legacy-format checkpoint (`torch.save` before 1.6, `_use_new_zipfile_serialization=False`). */
export function makeLegacyPth(specs: readonly TorchTensorSpec[], opts: { location?: string } = {}): Uint8Array {
  const sysInfo = concat([
    P.proto(2),
    P.emptyDict(),
    P.mark(),
    P.str("protocol_version"),
    P.int(1001),
    P.str("little_endian"),
    new Uint8Array([0x88]),
    P.setitems(),
    P.stop(),
  ]);
  const keys = concat([P.proto(2), P.emptyList(), P.mark(), ...specs.map((_t, k) => P.str(String(k))), P.appends(), P.stop()]);
  const storages = specs.map((t) => {
    const s = storageOf(t);
    return concat([le(s.numel, 8), s.data]);
  });
  return concat([
    concat([P.proto(2), P.long1(0x1950a86a20f9469cfc6cn), P.stop()]),
    concat([P.proto(2), P.int(1001), P.stop()]),
    sysInfo,
    statePickle(specs, { defaultLocation: opts.location ?? "cuda:0" }),
    keys,
    ...storages,
  ]);
}

// ---------------------------------------------------------------- protobuf + ONNX

function varint(v: number | bigint): Uint8Array {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return new Uint8Array(out);
}

/** Protobuf field encoders. */
export const PB = {
  varint: (field: number, v: number | bigint) => concat([varint((field << 3) | 0), varint(v)]),
  bytes: (field: number, b: Uint8Array) => concat([varint((field << 3) | 2), varint(b.length), b]),
  str: (field: number, s: string) => PB.bytes(field, utf8(s)),
  float: (field: number, v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return concat([varint((field << 3) | 5), b]);
  },
  msg: (field: number, ...parts: Uint8Array[]) => PB.bytes(field, concat(parts)),
};

/** An ONNX attribute. */
export type OnnxAttr = { name: string; f: number } | { name: string; i: number } | { name: string; ints: number[] };

/** An ONNX node. */
export interface OnnxNodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: OnnxAttr[];
}

/** An ONNX initializer: float32 in raw_data (default) or float_data, or float16 as int32_data bits. */
export interface OnnxInit {
  name: string;
  shape: number[];
  values: number[];
  storage?: "raw" | "float_data" | "double_raw" | "half_int32";
}

function onnxTensor(t: OnnxInit): Uint8Array {
  const parts: Uint8Array[] = t.shape.map((d) => PB.varint(1, d));
  const kind = t.storage ?? "raw";
  const type = kind === "double_raw" ? 11 : kind === "half_int32" ? 10 : 1;
  parts.push(PB.varint(2, type), PB.str(8, t.name));
  if (kind === "raw") parts.push(PB.bytes(9, encodeValues(t.values, "float32")));
  else if (kind === "double_raw") parts.push(PB.bytes(9, encodeValues(t.values, "float64")));
  else if (kind === "float_data") parts.push(PB.bytes(4, encodeValues(t.values, "float32")));
  else parts.push(PB.bytes(5, concat(t.values.map((v) => varint(floatToHalf(v))))));
  return concat(parts);
}

function valueInfo(field: number, name: string, shape: (number | string)[]): Uint8Array {
  const dims = shape.map((d) => PB.msg(1, typeof d === "number" ? PB.varint(1, d) : PB.str(2, d)));
  return PB.msg(field, PB.str(1, name), PB.msg(2, PB.msg(1, PB.varint(1, 1), PB.msg(2, ...dims))));
}

/** An ONNX ModelProto with one graph. */
export function makeOnnx(spec: {
  nodes: OnnxNodeSpec[];
  initializers: OnnxInit[];
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
  opset?: number;
}): Uint8Array {
  const nodes = spec.nodes.map((n, i) =>
    PB.msg(
      1,
      ...n.inputs.map((s) => PB.str(1, s)),
      ...n.outputs.map((s) => PB.str(2, s)),
      PB.str(3, n.name ?? `${n.op}_${i}`),
      PB.str(4, n.op),
      ...(n.attrs ?? []).map((a) =>
        "f" in a
          ? PB.msg(5, PB.str(1, a.name), PB.float(2, a.f), PB.varint(20, 1))
          : "i" in a
            ? PB.msg(5, PB.str(1, a.name), PB.varint(3, a.i), PB.varint(20, 2))
            : PB.msg(5, PB.str(1, a.name), ...a.ints.map((v) => PB.varint(8, v)), PB.varint(20, 7)),
      ),
    ),
  );
  const graph = concat([
    ...nodes,
    PB.str(2, "test_graph"),
    ...spec.initializers.map((t) => PB.msg(5, onnxTensor(t))),
    valueInfo(11, spec.input.name, spec.input.shape),
    valueInfo(12, spec.output.name, spec.output.shape),
  ]);
  return concat([PB.varint(1, 8), PB.str(2, "geninv-test"), PB.str(3, "0"), PB.bytes(7, graph), PB.msg(8, PB.str(1, ""), PB.varint(2, spec.opset ?? 13))]);
}
