/**
 * The vertex engine's dense kernels on 128-bit SIMD lanes — the row products out_j = a_j·x over a
 * list of rows (γ = A·dcol and the activities s = A·z of every pivot), α = gᵀB⁻¹ and the
 * product-form update of B⁻¹ and the primal pricing's column norms — as a WebAssembly module over the engine's own linear memory, which
 * holds a copy of A (rows padded to an even length) and the engine's vectors and B⁻¹ (the engine
 * uses views into it as its arrays). Every kernel computes what the scalar loops in
 * vertex-problem.ts / vertex-basis.ts / dense.ts compute, to the bit: in a row product lane 0 sums
 * the even terms and lane 1 the odd ones, in order, added once at the end — the scalar loop's two
 * accumulators; the α sum and the B⁻¹ update are elementwise over q in the same order of rows; and
 * f64x2 multiplies and adds round as the scalar ones (no fused multiply-add). So every pivot is the
 * scalar engine's. Measured on 600×100 (pattern-first's LP on 100-250-600): a row product ~5× the
 * scalar loop's speed, which V8 does not vectorise. The module (1,136 bytes) is assembled here from
 * its instructions and compiled synchronously once; where WebAssembly SIMD is missing the engine
 * keeps its scalar loops. Written by hand for the same reason as linalg/simd-gemm.ts: no kept
 * dependency offers it.
 */
import {
  ADD,
  AND,
  breakUnless,
  elementAddress,
  F64_ADD,
  F64_CONST_0,
  F64_DIV,
  F64_LOAD,
  F64_MUL,
  F64_NE,
  F64_STORE,
  F64_SUB,
  F64X2_ADD,
  F64X2_LANE,
  F64X2_MUL,
  F64X2_SPLAT,
  F64X2_SUB,
  GE_S,
  get,
  i32,
  I32_LOAD,
  ifThen,
  ifThenElse,
  loop,
  LT_U,
  MUL,
  name,
  section,
  set,
  tee,
  uleb,
  V128_LOAD,
  V128_STORE,
  V128_ZERO,
  vector,
  WASM_HEADER,
} from "../linalg/wasm-encoding.js";

/** WebAssembly as this module uses it (the library's lib settings carry no WebAssembly types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
}

/** rows(a, lda, list, count, x, out, kp): out[j] = Σ_{i<kp} A[a + j·lda + i]·x[i] for j = list[0 … count) (byte offsets; kp, lda even, in doubles). */
type RowsKernel = (a: number, ldaBytes: number, list: number, count: number, x: number, out: number, kpBytes: number) => void;
/** rank1(binv, p, i, alpha, d, αᵢ): B⁻¹ ← B⁻¹ − d·(α − e_i)ᵀ/αᵢ over the rows with d_r ≠ 0 (dense.ts's exchangeInverse). */
type Rank1Kernel = (binv: number, p: number, i: number, alpha: number, d: number, ai: number) => void;
/** elim(b, out, p, c): Gauss–Jordan's elimination of column c (dense.ts's invertInPlace): every row r ≠ c with f = b[r][c] ≠ 0 loses f·(row c) in b (from column c on) and in out. */
type ElimKernel = (b: number, out: number, p: number, c: number) => void;
/** norms(binv, p, unitSlot, out): out[q] += Σ_r B⁻¹[r][q]² in order of r, a unit row adding 1 to its slot's entry. */
type NormsKernel = (binv: number, p: number, unitSlot: number, out: number) => void;
/** alpha(g, count, unitSlot, unitSign, binv, p, alpha): α += Σ_{c<count, g_c≠0} g_c·(row c of B⁻¹), a unit row as one entry. */
type AlphaKernel = (g: number, count: number, unitSlot: number, unitSign: number, binv: number, p: number, alpha: number) => void;

/**
 * The body of `rows`: two rows a pass (one load of x for both, an accumulator each), then the odd
 * row left; each accumulator's lanes are one row's even and odd sums, as in the scalar loop.
 * Locals after the 7 i32 params: t, j0, j1, ra0, ra1, pb (i32); acc0, acc1, xv (v128).
 */
