/**
 * exp(x) with the same result bits on every engine: a port of fdlibm's e_exp.c. Training uses it
 * (the VAE's σ = exp(log σ²/2)) so that a seeded run reproduces bit for bit, whatever `Math.exp`
 * the engine ships; the ECMAScript spec leaves `Math.exp`'s last bit to the implementation.
 */

const view = new DataView(new ArrayBuffer(8));
const O_THRESHOLD = 7.09782712893383973096e2;
const U_THRESHOLD = -7.4513321910194110842e2;
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.442695040888963387;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.6533902205465251539e-6;
const P5 = 4.13813679705723846039e-8;
const TWO_M1000 = 9.3326361850321887899e-302;

/** e^x, bit-identical on every engine (fdlibm's algorithm). */
export function portableExp(x: number): number {
  if (x !== x) return x;
  view.setFloat64(0, x, true);
  const hxFull = view.getUint32(4, true);
  const neg = hxFull >>> 31 === 1;
  const hx = hxFull & 0x7fffffff;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) return neg ? 0 : x;
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0;
  }
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    // argument reduction: x = k·ln2 + r, |r| ≤ ln2/2
    if (hx < 0x3ff0a2b2) {
      hi = neg ? x + LN2_HI : x - LN2_HI;
      lo = neg ? -LN2_LO : LN2_LO;
      k = neg ? -1 : 1;
    } else {
      k = Math.trunc(INV_LN2 * x + (neg ? -0.5 : 0.5));
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - (lo - (x * c) / (2.0 - c) - hi);
  // scale by 2^k exactly (two steps when 2^k alone would be subnormal)
  if (k > 1023) return y * 2 * pow2(k - 1);
  return k >= -1021 ? y * pow2(k) : y * pow2(k + 1000) * TWO_M1000;
}

function pow2(k: number): number {
  view.setUint32(0, 0, true);
  view.setUint32(4, (k + 1023) << 20, true);
  return view.getFloat64(0, true);
}
