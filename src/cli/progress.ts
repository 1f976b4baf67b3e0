/**
 * A progress line on stderr for long work: drawn only when stderr is a terminal, plain (no colour)
 * when NO_COLOR is set, throttled so that drawing never costs noticeable time.
 */
import { type CliIo } from "./io.js";

/** Counts done of total and redraws `label  done/total  [bar]  ETA`. */
export class Progress {
  private done = 0;
  private lastDraw = 0;
  private readonly start = performance.now();
  private readonly enabled: boolean;
  private readonly color: boolean;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.enabled = io.errIsTTY && total > 1;
    this.color = this.enabled && io.env.NO_COLOR === undefined;
  }

  /** Record `n` more units of work. */
  tick(n = 1): void {
    this.set(this.done + n);
  }

  /** Set the units done (fractions allowed, e.g. part of one long inversion). */
  set(done: number): void {
    this.done = done;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && this.done < this.total) return;
    this.lastDraw = now;
    const frac = Math.min(1, this.done / this.total);
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const eta = this.done > 0 ? (elapsed / this.done) * (this.total - this.done) : NaN;
    const bar = this.color
      ? `\x1b[36m${"█".repeat(filled)}\x1b[0m${"░".repeat(width - filled)}`
      : `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const shown = Number.isInteger(this.done) ? String(this.done) : this.done.toFixed(1);
    this.io.err(`\r${this.label} ${shown}/${this.total} [${bar}] ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}  `);
  }

  /** Clear the line (call when the work ends). */
  finish(): void {
    if (this.enabled) this.io.err("\r\x1b[2K");
  }
}

/** `42s`, `3m05s`, or `?` for unknown. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, "0")}s`;
}
