/**
 * How many bytes a file may hold or expand to while it is read. A model or data file is data, and a
 * hostile one must not make geninv allocate gigabytes: every loader charges what it reads and what
 * it inflates (zip members, gzip) to a {@link ByteBudget} before allocating it.
 *
 * Two rules, both checked before any allocation:
 * - an absolute ceiling, {@link DEFAULT_MAX_BYTES} (1 GiB) unless the caller sets `maxBytes`
 *   (CLI: `--max-model-bytes`, `--max-input-bytes`), on the file's size and on all it expands to;
 * - by default, a file may expand to at most {@link DEFAULT_EXPANSION} times its own size (at least
 *   {@link MIN_EXPANSION_BYTES}), so a 1 MB archive of zeros cannot become a 1 GB tensor. Weights
 *   and observations compress by less than 2:1; a file beyond 64:1 is almost surely hostile. A
 *   caller that sets `maxBytes` explicitly trusts its files up to that ceiling, and the ratio rule is
 *   lifted (deflate's own 1032:1 bound still holds).
 */

/** Limits a loader honours. */
export interface LoadLimits {
  /**
   * The most bytes a file may have or expand to (zip members, gzip), in total. Default 1 GiB, with
   * expansion also capped at 64 × the file's size; setting it lifts the ratio cap.
   */
  maxBytes?: number;
  /**
   * The most objects a pickle (PyTorch checkpoint) may build, each reuse of a memoized object
   * counted as the copy it stands for. Default 65,536 + 4 per pickle byte (a state dict builds
   * about one object per opcode). CLI: `--max-model-objects`.
   */
  maxObjects?: number;
}

/** Default absolute ceiling: 1 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 30;
/** Default cap on expansion relative to the file's own size. */
export const DEFAULT_EXPANSION = 64;
/** Expansion always allowed, whatever the file's size (small archives of tiny arrays). */
export const MIN_EXPANSION_BYTES = 64 * 2 ** 20;

/** The bytes one file may read and expand to, and what it has used so far. */
export class ByteBudget {
  /** The ceiling on the file's own size. */
  readonly maxFileBytes: number;
  /** The ceiling on everything the file expands to, in total. */
  readonly maxExpandedBytes: number;
  private readonly explicit: boolean;
  private used = 0;

  /**
   * @param fileSize the file's size in bytes
   * @param limits the caller's limits (an explicit `maxBytes` lifts the ratio rule)
   * @param flag how a user raises the limit, for messages, e.g. `--max-model-bytes`
   */
  constructor(
    readonly fileSize: number,
    limits: LoadLimits = {},
    readonly flag = "--max-model-bytes",
  ) {
    const explicit = limits.maxBytes !== undefined;
    this.maxFileBytes = explicit ? limits.maxBytes! : DEFAULT_MAX_BYTES;
    this.maxExpandedBytes = explicit ? limits.maxBytes! : Math.min(DEFAULT_MAX_BYTES, Math.max(MIN_EXPANSION_BYTES, DEFAULT_EXPANSION * fileSize));
    this.explicit = explicit;
  }

  /** Bytes that may still be expanded. */
  get remaining(): number {
    return Math.max(0, this.maxExpandedBytes - this.used);
  }

  /**
   * Charge `bytes` that are about to be allocated by expanding part of the file.
   * @returns an error message naming the limit and how to raise it, or null when within budget
   */
  charge(bytes: number): string | null {
    if (bytes > this.remaining) return this.overMessage(this.used + bytes);
    this.used += bytes;
    return null;
  }

  /** The message for expanding to `total` bytes, past the budget. */
  overMessage(total: number): string {
    const rule = this.explicit
      ? `the limit of ${formatBytes(this.maxExpandedBytes)}`
      : this.maxExpandedBytes === DEFAULT_MAX_BYTES
        ? `the default limit of ${formatBytes(DEFAULT_MAX_BYTES)}`
        : `the ${formatBytes(this.maxExpandedBytes)} a ${formatBytes(this.fileSize)} file may expand to by default (${DEFAULT_EXPANSION} × its size, at least ${formatBytes(MIN_EXPANSION_BYTES)})`;
    return `would expand to ${Number.isFinite(total) ? formatBytes(total) : "an unbounded size"}, more than ${rule}; if you trust the file, raise the limit with ${this.flag} <bytes> (library option maxBytes)`;
  }

  /** The message for a file of `size` bytes over the ceiling on file sizes, or null. */
  fileSizeProblem(size: number): string | null {
    if (size <= this.maxFileBytes) return null;
    return `is ${formatBytes(size)}, more than ${this.explicit ? "the limit" : "the default limit"} of ${formatBytes(this.maxFileBytes)}; raise it with ${this.flag} <bytes> (library option maxBytes)`;
  }
}

/** `1.5 MiB (1572864 bytes)`: sizes in messages. */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]} (${n} bytes)`;
}

/** The longest string V8 can hold (2^29 − 24 UTF-16 units); longer text cannot be parsed as JSON. */
export const MAX_TEXT_BYTES = 0x1fffffe8;

/** UTF-8 bytes → string, refusing text longer than JavaScript strings can be (instead of a RangeError). */
export function decodeText(bytes: Uint8Array, makeError: (msg: string) => Error): string {
  if (bytes.length > MAX_TEXT_BYTES) {
    throw makeError(
      `holds ${bytes.length} bytes of text, more than the ${MAX_TEXT_BYTES} characters a JavaScript string can hold; store large models as .safetensors, .npz or .pt instead of JSON`,
    );
  }
  return new TextDecoder("utf-8").decode(bytes);
}
