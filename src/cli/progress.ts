/**
 * A progress line on stderr for long work: drawn only when stderr is a terminal, plain (no colour)
 * when NO_COLOR is set, throttled so that drawing never costs noticeable time.
 *
 * The count shows whole units finished (never a fraction, never more than the total); the part of
 * the unit in progress (e.g. the iterations of one long inversion) only moves the bar and the ETA.
 */
import { type CliIo } from "./io.js";

/** Counts done of total and redraws `label  done/total  [bar]  elapsed, ETA`. */
export class Progress {
  private finished = 0;
  private partial = 0;
  private lastDraw = -Infinity;
  private readonly start = performance.now();
  private readonly enabled: boolean;
  private readonly color: boolean;

  /**
   * @param io where to draw (only when `io.errIsTTY`)
   * @param label shown first
   * @param total units of work (the bar is drawn only for total > 1)
   * @param alreadyDone units finished before this run (e.g. resumed), counted but left out of the ETA's rate
   */
  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly total: number,
    private readonly alreadyDone = 0,
  ) {
    this.enabled = io.errIsTTY && total > 1;
    this.color = this.enabled && io.env.NO_COLOR === undefined;
    this.finished = Math.min(total, Math.max(0, alreadyDone));
  }

  /** Record `n` more finished units (the partial progress of the next one is reset). */
  tick(n = 1): void {
    this.finished = Math.min(this.total, this.finished + n);
    this.partial = 0;
    this.draw();
  }

  /** Set the units finished; a fractional part is progress inside the next unit. */
  set(done: number): void {
    const d = Math.min(this.total, Math.max(0, Number.isFinite(done) ? done : 0));
    this.finished = Math.floor(d);
    this.partial = d - this.finished;
    this.draw();
  }

  /** Progress inside the unit being worked on, in [0, 1] (for one job at a time). */
  setPartial(fraction: number): void {
    this.partial = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    this.draw();
  }

  /** The line as it would be drawn now (exposed for tests). */
  line(now = performance.now()): string {
    const done = Math.min(this.total, this.finished + this.partial);
    const frac = this.total > 0 ? done / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const doneHere = done - Math.min(this.alreadyDone, done);
    const remaining = Math.max(0, this.total - done);
    // no estimate before anything moved; never a negative one
    const eta = remaining === 0 ? 0 : doneHere > 0 ? Math.max(0, (elapsed / doneHere) * remaining) : NaN;
    const bar = this.color ? `\x1b[36m${"█".repeat(filled)}\x1b[0m${"░".repeat(width - filled)}` : `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    return `${this.label} ${this.finished}/${this.total} [${bar}] ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}`;
  }

  private draw(): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && this.finished < this.total) return;
    this.lastDraw = now;
    this.io.err(`\r${this.line(now)}  `);
  }

  /** Clear the line (call when the work ends). */
  finish(): void {
    if (this.enabled) this.io.err("\r\x1b[2K");
  }
}

/** `42s`, `3m05s`, or `?` for unknown. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 0) s = 0;
  if (s < 9.95) return `${s.toFixed(1)}s`;
  const r = Math.round(s);
  if (r < 60) return `${r}s`;
  const m = Math.floor(r / 60);
  return `${m}m${String(r - 60 * m).padStart(2, "0")}s`;
}
