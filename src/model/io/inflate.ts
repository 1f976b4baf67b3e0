/**
 * Decompression for the loaders' core path, in Node and in a browser (the page's Web Worker):
 * gzip streams (`.json.gz` models) and raw DEFLATE (zip members of `.pth`/`.npz`). The default
 * inflater is fflate, a small pure-JS one, so the core needs no `node:zlib`; the Node file helpers
 * (files.ts) install zlib's, about 3× faster, with {@link setRawInflater}. Output is bounded
 * before a byte is inflated, and checked against the stream's own length and CRC-32 after: a
 * corrupt or hostile stream is an error, never a silently truncated file.
 */
import { inflateSync } from "fflate";
import { DataFormatError } from "../../errors.js";
import { crc32 } from "../../util/crc32.js";
import { ByteBudget, MAX_TEXT_BYTES } from "./limits.js";

/**
 * Inflates raw DEFLATE `raw` into at most `limit` bytes: returns them, or exactly `limit` bytes
 * when the stream is longer (the callers pass one byte of headroom to see that). Throws on invalid data.
 */
export type RawInflater = (raw: Uint8Array, limit: number) => Uint8Array;

const fflateInflater: RawInflater = (raw, limit) => inflateSync(raw, { out: new Uint8Array(limit) });
let inflater: RawInflater = fflateInflater;

/** Use `f` for every inflation from now on (Node's file helpers install zlib's); null restores fflate. */
export function setRawInflater(f: RawInflater | null): void {
  inflater = f ?? fflateInflater;
}

/** True when `bytes` start with the gzip magic number (1f 8b), which no UTF-8 text does. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The bytes, decompressed when they are a gzip stream (single member, as gzip(1) and Node write).
 * The size the trailer declares is charged to `budget` before anything is inflated (default: the
 * file's default budget, at most 64 × its size), and inflation stops one byte past it.
 * @param makeError builds the error (default DataFormatError naming `file`; model loaders pass ModelFormatError)
 * @throws the `makeError` error on a corrupt, truncated or over-long stream, or one past the budget
 */
export function maybeGunzip(bytes: Uint8Array, file: string, budget = new ByteBudget(bytes.length), makeError?: (msg: string) => Error): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const mk = makeError ?? ((msg: string): Error => new DataFormatError(msg, { file }));
  const fail = (why: string): Error => mk(`corrupt gzip data (${why})`);
  if (bytes.length < 18) throw fail(`${bytes.length} bytes is shorter than a gzip header and trailer`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // RFC 1952 trailer: CRC-32 then ISIZE (the length mod 2^32) of the uncompressed data
  const wantCrc = dv.getUint32(bytes.length - 8, true);
  const size = dv.getUint32(bytes.length - 4, true);
  // deflate expands at most ~1032:1; a larger claim is a lie, refused before allocating
  if (size > bytes.length * 1032 + 64) throw fail(`declares ${size} bytes from ${bytes.length} compressed bytes, more than deflate can produce`);
  if (size > MAX_TEXT_BYTES)
    throw mk(
      `gzip data declares ${size} bytes, more than the ${MAX_TEXT_BYTES} characters a JavaScript string can hold; store large models as .safetensors, .npz or .pt`,
    );
  const over = budget.charge(size);
  if (over) throw mk(`gzip data declares ${size} bytes from ${bytes.length}: the file ${over}`);
  let out: Uint8Array;
  try {
    // one byte of headroom: a stream longer than its declared size fills it and is caught below
    out = inflater(bytes.subarray(gzipHeaderLength(bytes), bytes.length - 8), size + 1);
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
  if (out.length !== size) throw fail(`inflates to ${out.length > size ? `more than ${size}` : out.length} bytes, the trailer says ${size}`);
  const crc = crc32(out);
  if (crc !== wantCrc) throw fail(`CRC-32 is ${hex(crc)} but the trailer says ${hex(wantCrc)}`);
  return out;
}

/**
 * Inflate raw DEFLATE data that must expand to exactly `size` bytes (a zip member).
 * @returns the inflated bytes; their length is `size` or, for a short or long stream, differs from it
 *   (the caller names the entry); a stream longer than `size` yields `size + 1` bytes
 * @throws Error from the inflater on invalid data
 */
export function inflateRaw(raw: Uint8Array, size: number): Uint8Array {
  return inflater(raw, size + 1);
}

/** Length of the gzip member header (RFC 1952 §2.3: optional extra, name, comment, header CRC). @throws Error when malformed */
function gzipHeaderLength(b: Uint8Array): number {
  if (b[2] !== 8) throw new Error(`compression method ${b[2]} is not deflate (8)`);
  const flags = b[3]!;
  let p = 10;
  if (flags & 4) p += 2 + (b[10]! | (b[11]! << 8)); // FEXTRA
  for (const bit of [8, 16]) {
    if (flags & bit) {
      while (p < b.length && b[p] !== 0) p++; // FNAME, FCOMMENT: zero-terminated
      p++;
    }
  }
  if (flags & 2) p += 2; // FHCRC
  if (p > b.length - 8) throw new Error("header runs into the trailer");
  return p;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
