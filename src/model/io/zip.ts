/**
 * A small read-only zip reader for PyTorch's zip checkpoints and NumPy's `.npz`: central directory
 * (with zip64), stored and deflated entries, CRC-32 checked. Written by hand (no zip library reads
 * from memory with these checks): every offset and length is checked against the bytes present;
 * the central directory is cross-checked with the end record (entry count, size, position) and
 * with each local header (name, method, CRC and sizes), and entries may not overlap each other or
 * the directory, so one flipped bit cannot silently drop or alias a member. No allocation exceeds
 * what the file can hold: a deflated entry may declare at most {@link MAX_DEFLATE_RATIO} times its
 * compressed size, its declared size is charged to the file's {@link ByteBudget} before it is
 * inflated, and inflation is capped at the declared size.
 */
import { crc32 } from "../../util/crc32.js";
import { inflateRaw } from "./inflate.js";
import { ByteBudget } from "./limits.js";
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
  /** Where the entry's data starts (after its local header), checked against the directory. */
  readonly dataOffset: number;
}

/** deflate cannot expand data by more than ~1032:1; larger declared sizes are lies. */
export const MAX_DEFLATE_RATIO = 1032;

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const SIG_DESCRIPTOR = 0x08074b50;

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
    /** What inflating entries may allocate in total (default: the file's own default budget). */
    private readonly budget: ByteBudget = new ByteBudget(buf.length),
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
    const start = entry.dataOffset;
    const end = start + entry.compressedSize;
    const raw = buf.subarray(start, end);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) throw makeError(`stored entry has compressed size ${entry.compressedSize} ≠ size ${entry.size}`, field);
      out = raw;
    } else if (entry.method === 8) {
      if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 64) {
        throw makeError(`declares ${entry.size} bytes from ${entry.compressedSize} compressed bytes, more than deflate can produce`, field);
      }
      const over = this.budget.charge(entry.size);
      if (over) throw makeError(`declares ${entry.size} bytes from ${entry.compressedSize} compressed bytes: the file ${over}`, field);
      try {
        out = inflateRaw(raw, entry.size);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw makeError(`cannot inflate deflated data (${msg})`, field);
      }
      if (out.length !== entry.size)
        throw makeError(`inflates to ${out.length > entry.size ? `more than ${entry.size}` : out.length} bytes, the directory says ${entry.size}`, field);
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
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0)
    throw makeError("the end-of-central-directory record describes a multi-disk archive (unsupported, or corrupted)");
  if (dv.getUint16(eocd + 8, true) !== dv.getUint16(eocd + 10, true)) {
    throw makeError(
      `the end-of-central-directory record counts ${dv.getUint16(eocd + 8, true)} entries on this disk but ${dv.getUint16(eocd + 10, true)} in all: corrupted`,
    );
  }
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  let cdEndsAt = eocd; // the directory is followed by the end record (or the zip64 end record)
  const loc = eocd - 20;
  const hasLocator = loc >= 0 && dv.getUint32(loc, true) === SIG_EOCD64_LOCATOR;
  // PyTorch writes zip64 records even for small archives; they then hold the authoritative values
  if (hasLocator || count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (!hasLocator) throw makeError("zip64 archive without a zip64 locator");
    const e64 = safeU64(dv, loc + 8, makeError, "zip64 locator offset");
    if (e64 + 56 > buf.length || dv.getUint32(e64, true) !== SIG_EOCD64) throw makeError(`no zip64 end-of-central-directory record at ${e64}`);
    const count64 = safeU64(dv, e64 + 32, makeError, "zip64 entry count");
    const cdSize64 = safeU64(dv, e64 + 40, makeError, "zip64 directory size");
    const cdOffset64 = safeU64(dv, e64 + 48, makeError, "zip64 directory offset");
    // where the 32-bit record holds a value rather than its zip64 sentinel, both must agree
    if ((count !== 0xffff && count !== count64) || (cdSize !== 0xffffffff && cdSize !== cdSize64) || (cdOffset !== 0xffffffff && cdOffset !== cdOffset64)) {
      throw makeError(
        `the end-of-central-directory record (${count} entries, ${cdSize} bytes at ${cdOffset}) and its zip64 record (${count64}, ${cdSize64} at ${cdOffset64}) disagree: corrupted`,
      );
    }
    [count, cdSize, cdOffset] = [count64, cdSize64, cdOffset64];
    if (safeU64(dv, e64 + 24, makeError, "zip64 entry count on this disk") !== count)
      throw makeError("the zip64 end record's two entry counts differ: corrupted");
    cdEndsAt = e64;
  }
  if (cdOffset + cdSize > buf.length) {
    throw makeError(`central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the file (${buf.length} bytes)`);
  }
  if (cdOffset + cdSize !== cdEndsAt) {
    throw makeError(`central directory (${cdSize} bytes at ${cdOffset}) should end where the end record starts (${cdEndsAt}): corrupted`);
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
    const dataOffset = checkLocalHeader(
      dv,
      buf,
      { name, nameBytes: buf.subarray(p + 46, p + 46 + nameLen), method, flags, crc, compressedSize, size, localHeaderOffset },
      makeError,
    );
    if (dataOffset + compressedSize > cdOffset) {
      throw makeError(
        `${compressedSize} bytes of data at ${dataOffset} run into the central directory at ${cdOffset}: truncated or corrupted`,
        `zip entry '${name}'`,
      );
    }
    entries.push({ name, method, compressedSize, size, crc32: crc, localHeaderOffset, flags, dataOffset });
    p = next;
  }
  if (p !== cdEnd) {
    const more = p + 4 <= cdEnd && dv.getUint32(p, true) === SIG_CENTRAL;
    throw makeError(
      more
        ? `the end-of-central-directory record counts ${count} entries, but the central directory holds more: corrupted`
        : `the central directory has ${cdEnd - p} bytes after its ${count} entries: corrupted`,
    );
  }
  // no two entries may share bytes (overlapping entries are how zip bombs multiply their size)
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const cur = byOffset[i]!;
    if (prev.dataOffset + prev.compressedSize > cur.localHeaderOffset) {
      throw makeError(
        `overlaps entry '${prev.name}' (its data ends at ${prev.dataOffset + prev.compressedSize}, this header starts at ${cur.localHeaderOffset}): corrupted or a zip bomb`,
        `zip entry '${cur.name}'`,
      );
    }
  }
  return entries;
}

