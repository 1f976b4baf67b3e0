/**
 * The few WebAssembly binary encodings the library's SIMD kernels are assembled from
 * (linalg/simd-gemm.ts, lp/vertex-simd.ts): LEB128 integers, sections and vectors, local access,
 * the integer, f64, f64x2 and f32x4 instructions they use, and structured loops and branches. The modules
 * are written out here from their instructions rather than shipped as binary blobs, so they need no
 * build step and can be read; no kept dependency assembles WebAssembly.
 */

/** A module's first eight bytes: the magic "\0asm" and version 1. */
export const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** Unsigned LEB128. */
export const uleb = (v: number): number[] => {
  const o: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    o.push(b);
  } while (v);
  return o;
};
/** Signed LEB128. */
export const sleb = (v: number): number[] => {
  const o: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...o, b];
    o.push(b | 0x80);
  }
};
export const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
export const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => vector([...s].map((c) => [c.charCodeAt(0)]));
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
/** i32.const (signed LEB128: for 0 … 63 the same byte as unsigned). */
export const i32 = (v: number): number[] => [0x41, ...sleb(v)];
export const ADD = 0x6a;
export const MUL = 0x6c;
export const SHL = 0x74;
export const AND = 0x71;
export const LT_U = 0x49;
export const GE_S = 0x4e;
export const EQZ = 0x45;
export const I32_LOAD = [0x28, 0x02, 0x00];
export const F64_LOAD = [0x2b, 0x03, 0x00];
/** v128.load at a byte offset, alignment 2³. */
export const v128Load = (offset: number): number[] => [0xfd, 0x00, 0x03, ...uleb(offset)];
export const V128_LOAD = [0xfd, 0x00, 0x03, 0x00];
export const V128_STORE = [0xfd, 0x0b, 0x03, 0x00];
export const F64X2_ADD = [0xfd, 0xf0, 0x01];
export const F64X2_SUB = [0xfd, 0xf1, 0x01];
export const F64X2_MUL = [0xfd, 0xf2, 0x01];
export const F64X2_SPLAT = [0xfd, 0x14];
export const F64X2_LANE = (l: number): number[] => [0xfd, 0x21, l];
export const F32X4_ADD = [0xfd, 0xe4, 0x01];
export const F32X4_MUL = [0xfd, 0xe6, 0x01];
export const F32X4_LANE = (l: number): number[] => [0xfd, 0x1f, l];
export const F64_PROMOTE_F32 = 0xbb;
export const F64_NE = 0x62;
export const F64_ADD = 0xa0;
export const F64_SUB = 0xa1;
export const F64_MUL = 0xa2;
export const F64_DIV = 0xa3;
export const F64_STORE = [0x39, 0x03, 0x00];
export const F64_CONST_0 = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
export const F64_NEG = 0x9a;
export const F64_MAX = 0xa5;
export const F64_LT = 0x63;
export const F64_GT = 0x64;
export const F64_LE = 0x65;
export const I32_LT_S = 0x48;
export const I32_STORE = [0x36, 0x02, 0x00];
export const SELECT = 0x1b;
/** f64.const v (its eight little-endian bytes). */
export const f64Const = (v: number): number[] => [0x44, ...Array.from(new Uint8Array(Float64Array.of(v).buffer))];
export const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
/** block { loop { body; br 0 } }. */
export const loop = (body: number[]): number[] => [0x02, 0x40, 0x03, 0x40, ...body, 0x0c, 0x00, 0x0b, 0x0b];
/** The byte address of element `index` of an array at `base` (both locals), `bytes` wide: base + index·bytes. */
export const elementAddress = (base: number, index: number, bytes: number): number[] => [...get(base), ...get(index), ...i32(bytes), MUL, ADD];
/** br_if 1 (out of the enclosing block) when !cond. */
export const breakUnless = (cond: number[]): number[] => [...cond, EQZ, 0x0d, 0x01];
export const ifThen = (cond: number[], a: number[]): number[] => [...cond, 0x04, 0x40, ...a, 0x0b];
export const ifThenElse = (cond: number[], a: number[], b: number[]): number[] => [...cond, 0x04, 0x40, ...a, 0x05, ...b, 0x0b];