function rowsCode(): number[] {
  const [A, LDA, LIST, COUNT, X, OUT, KPB] = [0, 1, 2, 3, 4, 5, 6];
  const [T, J0, J1, RA0, RA1, PB] = [7, 8, 9, 10, 11, 12];
  const [ACC0, ACC1, XV] = [13, 14, 15];
  const rowStart = (off: number, j: number, ra: number): number[] => [
    // j = list[t + off]; ra = a + j·lda
    ...elementAddress(LIST, T, 4),
    ...(off ? [...i32(4 * off), ADD] : []),
    ...I32_LOAD,
    ...set(j),
    ...get(j),
    ...get(LDA),
    MUL,
    ...get(A),
    ADD,
    ...set(ra),
  ];
  // acc ← a[pb]·xv + acc, lane by lane: the scalar s0 += a·x (even i), s1 += a·x (odd i)
  const accumulate = (ra: number, acc: number): number[] => [
    ...get(ra),
    ...get(PB),
    ADD,
    ...V128_LOAD,
    ...get(XV),
    ...F64X2_MUL,
    ...get(acc),
    ...F64X2_ADD,
    ...set(acc),
  ];
  // out[j] = lane 0 + lane 1
  const store = (j: number, acc: number): number[] => [
    ...elementAddress(OUT, j, 8),
    ...get(acc),
    ...F64X2_LANE(0),
    ...get(acc),
    ...F64X2_LANE(1),
    F64_ADD,
    ...F64_STORE,
  ];
  const inner = (rows: number[][]): number[] => [
    ...i32(0),
    ...set(PB),
    ...loop([
      ...breakUnless([...get(PB), ...get(KPB), LT_U]),
      ...get(X),
      ...get(PB),
      ADD,
      ...V128_LOAD,
      ...set(XV),
      ...rows.flatMap(([ra, acc]) => accumulate(ra!, acc!)),
      ...get(PB),
      ...i32(16),
      ADD,
      ...set(PB),
    ]),
  ];
  const body: number[] = [
    ...i32(0),
    ...set(T),
    // pairs of rows while t + 1 < count
    ...loop([
      ...breakUnless([...get(T), ...i32(1), ADD, ...get(COUNT), LT_U]),
      ...rowStart(0, J0, RA0),
      ...rowStart(1, J1, RA1),
      ...V128_ZERO,
      ...set(ACC0),
      ...V128_ZERO,
      ...set(ACC1),
      ...inner([
        [RA0, ACC0],
        [RA1, ACC1],
      ]),
      ...store(J0, ACC0),
      ...store(J1, ACC1),
      ...get(T),
      ...i32(2),
      ADD,
      ...set(T),
    ]),
    // the last row of an odd count
    ...ifThen([...get(T), ...get(COUNT), LT_U], [...rowStart(0, J0, RA0), ...V128_ZERO, ...set(ACC0), ...inner([[RA0, ACC0]]), ...store(J0, ACC0)]),
    0x0b,
  ];
  return [
    ...vector([
      [...uleb(6), 0x7f],
      [...uleb(3), 0x7b],
    ]),
    ...body,
  ];
}

/**
 * The pairs q < p & ~1 of one row as `pair(offset)`, then the last entry when p is odd as
 * `tail(offset)` (offsets in bytes from the row's start, in local OFF).
 */
function rowLoop(P: number, Q: number, END: number, pair: number[], tail: number[]): number[] {
  return [
    // end = (p >> 1) << 4 = (p & ~1)·8 bytes
    ...get(P),
    ...i32(1),
    0x76, // i32.shr_u
    ...i32(4),
    0x74, // i32.shl
    ...set(END),
    ...i32(0),
    ...set(Q),
    ...loop([...breakUnless([...get(Q), ...get(END), LT_U]), ...pair, ...get(Q), ...i32(16), ADD, ...set(Q)]),
    ...ifThen([...get(P), ...i32(1), AND], tail),
  ];
}

