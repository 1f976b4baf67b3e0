/**
 * C = X·Yᵀ on 128-bit SIMD lanes: a WebAssembly kernel (two doubles a lane, 2 × 4 blocks of C,
 * eight vector accumulators) over buffers in one linear memory, for the products of pattern-first
 * ℓ∞ that dominate everything before its LP — the network's linearisation J_P = W₂·D·W₁ and the
 * Gram matrices of the least squares (normal-equations.ts). Measured on this machine: ~4.5 G
 * multiply-adds/s against ~1.6 for the register-blocked scalar kernel of gemm.ts, which V8 cannot
 * vectorise. The module is assembled here from its instructions (under 1 kB, no build step, no
 * binary blob) and compiled synchronously on first use; where WebAssembly SIMD is missing, the same
 * padded interface runs a scalar kernel that sums in the same order (even and odd terms apart), so
 * the answers do not depend on the platform. Written by hand: no kept dependency offers a SIMD
 * dense product for Node and the browser (HiGHS's WebAssembly is an LP solver).
 *
 * Shapes are padded by the callers so the kernel has no remainder loops: m even, n a multiple of
 * 4, k a multiple of 4 (zero rows/columns in the padding leave the product unchanged).
 */
import { ShapeError, SolverError } from "../errors.js";
import {
  ADD,
  AND,
  breakUnless,
  EQZ,
  F64_ADD,
  F64_STORE,
  F64X2_ADD,
  F64X2_LANE,
  F64X2_MUL,
  F32X4_ADD,
  F32X4_LANE,
  F32X4_MUL,
  F64_PROMOTE_F32,
  get,
  i32,
  ifThenElse,
  loop,
  LT_U,
  MUL,
  name,
  section,
  set,
  SHL,
  tee,
  uleb,
  V128_ZERO,
  v128Load,
  vector,
  WASM_HEADER,
} from "./wasm-encoding.js";

/** WebAssembly as this module uses it (the library's lib settings carry no WebAssembly types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
type NtKernel = (x: number, ldx: number, y: number, ldy: number, c: number, ldc: number, m: number, n: number, k: number, lower: number) => void;

/**
 * nt(x, ldx, y, ldy, c, ldc, m, n, k, lower): C[i·ldc + j] = Σ_{p<k} X[i·ldx + p]·Y[j·ldy + p] for
 * i < m, j < n (offsets and strides in doubles; m even, n % 4 = 0, k % 4 = 0); with lower ≠ 0 only the
 * 4-column blocks that reach j ≤ i + 1 (the lower triangle of a Gram, diagonal blocks whole).
 * Lanes hold (p even, p odd); the two are added once at the end. With `single` (nt32), X and Y are
 * f32 (offsets and strides in floats, k % 8 = 0), the lanes f32x4 (p mod 4 apart, f32 products and
 * sums), and C's entry is the four lanes promoted to f64 and added in lane order.
 */
