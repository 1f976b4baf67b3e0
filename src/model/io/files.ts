/** Reading and writing files with errors that name the file (Node only: the byte-based loaders never import this). */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { inflateRawSync } from "node:zlib";
import { FileError } from "../../errors.js";
import { maybeGunzip, type RawInflater, setRawInflater } from "./inflate.js";

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

/** The bytes of `path`. @throws FileError when missing, a directory, or unreadable */
export function readBytes(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new FileError(path, "is a directory, expected a file");
    return readFileSync(path);
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(path, describeFsError(e));
  }
}

/** The UTF-8 text of `path`, gunzipped first when the file is gzip-compressed. @throws FileError; DataFormatError on a corrupt gzip stream */
export function readText(path: string): string {
  return new TextDecoder("utf-8").decode(maybeGunzip(readBytes(path), path));
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
