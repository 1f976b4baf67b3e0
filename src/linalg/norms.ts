/** Vector norms and the residual summary every result carries. */

/**
 * ℓ1, ℓ2 and ℓ∞ norms of a residual vector.
 * @example
 * ```ts
 * import { diffNorms, type Norms } from "geninv";
 * const n: Norms = diffNorms([1, 2, 3], [1, 0, 0]);
 * console.log(n.l1, n.linf); // 5 3
 * ```
 */
export interface Norms {
  /** Σ |rᵢ|. */
  l1: number;
  /** √(Σ rᵢ²), computed without overflow. */
  l2: number;
  /** max |rᵢ|. */
  linf: number;
}

/**
 * Norms of `a − b` over the first `n` entries (or of `a` when `b` is omitted).
 * @param a the vector (e.g. G(z))
 * @param b the vector subtracted (e.g. the observation); omitted: the norms of `a`
 * @param n how many leading entries to use (default all of `a`)
 * @returns the ℓ1, ℓ2 and ℓ∞ norms of the difference
 * @throws nothing
 * @example
 * ```ts
 * import { diffNorms } from "geninv";
 * const { l1, l2, linf } = diffNorms([3, 4], [0, 0]);
 * console.log(l1, l2, linf); // 7 5 4
 * ```
 */
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

/**
 * Euclidean norm ‖a‖₂.
 * @param a the vector
 * @returns √(Σ aᵢ²)
 * @throws nothing
 * @example
 * ```ts
 * import { norm2 } from "geninv";
 * console.log(norm2([3, 4])); // 5
 * ```
 */
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

/**
 * ‖a − b‖₂ / ‖b‖₂, the paper's relative recovery error (b is the truth).
 * @param a the estimate (e.g. the recovered z)
 * @param b the truth, of the same length
 * @returns the relative error; the absolute ‖a − b‖₂ when b is zero
 * @throws nothing
 * @example
 * ```ts
 * import { relativeError } from "geninv";
 * console.log(relativeError([1, 1], [1, 0])); // 1
 * ```
 */
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
