/**
 * Seeded random numbers whose stream is identical on every platform and Node version:
 * xoshiro128** on 32-bit integer arithmetic, uniforms from 53 bits, normals by a ziggurat whose
 * tables and tests use exp and log with fixed bits (fdlibm's e_exp.c, ported in linalg/exp.ts, and
 * e_log.c, ported here) rather than `Math.exp`/`Math.log`, whose last bits the spec leaves open.
 */
import { OptionError } from "../errors.js";
import { portableExp as exp } from "../linalg/exp.js";

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * A seeded pseudo-random stream (xoshiro128**): the same seed gives the same draws on every engine.
 * @param seed a non-negative integer
 * @throws OptionError for a seed that is not a non-negative integer
 * @example
 * ```ts
 * import { Rng } from "geninv";
 * const z = new Rng(42).fillNormal(new Float64Array(20)); // z ~ N(0, I), reproducibly
 * ```
 */
export class Rng {
  // state in a typed array: uint32 words stored in object fields would be boxed on every write
  private readonly s = new Uint32Array(4);

  /** @param seed a non-negative integer below 2^53 (the same seed gives the same stream everywhere). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new OptionError(`seed must be a non-negative integer below 2^53, got ${seed}`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let x = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    // splitmix32 expands the seed into the four state words; it never yields an all-zero state
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    const st = this.s;
    st[0] = next() ^ hi;
    st[1] = next();
    st[2] = next();
    st[3] = next();
    if ((st[0]! | st[1]! | st[2]! | st[3]!) === 0) st[3] = 1;
  }

  /** An independent stream for sub-task `ids` of the run seeded by `seed` (same everywhere). */
  static derive(seed: number, ...ids: number[]): Rng {
    let h = seed % TWO_POW_53;
    for (const id of ids) {
      // mix each id into a 53-bit value with two 32-bit multiply-xorshift rounds
      let a = (Math.floor(h / TWO_POW_32) ^ Math.imul(id + 1, 0x27d4eb2d)) >>> 0;
      let b = ((h >>> 0) ^ Math.imul(id + 0x165667b1, 0x85ebca77)) >>> 0;
      a = Math.imul(a ^ (b >>> 15), 0x2c1b3c6d) >>> 0;
      b = Math.imul(b ^ (a >>> 12), 0x297a2d39) >>> 0;
      a = (a ^ (b >>> 16)) >>> 0;
      h = (a & 0x1fffff) * TWO_POW_32 + b;
    }
    return new Rng(h);
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const st = this.s;
    const s0 = st[0]!;
    const s1 = st[1]!;
    const s2 = st[2]! ^ s0;
    const s3 = st[3]! ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    st[0] = s0 ^ s3;
    st[1] = s1 ^ s2;
    st[2] = s2 ^ (s1 << 9);
    st[3] = rotl(s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform double in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * Standard normal N(0, 1) by Doornik's ziggurat (ZIGNOR, 128 layers): the layer index comes
   * from bits the 53-bit uniform discards, so index and value are independent.
   */
  normal(): number {
    for (;;) {
      const a = this.nextUint32();
      const b = this.nextUint32();
      const u = (((a >>> 5) * 67108864 + (b >>> 6)) / TWO_POW_53) * 2 - 1;
      const i = (a & 31) | ((b & 3) << 5);
      if (Math.abs(u) < ZIG_R[i]!) return u * ZIG_X[i]!;
      if (i === 0) return this.normalTail(u < 0);
      const x = u * ZIG_X[i]!;
      const f0 = exp(-0.5 * (ZIG_X[i]! * ZIG_X[i]! - x * x));
      const f1 = exp(-0.5 * (ZIG_X[i + 1]! * ZIG_X[i + 1]! - x * x));
      if (f1 + this.uniform() * (f0 - f1) < 1) return x;
    }
  }

  private normalTail(negative: boolean): number {
    for (;;) {
      const x = log(1 - this.uniform()) / ZIG_RADIUS;
      const y = log(1 - this.uniform());
      if (-2 * y >= x * x) return negative ? x - ZIG_RADIUS : ZIG_RADIUS - x;
    }
  }

  /** Fill `out` with N(0, scale²) draws; returns `out`. */
  fillNormal(out: Float64Array, scale = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = scale * this.normal();
    return out;
  }

  /** Fill `out` with U(lo, hi) draws; returns `out`. */
  fillUniform(out: Float64Array, lo: number, hi: number): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// --- fdlibm __ieee754_log, for finite x > 0 in the normal range (all the polar method needs) ---
const view = new DataView(new ArrayBuffer(8));
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const TWO54 = 1.8014398509481984e16;
const LG1 = 6.66666666666673513e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/** Natural logarithm with the same result bits on every engine (fdlibm's algorithm). */
export function log(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return x;
  view.setFloat64(0, x, true);
  let hx = view.getInt32(4, true);
  let k = 0;
  if (hx < 0x00100000) {
    k -= 54;
    x *= TWO54;
    view.setFloat64(0, x, true);
    hx = view.getInt32(4, true);
  }
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  view.setInt32(4, hx | (i0 ^ 0x3ff00000), true);
  x = view.getFloat64(0, true);
  k += i0 >> 20;
  const f = x - 1.0;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const r = f * f * (0.5 - 0.3333333333333333 * f);
    return k === 0 ? f - r : dk * LN2_HI - (r - dk * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const r = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - (hfsq - (s * (hfsq + r) + dk * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - r) : dk * LN2_HI - (s * (f - r) - dk * LN2_LO - f);
}

// --- ziggurat tables (Marsaglia & Tsang 2000; Doornik 2005), built with the ports above ---
const ZIG_C = 128;
const ZIG_RADIUS = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_X = new Float64Array(ZIG_C + 1);
const ZIG_R = new Float64Array(ZIG_C);
{
  let f = exp(-0.5 * ZIG_RADIUS * ZIG_RADIUS);
  ZIG_X[0] = ZIG_V / f;
  ZIG_X[1] = ZIG_RADIUS;
  ZIG_X[ZIG_C] = 0;
  for (let i = 2; i < ZIG_C; i++) {
    ZIG_X[i] = Math.sqrt(-2 * log(ZIG_V / ZIG_X[i - 1]! + f));
    f = exp(-0.5 * ZIG_X[i]! * ZIG_X[i]!);
  }
  for (let i = 0; i < ZIG_C; i++) ZIG_R[i] = ZIG_X[i + 1]! / ZIG_X[i]!;
}