/** The body of `rank1` (params binv p i alpha d ai:f64; locals r, ro, q, end: i32; f, dr: f64; fv: v128). */
function rank1Code(): number[] {
  const [BINV, P, I, ALPHA, D, AI] = [0, 1, 2, 3, 4, 5];
  const [R, RO, Q, END] = [6, 7, 8, 9];
  const [F, DR] = [10, 11];
  const FV = 12;
  // row r: b[q] ← b[q] − f·α[q] (the scalar binv[o + q] -= f * alpha[q]), then b[i] ← f
  const pair = [
    ...get(RO),
    ...get(Q),
    ADD,
    ...get(RO),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...get(FV),
    ...get(ALPHA),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...F64X2_MUL,
    ...F64X2_SUB,
    ...V128_STORE,
  ];
  const tail = [
    ...get(RO),
    ...get(END),
    ADD,
    ...get(RO),
    ...get(END),
    ADD,
    ...F64_LOAD,
    ...get(F),
    ...get(ALPHA),
    ...get(END),
    ADD,
    ...F64_LOAD,
    F64_MUL,
    F64_SUB,
    ...F64_STORE,
  ];
  const body = [
    ...i32(0),
    ...set(R),
    ...loop([
      ...breakUnless([...get(R), ...get(P), LT_U]),
      ...elementAddress(D, R, 8),
      ...F64_LOAD,
      ...tee(DR),
      ...F64_CONST_0,
      F64_NE,
      0x04,
      0x40,
      ...get(DR),
      ...get(AI),
      F64_DIV,
      ...tee(F),
      ...F64X2_SPLAT,
      ...set(FV),
      ...get(BINV),
      ...get(R),
      ...get(P),
      MUL,
      ...i32(8),
      MUL,
      ADD,
      ...set(RO),
      ...rowLoop(P, Q, END, pair, tail),
      ...elementAddress(RO, I, 8),
      ...get(F),
      ...F64_STORE,
      0x0b,
      ...get(R),
      ...i32(1),
      ADD,
      ...set(R),
    ]),
    0x0b,
  ];
  return [
    ...vector([
      [...uleb(4), 0x7f],
      [...uleb(2), 0x7c],
      [...uleb(1), 0x7b],
    ]),
    ...body,
  ];
}

/** The body of `alpha` (params g count unitSlot unitSign binv p alpha; locals c, us, ro, q, end, addr: i32; gc: f64; gv: v128). */
function alphaCode(): number[] {
  const [G, COUNT, USLOT, USIGN, BINV, P, ALPHA] = [0, 1, 2, 3, 4, 5, 6];
  const [C, US, RO, Q, END, ADDR] = [7, 8, 9, 10, 11, 12];
  const GC = 13;
  const GV = 14;
  // α[q] ← α[q] + g_c·b[q] (the scalar alpha[q] += g * binv[bo + q])
  const pair = [
    ...get(ALPHA),
    ...get(Q),
    ADD,
    ...get(ALPHA),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...get(GV),
    ...get(RO),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...F64X2_MUL,
    ...F64X2_ADD,
    ...V128_STORE,
  ];
  const tail = [
    ...get(ALPHA),
    ...get(END),
    ADD,
    ...get(ALPHA),
    ...get(END),
    ADD,
    ...F64_LOAD,
    ...get(GC),
    ...get(RO),
    ...get(END),
    ADD,
    ...F64_LOAD,
    F64_MUL,
    0xa0, // f64.add
    ...F64_STORE,
  ];
  const body = [
    ...i32(0),
    ...set(C),
    ...loop([
      ...breakUnless([...get(C), ...get(COUNT), LT_U]),
      ...elementAddress(G, C, 8),
      ...F64_LOAD,
      ...tee(GC),
      ...F64_CONST_0,
      F64_NE,
      0x04,
      0x40,
      ...elementAddress(USLOT, C, 4),
      ...I32_LOAD,
      ...tee(US),
      ...i32(0),
      GE_S,
      ...ifThenElse(
        [],
        [
          // a unit row: α[us] ← α[us] + g_c·sign_c
          ...elementAddress(ALPHA, US, 8),
          ...tee(ADDR),
          ...get(ADDR),
          ...F64_LOAD,
          ...get(GC),
          ...elementAddress(USIGN, C, 8),
          ...F64_LOAD,
          F64_MUL,
          0xa0, // f64.add
          ...F64_STORE,
        ],
        [...get(GC), ...F64X2_SPLAT, ...set(GV), ...get(BINV), ...get(C), ...get(P), MUL, ...i32(8), MUL, ADD, ...set(RO), ...rowLoop(P, Q, END, pair, tail)],
      ),
      0x0b,
      ...get(C),
      ...i32(1),
      ADD,
      ...set(C),
    ]),
    0x0b,
  ];
  return [
    ...vector([
      [...uleb(6), 0x7f],
      [...uleb(1), 0x7c],
      [...uleb(1), 0x7b],
    ]),
    ...body,
  ];
}

