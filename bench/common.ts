/** Shared helpers for benchmarks: timing, medians, peak memory, and table printing. */

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Time `fn` once per item after `warmup` untimed calls; returns milliseconds per call. */
export function timeEach<T>(items: T[], fn: (item: T) => void, warmup = 3): number[] {
  for (let i = 0; i < Math.min(warmup, items.length); i++) fn(items[i]!);
  return items.map((it) => {
    const t0 = performance.now();
    fn(it);
    return performance.now() - t0;
  });
}

/** Tracks the peak resident set size while a benchmark runs (sampled between calls). */
export class PeakMemory {
  private peak = 0;
  sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
  }
  /** Peak RSS in MiB (the process's high-water mark where the platform reports it). */
  get mib(): number {
    const maxRss = process.resourceUsage().maxRSS * 1024; // kB → bytes
    return Math.max(this.peak, maxRss) / (1024 * 1024);
  }
}

/** Print a table with right-aligned columns. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((r) => r[j]!.length)));
  const line = (cs: string[]): string => cs.map((c, j) => c.padStart(widths[j]!)).join("  ");
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of cells) console.log(line(r));
}

function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  if (Math.abs(x) >= 0.01) return x.toFixed(3);
  return x.toExponential(2);
}
