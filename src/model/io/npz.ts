/**
 * NumPy `.npz` archives (`np.savez`, `np.savez_compressed`): a zip of `.npy` members, stored or
 * deflated. Members are read on demand, bounded by the zip reader's limits.
 */
import { DataFormatError } from "../../errors.js";
import { type NpyFile, readNpy } from "./npy.js";
import { type MakeError } from "./tensor.js";
import { looksLikeZip, ZipArchive } from "./zip.js";

/** The arrays of an `.npz` file by key (the member name without `.npy`), in archive order. */
export interface NpzFile {
  readonly keys: readonly string[];
  /** Parse the member `key`. @throws the loader's typed error */
  get(key: string): NpyFile;
}

/** Open an `.npz` archive. @throws the `makeError` error when it is not a valid archive of `.npy` members */
export function readNpz(buf: Uint8Array, makeError: MakeError): NpzFile {
  if (!looksLikeZip(buf)) throw makeError("not an .npz file (no zip signature)");
  const zip = new ZipArchive(buf, makeError);
  const members = new Map<string, string>();
  for (const e of zip.entries) {
    if (!e.name.endsWith(".npy")) continue;
    members.set(e.name.slice(0, -4), e.name);
  }
  if (members.size === 0) throw makeError(`holds no .npy members (entries: ${zip.entries.map((e) => e.name).slice(0, 10).join(", ") || "none"})`);
  const cache = new Map<string, NpyFile>();
  return {
    keys: [...members.keys()],
    get(key: string): NpyFile {
      const hit = cache.get(key);
      if (hit) return hit;
      const member = members.get(key);
      if (member === undefined) throw makeError(`has no array '${key}' (it holds: ${[...members.keys()].join(", ")})`);
      const bytes = zip.read(zip.get(member)!);
      const npy = readNpy(bytes, key, (msg, field) => makeError(msg, field ?? key));
      cache.set(key, npy);
      return npy;
    },
  };
}

/** A `.npz` reader raising DataFormatError that names `file`. */
export function dataErrors(file: string): MakeError {
  return (msg, field) => new DataFormatError(msg, { file, ...(field ? { field } : {}) });
}
