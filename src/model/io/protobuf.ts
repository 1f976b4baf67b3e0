/**
 * A minimal protocol-buffers wire-format reader, enough for ONNX: varints, 32/64-bit fixed values
 * and length-delimited fields (sub-messages, strings, bytes, packed arrays). Every length is checked
 * against the bytes present before anything is sliced; sub-messages are views, never copies.
 */
import { type MakeError } from "./tensor.js";

/** One field occurrence: a varint (as bigint), or the raw bytes of a fixed or length-delimited value. */
export type ProtoField = { readonly wire: 0; readonly varint: bigint } | { readonly wire: 1 | 5 | 2; readonly bytes: Uint8Array };

/** A decoded message: field number → occurrences in order. */
export type ProtoMessage = Map<number, ProtoField[]>;

/** Decode the top level of one message. @throws the `makeError` error on malformed wire data */
export function decodeMessage(buf: Uint8Array, makeError: MakeError, what: string): ProtoMessage {
  const out: ProtoMessage = new Map();
  let p = 0;
  const fail = (msg: string): never => {
    throw makeError(`${what}: ${msg} at byte ${p} of ${buf.length}`);
  };
  while (p < buf.length) {
    const [key, after] = readVarint(buf, p, fail);
    p = after;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0 || key >> 3n > 0x1fffffffn) fail(`invalid field number ${key >> 3n}`);
    let f: ProtoField;
    if (wire === 0) {
      const [v, next] = readVarint(buf, p, fail);
      p = next;
      f = { wire: 0, varint: v };
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (p + n > buf.length) fail(`truncated ${n}-byte field ${field}`);
      f = { wire, bytes: buf.subarray(p, p + n) };
      p += n;
    } else if (wire === 2) {
      const [len, next] = readVarint(buf, p, fail);
      p = next;
      if (len > BigInt(buf.length - p)) fail(`field ${field} declares ${len} bytes but only ${buf.length - p} remain`);
      const n = Number(len);
      f = { wire: 2, bytes: buf.subarray(p, p + n) };
      p += n;
    } else {
      return fail(`unsupported wire type ${wire} (field ${field})`);
    }
    let list = out.get(field);
    if (!list) out.set(field, (list = []));
    list.push(f);
  }
  return out;
}

function readVarint(buf: Uint8Array, start: number, fail: (m: string) => never): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  let p = start;
  for (let i = 0; i < 10; i++) {
    if (p >= buf.length) fail("truncated varint");
    const b = buf[p++]!;
    v |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [v & 0xffffffffffffffffn, p];
    shift += 7n;
  }
  return fail("varint longer than 10 bytes");
}

/** Typed access to a decoded message's fields, with errors naming the message. */
export class ProtoView {
  constructor(
    readonly msg: ProtoMessage,
    private readonly makeError: MakeError,
    readonly what: string,
  ) {}

  static decode(buf: Uint8Array, makeError: MakeError, what: string): ProtoView {
    return new ProtoView(decodeMessage(buf, makeError, what), makeError, what);
  }

  private fail(field: number, msg: string): never {
    throw this.makeError(`${this.what}: field ${field} ${msg}`);
  }

  /** Last occurrence of a length-delimited field as bytes. */
  bytes(field: number): Uint8Array | undefined {
    const l = this.msg.get(field);
    if (!l) return undefined;
    const f = l[l.length - 1]!;
    if (f.wire !== 2) this.fail(field, "is not length-delimited");
    return (f as { bytes: Uint8Array }).bytes;
  }

  /** Every occurrence of a length-delimited field. */
  bytesList(field: number): Uint8Array[] {
    return (this.msg.get(field) ?? []).map((f) => {
      if (f.wire !== 2) this.fail(field, "is not length-delimited");
      return (f as { bytes: Uint8Array }).bytes;
    });
  }

  string(field: number): string | undefined {
    const b = this.bytes(field);
    return b === undefined ? undefined : utf8(b, () => this.fail(field, "is not valid UTF-8"));
  }

  strings(field: number): string[] {
    return this.bytesList(field).map((b) => utf8(b, () => this.fail(field, "is not valid UTF-8")));
  }

  /** Last occurrence of a varint field as a signed 64-bit integer. */
  int(field: number): bigint | undefined {
    const l = this.msg.get(field);
    if (!l) return undefined;
    const f = l[l.length - 1]!;
    if (f.wire !== 0) this.fail(field, "is not a varint");
    return BigInt.asIntN(64, (f as { varint: bigint }).varint);
  }

  /** A repeated varint field, packed or not, as signed 64-bit integers. */
  ints(field: number): bigint[] {
    const out: bigint[] = [];
    for (const f of this.msg.get(field) ?? []) {
      if (f.wire === 0) out.push(BigInt.asIntN(64, f.varint));
      else if (f.wire === 2) {
        let p = 0;
        while (p < f.bytes.length) {
          const [v, next] = readVarint(f.bytes, p, (m) => this.fail(field, m));
          out.push(BigInt.asIntN(64, v));
          p = next;
        }
      } else this.fail(field, "is not a varint");
    }
    return out;
  }

  /** A repeated varint field as unsigned 64-bit integers. */
  uints(field: number): bigint[] {
    return this.ints(field).map((v) => BigInt.asUintN(64, v));
  }

  /** Number of values of a repeated fixed-size field (`size` 4 or 8), packed or not, without decoding. */
  fixedCount(field: number, size: 4 | 8): number {
    let n = 0;
    for (const f of this.msg.get(field) ?? []) {
      if (f.wire === 2) {
        if (f.bytes.length % size !== 0) this.fail(field, `packed length ${f.bytes.length} is not a multiple of ${size}`);
        n += f.bytes.length / size;
      } else if ((f.wire === 5 && size === 4) || (f.wire === 1 && size === 8)) n++;
      else this.fail(field, "has the wrong wire type");
    }
    return n;
  }

  /** A repeated float (size 4) or double (size 8) field into `out` (length from {@link fixedCount}). */
  fixedFloats(field: number, size: 4 | 8, out: Float64Array): void {
    let i = 0;
    for (const f of this.msg.get(field) ?? []) {
      const b = (f as { bytes: Uint8Array }).bytes;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let p = 0; p < b.length; p += size) out[i++] = size === 4 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
    }
  }

  /** Last occurrence of a 32-bit float field. */
  float(field: number): number | undefined {
    const l = this.msg.get(field);
    if (!l) return undefined;
    const f = l[l.length - 1]!;
    if (f.wire !== 5) this.fail(field, "is not a 32-bit float");
    const b = (f as { bytes: Uint8Array }).bytes;
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
  }

  /** Sub-messages of a repeated message field. */
  messages(field: number, what: string): ProtoView[] {
    return this.bytesList(field).map((b, i) => ProtoView.decode(b, this.makeError, `${what}[${i}]`));
  }

  /** The last occurrence of a message field. */
  message(field: number, what: string): ProtoView | undefined {
    const b = this.bytes(field);
    return b === undefined ? undefined : ProtoView.decode(b, this.makeError, what);
  }
}

function utf8(b: Uint8Array, onError: () => never): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return onError();
  }
}
