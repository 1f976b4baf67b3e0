/**
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`,
 * then the byte buffer the offsets index. Checked as the reference implementation does: header
 * size capped, every range inside the buffer, sizes matching dtype × shape, ranges contiguous
 * and covering the whole buffer.
 */
import { tooDeepAt } from "./json-text.js";
import { checkedNumel, type DType, DTYPE_SIZE, type MakeError, stridedTensor, type Tensor } from "./tensor.js";

/**
 * The named tensors of a safetensors file, in header order, and its string metadata.
 * @example
 * ```ts
 * import { ModelFormatError, readSafetensors, type SafetensorsFile } from "geninv";
 * const header = new TextEncoder().encode(JSON.stringify({ __metadata__: { epoch: "10" } }));
 * const buf = new Uint8Array(8 + header.length);
 * new DataView(buf.buffer).setBigUint64(0, BigInt(header.length), true);
 * buf.set(header, 8);
 * const f: SafetensorsFile = readSafetensors(buf, (msg) => new ModelFormatError(msg));
 * console.log(f.tensors.length, f.metadata); // 0 { epoch: '10' }
 * ```
 */
export interface SafetensorsFile {
  /** The tensors, in header order. */
  tensors: Tensor[];
  /** The header's `__metadata__` (string → string). */
  metadata: Record<string, string>;
}

/** The reference implementation's cap on the JSON header. */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

const DTYPES: Readonly<Record<string, DType>> = {
  F64: "float64",
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
  F8_E4M3: "float8_e4m3fn",
  F8_E5M2: "float8_e5m2",
  I64: "int64",
  I32: "int32",
  I16: "int16",
  I8: "int8",
  U64: "uint64",
  U32: "uint32",
  U16: "uint16",
  U8: "uint8",
  BOOL: "bool",
};

/**
 * Parse a safetensors file: header checked as the reference implementation does; tensors decoded lazily.
 * @param buf the file's bytes
 * @param makeError builds the typed error to throw (ModelFormatError for a model file)
 * @returns the tensors and the metadata
 * @throws the `makeError` error naming the tensor and field at fault
 * @example
 * ```ts
 * import { ModelFormatError, readSafetensors } from "geninv";
 * const header = new TextEncoder().encode(JSON.stringify({ "fc.weight": { dtype: "F64", shape: [1, 2], data_offsets: [0, 16] } }));
 * const buf = new Uint8Array(8 + header.length + 16);
 * const view = new DataView(buf.buffer);
 * view.setBigUint64(0, BigInt(header.length), true);
 * buf.set(header, 8);
 * [1.5, -2].forEach((v, i) => view.setFloat64(8 + header.length + 8 * i, v, true));
 * const [w] = readSafetensors(buf, (msg) => new ModelFormatError(msg)).tensors;
 * console.log(w!.name, w!.shape, Array.from(w!.read())); // fc.weight [ 1, 2 ] [ 1.5, -2 ]
 * ```
 */
export function readSafetensors(buf: Uint8Array, makeError: MakeError): SafetensorsFile {
  if (buf.length < 8) throw makeError(`too short for a safetensors file (${buf.length} bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_SAFETENSORS_HEADER)) throw makeError(`header length ${n64} exceeds the ${MAX_SAFETENSORS_HEADER}-byte limit`, "header");
  const n = Number(n64);
  if (8 + n > buf.length) throw makeError(`header of ${n} bytes runs past the end of the file (${buf.length} bytes): truncated, or not safetensors`, "header");
  let doc: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(8, 8 + n));
    // the header is a flat object of flat records: deep nesting is refused before parsing
    const deep = tooDeepAt(text, 8);
    if (deep >= 0) throw new Error(`nests deeper than 8 levels at character ${deep}`);
    doc = JSON.parse(text);
  } catch (e) {
    throw makeError(`is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`, "header");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw makeError("is not a JSON object", "header");
  const data = buf.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const ranges: { begin: number; end: number; name: string }[] = [];
  const tensors: Tensor[] = [];
  for (const [name, info] of Object.entries(doc as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info)) throw makeError("is not an object of strings", "__metadata__");
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") throw makeError(`value of '${k}' is not a string`, "__metadata__");
        metadata[k] = v;
      }
      continue;
    }
    if (typeof info !== "object" || info === null || Array.isArray(info)) throw makeError("is not an object with dtype, shape and data_offsets", name);
    const { dtype: dtName, shape, data_offsets: offs } = info as Record<string, unknown>;
    const dtype = typeof dtName === "string" ? DTYPES[dtName] : undefined;
    if (!dtype) throw makeError(`dtype ${JSON.stringify(dtName)} is not supported (${Object.keys(DTYPES).join(", ")})`, name);
    if (!Array.isArray(shape)) throw makeError("shape is not a list", name);
    const numel = checkedNumel(shape, makeError, name);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0)) {
      throw makeError("data_offsets is not a pair of non-negative integers", name);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) throw makeError(`data_offsets [${begin}, ${end}] end before they begin`, name);
    if (end > data.length) throw makeError(`data_offsets [${begin}, ${end}] run past the ${data.length}-byte data buffer: truncated?`, name);
    const expected = numel * DTYPE_SIZE[dtype];
    if (end - begin !== expected) {
      throw makeError(`data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape (${shape.join(", ")}) of ${dtName} needs ${expected}`, name);
    }
    ranges.push({ begin, end, name });
    tensors.push(
      stridedTensor({ name, dtype, shape: shape as number[], strides: null, offset: 0, storage: data.subarray(begin, end), littleEndian: true, makeError }),
    );
  }
  // the buffer is exactly the tensors laid end to end (no overlap, no hole, nothing after)
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const r of ranges) {
    if (r.begin !== at) {
      throw makeError(
        r.begin < at ? `overlaps the tensor before it (starts at ${r.begin}, previous ends at ${at})` : `leaves a gap of ${r.begin - at} bytes before it`,
        r.name,
      );
    }
    at = r.end;
  }
  if (at !== data.length) throw makeError(`the tensors cover ${at} bytes of the ${data.length}-byte data buffer`, "data");
  return { tensors, metadata };
}
