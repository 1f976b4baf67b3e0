/**
 * The hand-built hostile files of issue 15, each with the loader call that must refuse it and the
 * exact message it must be refused with. Used by test/model/io/hostile.test.ts (messages) and by
 * `npm run fuzz` (scripts/fuzz.ts), which runs each in a child process and reports its time and
 * peak memory (the goal: refused in ≤ 1 s with ≤ 300 MB).
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { crc32 } from "../../../src/util/crc32.js";
import { decodePng, pngToGray } from "../../../src/render/png.js";
import { loadObservations } from "../../../src/model/io/arrays.js";
import { loadModel, type LoadModelOptions } from "../../../src/model/io/load.js";
import { concat, makeNpy, makeSafetensors, makeZip, P, utf8 } from "./writers.js";

/** One hostile file: how to make it, how to load it, and the message that refuses it. */
export interface HostileCase {
  /** Short id, also the file's base name. */
  name: string;
  /** File name (its extension picks the format). */
  file: string;
  /** What it is, for the report. */
  what: string;
  bytes(): Uint8Array;
  /** Load the file at `path` as geninv would. */
  load(path: string): unknown;
  /** The refusal's message, with `<file>` standing for the path. */
  message: string | RegExp;
}

const relu: LoadModelOptions = { activation: "relu" };

/** A pickle nesting a list `depth` times through memo reuse: 2^depth leaves from ~8 bytes a level. */
export function laughsPickle(depth: number, leaf: Uint8Array = P.emptyList()): Uint8Array {
  const parts: Uint8Array[] = [P.proto(2), leaf, longBinput(0), new Uint8Array([0x30])];
  for (let d = 1; d <= depth; d++) parts.push(P.mark(), longBinget(d - 1), longBinget(d - 1), new Uint8Array([0x6c]), longBinput(d), new Uint8Array([0x30]));
  parts.push(longBinget(depth), P.stop());
  return concat(parts);
}

function longBinput(i: number): Uint8Array {
  const b = new Uint8Array([0x72, 0, 0, 0, 0]);
  new DataView(b.buffer).setUint32(1, i, true);
  return b;
}

function longBinget(i: number): Uint8Array {
  const b = new Uint8Array([0x6a, 0, 0, 0, 0]);
  new DataView(b.buffer).setUint32(1, i, true);
  return b;
}

/** A rebuilt float32 tensor of shape [n] over storage '0' (`_rebuild_tensor_v2`), as a pickle fragment. */
function tensorFragment(n: number): Uint8Array {
  return concat([
    P.global("torch._utils", "_rebuild_tensor_v2"),
    P.mark(),
    P.mark(),
    P.str("storage"),
    P.global("torch", "FloatStorage"),
    P.str("0"),
    P.str("cpu"),
    P.int(n),
    P.tuple(),
    P.binpersid(),
    P.int(0),
    P.mark(),
    P.int(n),
    P.tuple(),
    P.mark(),
    P.int(1),
    P.tuple(),
    P.false(),
    P.global("collections", "OrderedDict"),
    P.emptyTuple(),
    P.reduce(),
    P.tuple(),
    P.reduce(),
  ]);
}

/** A 1 MiB deflated zip member that declares `size` bytes (within deflate's 1032:1). */
function forged(
  name: string,
  size: number,
  compressed = 1 << 20,
): { name: string; data: Uint8Array; method: 8; forge: { body: Uint8Array; size: number; crc: number } } {
  return { name, data: new Uint8Array(0), method: 8, forge: { body: new Uint8Array(compressed), size, crc: 0 } };
}

/** The .npz of a 2-layer Sequential model (3 → 4 → 5). */
function npzModel(): Uint8Array {
  return makeZip([
    {
      name: "0.weight.npy",
      data: makeNpy(
        [4, 3],
        Array.from({ length: 12 }, (_v, i) => i / 10),
      ),
    },
    { name: "0.bias.npy", data: makeNpy([4], [1, 2, 3, 4]) },
    {
      name: "2.weight.npy",
      data: makeNpy(
        [5, 4],
        Array.from({ length: 20 }, (_v, i) => i / 7),
      ),
    },
    { name: "2.bias.npy", data: makeNpy([5], [1, 2, 3, 4, 5]) },
    {
      name: "4.weight.npy",
      data: makeNpy(
        [2, 5],
        Array.from({ length: 10 }, (_v, i) => i / 3),
      ),
    },
    { name: "4.bias.npy", data: makeNpy([2], [1, 2]) },
  ]);
}

/** Offset of the first central-directory record of `zip` naming `name`. */
function centralRecord(zip: Uint8Array, name: string): number {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const n = utf8(name);
  for (let p = 0; p + 46 <= zip.length; p++) {
    if (dv.getUint32(p, true) !== 0x02014b50) continue;
    const len = dv.getUint16(p + 28, true);
    if (len === n.length && n.every((b, i) => zip[p + 46 + i] === b)) return p;
  }
  throw new Error(`no central record for ${name}`);
}

