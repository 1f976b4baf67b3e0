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
 * scalar loop's speed, which V8 does not vectorise. Scalar f64 kernels in the same memory do what
 * lanes cannot keep bit-identical or do not speed up: the primal ratio test's pass over the rows
 * (`ratio`, chooseUnweighted's operations in its order), one-accumulator row products over every
 * row (`dots`, `sq`: the front ends' row selection and verification, the rows' squared norms), the
 * primal step's s ← s − t·γ (`sub`) and γ over dcol's nonzeros (`sprows`, sparseRowProducts' two
 * accumulators). The module (4,056 bytes) is assembled here from its instructions and compiled
 * synchronously once; where WebAssembly SIMD is missing the engine keeps its scalar loops. Written by hand for the same reason as linalg/simd-gemm.ts: no kept
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
  F64_GT,
  F64_LE,
  F64_LT,
  F64_MAX,
  F64_NEG,
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
  f64Const,
  GE_S,
  get,
  i32,
  I32_LOAD,
  I32_LT_S,
  I32_STORE,
  ifThen,
  ifThenElse,
  loop,
  LT_U,
  MUL,
  name,
  section,
  SELECT,
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
/** dots(a, lda, n, x, out, kBytes): out[j] = Σ_{i<k} A[a + j·lda + i]·x[i] for j = 0 … n − 1, one accumulator a row in order of i (the scalar loop's sum). */
type DotsKernel = (a: number, ldaBytes: number, n: number, x: number, out: number, kBytes: number) => void;
/**
 * ratio(list, count, gam, s, upper, lower, slotOf, candId, candRate, candSlack, out, hasLower, σ, dd, δ, tol, pivTol): the
 * primal ratio test's pass over the active rows (vertex-ratio.ts's chooseUnweighted): returns the number of candidates
 * stored, writes the number of blocking sides (i32) at out and pass 1's bound tMax (f64) at out + 8.
 */
type RatioKernel = (
  list: number,
  count: number,
  gam: number,
  s: number,
  upper: number,
  lower: number,
  slotOf: number,
  candId: number,
  candRate: number,
  candSlack: number,
  out: number,
  hasLower: number,
  sigma: number,
  dd: number,
  delta: number,
  tol: number,
  pivTol: number,
) => number;
/** sub(list, count, x, y, t): x[j] ← x[j] − t·y[j] for j = list[0 … count). */
type SubKernel = (list: number, count: number, x: number, y: number, t: number) => void;
/** sprows(a, lda, list, count, x, out, nzEven, ne, nzOdd, no): out[j] = Σ_{even nz i} A·x + Σ_{odd nz i} A·x (two accumulators, added at the end) for j = list[0 … count). */
type SparseRowsKernel = (
  a: number,
  ldaBytes: number,
  list: number,
  count: number,
  x: number,
  out: number,
  nzEven: number,
  ne: number,
  nzOdd: number,
  no: number,
) => void;
/** alpha(g, count, unitSlot, unitSign, binv, p, alpha): α += Σ_{c<count, g_c≠0} g_c·(row c of B⁻¹), a unit row as one entry. */
type AlphaKernel = (g: number, count: number, unitSlot: number, unitSign: number, binv: number, p: number, alpha: number) => void;

/**
 * The body of `rows`: four rows a pass (one load of x for them, an accumulator each), then a pair,
 * then the odd row left; each accumulator's lanes are one row's even and odd sums, as in the scalar
 * loop. Locals after the 7 i32 params: t, j0 … j3, ra0 … ra3, pb (i32); acc0 … acc3, xv (v128).
 */
function rowsCode(): number[] {
  const [A, LDA, LIST, COUNT, X, OUT, KPB] = [0, 1, 2, 3, 4, 5, 6];
  const [T, J0, J1, J2, J3, RA0, RA1, RA2, RA3, PB] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [ACC0, ACC1, ACC2, ACC3, XV] = [17, 18, 19, 20, 21];
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
    // four rows while t + 3 < count: four independent accumulators (with two the adds' latency bounds the loop)
    ...loop([
      ...breakUnless([...get(T), ...i32(3), ADD, ...get(COUNT), LT_U]),
      ...rowStart(0, J0, RA0),
      ...rowStart(1, J1, RA1),
      ...rowStart(2, J2, RA2),
      ...rowStart(3, J3, RA3),
      ...V128_ZERO,
      ...set(ACC0),
      ...V128_ZERO,
      ...set(ACC1),
      ...V128_ZERO,
      ...set(ACC2),
      ...V128_ZERO,
      ...set(ACC3),
      ...inner([
        [RA0, ACC0],
        [RA1, ACC1],
        [RA2, ACC2],
        [RA3, ACC3],
      ]),
      ...store(J0, ACC0),
      ...store(J1, ACC1),
      ...store(J2, ACC2),
      ...store(J3, ACC3),
      ...get(T),
      ...i32(4),
      ADD,
      ...set(T),
    ]),
    // then pairs while t + 1 < count
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
      [...uleb(10), 0x7f],
      [...uleb(5), 0x7b],
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
    F64_ADD,
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
          F64_ADD,
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
    F64_ADD,
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
          ...f64Const(1),
          F64_ADD,
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

/**
 * The body of `dots`: every row's sum in one f64 accumulator, term by term in order of i — the
 * rounding of the scalar loop `t += A[j·k + i]·x[i]` — four rows a pass (four independent chains,
 * one load of x_i for them), then the rows left one by one. Scalar f64 instructions: a lane of a
 * pair would have to hold another row's terms, which lie lda apart.
 * Params a, lda, n, x, out, kb (i32); locals j, pb, r0, r1, r2, r3 (i32), c0 … c3, xv (f64).
 */
function dotsCode(squares = false): number[] {
  const [A, LDA, N, X, OUT, KB] = [0, 1, 2, 3, 4, 5];
  const [J, PB, R0, R1, R2, R3] = [6, 7, 8, 9, 10, 11];
  const [C0, C1, C2, C3, XV] = [12, 13, 14, 15, 16];
  // with `squares` the row is its own x (|a_j|², the scalar `t += A[j·k + i]·A[j·k + i]`) and X is unused
  const term = (r: number, c: number): number[] =>
    squares
      ? [...get(c), ...get(r), ...get(PB), ADD, ...F64_LOAD, ...tee(XV), ...get(XV), F64_MUL, F64_ADD, ...set(c)]
      : [...get(c), ...get(r), ...get(PB), ADD, ...F64_LOAD, ...get(XV), F64_MUL, F64_ADD, ...set(c)];
  const xload = squares ? [] : [...get(X), ...get(PB), ADD, ...F64_LOAD, ...set(XV)];
  const inner = (rows: [number, number][]): number[] => [
    ...i32(0),
    ...set(PB),
    ...loop([...breakUnless([...get(PB), ...get(KB), LT_U]), ...xload, ...rows.flatMap(([r, c]) => term(r, c)), ...get(PB), ...i32(8), ADD, ...set(PB)]),
  ];
  const store = (off: number, c: number): number[] => [...elementAddress(OUT, J, 8), ...(off ? [...i32(8 * off), ADD] : []), ...get(c), ...F64_STORE];
  const zero = (c: number): number[] => [...F64_CONST_0, ...set(c)];
  const body = [
    ...i32(0),
    ...set(J),
    // four rows while j + 3 < n
    ...loop([
      ...breakUnless([...get(J), ...i32(3), ADD, ...get(N), LT_U]),
      ...get(J),
      ...get(LDA),
      MUL,
      ...get(A),
      ADD,
      ...tee(R0),
      ...get(LDA),
      ADD,
      ...tee(R1),
      ...get(LDA),
      ADD,
      ...tee(R2),
      ...get(LDA),
      ADD,
      ...set(R3),
      ...zero(C0),
      ...zero(C1),
      ...zero(C2),
      ...zero(C3),
      ...inner([
        [R0, C0],
        [R1, C1],
        [R2, C2],
        [R3, C3],
      ]),
      ...store(0, C0),
      ...store(1, C1),
      ...store(2, C2),
      ...store(3, C3),
      ...get(J),
      ...i32(4),
      ADD,
      ...set(J),
    ]),
    // the rows left
    ...loop([
      ...breakUnless([...get(J), ...get(N), LT_U]),
      ...get(J),
      ...get(LDA),
      MUL,
      ...get(A),
      ADD,
      ...set(R0),
      ...zero(C0),
      ...inner([[R0, C0]]),
      ...store(0, C0),
      ...get(J),
      ...i32(1),
      ADD,
      ...set(J),
    ]),
    0x0b,
  ];
  return [
    ...vector([
      [...uleb(6), 0x7f],
      [...uleb(5), 0x7c],
    ]),
    ...body,
  ];
}

/**
 * The body of `ratio`: for each active row j in list order, its upper then its lower side, the
 * operations of chooseUnweighted in the same order — a nonbasic side whose rate σ(±γ_j − dd)
 * exceeds pivTol counts as blocking, lowers tMax to (slack + tol)/rate, and is stored as a
 * candidate when max(slack, 0)/rate ≤ tMax — so the candidates, their values and tMax are that
 * loop's to the bit (f64 division and comparison are IEEE's in both).
 * Params (i32) list count gam s upper lower slot cid crate cslack out haslo, (f64) sigma dd delta
 * tol pivtol; locals (i32) t j m seen ok, (f64) g b rate sl t1 tmax.
 */
function ratioCode(): number[] {
  const [LIST, COUNT, GAM, S, UP, LO, SLOT, CID, CRATE, CSLACK, OUTP, HASLO] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [SIGMA, DD, DELTA, TOL, PIVTOL] = [12, 13, 14, 15, 16];
  const [T, J, M, SEEN, OK] = [17, 18, 19, 20, 21];
  const [G, B, RATE, SL, T1, TMAX] = [22, 23, 24, 25, 26, 27];
  const sj = [...elementAddress(S, J, 8), ...F64_LOAD];
  // one side, branch-free (whether a row side blocks is a coin toss the branch predictor loses):
  // ok = side exists (b ≠ ±∞), is nonbasic and its rate exceeds pivTol; the values are computed
  // either way and only taken (select) or counted (m += ok) when ok — the same values as the loop's
  const side = (sideBit: number, bound: number[], rate: number[], slack: number[]): number[] => [
    ...bound,
    ...set(B),
    ...get(SIGMA),
    ...rate,
    F64_MUL,
    ...set(RATE),
    ...get(B),
    ...f64Const(sideBit ? -Infinity : Infinity),
    F64_NE,
    ...get(SLOT),
    ...get(J),
    ...i32(8),
    MUL,
    ADD,
    ...(sideBit ? [...i32(4), ADD] : []),
    ...I32_LOAD,
    ...i32(0),
    I32_LT_S,
    AND,
    ...get(RATE),
    ...get(PIVTOL),
    F64_GT,
    AND,
    ...set(OK),
    ...slack,
    ...get(DELTA),
    F64_ADD,
    ...set(SL),
    ...get(SEEN),
    ...get(OK),
    ADD,
    ...set(SEEN),
    // tMax ← t1 = (sl + tol)/rate when ok and t1 < tMax (the first of equals kept)
    ...get(SL),
    ...get(TOL),
    F64_ADD,
    ...get(RATE),
    F64_DIV,
    ...tee(T1),
    ...get(TMAX),
    ...get(T1),
    ...get(TMAX),
    F64_LT,
    ...get(OK),
    AND,
    SELECT,
    ...set(TMAX),
    // the candidate is written at m, and kept (m + 1) when ok and max(sl, 0)/rate ≤ tMax
    ...elementAddress(CID, M, 4),
    ...get(J),
    ...i32(2),
    MUL,
    ...(sideBit ? [...i32(1), ADD] : []),
    ...I32_STORE,
    ...elementAddress(CRATE, M, 8),
    ...get(RATE),
    ...F64_STORE,
    ...elementAddress(CSLACK, M, 8),
    ...get(SL),
    ...F64_STORE,
    ...get(M),
    ...get(SL),
    ...F64_CONST_0,
    F64_MAX,
    ...get(RATE),
    F64_DIV,
    ...get(TMAX),
    F64_LE,
    ...get(OK),
    AND,
    ADD,
    ...set(M),
  ];
  const body = [
    ...i32(0),
    ...set(T),
    ...i32(0),
    ...set(M),
    ...i32(0),
    ...set(SEEN),
    ...f64Const(Infinity),
    ...set(TMAX),
    ...loop([
      ...breakUnless([...get(T), ...get(COUNT), LT_U]),
      ...elementAddress(LIST, T, 4),
      ...I32_LOAD,
      ...set(J),
      ...elementAddress(GAM, J, 8),
      ...F64_LOAD,
      ...set(G),
      // upper side: rate σ(γ − dd), slack (u − s_j) + δ
      ...side(0, [...elementAddress(UP, J, 8), ...F64_LOAD], [...get(G), ...get(DD), F64_SUB], [...get(B), ...sj, F64_SUB]),
      // lower side: rate σ(−γ − dd), slack (s_j − l) + δ
      ...ifThen([...get(HASLO)], side(1, [...elementAddress(LO, J, 8), ...F64_LOAD], [...get(G), F64_NEG, ...get(DD), F64_SUB], [...sj, ...get(B), F64_SUB])),
      ...get(T),
      ...i32(1),
      ADD,
      ...set(T),
    ]),
    ...get(OUTP),
    ...get(SEEN),
    ...I32_STORE,
    ...get(OUTP),
    ...i32(8),
    ADD,
    ...get(TMAX),
    ...F64_STORE,
    ...get(M),
    0x0b,
  ];
  return [
    ...vector([
      [...uleb(5), 0x7f],
      [...uleb(6), 0x7c],
    ]),
    ...body,
  ];
}

/** The body of `sub` (params list count x y t:f64; locals q, j: i32): x[j] = x[j] − t·y[j], the scalar `x[j] -= t * y[j]`. */
function subCode(): number[] {
  const [LIST, COUNT, X, Y, TT] = [0, 1, 2, 3, 4];
  const [Q, J, ADDR] = [5, 6, 7];
  const body = [
    ...i32(0),
    ...set(Q),
    ...loop([
      ...breakUnless([...get(Q), ...get(COUNT), LT_U]),
      ...elementAddress(LIST, Q, 4),
      ...I32_LOAD,
      ...set(J),
      ...elementAddress(X, J, 8),
      ...tee(ADDR),
      ...get(ADDR),
      ...F64_LOAD,
      ...get(TT),
      ...elementAddress(Y, J, 8),
      ...F64_LOAD,
      F64_MUL,
      F64_SUB,
      ...F64_STORE,
      ...get(Q),
      ...i32(1),
      ADD,
      ...set(Q),
    ]),
    0x0b,
  ];
  return [...vector([[...uleb(3), 0x7f]]), ...body];
}

/**
 * The body of `sprows`: vertex-problem.ts's sparseRowProducts — for each row the even nonzeros of x
 * in order into one accumulator, the odd ones into another, their sum stored — four rows a pass
 * (x_i loaded once for them), then the rows left one by one; scalar f64, the same operations.
 * Params a lda list count x out nze ne nzo no (i32); locals t j0 … j3 ra0 … ra3 u ib (i32), a0 … a3 b0 … b3 xi (f64).
 */
function sparseRowsCode(): number[] {
  const [A, LDA, LIST, COUNT, X, OUT, NZE, NE, NZO, NO] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [T, J0, J1, J2, J3, RA0, RA1, RA2, RA3, U, IB] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const [A0, A1, A2, A3, B0, B1, B2, B3, XI] = [21, 22, 23, 24, 25, 26, 27, 28, 29];
  const rowStart = (off: number, j: number, ra: number): number[] => [
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
  // acc += A[ra + i]·x_i over the list nz[0 … count), i = nz[u]
  const over = (nz: number, count: number, rows: [number, number][]): number[] => [
    ...i32(0),
    ...set(U),
    ...loop([
      ...breakUnless([...get(U), ...get(count), LT_U]),
      ...elementAddress(nz, U, 4),
      ...I32_LOAD,
      ...i32(8),
      MUL,
      ...set(IB),
      ...get(X),
      ...get(IB),
      ADD,
      ...F64_LOAD,
      ...set(XI),
      ...rows.flatMap(([ra, acc]) => [...get(acc), ...get(ra), ...get(IB), ADD, ...F64_LOAD, ...get(XI), F64_MUL, F64_ADD, ...set(acc)]),
      ...get(U),
      ...i32(1),
      ADD,
      ...set(U),
    ]),
  ];
  const block = (rows: [number, number, number, number, number][]): number[] => [
    ...rows.flatMap(([off, j, ra]) => rowStart(off, j, ra)),
    ...rows.flatMap(([, , , a, b]) => [...F64_CONST_0, ...set(a), ...F64_CONST_0, ...set(b)]),
    ...over(
      NZE,
      NE,
      rows.map(([, , ra, a]) => [ra, a]),
    ),
    ...over(
      NZO,
      NO,
      rows.map(([, , ra, , b]) => [ra, b]),
    ),
    ...rows.flatMap(([, j, , a, b]) => [...elementAddress(OUT, j, 8), ...get(a), ...get(b), F64_ADD, ...F64_STORE]),
    ...get(T),
    ...i32(rows.length),
    ADD,
    ...set(T),
  ];
  const r4: [number, number, number, number, number][] = [
    [0, J0, RA0, A0, B0],
    [1, J1, RA1, A1, B1],
    [2, J2, RA2, A2, B2],
    [3, J3, RA3, A3, B3],
  ];
  const body = [
    ...i32(0),
    ...set(T),
    ...loop([...breakUnless([...get(T), ...i32(3), ADD, ...get(COUNT), LT_U]), ...block(r4)]),
    ...loop([...breakUnless([...get(T), ...get(COUNT), LT_U]), ...block(r4.slice(0, 1))]),
    0x0b,
  ];
  return [
    ...vector([
      [...uleb(11), 0x7f],
      [...uleb(9), 0x7c],
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
        [0x60, ...vector(new Array<number[]>(6).fill([I])), 0x00],
        [0x60, ...vector([...new Array<number[]>(12).fill([I]), ...new Array<number[]>(5).fill([F])]), 0x01, I],
        [0x60, ...vector([[I], [I], [I], [I], [F]]), 0x00],
        [0x60, ...vector(new Array<number[]>(10).fill([I])), 0x00],
      ]),
    ),
    ...section(2, vector([[...name("e"), ...name("m"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vector([[0x00], [0x01], [0x00], [0x02], [0x02], [0x03], [0x04], [0x05], [0x03], [0x06]])),
    ...section(
      7,
      vector([
        [...name("rows"), 0x00, 0x00],
        [...name("rank1"), 0x00, 0x01],
        [...name("alpha"), 0x00, 0x02],
        [...name("norms"), 0x00, 0x03],
        [...name("elim"), 0x00, 0x04],
        [...name("dots"), 0x00, 0x05],
        [...name("ratio"), 0x00, 0x06],
        [...name("sub"), 0x00, 0x07],
        [...name("sq"), 0x00, 0x08],
        [...name("sprows"), 0x00, 0x09],
      ]),
    ),
    ...section(
      10,
      vector([
        fn(rowsCode()),
        fn(rank1Code()),
        fn(alphaCode()),
        fn(normsCode()),
        fn(elimCode()),
        fn(dotsCode()),
        fn(ratioCode()),
        fn(subCode()),
        fn(dotsCode(true)),
        fn(sparseRowsCode()),
      ]),
    ),
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
  /** The basis's slot of each constraint id (vertex-basis.ts's slotOf). */
  readonly slotOf: Int32Array;
  /** The primal ratio test's candidates (vertex-ratio.ts's scratch). */
  readonly candId: Int32Array;
  readonly candRate: Float64Array;
  readonly candSlack: Float64Array;
  /** The current problem's row targets (copies, {@link loadTargets}). */
  private readonly upperM: Float64Array;
  private readonly lowerM: Float64Array;
  private readonly ratioSeen: Int32Array;
  private readonly ratioTMax: Float64Array;
  private readonly ratioK: RatioKernel;
  private readonly subK: SubKernel;
  private readonly sqK: DotsKernel;
  private readonly sparseK: SparseRowsKernel;
  /** The nonzero coordinates of dcol, even and odd (vertex-problem.ts's computeGamma fills them). */
  readonly nzEven: Int32Array;
  readonly nzOdd: Int32Array;
  private readonly rowsK: RowsKernel;
  private readonly rank1K: Rank1Kernel;
  private readonly alphaK: AlphaKernel;
  private readonly normsK: NormsKernel;
  private readonly elimK: ElimKernel;
  private readonly dotsK: DotsKernel;
  private readonly n: number;
  private readonly k: number;
  private readonly p: number;
  /** The `dots` kernel's x and out (k and n doubles). */
  private readonly dotsX: Float64Array;
  private readonly dotsOut: Float64Array;
  private readonly off: Record<
    | "a"
    | "list"
    | "v"
    | "d"
    | "s"
    | "gam"
    | "binv"
    | "alpha"
    | "uslot"
    | "usign"
    | "g"
    | "norms"
    | "bmat"
    | "dx"
    | "dout"
    | "slot"
    | "cid"
    | "crate"
    | "cslack"
    | "up"
    | "lo"
    | "rout"
    | "nze"
    | "nzo",
    number
  >;
  private readonly buffer: ArrayBuffer;
  private readonly ldaBytes: number;

  private constructor(exports: Record<string, unknown>, buffer: ArrayBuffer, a: Float64Array, n: number, k: number, p: number, off: VertexSimd["off"]) {
    this.rowsK = exports["rows"] as RowsKernel;
    this.rank1K = exports["rank1"] as Rank1Kernel;
    this.alphaK = exports["alpha"] as AlphaKernel;
    this.normsK = exports["norms"] as NormsKernel;
    this.elimK = exports["elim"] as ElimKernel;
    this.dotsK = exports["dots"] as DotsKernel;
    this.n = n;
    this.k = k;
    this.p = p;
    this.off = off;
    this.buffer = buffer;
    const kp = k + (k & 1);
    this.ldaBytes = kp * 8;
    this.loadMatrix(a);
    this.dotsX = new Float64Array(buffer, off.dx, k);
    this.dotsOut = new Float64Array(buffer, off.dout, n);
    this.ratioK = exports["ratio"] as RatioKernel;
    this.subK = exports["sub"] as SubKernel;
    this.sqK = exports["sq"] as DotsKernel;
    this.sparseK = exports["sprows"] as SparseRowsKernel;
    this.nzEven = new Int32Array(buffer, off.nze, k);
    this.nzOdd = new Int32Array(buffer, off.nzo, k);
    const nIds = 2 * n + 2 * k + 1;
    this.slotOf = new Int32Array(buffer, off.slot, nIds);
    this.candId = new Int32Array(buffer, off.cid, nIds);
    this.candRate = new Float64Array(buffer, off.crate, nIds);
    this.candSlack = new Float64Array(buffer, off.cslack, nIds);
    this.upperM = new Float64Array(buffer, off.up, n);
    this.lowerM = new Float64Array(buffer, off.lo, n);
    this.ratioSeen = new Int32Array(buffer, off.rout, 1);
    this.ratioTMax = new Float64Array(buffer, off.rout + 8, 1);
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
      dx: take(k * 8),
      dout: take(n * 8),
      slot: take((2 * n + 2 * k + 1) * 4),
      cid: take((2 * n + 2 * k + 1) * 4),
      crate: take((2 * n + 2 * k + 1) * 8),
      cslack: take((2 * n + 2 * k + 1) * 8),
      up: take(n * 8),
      lo: take(n * 8),
      rout: take(16),
      nze: take(k * 4),
      nzo: take(k * 4),
    };
    try {
      const memory = new wasm.Memory({ initial: Math.ceil(at / PAGE) });
      const inst = new wasm.Instance(mod, { e: { m: memory } });
      return new VertexSimd(inst.exports, memory.buffer, a, n, k, p, off);
    } catch {
      return null;
    }
  }

  /**
   * Copy the row-major n×k matrix `a` (this engine's shape) into the memory, rows padded to an even
   * length with zeros: the kernels work on another matrix of the same shape from now on.
   */
  loadMatrix(a: Float64Array): void {
    const { n, k } = this;
    const kp = k + (k & 1);
    const copy = new Float64Array(this.buffer, this.off.a, n * kp);
    if (kp === k) copy.set(a.subarray(0, n * k));
    else for (let j = 0; j < n; j++) copy.set(a.subarray(j * k, (j + 1) * k), j * kp);
  }

  /**
   * out_j = a_j·x[0..k) for every row j, each in one accumulator term by term in order of i — to
   * the bit the scalar loop `for (i) t += A[j·k + i]·x[i]` (the front ends' row selection and
   * verification products).
   */
  allRowProducts(x: ArrayLike<number>, out: Float64Array): void {
    const { n, k, dotsX } = this;
    for (let i = 0; i < k; i++) dotsX[i] = x[i]!;
    this.dotsK(this.off.a, this.ldaBytes, n, this.off.dx, this.off.dout, k * 8);
    out.set(this.dotsOut);
  }

  /** Copy the row targets of the next solve (lower: null when the LP has no lower sides). */
  loadTargets(upper: Float64Array, lower: Float64Array | null): void {
    this.upperM.set(upper.subarray(0, this.n));
    if (lower) this.lowerM.set(lower.subarray(0, this.n));
  }

  /**
   * The primal ratio test's pass over the rows active[0 … count) on unweighted rows (γ computed, the
   * targets loaded): candidates into candId/candRate/candSlack; returns their number and the
   * number of blocking sides and tMax through {@link ratioSeen} / {@link ratioBound}.
   */
  ratioRows(count: number, hasLower: boolean, sigma: number, dd: number, delta: number, tol: number, pivTol: number): number {
    const o = this.off;
    return this.ratioK(o.list, count, o.gam, o.s, o.up, o.lo, o.slot, o.cid, o.crate, o.cslack, o.rout, hasLower ? 1 : 0, sigma, dd, delta, tol, pivTol);
  }

  /** Blocking sides seen by the last {@link ratioRows}. */
  get ratioSeenCount(): number {
    return this.ratioSeen[0]!;
  }

  /** Pass 1's bound after the last {@link ratioRows}. */
  get ratioBound(): number {
    return this.ratioTMax[0]!;
  }

  /** out_j = |a_j|² for every row j, one accumulator term by term (the scalar loop's sums, to the bit). */
  rowNorms2(out: Float64Array): void {
    this.sqK(this.off.a, this.ldaBytes, this.n, 0, this.off.dout, this.k * 8);
    out.set(this.dotsOut);
  }

  /** gam_j = a_j·dcol over dcol's nonzeros nzEven[0..ne), nzOdd[0..no) for j = active[0 … count) (sparseRowProducts' sums). */
  sparseGamma(count: number, ne: number, no: number): void {
    const o = this.off;
    this.sparseK(o.a, this.ldaBytes, o.list, count, o.d, o.gam, o.nze, ne, o.nzo, no);
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

  /** s_j ← s_j − t·γ_j for j = active[0 … count) (the primal step's activities). */
  stepActivities(count: number, t: number): void {
    this.subK(this.off.list, count, this.off.s, this.off.gam, t);
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
