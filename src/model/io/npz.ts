/**
 * NumPy `.npz` archives (`np.savez`, `np.savez_compressed`): a zip of `.npy` members, stored or
 * deflated. Members are read on demand, bounded by the zip reader's limits and the file's budget;
 * every member must be a `.npy` array (a damaged name is an error, not a skipped array).
 */
import { DataFormatError } from "../../errors.js";
import { type ByteBudget } from "./limits.js";
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
export function readNpz(buf: Uint8Array, makeError: MakeError, budget?: ByteBudget): NpzFile {
  if (!looksLikeZip(buf)) throw makeError("not an .npz file (no zip signature)");
  const zip = new ZipArchive(buf, makeError, budget);
  const members = new Map<string, string>();
  for (const e of zip.entries) {
    // np.savez writes nothing but .npy members: anything else is a damaged name, never skipped
    if (!e.name.endsWith(".npy")) {
      throw makeError(`member '${e.name.slice(0, 80)}' is not a .npy array (an .npz holds only .npy members): corrupted, or not an .npz file`);
    }
    members.set(e.name.slice(0, -4), e.name);
  }
  if (members.size === 0)
    throw makeError(
      `holds no .npy members (entries: ${
        zip.entries
          .map((e) => e.name)
          .slice(0, 10)
          .join(", ") || "none"
      })`,
    );
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