function kernelBody(single: boolean): number[] {
  // params 0..9: x ldx y ldy c ldc m n k lower; i32 locals 10..: i j p jEnd xa0 xa1 yb0..yb3 kb ci ; v128: acc[2][4], x0 x1 yv
  const [X, LDX, Y, LDY, C, LDC, M, N, K, LOWER] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [I, J, P, JEND, XA0, XA1, YB, KB, CI] = [10, 11, 12, 13, 14, 15, 16, 20, 21];
  const ACC = 22;
  const X0 = 30;
  const X1 = 31;
  const YV = 32;
  const acc = (r: number, c: number): number => ACC + r * 4 + c;
  const bytesOf = (v: number[]): number[] => [...v, ...i32(3), SHL]; // doubles → bytes (C, and X, Y in doubles)
  const opBytes = single ? (v: number[]): number[] => [...v, ...i32(2), SHL] : bytesOf; // X, Y elements → bytes
  const MUL_V = single ? F32X4_MUL : F64X2_MUL;
  const ADD_V = single ? F32X4_ADD : F64X2_ADD;
  // C's entry: the lanes' sums added in f64 (single: each lane promoted, added in lane order)
  const laneSum = (a: number): number[] =>
    single
      ? [...get(a), ...F32X4_LANE(0), F64_PROMOTE_F32, ...[1, 2, 3].flatMap((l) => [...get(a), ...F32X4_LANE(l), F64_PROMOTE_F32, F64_ADD])]
      : [...get(a), ...F64X2_LANE(0), ...get(a), ...F64X2_LANE(1), F64_ADD];
  const body: number[] = [
    ...opBytes(get(K)),
    ...set(KB),
    ...i32(0),
    ...set(I),
    ...loop([
      ...breakUnless([...get(I), ...get(M), LT_U]),
      // row addresses of X for rows i, i+1
      ...opBytes([...get(I), ...get(LDX), MUL, ...get(X), ADD]),
      ...tee(XA0),
      ...opBytes(get(LDX)),
      ADD,
      ...set(XA1),
      // jEnd = lower ? min(n, (i + 5) & ~3) : n
      ...ifThenElse(
        get(LOWER),
        [...get(I), ...i32(5), ADD, ...i32(-4), AND, ...tee(JEND), ...get(N), LT_U, EQZ, 0x04, 0x40, ...get(N), ...set(JEND), 0x0b],
        [...get(N), ...set(JEND)],
      ),
      ...i32(0),
      ...set(J),
      ...loop([
        ...breakUnless([...get(J), ...get(JEND), LT_U]),
        ...opBytes([...get(J), ...get(LDY), MUL, ...get(Y), ADD]),
        ...set(YB),
        ...[1, 2, 3].flatMap((q) => [...get(YB + q - 1), ...opBytes(get(LDY)), ADD, ...set(YB + q)]),
        ...[0, 1].flatMap((r) => [0, 1, 2, 3].flatMap((c) => [...V128_ZERO, ...set(acc(r, c))])),
        ...i32(0),
        ...set(P),
        ...loop([
          ...breakUnless([...get(P), ...get(KB), LT_U]),
          // two lane pairs a pass (p, p + 1 at byte offset 0; p + 2, p + 3 at 16), into the same accumulators
          ...[0, 16].flatMap((at) => [
            ...get(XA0),
            ...get(P),
            ADD,
            ...v128Load(at),
            ...set(X0),
            ...get(XA1),
            ...get(P),
            ADD,
            ...v128Load(at),
            ...set(X1),
            ...[0, 1, 2, 3].flatMap((c) => [
              ...get(YB + c),
              ...get(P),
              ADD,
              ...v128Load(at),
              ...tee(YV),
              ...get(X0),
              ...MUL_V,
              ...get(acc(0, c)),
              ...ADD_V,
              ...set(acc(0, c)),
              ...get(YV),
              ...get(X1),
              ...MUL_V,
              ...get(acc(1, c)),
              ...ADD_V,
              ...set(acc(1, c)),
            ]),
          ]),
          ...get(P),
          ...i32(32),
          ADD,
          ...set(P),
        ]),
        // C[(i + r)·ldc + j + c] = lane 0 + lane 1
        ...[0, 1].flatMap((r) => [
          ...bytesOf([...get(I), ...i32(r), ADD, ...get(LDC), MUL, ...get(J), ADD, ...get(C), ADD]),
          ...set(CI),
          ...[0, 1, 2, 3].flatMap((c) => [...get(CI), ...(c ? [...i32(8 * c), ADD] : []), ...laneSum(acc(r, c)), ...F64_STORE]),
        ]),
        ...get(J),
        ...i32(4),
        ADD,
        ...set(J),
      ]),
      ...get(I),
      ...i32(2),
      ADD,
      ...set(I),
    ]),
    0x0b,
  ];
  const locals = [
    [...uleb(12), 0x7f],
    [...uleb(11), 0x7b],
  ];
  return [...vector(locals), ...body];
}

/** The module: memory, `nt` (f64 operands) and `nt32` (f32 operands, f64 C; see {@link SimdGemm.nt32}). */
function kernelBytes(): Uint8Array {
  const codes = [kernelBody(false), kernelBody(true)];
  return Uint8Array.from([
    ...WASM_HEADER,
    ...section(1, vector([[0x60, ...vector(new Array<number[]>(10).fill([0x7f])), 0x00]])),
    ...section(3, vector([[0x00], [0x00]])),
    ...section(5, vector([[0x00, ...uleb(1)]])),
    ...section(
      7,
      vector([
        [...name("memory"), 0x02, 0x00],
        [...name("nt"), 0x00, 0x00],
        [...name("nt32"), 0x00, 0x01],
      ]),
    ),
    ...section(10, vector(codes.map((code) => [...uleb(code.length), ...code]))),
  ]);
}

