/** Summary statistics of experiment runs: medians, quantiles, rates, log–log slopes. */

/** The q-quantile (0 ≤ q ≤ 1, linear interpolation) of the finite values; NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = Math.min(1, Math.max(0, q)) * (v.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < v.length ? v[i]! * (1 - f) + v[i + 1]! * f : v[i]!;
}

/** The median of the finite values (NaN for none). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Least-squares slope of log10(y) against log10(x) over the pairs with x, y > 0 (NaN with fewer
 * than two): 1 means y grows linearly with x.
 */
export function logLogSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const p = points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => [Math.log10(x), Math.log10(y)] as const);
  if (p.length < 2) return NaN;
  const mx = p.reduce((s, [x]) => s + x, 0) / p.length;
  const my = p.reduce((s, [, y]) => s + y, 0) / p.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of p) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  return sxx > 0 ? sxy / sxx : NaN;
}