/**
 * Check an entry's local header against its central-directory record: signature, name, method,
 * and (unless the sizes follow the data in a descriptor, flag bit 3) CRC-32 and sizes; a data
 * descriptor, when present, must carry the same CRC-32. Returns where the entry's data starts.
 */
function checkLocalHeader(
  dv: DataView,
  buf: Uint8Array,
  e: { name: string; nameBytes: Uint8Array; method: number; flags: number; crc: number; compressedSize: number; size: number; localHeaderOffset: number },
  makeError: MakeError,
): number {
  const field = `zip entry '${e.name}'`;
  const lh = e.localHeaderOffset;
  if (dv.getUint32(lh, true) !== SIG_LOCAL) throw makeError(`no local header signature at offset ${lh}`, field);
  const flags = dv.getUint16(lh + 6, true);
  const method = dv.getUint16(lh + 8, true);
  const nameLen = dv.getUint16(lh + 26, true);
  const extraLen = dv.getUint16(lh + 28, true);
  const dataOffset = lh + 30 + nameLen + extraLen;
  if (dataOffset > buf.length) throw makeError(`local header at ${lh} runs past the end of the file (${buf.length} bytes)`, field);
  const localName = buf.subarray(lh + 30, lh + 30 + nameLen);
  if (localName.length !== e.nameBytes.length || localName.some((b, i) => b !== e.nameBytes[i])) {
    throw makeError(`the local header at ${lh} names '${new TextDecoder().decode(localName).slice(0, 80)}': the archive is corrupted`, field);
  }
  if (method !== e.method) throw makeError(`the local header says compression method ${method}, the central directory ${e.method}: corrupted`, field);
  if ((flags & 0x8) !== (e.flags & 0x8))
    throw makeError("the local header and the central directory disagree on where the sizes are (flag bit 3): corrupted", field);
  if ((flags & 0x8) === 0) {
    const crc = dv.getUint32(lh + 14, true);
    let csize = dv.getUint32(lh + 18, true);
    let size = dv.getUint32(lh + 22, true);
    if (csize === 0xffffffff || size === 0xffffffff) {
      // zip64 extra field: the size then the compressed size, for the fields that overflowed
      let x = lh + 30 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        const id = dv.getUint16(x, true);
        const len = dv.getUint16(x + 2, true);
        if (x + 4 + len > xEnd) break;
        if (id === 0x0001) {
          let q = x + 4;
          if (size === 0xffffffff && q + 8 <= x + 4 + len) {
            size = safeU64(dv, q, makeError, `zip64 local size of '${e.name}'`);
            q += 8;
          }
          if (csize === 0xffffffff && q + 8 <= x + 4 + len) csize = safeU64(dv, q, makeError, `zip64 local compressed size of '${e.name}'`);
        }
        x += 4 + len;
      }
    }
    if (crc !== e.crc || csize !== e.compressedSize || size !== e.size) {
      throw makeError(
        `the local header at ${lh} says CRC ${hex(crc)}, ${csize} compressed and ${size} bytes; the central directory says ${hex(e.crc)}, ${e.compressedSize} and ${e.size}: corrupted`,
        field,
      );
    }
  } else {
    const d = dataOffset + e.compressedSize;
    if (d + 8 <= buf.length && dv.getUint32(d, true) === SIG_DESCRIPTOR && dv.getUint32(d + 4, true) !== e.crc) {
      throw makeError(`the data descriptor says CRC ${hex(dv.getUint32(d + 4, true))}, the central directory ${hex(e.crc)}: corrupted`, field);
    }
  }
  return dataOffset;
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
