/**
 * Reading and writing files with errors that name the file, within the limits of a
 * {@link ByteBudget} (Node only: the byte-based loaders never import this).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { inflateRawSync } from "node:zlib";
import { DataFormatError, FileError, type GeninvError } from "../../errors.js";
import { maybeGunzip, type RawInflater, setRawInflater } from "./inflate.js";
import { ByteBudget, decodeText, type LoadLimits } from "./limits.js";

/** zlib's raw inflater, installed for every Node user of the loaders: ~3× faster than the portable default. */
export const zlibInflater: RawInflater = (raw, limit) => {
  try {
    return inflateRawSync(raw, { maxOutputLength: limit });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return new Uint8Array(limit);
    throw e;
  }
};
setRawInflater(zlibInflater);

export { maybeGunzip } from "./inflate.js";

/**
 * The bytes of `path`; its size is checked against the limits (from `stat`) before it is read.
 * @param flag how a user raises the limit, for the message
 * @param makeError builds the error for a file over the limit (default: DataFormatError naming it)
 * @throws FileError when missing, a directory, or unreadable; the `makeError` error when too large
 */
export function readBytes(path: string, limits: LoadLimits = {}, flag = "--max-input-bytes", makeError?: (msg: string) => GeninvError): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new FileError(path, "is a directory, expected a file");
    size = st.size;
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(path, describeFsError(e));
  }
  const tooBig = new ByteBudget(size, limits, flag).fileSizeProblem(size);
  if (tooBig) throw (makeError ?? ((m: string) => new DataFormatError(m, { file: path })))(tooBig);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FileError(path, describeFsError(e));
  }
}

/**
 * The UTF-8 text of `path`, gunzipped first when the file is gzip-compressed (within the limits).
 * @throws FileError; the `makeError` error (default DataFormatError) on a corrupt or oversized gzip stream or text
 */
export function readText(path: string, limits: LoadLimits = {}, flag = "--max-input-bytes", makeError?: (msg: string) => GeninvError): string {
  const mk = makeError ?? ((m: string) => new DataFormatError(m, { file: path }));
  const bytes = readBytes(path, limits, flag, mk);
  return decodeText(maybeGunzip(bytes, path, new ByteBudget(bytes.length, limits, flag), mk), mk);
}

/** Write `data` to `path`, creating parent folders. @throws FileError */
export function writeFile(path: string, data: string | Uint8Array): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  } catch (e) {
    throw new FileError(path, describeFsError(e));
  }
}

function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory, expected a file";
  if (code === "ENOTDIR") return "a parent of this path is not a directory";
  return e instanceof Error ? e.message : String(e);
}
