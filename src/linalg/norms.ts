/** Vector norms and the residual summary every result carries. */

/** ℓ1, ℓ2 and ℓ∞ norms of a residual vector. */
export interface Norms {
  l1: number;
  l2: number;
  linf: number;
}

/** Norms of `a − b` over the first `n` entries (or of `a` when `b` is omitted). */
export function diffNorms(a: ArrayLike<number>, b?: ArrayLike<number>, n = a.length): Norms {
  let l1 = 0;
  let l2 = 0;
  let linf = 0;
  for (let i = 0; i < n; i++) {
    const d = b ? a[i]! - b[i]! : a[i]!;
    const ad = Math.abs(d);
    l1 += ad;
    l2 += d * d;
    if (ad > linf || ad !== ad) linf = ad;
  }
  if (l2 === Infinity && linf < Infinity && linf > 0) {
    // the squares overflowed although every entry is finite (|d| > ~1e154): sum them scaled by ℓ∞
    let t = 0;
    for (let i = 0; i < n; i++) {
      const d = (b ? a[i]! - b[i]! : a[i]!) / linf;
      t += d * d;
    }
    return { l1, l2: linf * Math.sqrt(t), linf };
  }
  return { l1, l2: Math.sqrt(l2), linf };
}

/** Euclidean norm. */
export function norm2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** Largest absolute entry. */
export function normInf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m) m = v;
  }
  return m;
}

/** ‖a − b‖₂ / ‖b‖₂, the paper's relative recovery error (b is the truth). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Index of the first entry that is NaN or ±Infinity, or −1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}