/** The body of `norms` (params binv p unitSlot out; locals r, us, ro, q, end, addr: i32). */
function normsCode(): number[] {
  const [BINV, P, USLOT, OUT] = [0, 1, 2, 3];
  const [R, US, RO, Q, END, ADDR] = [4, 5, 6, 7, 8, 9];
  // out[q] ← out[q] + b[q]·b[q] (the scalar out[q] += v * v)
  const pair = [
    ...get(OUT),
    ...get(Q),
    ADD,
    ...get(OUT),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...get(RO),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...tee(0x0a),
    ...get(0x0a),
    ...F64X2_MUL,
    ...F64X2_ADD,
    ...V128_STORE,
  ];
  const tail = [
    ...get(OUT),
    ...get(END),
    ADD,
    ...get(OUT),
    ...get(END),
    ADD,
    ...F64_LOAD,
    ...get(RO),
    ...get(END),
    ADD,
    ...F64_LOAD,
    ...tee(0x0b),
    ...get(0x0b),
    F64_MUL,
    0xa0, // f64.add
    ...F64_STORE,
  ];
  const body = [
    ...i32(0),
    ...set(R),
    ...loop([
      ...breakUnless([...get(R), ...get(P), LT_U]),
      ...elementAddress(USLOT, R, 4),
      ...I32_LOAD,
      ...tee(US),
      ...i32(0),
      GE_S,
      ...ifThenElse(
        [],
        [
          // a unit row: out[us] ← out[us] + 1
          ...elementAddress(OUT, US, 8),
          ...tee(ADDR),
          ...get(ADDR),
          ...F64_LOAD,
          0x44,
          ...Array.from(new Uint8Array(Float64Array.of(1).buffer)),
          0xa0, // f64.add
          ...F64_STORE,
        ],
        [...get(BINV), ...get(R), ...get(P), MUL, ...i32(8), MUL, ADD, ...set(RO), ...rowLoop(P, Q, END, pair, tail)],
      ),
      ...get(R),
      ...i32(1),
      ADD,
      ...set(R),
    ]),
    0x0b,
  ];
  // locals 4..9 i32, 10 v128 (a pair of b), 11 f64 (the tail's b)
  return [
    ...vector([
      [...uleb(6), 0x7f],
      [...uleb(1), 0x7b],
      [...uleb(1), 0x7c],
    ]),
    ...body,
  ];
}

/**
 * The body of `elim` (params b out p c; locals r, n, q, end, rb, cb: i32; f: f64; fv: v128): for
 * each row r ≠ c with f = b[r][c] ≠ 0, b[r][q] ← b[r][q] − f·b[c][q] for q ≥ c and
 * out[r][q] ← out[r][q] − f·out[c][q] for every q — the scalar loops' operations, elementwise.
 */
function elimCode(): number[] {
  const [B, OUT, P, C] = [0, 1, 2, 3];
  const [R, N, Q, END, RB, CB] = [4, 5, 6, 7, 8, 9];
  const F = 10;
  const FV = 11;
  const axpyPair = [
    ...get(RB),
    ...get(Q),
    ADD,
    ...get(RB),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...get(FV),
    ...get(CB),
    ...get(Q),
    ADD,
    ...V128_LOAD,
    ...F64X2_MUL,
    ...F64X2_SUB,
    ...V128_STORE,
  ];
  const axpyTail = [
    ...get(RB),
    ...get(END),
    ADD,
    ...get(RB),
    ...get(END),
    ADD,
    ...F64_LOAD,
    ...get(F),
    ...get(CB),
    ...get(END),
    ADD,
    ...F64_LOAD,
    F64_MUL,
    F64_SUB,
    ...F64_STORE,
  ];
  // rb, cb = byte addresses of (row, column) in a p×p matrix at base
  const addr = (base: number, row: number[], col: number[]): number[] => [...get(base), ...row, ...get(P), MUL, ...col, ADD, ...i32(8), MUL, ADD];
  const body = [
    ...i32(0),
    ...set(R),
    ...loop([
      ...breakUnless([...get(R), ...get(P), LT_U]),
      ...ifThen(
        [...get(R), ...get(C), 0x47], // i32.ne
        [
          ...addr(B, get(R), get(C)),
          ...F64_LOAD,
          ...tee(F),
          ...F64_CONST_0,
          F64_NE,
          0x04,
          0x40,
          ...get(F),
          ...F64X2_SPLAT,
          ...set(FV),
          // b: columns c … p − 1
          ...addr(B, get(R), get(C)),
          ...set(RB),
          ...addr(B, get(C), get(C)),
          ...set(CB),
          ...get(P),
          ...get(C),
          0x6b, // i32.sub
          ...set(N),
          ...rowLoop(N, Q, END, axpyPair, axpyTail),
          // out: every column
          ...addr(OUT, get(R), i32(0)),
          ...set(RB),
          ...addr(OUT, get(C), i32(0)),
          ...set(CB),
          ...rowLoop(P, Q, END, axpyPair, axpyTail),
          0x0b,
        ],
      ),
      ...get(R),
      ...i32(1),
      ADD,
      ...set(R),
    ]),
    0x0b,
  ];
  return [
    ...vector([
      [...uleb(6), 0x7f],
      [...uleb(1), 0x7c],
      [...uleb(1), 0x7b],
    ]),
    ...body,
  ];
}