/** A gzip stream whose trailer declares `size` bytes (the deflate body is junk: refused before inflating). */
function forgedGzip(size: number, bodyBytes: number): Uint8Array {
  const real = gzipSync(utf8('{"format":"geninv.model"}'));
  const out = concat([real.subarray(0, 10), new Uint8Array(bodyBytes), new Uint8Array(8)]);
  new DataView(out.buffer).setUint32(out.length - 4, size, true);
  return out;
}

/** A native JSON model whose first weight nests `depth` levels deep. */
function deepJson(depth: number): Uint8Array {
  return utf8(`{"format":"geninv.model","version":1,"layers":[{"weight":${"[".repeat(depth)}1${"]".repeat(depth)},"bias":null,"activation":"relu"}]}`);
}

/** A PNG chunk with its length and CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(utf8(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** A PNG whose IHDR says `w`×`h` (colour type, depth) with `idatBytes` of (junk) image data. */
function bigPng(w: number, h: number, colorType: number, depth: number, idatBytes: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", new Uint8Array(idatBytes)),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** Read a PNG observation as `invert --image` does (any size: no model to compare with). */
function loadPng(path: string): Float64Array {
  return pngToGray(decodePng(new Uint8Array(readFileSync(path)), path));
}

const LAUGHS_LIMIT_30 = 65536 + 4 * laughsPickle(30).length;

/** Every hand-built hostile file of issue 15 (the PNG ones live with the PNG decoder's tests). */
export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: "laughs30",
    file: "laughs30.pt",
    what: "pickle nesting a list 30 times through memo reuse (2^30 leaves)",
    bytes: () => makeZip([{ name: "archive/data.pkl", data: laughsPickle(30) }]),
    load: (path) => loadModel(path, relu),
    message: `<file>: archive/data.pkl: pickle at byte 290: builds a value of more than ${LAUGHS_LIMIT_30} objects, counting each reuse of a memoized object as the copy it stands for (a "billion laughs" pickle?); the limit is ${LAUGHS_LIMIT_30} (65536 + 4 per pickle byte); if you trust the file, raise it with --max-model-objects <n> (library option maxObjects)`,
  },
  {
    name: "laughs-tensors20",
    file: "laughs-tensors20.pt",
    what: "2^20 references to one tensor through memo reuse",
    bytes: () =>
      makeZip([
        { name: "archive/data.pkl", data: laughsPickle(20, tensorFragment(4)) },
        { name: "archive/data/0", data: new Uint8Array(16) },
      ]),
    load: (path) => loadModel(path, relu),
    message:
      /^<file>: archive\/data\.pkl: pickle at byte \d+: builds a value of more than \d+ objects, counting each reuse of a memoized object as the copy it stands for/,
  },
  {
    name: "inflate-1g",
    file: "inflate-1g.pt",
    what: "1 MiB zip .pt whose storage declares 1 GiB (a 16384×16384 float32 weight), within deflate's ratio",
    bytes: () =>
      makeZip([
        {
          name: "archive/data.pkl",
          data: concat([P.proto(2), P.emptyDict(), P.str("0.weight"), concat([tensorFragment(16384 * 16384)]).subarray(0), P.setitem(), P.stop()]),
        },
        forged("archive/data/0", 2 ** 30),
      ]),
    load: (path) => loadModel(path, relu),
    message:
      /^<file>: storage '0' claims 268435456 float32 elements \(1073741824 bytes\): the file would expand to 1\.0 GiB \(1073741824 bytes\), more than the 64 MiB \(\d+ bytes\) a 1\.0 MiB \(\d+ bytes\) file may expand to by default \(64 × its size, at least 64 MiB \(67108864 bytes\)\); if you trust the file, raise the limit with --max-model-bytes <bytes> \(library option maxBytes\)$/,
  },
  {
    name: "npz-obs-1g",
    file: "npz-obs-1g.npz",
    what: "1 MiB .npz observation whose x.npy declares 1 GiB",
    bytes: () => makeZip([forged("x.npy", 2 ** 30)]),
    load: (path) => loadObservations(path),
    message:
      /^<file>: zip entry 'x\.npy': declares 1073741824 bytes from 1048576 compressed bytes: the file would expand to 1\.0 GiB \(1073741824 bytes\), more than the 64 MiB \(\d+ bytes\) a 1\.0 MiB \(\d+ bytes\) file may expand to by default \(64 × its size, at least 64 MiB \(67108864 bytes\)\); if you trust the file, raise the limit with --max-input-bytes <bytes> \(library option maxBytes\)$/,
  },
  {
    name: "gzip-1g",
    file: "gzip-1g.json.gz",
    what: "1.2 MB .json.gz declaring 1.25 GB of text (more than a JavaScript string holds)",
    bytes: () => forgedGzip(1_250_000_000, 1_250_000),
    load: (path) => loadModel(path),
    message:
      "<file>: gzip data declares 1250000000 bytes, more than the 536870888 characters a JavaScript string can hold; store large models as .safetensors, .npz or .pt",
  },
  {
    name: "gzip-300m",
    file: "gzip-300m.json.gz",
    what: "300 KB .json.gz declaring 300 MB (within the string limit, past the 64:1 default)",
    bytes: () => forgedGzip(300_000_000, 300_000),
    load: (path) => loadModel(path),
    message:
      /^<file>: gzip data declares 300000000 bytes from \d+: the file would expand to 286 MiB \(300000000 bytes\), more than the 64 MiB \(67108864 bytes\) a 293 KiB \(\d+ bytes\) file may expand to by default/,
  },
  {
    name: "deep-json",
    file: "deep.json",
    what: "native JSON model nesting 4,100 levels",
    bytes: () => deepJson(4100),
    load: (path) => loadModel(path),
    message: "<file>: JSON nests deeper than 64 levels at line 1, column 119 (geninv's JSON files nest at most 4 levels)",
  },
  {
    name: "npz-name-flip",
    file: "name-flip.npz",
    what: ".npz model with one bit flipped in a central-directory name (0.weight.npy → 0.weight.n`y)",
    bytes: () => {
      const z = npzModel();
      const at = centralRecord(z, "0.weight.npy") + 46 + "0.weight.n".length;
      z[at]! ^= 0x10; // 'p' (0x70) → '`' (0x60)
      return z;
    },
    load: (path) => loadModel(path, relu),
    message: "<file>: zip entry '0.weight.n`y': the local header at 0 names '0.weight.npy': the archive is corrupted",
  },
  {
    name: "eocd-count",
    file: "eocd-count.npz",
    what: ".npz model whose end-of-central-directory record counts 1 of its 6 entries",
    bytes: () => {
      const z = npzModel();
      const dv = new DataView(z.buffer);
      dv.setUint16(z.length - 22 + 8, 1, true);
      dv.setUint16(z.length - 22 + 10, 1, true);
      return z;
    },
    load: (path) => loadModel(path, { activation: "relu,relu,relu" }),
    message: "<file>: the end-of-central-directory record counts 1 entries, but the central directory holds more: corrupted",
  },
  {
    name: "nan-weight",
    file: "nan.safetensors",
    what: "safetensors model with a NaN weight",
    bytes: () =>
      makeSafetensors([
        { name: "fc3.weight", dtype: "float32", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] },
        { name: "fc4.weight", dtype: "float32", shape: [2, 3], values: [1, 2, 3, NaN, 5, 6] },
      ]),
    load: (path) => loadModel(path, relu),
    message: "<file>: fc4.weight: element [1][0] is NaN (weights must be finite)",
  },
  {
    name: "oversized-file",
    file: "oversized.pt",
    what: "a 1.1 GiB model file (sparse), refused from its size before it is read",
    bytes: () => new Uint8Array(0), // written sparse by the harness (see `sparseBytes`)
    load: (path) => loadModel(path, relu),
    message:
      "<file>: is 1.1 GiB (1181116006 bytes), more than the default limit of 1.0 GiB (1073741824 bytes); raise it with --max-model-bytes <bytes> (library option maxBytes)",
  },
  {
    name: "png-8192-gray",
    file: "big-gray.png",
    what: "65 KB PNG declaring 8192×8192 8-bit gray pixels",
    bytes: () => bigPng(8192, 8192, 0, 8, 65_000),
    load: loadPng,
    message:
      /^<file>: IHDR: decoding the 8192×8192 image needs 192 MiB \(201334784 bytes\), more than the 64 MiB \(67108864 bytes\) a 64 KiB \(\d+ bytes\) file may expand to by default \(64 × its size, at least 64 MiB \(67108864 bytes\)\); if you trust the file, raise the limit with --max-input-bytes <bytes> \(library option maxBytes\)$/,
  },
  {
    name: "png-8192-rgba16",
    file: "big-rgba16.png",
    what: "522 KB PNG declaring 8192×8192 RGBA 16-bit pixels",
    bytes: () => bigPng(8192, 8192, 6, 16, 522_000),
    load: loadPng,
    message:
      /^<file>: IHDR: decoding the 8192×8192 image needs 1\.0 GiB \(1073750016 bytes\), more than the 64 MiB \(67108864 bytes\) a 510 KiB \(\d+ bytes\) file may expand to by default/,
  },
];

/** Cases whose file is made sparse at this size instead of from `bytes()`. */
export const SPARSE_SIZE: Readonly<Record<string, number>> = { "oversized-file": 1181116006 };
