/**
 * The kinks of the ℓ1 engine's objective f(z) = Σ_j d_j(a_j·z) and their id catalogue. Row j's
 * deviation d_j(s) = max(0, wU_j(s − u_j), wL_j(l_j − s)) is piecewise linear in s with one or two
 * kinks; a bound on z_i is a kink with an infinite jump. Each kink knows its position, the slope
 * just left of it and its jump, so the slope of a row at any activity, and the slope interval a
 * basic kink's multiplier must lie in, are table look-ups that allocate nothing.
 *
 * | id              | kink                                                               |
 * |-----------------|--------------------------------------------------------------------|
 * | 2j              | row j's upper kink (or the single kink where overlapping sides cross) |
 * | 2j + 1          | row j's lower kink                                                 |
 * | 2n + 2i, 2n+2i+1 | z_i ≥ lo, z_i ≤ hi                                                |
 * | −1 − i          | free slot of variable i (normal e_i)                               |
 * | ≤ −1,000,001    | free slot that keeps the normal of kink −1,000,001 − id (a warm start's moved kink) |
 */
import { type LadProblem } from "./types.js";
import { LAD_TOL } from "./tolerances.js";

const STALE = -1_000_001;

/** Kink ids (see the module's table). */
export const ladIds = {
  free: (i: number): number => -1 - i,
  /** A free slot that keeps kink `id`'s normal in B (its multiplier must reach 0). */
  stale: (id: number): number => STALE - id,
  isStale: (id: number): boolean => id <= STALE,
  /** The kink whose normal a stale free slot keeps. */
  staleKink: (id: number): number => STALE - id,
  /** The variable of a (non-stale) free slot. */
  freeVariable: (id: number): number => -1 - id,
};

/** Kink positions, slopes and jumps of one problem. */
export class LadKinks {
  /** Position of each row kink (NaN: no such kink); shifted in pass 1. */
  readonly at: Float64Array;
  /** Unshifted positions. */
  readonly trueAt: Float64Array;
  /** Slope jump (right slope − left slope). */
  readonly jump: Float64Array;
  /** Slope just left of the kink. */
  readonly left: Float64Array;
  /** Side of the kink a row sitting on it counts as (degenerate steps do not move it). */
  readonly tieRight: Uint8Array;
  zLo = -Infinity;
  zHi = Infinity;
  /** Distance within which a row sits on a kink. */
  tolS: number = LAD_TOL.onKink;
  private readonly n: number;

  constructor(n: number) {
    this.n = n;
    this.at = new Float64Array(2 * n);
    this.trueAt = new Float64Array(2 * n);
    this.jump = new Float64Array(2 * n);
    this.left = new Float64Array(2 * n);
    this.tieRight = new Uint8Array(2 * n);
  }

  /** Build the kinks of `prob`; `perturb` shifts each by a deterministic ~1e-9·scale. */
  load(prob: LadProblem, perturb: boolean): void {
    const n = this.n;
    const { at, left, jump } = this;
    const wu = prob.upperWeight;
    const wl = prob.lowerWeight;
    let scale = 1;
    for (let j = 0; j < n; j++) {
      const u = prob.upper[j]!;
      const l = prob.lower[j]!;
      const a = wu ? wu[j]! : 1;
      const b = wl ? wl[j]! : 1;
      at[2 * j] = NaN;
      at[2 * j + 1] = NaN;
      if (u !== Infinity && l !== -Infinity && l >= u) {
        // one kink where the sides cross: slope −wL to its left, wU to its right
        at[2 * j] = l === u ? u : (a * u + b * l) / (a + b);
        left[2 * j] = -b;
        jump[2 * j] = a + b;
      } else {
        if (u !== Infinity) {
          at[2 * j] = u;
          left[2 * j] = 0;
          jump[2 * j] = a;
        }
        if (l !== -Infinity) {
          at[2 * j + 1] = l;
          left[2 * j + 1] = -b;
          jump[2 * j + 1] = b;
        }
      }
      if (u !== Infinity) scale = Math.max(scale, Math.abs(u));
      if (l !== -Infinity) scale = Math.max(scale, Math.abs(l));
    }
    this.zLo = prob.zLower ?? -Infinity;
    this.zHi = prob.zUpper ?? Infinity;
    this.tolS = LAD_TOL.onKink * scale;
    this.trueAt.set(at);
    if (perturb) {
      const h = LAD_TOL.kinkShift * scale;
      for (let id = 0; id < 2 * n; id++) at[id]! += h * shift(id);
    }
  }

  /** Position of kink `id` (row kinks as shifted now; bounds: lo / hi). */
  position(id: number): number {
    const n2 = 2 * this.n;
    if (id < n2) return this.at[id]!;
    return ((id - n2) & 1) === 0 ? this.zLo : this.zHi;
  }

  /** Unshifted position of kink `id`. */
  truePosition(id: number): number {
    const n2 = 2 * this.n;
    if (id < n2) return this.trueAt[id]!;
    return ((id - n2) & 1) === 0 ? this.zLo : this.zHi;
  }

  /**
   * True when activity s counts as right of kink `id`. A row sitting on a kink (within tolerance)
   * is on the side it was last crossed to — remembered, because degenerate steps do not move it.
   */
  rightOf(id: number, sj: number): boolean {
    const kv = this.at[id]!;
    if (sj > kv + this.tolS) return true;
    if (sj < kv - this.tolS) return false;
    return this.tieRight[id] === 1;
  }

  /** Slope of row j's deviation at activity s. */
  rowSlope(j: number, sj: number): number {
    let slope = 0;
    const ku = this.at[2 * j]!;
    const kl = this.at[2 * j + 1]!;
    if (ku === ku) slope = this.rightOf(2 * j, sj) ? this.left[2 * j]! + this.jump[2 * j]! : this.left[2 * j]!;
    if (kl === kl && !this.rightOf(2 * j + 1, sj)) slope = this.left[2 * j + 1]!;
    return slope;
  }

  /** Left end of a basic slot's slope interval (free slots: [0, 0]; z ≥ lo may only move right). */
  intervalLo(id: number): number {
    if (id < 0) return 0;
    const n2 = 2 * this.n;
    if (id < n2) return this.left[id]!;
    return ((id - n2) & 1) === 0 ? -Infinity : 0;
  }

  /** Right end of a basic slot's slope interval (z ≤ hi may only move left). */
  intervalHi(id: number): number {
    if (id < 0) return 0;
    const n2 = 2 * this.n;
    if (id < n2) return this.left[id]! + this.jump[id]!;
    return ((id - n2) & 1) === 0 ? 0 : Infinity;
  }
}

/** Deterministic shift of kink `id` in [−1, 1] (a hash of the id). */
function shift(id: number): number {
  let h = Math.imul(id + 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 4294967295) * 2 - 1;
}
