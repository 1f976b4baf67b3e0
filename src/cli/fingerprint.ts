/**
 * Fingerprints of a batch or sweep, so that `--resume` continues only the run it was given: the
 * header line of a run log (reproduce) or of a batch's results (invert) records the geninv version,
 * hashes of the files that determine the results (model, observations, ground truth, sensing
 * matrix) and every option that changes a result. A resume compares the recorded fingerprint with
 * this command's, field by field, and a difference is refused with a message naming each field.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { FileError } from "../errors.js";
import { type Generator } from "../model/generator.js";

/** Bytes read at a time when hashing a file (memory stays bounded for any file size). */
const HASH_CHUNK = 1 << 20;

/** `sha256:<hex>` of a file's bytes, read in 1 MiB pieces. @throws FileError naming the file */
export function fileSha256(path: string): string {
  const hash = createHash("sha256");
  const buf = Buffer.allocUnsafe(HASH_CHUNK);
  let fd: number | null = null;
  try {
    fd = openSync(path, "r");
    for (;;) {
      const n = readSync(fd, buf, 0, HASH_CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } catch (e) {
    throw new FileError(path, `cannot be read to fingerprint it: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return `sha256:${hash.digest("hex")}`;
}

/**
 * `sha256:<hex>` of a generator's weights, biases and activations (what its outputs depend on),
 * whatever file and flags (`--layers`, `--activation`) built it.
 */
export function weightsSha256(gen: Generator): string {
  const hash = createHash("sha256");
  for (const l of gen.layers) {
    hash.update(JSON.stringify({ rows: l.weight.rows, cols: l.weight.cols, activation: l.activation, bias: l.bias !== null }));
    hash.update(new Uint8Array(l.weight.data.buffer, l.weight.data.byteOffset, l.weight.data.byteLength));
    if (l.bias) hash.update(new Uint8Array(l.bias.buffer, l.bias.byteOffset, l.bias.byteLength));
  }
  return `sha256:${hash.digest("hex")}`;
}

/** `sha256:<hex>` of a list of numbers (an operator's matrix or mask rows), by their float64 bytes. */
export function numbersSha256(values: ArrayLike<number>): string {
  const f = Float64Array.from(values);
  return `sha256:${createHash("sha256").update(new Uint8Array(f.buffer)).digest("hex")}`;
}

/** A value as short text for a message (long values are cut, hashes shortened). */
function shortText(v: unknown): string {
  if (v === undefined) return "absent";
  const t = JSON.stringify(v);
  const hash = /^"sha256:([0-9a-f]{12})[0-9a-f]{52}"$/.exec(t);
  if (hash) return `sha256:${hash[1]}…`;
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}

/**
 * The fields in which two fingerprints differ, as `name: <recorded> in the file, <current> now`
 * (nested objects are compared key by key, e.g. `config.seed`); empty when they are the same.
 */
export function fingerprintDifferences(recorded: unknown, current: unknown, prefix = ""): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(recorded) && isObject(current)) {
    const keys = [...new Set([...Object.keys(current), ...Object.keys(recorded)])];
    return keys.flatMap((k) => fingerprintDifferences(recorded[k], current[k], prefix === "" ? k : `${prefix}.${k}`));
  }
  if (JSON.stringify(recorded) === JSON.stringify(current)) return [];
  return [`${prefix === "" ? "the header" : prefix}: ${shortText(recorded)} in the file, ${shortText(current)} now`];
}