function kernelBytes(): Uint8Array {
  const fn = (code: number[]): number[] => [...uleb(code.length), ...code];
  const I = 0x7f;
  const F = 0x7c;
  return Uint8Array.from([
    ...WASM_HEADER,
    ...section(
      1,
      vector([
        [0x60, ...vector(new Array<number[]>(7).fill([I])), 0x00],
        [0x60, ...vector([[I], [I], [I], [I], [I], [F]]), 0x00],
        [0x60, ...vector([[I], [I], [I], [I]]), 0x00],
      ]),
    ),
    ...section(2, vector([[...name("e"), ...name("m"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vector([[0x00], [0x01], [0x00], [0x02], [0x02]])),
    ...section(
      7,
      vector([
        [...name("rows"), 0x00, 0x00],
        [...name("rank1"), 0x00, 0x01],
        [...name("alpha"), 0x00, 0x02],
        [...name("norms"), 0x00, 0x03],
        [...name("elim"), 0x00, 0x04],
      ]),
    ),
    ...section(10, vector([fn(rowsCode()), fn(rank1Code()), fn(alphaCode()), fn(normsCode()), fn(elimCode())])),
  ]);
}

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD (or synchronous compilation) is missing. */
function rowsModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  try {
    const bytes = kernelBytes();
    if (wasm.validate(bytes)) compiled = new wasm.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

const PAGE = 65536;

/**
 * One engine's SIMD kernels and the memory they work in: A (n rows padded to kp = k rounded up to
 * even, zeros in the padding), the row list, the point v and direction dcol (≥ kp doubles), the
 * activities s and rates γ (n), B⁻¹ (p×p), α, the α kernel's g, and the unit-row marks of B⁻¹ —
 * exposed as typed-array views that the engine uses as its own arrays (the memory never grows, so
 * the views stay valid). Null from {@link VertexSimd.create} without SIMD.
 */
export class VertexSimd {
  /** The engine's arrays, as views into the memory. */
  readonly active: Int32Array;
  readonly v: Float64Array;
  readonly dcol: Float64Array;
  readonly s: Float64Array;
  readonly gam: Float64Array;
  readonly binv: Float64Array;
  readonly alpha: Float64Array;
  readonly unitSlot: Int32Array;
  readonly unitSign: Float64Array;
  /** The α kernel's input: g_c for c < count. */
  readonly g: Float64Array;
  /** |B⁻¹e_q|² by slot (the primal pricing's column norms). */
  readonly colNorm2: Float64Array;
  /** B itself, the refactorisation's scratch. */
  readonly bmat: Float64Array;
  private readonly rowsK: RowsKernel;
  private readonly rank1K: Rank1Kernel;
  private readonly alphaK: AlphaKernel;
  private readonly normsK: NormsKernel;
  private readonly elimK: ElimKernel;
  private readonly p: number;
  private readonly off: Record<"a" | "list" | "v" | "d" | "s" | "gam" | "binv" | "alpha" | "uslot" | "usign" | "g" | "norms" | "bmat", number>;
  private readonly ldaBytes: number;

  private constructor(exports: Record<string, unknown>, buffer: ArrayBuffer, a: Float64Array, n: number, k: number, p: number, off: VertexSimd["off"]) {
    this.rowsK = exports["rows"] as RowsKernel;
    this.rank1K = exports["rank1"] as Rank1Kernel;
    this.alphaK = exports["alpha"] as AlphaKernel;
    this.normsK = exports["norms"] as NormsKernel;
    this.elimK = exports["elim"] as ElimKernel;
    this.p = p;
    this.off = off;
    const kp = k + (k & 1);
    this.ldaBytes = kp * 8;
    const copy = new Float64Array(buffer, off.a, n * kp);
    if (kp === k) copy.set(a.subarray(0, n * k));
    else for (let j = 0; j < n; j++) copy.set(a.subarray(j * k, (j + 1) * k), j * kp);
    this.active = new Int32Array(buffer, off.list, n);
    this.v = new Float64Array(buffer, off.v, p);
    this.dcol = new Float64Array(buffer, off.d, p);
    this.s = new Float64Array(buffer, off.s, n);
    this.gam = new Float64Array(buffer, off.gam, n);
    this.binv = new Float64Array(buffer, off.binv, p * p);
    this.alpha = new Float64Array(buffer, off.alpha, p);
    this.unitSlot = new Int32Array(buffer, off.uslot, p);
    this.unitSign = new Float64Array(buffer, off.usign, p);
    this.g = new Float64Array(buffer, off.g, p);
    this.colNorm2 = new Float64Array(buffer, off.norms, p);
    this.bmat = new Float64Array(buffer, off.bmat, p * p);
  }

  /**
   * The SIMD kernels for the row-major n×k matrix `a` and a basis of p ≥ k slots, or null when
   * WebAssembly SIMD is not available here.
   */
  static create(a: Float64Array, n: number, k: number, p: number): VertexSimd | null {
    const mod = rowsModule();
    if (!mod || k === 0 || n === 0) return null;
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const kp = k + (k & 1);
    const vec = Math.max(p, kp) + 2; // doubles (v, dcol are read up to kp)
    let at = 0;
    const take = (bytes: number): number => {
      const o = at;
      at = Math.ceil((at + bytes) / 16) * 16;
      return o;
    };
    const off = {
      a: take(n * kp * 8),
      list: take(n * 4),
      v: take(vec * 8),
      d: take(vec * 8),
      s: take(n * 8),
      gam: take(n * 8),
      binv: take(p * p * 8),
      alpha: take(p * 8),
      uslot: take(p * 4),
      usign: take(p * 8),
      g: take(p * 8),
      norms: take(p * 8),
      bmat: take(p * p * 8),
    };
    try {
      const memory = new wasm.Memory({ initial: Math.ceil(at / PAGE) });
      const inst = new wasm.Instance(mod, { e: { m: memory } });
      return new VertexSimd(inst.exports, memory.buffer, a, n, k, p, off);
    } catch {
      return null;
    }
  }

  /** gam_j = a_j·dcol[0..k) for j = active[0 … count). */
  gamma(count: number): void {
    this.rowsK(this.off.a, this.ldaBytes, this.off.list, count, this.off.d, this.off.gam, this.ldaBytes);
  }

  /** s_j = a_j·v[0..k) for j = active[0 … count). */
  activities(count: number): void {
    this.rowsK(this.off.a, this.ldaBytes, this.off.list, count, this.off.v, this.off.s, this.ldaBytes);
  }

  /** B⁻¹ ← B⁻¹ − dcol·(α − e_i)ᵀ/α_i (dense.ts's exchangeInverse on binv, alpha, dcol). */
  rank1(i: number): void {
    this.rank1K(this.off.binv, this.p, i, this.off.alpha, this.off.d, this.alpha[i]!);
  }

  /** Gauss–Jordan's elimination of column c in bmat and binv (see {@link invertInPlace}'s `eliminate`). */
  eliminate(c: number): void {
    this.elimK(this.off.bmat, this.off.binv, this.p, c);
  }

  /** colNorm2[q] = |B⁻¹e_q|² for every slot q, summed over the rows in order (a unit row adds 1 to its slot). */
  columnNorms2(): void {
    this.colNorm2.fill(0);
    this.normsK(this.off.binv, this.p, this.off.uslot, this.off.norms);
  }

  /** α += Σ_{c < count, g_c ≠ 0} g_c·(row c of B⁻¹), a unit row (unitSlot[c] ≥ 0) as the one entry g_c·unitSign[c]. */
  alphaFromRows(count: number): void {
    this.alphaK(this.off.g, count, this.off.uslot, this.off.usign, this.off.binv, this.p, this.off.alpha);
  }
}
