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

/**
 * The arrays of an `.npz` file by key (the member name without `.npy`), in archive order.
 * @example
 * ```ts
 * import { DataFormatError, encodeNpy, type NpzFile, readNpy } from "geninv";
 * const shapes = (npz: NpzFile) => npz.keys.map((k) => `${k}: ${npz.get(k).shape.join("×")}`);
 * const z = readNpy(encodeNpy([4, 20], new Float64Array(80)), "z", (msg) => new DataFormatError(msg));
 * console.log(shapes({ keys: ["z"], get: () => z })); // [ 'z: 4×20' ]
 * ```
 */
export interface NpzFile {
  /** The arrays' keys (`np.savez(f, x=…, z=…)` → `x`, `z`). */
  readonly keys: readonly string[];
  /** Parse the member `key`. @throws the loader's typed error */
  get(key: string): NpyFile;
}

/**
 * Open an `.npz` archive (stored or deflated members); members are parsed on `get`.
 * @param buf the file's bytes
 * @param makeError builds the typed error to throw (DataFormatError for data files)
 * @param budget bytes the members may expand to (default: the loader's limits)
 * @returns the keys and a reader per member
 * @throws the `makeError` error when it is not a valid archive of `.npy` members
 * @example
 * ```ts
 * import { crc32 } from "node:zlib";
 * import { DataFormatError, encodeNpy, readNpz } from "geninv";
 * const u = (n: number, w: number) => Array.from({ length: w }, (_, i) => (n >>> (8 * i)) & 255); // little-endian bytes
 * const data = encodeNpy([2], [1, 2]), name = [...new TextEncoder().encode("z.npy")]; // np.savez(f, z=[1., 2.]) by hand: a stored zip
 * const head = [20, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u(crc32(data), 4), ...u(data.length, 4), ...u(data.length, 4), ...u(name.length, 2), 0, 0];
 * const local = [...u(0x04034b50, 4), ...head, ...name, ...data], central = [...u(0x02014b50, 4), 20, 0, ...head, ...u(0, 14), ...name];
 * const npz = readNpz(Uint8Array.from([...local, ...central, ...u(0x06054b50, 4), 0, 0, 0, 0, 1, 0, 1, 0, ...u(central.length, 4), ...u(local.length, 4), 0, 0]), (msg) => new DataFormatError(msg));
 * console.log(npz.keys, Array.from(npz.get("z").tensor.read())); // [ 'z' ] [ 1, 2 ]
 * ```
 */
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
