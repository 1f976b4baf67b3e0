/**
 * A small read-only zip reader for PyTorch's zip checkpoints and NumPy's `.npz`: central directory
 * (with zip64), stored and deflated entries, CRC-32 checked. Every offset and length is checked
 * against the bytes present, and no allocation exceeds what the file can actually hold: a deflated
 * entry may declare at most {@link MAX_DEFLATE_RATIO} times its compressed size, and inflation is
 * capped at the declared size.
 */
import { crc32 } from "./crc32.js";
import { inflateRaw } from "./inflate.js";
import { type MakeError } from "./tensor.js";

/** One file in the archive, as the central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  readonly flags: number;
}

/** deflate cannot expand data by more than ~1032:1; larger declared sizes are lies. */
export const MAX_DEFLATE_RATIO = 1032;

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

/** True when `buf` starts like a zip file (a local header, or an empty archive). */
export function looksLikeZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && ((buf[2] === 3 && buf[3] === 4) || (buf[2] === 5 && buf[3] === 6));
}

/** A parsed zip archive over `buf` (no copy). */
export class ZipArchive {
  readonly entries: readonly ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;

  /** @throws the `makeError` error when the archive is malformed */
  constructor(
    private readonly buf: Uint8Array,
    private readonly makeError: MakeError,
  ) {
    this.entries = readCentralDirectory(buf, makeError);
    this.byName = new Map(this.entries.map((e) => [e.name, e]));
  }

  /** The entry called `name`, if any. */
  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /**
   * The uncompressed bytes of `entry` (a view into the file when stored).
   * @throws the `makeError` error on bad headers, unsupported compression, or a CRC mismatch
   */
  read(entry: ZipEntry): Uint8Array {
    const { buf, makeError } = this;
    const field = `zip entry '${entry.name}'`;
    const dv = view(buf);
    const lh = entry.localHeaderOffset;
    if (lh + 30 > buf.length) throw makeError(`local header at ${lh} lies past the end of the file (${buf.length} bytes)`, field);
    if (dv.getUint32(lh, true) !== SIG_LOCAL) throw makeError(`no local header signature at offset ${lh}`, field);
    const nameLen = dv.getUint16(lh + 26, true);
    const extraLen = dv.getUint16(lh + 28, true);
    const start = lh + 30 + nameLen + extraLen;
    const end = start + entry.compressedSize;
    if (end > buf.length) {
      throw makeError(`data (${entry.compressedSize} bytes at offset ${start}) runs past the end of the file (${buf.length} bytes): truncated?`, field);
    }
    const raw = buf.subarray(start, end);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) throw makeError(`stored entry has compressed size ${entry.compressedSize} ≠ size ${entry.size}`, field);
      out = raw;
    } else if (entry.method === 8) {
      if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 64) {
        throw makeError(`declares ${entry.size} bytes from ${entry.compressedSize} compressed bytes, more than deflate can produce`, field);
      }
      try {
        out = inflateRaw(raw, entry.size);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw makeError(`cannot inflate deflated data (${msg})`, field);
      }
      if (out.length !== entry.size) throw makeError(`inflates to ${out.length > entry.size ? `more than ${entry.size}` : out.length} bytes, the directory says ${entry.size}`, field);
    } else {
      throw makeError(`uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`, field);
    }
    const crc = crc32(out);
    if (crc !== entry.crc32) {
      throw makeError(`CRC-32 is ${hex(crc)} but the directory says ${hex(entry.crc32)}: the file is corrupted`, field);
    }
    return out;
  }
}

function readCentralDirectory(buf: Uint8Array, makeError: MakeError): ZipEntry[] {
  const dv = view(buf);
  if (buf.length < 22) throw makeError(`too short for a zip archive (${buf.length} bytes)`);
  // the end-of-central-directory record sits in the last 22 + 65535 (comment) bytes
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === SIG_EOCD && p + 22 + dv.getUint16(p + 20, true) <= buf.length) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw makeError("no zip end-of-central-directory record: not a zip archive, or truncated");
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_EOCD64_LOCATOR) throw makeError("zip64 archive without a zip64 locator");
    const e64 = safeU64(dv, loc + 8, makeError, "zip64 locator offset");
    if (e64 + 56 > buf.length || dv.getUint32(e64, true) !== SIG_EOCD64) throw makeError(`no zip64 end-of-central-directory record at ${e64}`);
    count = safeU64(dv, e64 + 32, makeError, "zip64 entry count");
    cdSize = safeU64(dv, e64 + 40, makeError, "zip64 directory size");
    cdOffset = safeU64(dv, e64 + 48, makeError, "zip64 directory offset");
  }
  if (cdOffset + cdSize > buf.length) {
    throw makeError(`central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the file (${buf.length} bytes)`);
  }
  if (count * 46 > cdSize) throw makeError(`central directory of ${cdSize} bytes cannot hold ${count} entries`);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  const decoder = new TextDecoder("utf-8");
  let p = cdOffset;
  const cdEnd = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdEnd || dv.getUint32(p, true) !== SIG_CENTRAL) throw makeError(`central directory entry ${i} at ${p} is malformed`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdEnd) throw makeError(`central directory entry ${i} runs past the directory's end`);
    const name = decoder.decode(buf.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: the 0xffffffff fields, in order, as 8-byte values
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (x + 4 + len > xEnd) throw makeError(`extra field runs past its entry`, `zip entry '${name}'`);
      if (id === 0x0001) {
        let q = x + 4;
        const take = (what: string): number => {
          if (q + 8 > x + 4 + len) throw makeError(`zip64 extra field lacks the ${what}`, `zip entry '${name}'`);
          const v = safeU64(dv, q, makeError, `zip64 ${what} of '${name}'`);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take("size");
        if (compressedSize === 0xffffffff) compressedSize = take("compressed size");
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take("header offset");
      }
      x += 4 + len;
    }
    if (flags & 0x1) throw makeError("is encrypted; encrypted archives are not supported", `zip entry '${name}'`);
    if (seen.has(name)) throw makeError(`appears twice in the archive`, `zip entry '${name}'`);
    seen.add(name);
    if (localHeaderOffset + 30 > buf.length) {
      throw makeError(`local header offset ${localHeaderOffset} lies past the end of the file (${buf.length} bytes)`, `zip entry '${name}'`);
    }
    if (localHeaderOffset + compressedSize > buf.length) {
      throw makeError(`${compressedSize} compressed bytes at ${localHeaderOffset} run past the end of the file (${buf.length} bytes)`, `zip entry '${name}'`);
    }
    entries.push({ name, method, compressedSize, size, crc32: crc, localHeaderOffset, flags });
    p = next;
  }
  return entries;
}

function safeU64(dv: DataView, at: number, makeError: MakeError, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw makeError(`${what} ${v} is absurd`);
  return Number(v);
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