/** nt32 in scalar code, lanes emulated (p mod 4 summed apart in f32, Math.fround after each product and sum), for platforms without SIMD. */
function scalarNt32(f32: Float32Array, f: Float64Array): NtKernel {
  const fr = Math.fround;
  return (x, ldx, y, ldy, c, ldc, m, n, k, lower) => {
    for (let i = 0; i < m; i++) {
      const xa = x + i * ldx;
      const jEnd = lower ? Math.min(n, ((i & ~1) + 5) & ~3) : n;
      for (let j = 0; j < jEnd; j++) {
        const yb = y + j * ldy;
        let l0 = 0;
        let l1 = 0;
        let l2 = 0;
        let l3 = 0;
        for (let p = 0; p < k; p += 4) {
          l0 = fr(l0 + fr(f32[xa + p]! * f32[yb + p]!));
          l1 = fr(l1 + fr(f32[xa + p + 1]! * f32[yb + p + 1]!));
          l2 = fr(l2 + fr(f32[xa + p + 2]! * f32[yb + p + 2]!));
          l3 = fr(l3 + fr(f32[xa + p + 3]! * f32[yb + p + 3]!));
        }
        f[c + i * ldc + j] = l0 + l1 + l2 + l3;
      }
    }
  };
}

/** The same product in scalar code, lanes emulated (even and odd p summed apart), for platforms without SIMD. */
function scalarNt(f: Float64Array): NtKernel {
  return (x, ldx, y, ldy, c, ldc, m, n, k, lower) => {
    for (let i = 0; i < m; i++) {
      const xa = x + i * ldx;
      const jEnd = lower ? Math.min(n, ((i & ~1) + 5) & ~3) : n;
      for (let j = 0; j < jEnd; j++) {
        const yb = y + j * ldy;
        let e = 0;
        let o = 0;
        for (let p = 0; p < k; p += 2) {
          e += f[xa + p]! * f[yb + p]!;
          o += f[xa + p + 1]! * f[yb + p + 1]!;
        }
        f[c + i * ldc + j] = e + o;
      }
    }
  };
}

const PAGE = 65536;

/**
 * One linear memory and the product kernel over it. Callers reserve room, fill `f64` (a view,
 * valid until the next {@link reserve}), call {@link nt} and read the result from `f64`. One per
 * thread: the buffers are reused by every call.
 */
export class SimdGemm {
  /** True when the WebAssembly SIMD kernel runs (false: the scalar stand-in). */
  readonly simd: boolean;
  private memory: WasmMemory | null = null;
  private kernel: NtKernel;
  private kernel32: NtKernel;
  private plain: ArrayBuffer;
  /** The memory as doubles; re-read after every {@link reserve}. */
  f64: Float64Array;
  /** The same memory as floats (for {@link nt32}'s operands); re-read after every {@link reserve}. */
  f32: Float32Array;

  constructor(useSimd = true) {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    let kernel: NtKernel | null = null;
    let kernel32: NtKernel | null = null;
    if (useSimd && wasm) {
      try {
        const bytes = kernelBytes();
        if (wasm.validate(bytes)) {
          const inst = new wasm.Instance(new wasm.Module(bytes));
          this.memory = inst.exports["memory"] as WasmMemory;
          kernel = inst.exports["nt"] as NtKernel;
          kernel32 = inst.exports["nt32"] as NtKernel;
        }
      } catch {
        kernel = null; // no SIMD (or no synchronous compilation here): the scalar stand-in below
        kernel32 = null;
        this.memory = null;
      }
    }
    this.plain = new ArrayBuffer(this.memory ? 0 : PAGE);
    this.f64 = new Float64Array(this.memory ? this.memory.buffer : this.plain);
    this.f32 = new Float32Array(this.memory ? this.memory.buffer : this.plain);
    this.simd = kernel !== null;
    this.kernel = kernel ?? scalarNt(this.f64);
    this.kernel32 = kernel32 ?? scalarNt32(this.f32, this.f64);
  }

  /**
   * Make room for `doubles` values (offsets 0 … doubles − 1), keeping the contents; invalidates
   * earlier views of {@link f64}.
   * @throws SolverError when the memory cannot grow that far (WebAssembly memory stops at 4 GB)
   */
  reserve(doubles: number): Float64Array {
    const bytes = doubles * 8;
    if (this.memory) {
      const have = this.memory.buffer.byteLength;
      if (have < bytes) {
        try {
          this.memory.grow(Math.ceil((bytes - have) / PAGE));
        } catch (e) {
          throw new SolverError(
            `SimdGemm: the WebAssembly memory cannot grow to ${(bytes / 2 ** 20).toFixed(0)} MB (${e instanceof Error ? e.message : String(e)})`,
          );
        }
      }
      if (this.f64.buffer !== this.memory.buffer || this.f64.length * 8 < bytes) {
        this.f64 = new Float64Array(this.memory.buffer);
        this.f32 = new Float32Array(this.memory.buffer);
      }
    } else if (this.plain.byteLength < bytes) {
      this.plain = new ArrayBuffer(Math.ceil(bytes / PAGE) * PAGE);
      const old = this.f64;
      this.f64 = new Float64Array(this.plain);
      this.f64.set(old); // as WebAssembly memory does when it grows
      this.f32 = new Float32Array(this.plain);
      this.kernel = scalarNt(this.f64);
      this.kernel32 = scalarNt32(this.f32, this.f64);
    }
    return this.f64;
  }

  /**
   * C = X·Yᵀ in the memory (offsets and leading dimensions in doubles; see the module header for
   * the padding: m even, n % 4 = 0, k % 4 = 0); with `lower`, only the blocks of C's lower triangle
   * (diagonal 2 × 4 blocks whole).
   * @throws ShapeError for shapes that are not padded or do not fit the reserved memory
   */
  nt(x: number, ldx: number, y: number, ldy: number, c: number, ldc: number, m: number, n: number, k: number, lower = false): void {
    if (m % 2 !== 0 || n % 4 !== 0 || k % 4 !== 0 || k > ldx || k > ldy || n > ldc) {
      throw new ShapeError(`SimdGemm.nt: ${m}×${k} · (${n}×${k})ᵀ must be padded to m even, n % 4 = 0, k % 4 = 0 within the strides (${ldx}, ${ldy}, ${ldc})`);
    }
    const end = Math.max(m > 0 ? x + (m - 1) * ldx + k : 0, n > 0 ? y + (n - 1) * ldy + k : 0, m > 0 ? c + (m - 1) * ldc + n : 0);
    if (end > this.f64.length) throw new ShapeError(`SimdGemm.nt: the operands end at ${end}, past the ${this.f64.length} doubles reserved`);
    if (m === 0 || n === 0) return;
    this.kernel(x, ldx, y, ldy, c, ldc, m, n, k, lower ? 1 : 0);
  }

  /**
   * {@link nt} on f32 operands: C (f64, offset and leading dimension in doubles) = X·Yᵀ with X and
   * Y read from {@link f32} (offsets and strides in floats), products and lane sums in f32 — twice
   * the lanes of nt, for Gram matrices whose answer is only read for its signs (pattern-first's
   * start). Padding: m even, n % 4 = 0, k % 8 = 0.
   * @throws ShapeError for shapes that are not padded or do not fit the reserved memory
   */
  nt32(x: number, ldx: number, y: number, ldy: number, c: number, ldc: number, m: number, n: number, k: number, lower = false): void {
    if (m % 2 !== 0 || n % 4 !== 0 || k % 8 !== 0 || k > ldx || k > ldy || n > ldc) {
      throw new ShapeError(
        `SimdGemm.nt32: ${m}×${k} · (${n}×${k})ᵀ must be padded to m even, n % 4 = 0, k % 8 = 0 within the strides (${ldx}, ${ldy}, ${ldc})`,
      );
    }
    const end32 = Math.max(m > 0 ? x + (m - 1) * ldx + k : 0, n > 0 ? y + (n - 1) * ldy + k : 0);
    const end = m > 0 ? c + (m - 1) * ldc + n : 0;
    if (end32 > this.f32.length || end > this.f64.length) {
      throw new ShapeError(`SimdGemm.nt32: the operands end at float ${end32} and double ${end}, past the ${this.f64.length} doubles reserved`);
    }
    if (m === 0 || n === 0) return;
    this.kernel32(x, ldx, y, ldy, c, ldc, m, n, k, lower ? 1 : 0);
  }
}

/** Round up to a multiple of `q`. */
export function padTo(v: number, q: number): number {
  return Math.ceil(v / q) * q;
}

let shared: SimdGemm | null = null;

/** The thread's {@link SimdGemm} (made on first use). */
export function simdGemm(): SimdGemm {
  shared ??= new SimdGemm();
  return shared;
}
