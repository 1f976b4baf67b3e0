/**
 * Seeded mutation fuzzing of every file format geninv reads, shared by the test suite (a few hundred
 * cases per format, in-process: test/model/io/fuzz.test.ts) and `npm run fuzz` (≥ 10,000 per format,
 * each case watched in a child process for hangs and memory: scripts/fuzz.ts).
 *
 * Case `i` of a format is a pure function of (format, i): a seed file and one mutation drawn from
 * the generic kinds (truncation, bit flips, absurd values over length fields, splices, random runs)
 * and the format's own (zip structure and re-zipped members, pickle opcodes and memo reuse,
 * safetensors and npy headers, protobuf varints, JSON nesting and tokens). Running a case loads the
 * bytes as geninv does and classifies the outcome: loaded (same sizes as the seed), typed error
 * (a GeninvError), untyped error (anything else: a bug), or "different": it loaded a network (or an
 * observation array) of other sizes than the seed although the mutation was not confined to weight
 * values — a silent corruption.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GeninvError, ModelFormatError } from "../../../src/errors.js";
import { decodeText } from "../../../src/model/io/limits.js";
import { matrixFromJson } from "../../../src/model/io/arrays.js";
import "../../../src/model/io/files.js"; // installs zlib's inflater, as every Node user of the loaders gets
import { parseJsonText } from "../../../src/model/io/json-text.js";
import { loadModelBytes, type LoadModelOptions } from "../../../src/model/io/model-bytes.js";
import { parseNpy } from "../../../src/model/io/npy.js";
import { dataErrors, readNpz } from "../../../src/model/io/npz.js";
import { modelToJson } from "../../../src/model/io/json-model.js";
import { randomGenerator } from "../../../src/model/random.js";
import { Rng } from "../../../src/model/rng.js";
import { crc32 } from "../../../src/util/crc32.js";
import { decodePng, encodePng, grayToPng } from "../../../src/render/png.js";
import { laughsPickle, pngChunk } from "./hostile-files.js";
import {
  concat,
  makeLegacyPth,
  makeNpy,
  makeOnnx,
  makeSafetensors,
  makeZip,
  type ZipInput,
  P,
  statePickle,
  storageOf,
  type TorchTensorSpec,
  utf8,
} from "./writers.js";

/** A mutated file and the byte range of the seed the mutation touched (for the weight-value exemption). */
export interface Mutant {
  bytes: Uint8Array;
  kind: string;
  /** Touched range of the seed, [lo, hi); null when the mutation rebuilt the file (structure). */
  range: [number, number] | null;
}

type Mutator = (seed: Seed, rng: Rng) => Mutant;

/** A seed file: its bytes, how it was built (for re-zipping), and where its weight values lie. */
export interface Seed {
  bytes: Uint8Array;
  /** Zip members, when the seed is a zip this harness wrote (re-zipped mutations use them). */
  zip?: ZipInput[];
  /** Byte ranges holding only weight values (JSON: the text of weight and bias arrays). */
  weightRanges: [number, number][];
  /** Load options for this seed (e.g. the layers of a full VAE checkpoint). */
  options?: LoadModelOptions;
}

/** One format under fuzzing. */
export interface FuzzFormat {
  name: string;
  /** The file name the loader is given (its extension picks the format). */
  file: string;
  seeds(): Seed[];
  /** Load as geninv does (with the seed's options); returns a signature of what was built (layer sizes, array shape). */
  load(bytes: Uint8Array, seed: Seed): string;
  /** Format-specific mutations, used for about half of the cases. */
  mutators: Mutator[];
}

/** Outcome of one case. */
export type OutcomeKind = "loaded" | "typed" | "untyped" | "different";

export interface CaseResult {
  kind: OutcomeKind;
  mutation: string;
  message?: string;
}

// ---------------------------------------------------------------- generic mutations

const ABSURD = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0x10000, 0xffff, 0xff, 0, 1, 2 ** 31 - 8];

const generic: Mutator[] = [
  (s, r) => {
    const n = r.int(s.bytes.length);
    return { bytes: s.bytes.slice(0, n), kind: "truncate", range: [n, s.bytes.length] };
  },
  (s, r) => {
    const b = s.bytes.slice();
    const flips = 1 + r.int(4);
    let lo = b.length;
    let hi = 0;
    for (let f = 0; f < flips; f++) {
      const at = r.int(b.length);
      b[at]! ^= 1 << r.int(8);
      lo = Math.min(lo, at);
      hi = Math.max(hi, at + 1);
    }
    return { bytes: b, kind: "bit flips", range: [lo, hi] };
  },
  (s, r) => {
    const b = s.bytes.slice();
    const width = [2, 4, 8][r.int(3)]!;
    const at = r.int(Math.max(1, b.length - width));
    const dv = new DataView(b.buffer);
    const v = ABSURD[r.int(ABSURD.length)]!;
    if (width === 2) dv.setUint16(at, v & 0xffff, true);
    else if (width === 4) dv.setUint32(at, v >>> 0, true);
    else dv.setBigUint64(at, BigInt(v) * (r.uniform() < 0.5 ? 1n : 0x100000001n), true);
    return { bytes: b, kind: `absurd u${width * 8}`, range: [at, at + width] };
  },
  (s, r) => {
    const src = s.bytes;
    const a = r.int(src.length);
    const len = 1 + r.int(Math.min(64, src.length - a));
    const at = r.int(src.length);
    if (r.uniform() < 0.5) return { bytes: concat([src.subarray(0, at), src.subarray(a, a + len), src.subarray(at)]), kind: "splice in", range: [at, at] };
    return {
      bytes: concat([src.subarray(0, at), src.subarray(Math.min(src.length, at + len))]),
      kind: "splice out",
      range: [at, Math.min(src.length, at + len)],
    };
  },
  (s, r) => {
    const b = s.bytes.slice();
    const at = r.int(b.length);
    const n = 1 + r.int(8);
    for (let i = at; i < Math.min(b.length, at + n); i++) b[i] = r.int(256);
    return { bytes: b, kind: "random run", range: [at, Math.min(b.length, at + n)] };
  },
];

/** Case `i` of `format`: a seed and a mutation, the same on every run. */
export function fuzzCase(format: FuzzFormat, seeds: readonly Seed[], i: number): Mutant & { seedIndex: number } {
  const r = new Rng(hash(format.name) * 1_000_003 + i);
  const seedIndex = r.int(seeds.length);
  const seed = seeds[seedIndex]!;
  if (i < seeds.length) return { bytes: seeds[i]!.bytes, kind: "unmodified", range: [0, 0], seedIndex: i };
  const pool = format.mutators.length > 0 && r.uniform() < 0.5 ? format.mutators : generic;
  const m = pool[r.int(pool.length)]!(seed, r);
  return { ...m, seedIndex };
}

/** Run case `i`: load the mutant and classify the outcome against the seed's signature. */
export function runCase(format: FuzzFormat, seeds: readonly Seed[], signatures: readonly string[], i: number): CaseResult {
  const c = fuzzCase(format, seeds, i);
  try {
    const sig = format.load(c.bytes, seeds[c.seedIndex]!);
    if (sig === signatures[c.seedIndex]) return { kind: "loaded", mutation: c.kind };
    const inWeights = c.range !== null && seeds[c.seedIndex]!.weightRanges.some(([lo, hi]) => c.range![0] >= lo && c.range![1] <= hi);
    return inWeights
      ? { kind: "loaded", mutation: c.kind }
      : { kind: "different", mutation: c.kind, message: `loaded ${sig}, the seed is ${signatures[c.seedIndex]}` };
  } catch (e) {
    if (e instanceof GeninvError && e.message.length > 0) return { kind: "typed", mutation: c.kind };
    return { kind: "untyped", mutation: c.kind, message: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : String(e) };
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h % 1000;
}

// ---------------------------------------------------------------- format-specific mutations

/** Offsets of the zip's records: end record, central records, local headers. */
function zipRecords(b: Uint8Array): { eocd: number; central: number[]; local: number[] } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const central: number[] = [];
  const local: number[] = [];
  let eocd = -1;
  for (let p = 0; p + 4 <= b.length; p++) {
    const sig = dv.getUint32(p, true);
    if (sig === 0x02014b50) central.push(p);
    else if (sig === 0x04034b50) local.push(p);
    else if (sig === 0x06054b50) eocd = p;
  }
  return { eocd, central, local };
}

/** Mutate one field of the zip's structure: a name byte, a size, an offset, a CRC, a count. */
const zipStructure: Mutator = (s, r) => {
  const b = s.bytes.slice();
  const dv = new DataView(b.buffer);
  const { eocd, central, local } = zipRecords(b);
  const pick = r.int(3);
  let at: number;
  let width: 2 | 4;
  if (pick === 0 && eocd >= 0) {
    // entry counts (disk, total), directory size, directory offset
    const f = [
      [8, 2],
      [10, 2],
      [12, 4],
      [16, 4],
    ][r.int(4)]!;
    at = eocd + f[0]!;
    width = f[1] as 2 | 4;
  } else if (pick === 1 && central.length > 0) {
    const c = central[r.int(central.length)]!;
    // method, CRC, compressed size, size, name length, extra length, local header offset, a name byte
    const f = [
      [10, 2],
      [16, 4],
      [20, 4],
      [24, 4],
      [28, 2],
      [30, 2],
      [42, 4],
      [46 + r.int(Math.max(1, dv.getUint16(c + 28, true))), 1],
    ][r.int(8)]!;
    at = c + f[0]!;
    width = f[1] === 1 ? 2 : (f[1] as 2 | 4);
    if (f[1] === 1) {
      b[at]! ^= 1 << r.int(8);
      return { bytes: b, kind: "zip: central name byte", range: null };
    }
  } else if (local.length > 0) {
    const l = local[r.int(local.length)]!;
    const f = [
      [8, 2],
      [14, 4],
      [18, 4],
      [22, 4],
      [26, 2],
      [28, 2],
      [30, 1],
    ][r.int(7)]!;
    at = l + f[0]!;
    width = f[1] === 1 ? 2 : (f[1] as 2 | 4);
    if (f[1] === 1) {
      b[at]! ^= 1 << r.int(8);
      return { bytes: b, kind: "zip: local name byte", range: null };
    }
  } else return generic[1]!(s, r);
  const old = width === 2 ? dv.getUint16(at, true) : dv.getUint32(at, true);
  const choices = [old + 1, old - 1, old * 2, 0, old ^ (1 << r.int(width * 8)), width === 2 ? 0xffff : 0xffffffff];
  const v = choices[r.int(choices.length)]!;
  if (width === 2) dv.setUint16(at, v & 0xffff, true);
  else dv.setUint32(at, v >>> 0, true);
  return { bytes: b, kind: "zip: structure field", range: null };
};

/** Mutate one member's bytes (by `inner`, or generically) and re-zip with valid CRCs. */
function rezip(member: (name: string) => boolean, inner: Mutator[]): Mutator {
  return (s, r) => {
    if (!s.zip) return zipStructure(s, r); // a zip written elsewhere: mutate its structure instead
    const entries = s.zip;
    const idx = entries.map((e, k) => (member(e.name) ? k : -1)).filter((k) => k >= 0);
    const k = idx.length > 0 ? idx[r.int(idx.length)]! : r.int(entries.length);
    const e = entries[k]!;
    const pool = inner.length > 0 && r.uniform() < 0.6 ? inner : generic;
    const m = pool[r.int(pool.length)]!({ bytes: e.data, weightRanges: [] }, r);
    const out = entries.map((x, j) => (j === k ? { ...x, data: m.bytes } : x));
    return { bytes: makeZip(out, { align: 64 }), kind: `rezip ${e.name}: ${m.kind}`, range: null };
  };
}

/** Pickle fragments, including memo reuse that multiplies references. */
const PICKLE_FRAGMENTS: Uint8Array[] = [
  P.global("os", "system"),
  P.global("builtins", "eval"),
  P.global("torch._utils", "_rebuild_tensor_v2"),
  P.global("collections", "OrderedDict"),
  P.global("torch", "FloatStorage"),
  P.reduce(),
  P.build(),
  P.mark(),
  P.tuple(),
  P.emptyTuple(),
  P.emptyDict(),
  P.emptyList(),
  P.setitems(),
  P.appends(),
  P.binpersid(),
  P.binget(0),
  P.binget(1),
  P.binput(0),
  P.binput(1),
  P.str("storage"),
  P.int(65535),
  P.none(),
  P.stop(),
  Uint8Array.of(0x32), // DUP
  Uint8Array.of(0x30), // POP
  Uint8Array.of(0x31), // POP_MARK
  Uint8Array.of(0x81), // NEWOBJ
  Uint8Array.of(0x92), // NEWOBJ_EX
  Uint8Array.of(0x93), // STACK_GLOBAL
  Uint8Array.of(0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), // FRAME of absurd length
  Uint8Array.of(0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // BINUNICODE8 absurd
  Uint8Array.of(0x8b, 0xff, 0xff, 0xff, 0x7f), // LONG4 absurd
  Uint8Array.of(0x6a, 0xff, 0xff, 0xff, 0xff), // LONG_BINGET absurd
  Uint8Array.of(0x72, 0xff, 0xff, 0xff, 0xff), // LONG_BINPUT absurd
  utf8("I99999999999999999999999999999999999\n"),
  utf8("Fnan\n"),
  Uint8Array.of(0x82, 0x01), // EXT1
  Uint8Array.of(0x97), // NEXT_BUFFER
  // memo fan-out: [x, x] of the memoized value, memoized again, several times over
  concat(Array.from({ length: 24 }, () => concat([P.mark(), P.binget(0), P.binget(0), Uint8Array.of(0x6c), P.binput(0)]))),
  concat([Uint8Array.of(0x32), P.binput(0), ...Array.from({ length: 30 }, () => concat([P.mark(), P.binget(0), P.binget(0), P.tuple(), P.binput(0)]))]),
];

const pickleOps: Mutator[] = [
  (s, r) => {
    const at = r.int(s.bytes.length);
    const frag = PICKLE_FRAGMENTS[r.int(PICKLE_FRAGMENTS.length)]!;
    return { bytes: concat([s.bytes.subarray(0, at), frag, s.bytes.subarray(at)]), kind: "pickle: fragment", range: null };
  },
  (s, r) => {
    // a random program of fragments
    const parts: Uint8Array[] = [P.proto(1 + r.int(5))];
    const n = 1 + r.int(30);
    for (let i = 0; i < n; i++) parts.push(r.uniform() < 0.8 ? PICKLE_FRAGMENTS[r.int(PICKLE_FRAGMENTS.length)]! : Uint8Array.of(r.int(256)));
    parts.push(P.stop());
    return { bytes: concat(parts), kind: "pickle: random program", range: null };
  },
  (_s, r) => ({ bytes: laughsPickle(8 + r.int(30)), kind: "pickle: billion laughs", range: null }),
];

/** Rewrite a safetensors header (parsed, changed, re-encoded with a correct length). */
const safetensorsHeader: Mutator = (s, r) => {
  const b = s.bytes;
  const n = Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  const t = header[names[r.int(names.length)]!]!;
  const what = r.int(6);
  let kind = "safetensors header: ";
  if (what === 0) {
    const j = r.int(Math.max(1, t.shape.length));
    t.shape[j] = [0, 1, (t.shape[j] ?? 1) + 1, (t.shape[j] ?? 1) * 2, 2 ** 31, 2 ** 53][r.int(6)]!;
    kind += "shape entry";
  } else if (what === 1) {
    t.data_offsets[r.int(2)] = [0, 1, 2 ** 32, -1, (t.data_offsets[0] ?? 0) + 2][r.int(5)]!;
    kind += "data_offsets";
  } else if (what === 2) {
    t.dtype = ["F64", "F16", "I8", "BOOL", "Q4", ""][r.int(6)]!;
    kind += "dtype";
  } else if (what === 3) {
    t.shape = r.uniform() < 0.5 ? [...t.shape, 1] : t.shape.slice(1);
    kind += "rank";
  } else if (what === 4) {
    // deeply nested metadata, spliced in as text (JSON.stringify would recurse)
    const depth = 100 + r.int(5000);
    const text = utf8(`{"__metadata__":${"[".repeat(depth)}${"]".repeat(depth)},${JSON.stringify(header).slice(1)}`);
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(text.length), true);
    return { bytes: concat([len, text, b.subarray(8 + n)]), kind: kind + "nested metadata", range: null };
  } else {
    const names2 = names.slice();
    const a = header[names2[0]!]!;
    const c = header[names2[names2.length - 1]!]!;
    [a.data_offsets, c.data_offsets] = [c.data_offsets, a.data_offsets];
    kind += "swapped offsets";
  }
  const text = utf8(JSON.stringify(header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(text.length), true);
  return { bytes: concat([len, text, b.subarray(8 + n)]), kind, range: null };
};

/** Rewrite a .npy header's text (shape, descr, order), keeping its length field consistent. */
const npyHeader: Mutator = (s, r) => {
  const b = s.bytes;
  const hl = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(8, true);
  let text = new TextDecoder("latin1").decode(b.subarray(10, 10 + hl));
  const edits: [RegExp, string][] = [
    [/\((\d+)/, `(${[0, 1, 2, 65535, 2 ** 31, 2 ** 40][r.int(6)]}`],
    [/(\d+)\)/, `${[0, 1, 3, 4294967296][r.int(4)]})`],
    [/'descr': '[^']*'/, `'descr': '${["<f4", ">f8", "|u1", "<i8", "|O", "<c16", "<U3", "[('a','<f4')]"][r.int(8)]}'`],
    [/False|True/, ["True", "False", "None", "1"][r.int(4)]!],
    [/\)/, `, ${1 + r.int(3)})`],
    [/\{/, "{'shape': (1,), "],
  ];
  const [re, rep] = edits[r.int(edits.length)]!;
  text = text.replace(re, rep);
  const h = new TextEncoder().encode(text);
  const head = new Uint8Array(10);
  head.set(b.subarray(0, 8));
  new DataView(head.buffer).setUint16(8, h.length, true);
  return { bytes: concat([head, h, b.subarray(10 + hl)]), kind: "npy header", range: null };
};

/** Offsets and lengths of every varint in a protobuf (recursing into fields that parse as messages). */
function varints(b: Uint8Array, base = 0, depth = 0, out: [number, number][] = []): [number, number][] {
  let p = 0;
  const read = (): number | null => {
    const start = p;
    for (let i = 0; i < 10 && p < b.length; i++) if ((b[p++]! & 0x80) === 0) return p - start;
    return null;
  };
  const found: [number, number][] = [];
  while (p < b.length) {
    const kStart = p;
    const kl = read();
    if (kl === null) return out;
    let key = 0;
    for (let i = kl - 1; i >= 0; i--) key = key * 128 + (b[kStart + i]! & 0x7f);
    const wire = key & 7;
    found.push([base + kStart, kl]);
    if (wire === 0) {
      const vs = p;
      const vl = read();
      if (vl === null) return out;
      found.push([base + vs, vl]);
    } else if (wire === 2) {
      const ls = p;
      const ll = read();
      if (ll === null) return out;
      let len = 0;
      for (let i = ll - 1; i >= 0; i--) len = len * 128 + (b[ls + i]! & 0x7f);
      found.push([base + ls, ll]);
      if (p + len > b.length) return out;
      if (depth < 6 && len > 0) varints(b.subarray(p, p + len), base + p, depth + 1, found);
      p += len;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else return out;
  }
  out.push(...found);
  return out;
}

/** Change one varint of the protobuf to another value of the same encoded length. */
const protobufVarint: Mutator = (s, r) => {
  const b = s.bytes.slice();
  const vs = varints(b);
  if (vs.length === 0) return generic[1]!(s, r);
  const [at, len] = vs[r.int(vs.length)]!;
  // a new value with the same byte length: random 7-bit groups, continuation bits kept
  for (let i = 0; i < len; i++) {
    const cont = i < len - 1 ? 0x80 : 0;
    b[at + i] = cont | (r.uniform() < 0.5 ? r.int(128) : (b[at + i]! & 0x7f) ^ (1 << r.int(7)));
  }
  if (len > 1 && b[at + len - 1] === 0) b[at + len - 1] = 1; // keep it minimal-length (non-zero last group)
  return { bytes: b, kind: "protobuf varint", range: [at, at + len] };
};

/** Token-level JSON mutations: deep nesting, odd values, rows removed or duplicated. */
const jsonTokens: Mutator[] = [
  (s, r) => {
    const t = new TextDecoder().decode(s.bytes);
    const nums = [...t.matchAll(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi)];
    const m = nums[r.int(nums.length)]!;
    const depth = [70, 500, 4100, 20000][r.int(4)]!;
    const out = t.slice(0, m.index) + "[".repeat(depth) + m[0] + "]".repeat(depth) + t.slice(m.index! + m[0].length);
    return { bytes: utf8(out), kind: `json: nesting ${depth}`, range: null };
  },
  (s, r) => {
    const t = new TextDecoder().decode(s.bytes);
    const nums = [...t.matchAll(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi)];
    const m = nums[r.int(nums.length)]!;
    const v = ["1e309", "-1e309", "NaN", "null", '"1"', "[]", "{}", "true", "1e300", "0x10"][r.int(10)]!;
    const out = t.slice(0, m.index) + v + t.slice(m.index! + m[0].length);
    const inWeights = s.weightRanges.some(([lo, hi]) => m.index! >= lo && m.index! + m[0].length <= hi);
    return { bytes: utf8(out), kind: `json: value ${v}`, range: inWeights ? [m.index!, m.index! + m[0].length] : null };
  },
  (s, r) => {
    // remove or duplicate one row of an array of rows
    const t = new TextDecoder().decode(s.bytes);
    const rows = [...t.matchAll(/\[[^[\]]*\]/g)];
    const m = rows[r.int(rows.length)]!;
    const end = m.index! + m[0].length;
    const dup = r.uniform() < 0.5;
    const hasComma = t[end] === ",";
    const out = dup ? t.slice(0, end) + "," + m[0] + t.slice(end) : t.slice(0, m.index) + t.slice(hasComma ? end + 1 : end);
    return { bytes: utf8(out), kind: dup ? "json: row duplicated" : "json: row removed", range: [m.index!, end + (hasComma ? 1 : 0)] };
  },
];

/** The chunks of a PNG: offset, data length and type. */
function pngChunks(b: Uint8Array): { at: number; len: number; type: string }[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { at: number; len: number; type: string }[] = [];
  for (let p = 8; p + 12 <= b.length;) {
    const len = dv.getUint32(p);
    if (p + 12 + len > b.length) break;
    out.push({ at: p, len, type: String.fromCharCode(...b.subarray(p + 4, p + 8)) });
    p += 12 + len;
  }
  return out;
}

/** Chunk-aware PNG mutations: lengths, IHDR fields and chunk data with a recomputed CRC, chunks dropped, doubled or added. */
const pngMutations: Mutator[] = [
  (s, r) => {
    const b = s.bytes.slice();
    const cs = pngChunks(b);
    const c = cs[r.int(cs.length)]!;
    new DataView(b.buffer).setUint32(c.at, [0, 1, c.len + 1, c.len - 1, 0x7fffffff, 0xffffffff, c.len * 2][r.int(7)]! >>> 0);
    return { bytes: b, kind: `png: ${c.type} length`, range: null };
  },
  (s, r) => {
    // a field of IHDR (or a byte of another chunk) changed, CRC recomputed so it passes
    const b = s.bytes.slice();
    const cs = pngChunks(b);
    const c = r.uniform() < 0.6 ? cs[0]! : cs[r.int(cs.length)]!;
    if (c.len === 0) return generic[1]!(s, r);
    const dv = new DataView(b.buffer);
    if (c.type === "IHDR") {
      const f = r.int(5);
      if (f < 2) dv.setUint32(c.at + 8 + 4 * f, [0, 1, 2, 27, 29, 56, 65535, 8192, 2 ** 31 - 1, 2 ** 31][r.int(10)]! >>> 0);
      else b[c.at + 8 + 8 + (f - 2)] = [0, 1, 2, 3, 4, 6, 8, 16, 255][r.int(9)]!;
    } else b[c.at + 8 + r.int(c.len)]! ^= 1 << r.int(8);
    dv.setUint32(c.at + 8 + c.len, crc32(b, c.at + 4, c.at + 8 + c.len));
    return { bytes: b, kind: `png: ${c.type} data (CRC fixed)`, range: null };
  },
  (s, r) => {
    const b = s.bytes;
    const cs = pngChunks(b);
    const c = cs[r.int(cs.length)]!;
    const whole = b.subarray(c.at, c.at + 12 + c.len);
    const what = r.int(3);
    if (what === 0) return { bytes: concat([b.subarray(0, c.at), b.subarray(c.at + 12 + c.len)]), kind: `png: ${c.type} dropped`, range: null };
    if (what === 1) return { bytes: concat([b.subarray(0, c.at), whole, b.subarray(c.at)]), kind: `png: ${c.type} doubled`, range: null };
    const type = ["tEXt", "zzZz", "IDAT", "PLTE", "tRNS", "IHDR", "Abcd"][r.int(7)]!;
    const extra = pngChunk(
      type,
      Uint8Array.from({ length: r.int(40) }, () => r.int(256)),
    );
    return { bytes: concat([b.subarray(0, c.at), extra, b.subarray(c.at)]), kind: `png: ${type} inserted`, range: null };
  },
];

// ---------------------------------------------------------------- the formats

const SPECS: TorchTensorSpec[] = [
  { name: "0.weight", dtype: "float32", shape: [3, 2], values: [0.5, -1, 2, 0.25, -0.75, 1.5], transposed: true, offset: 2 },
  { name: "0.bias", dtype: "float16", shape: [3], values: [0.5, -0.25, 1] },
  { name: "2.weight", dtype: "bfloat16", shape: [4, 3], values: [1, 2, 3, -4, 5, -6, 1, 2, 3, 4, 5, 6] },
  { name: "2.bias", dtype: "float32", shape: [4], values: [1, 2, 3, 4] },
];

/** The repository's root: this file runs from test/model/io (vitest) or dist/test/model/io (`npm run fuzz`). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  return dir;
}
const ROOT = repoRoot();
// copies: Buffer.slice() shares memory, and no mutation may damage a seed
const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(join(ROOT, "test/model/io/golden", name)));
/** A file from ../shared/fixtures (real PyTorch-made models), when present. */
function shared(name: string): Uint8Array[] {
  const path = join(ROOT, "..", "shared", "fixtures", name);
  return existsSync(path) ? [new Uint8Array(readFileSync(path))] : [];
}

const relu: LoadModelOptions = { activation: "relu" };
const mk =
  (file: string): ((msg: string) => ModelFormatError) =>
  (msg) =>
    new ModelFormatError(msg, { file });
const sizes = (bytes: Uint8Array, file: string, opts: LoadModelOptions = {}): string => loadModelBytes(bytes, file, opts).sizes.join("-");
const plain = (bytes: Uint8Array): Seed => ({ bytes, weightRanges: [] });

function zipSeed(entries: ZipInput[]): Seed {
  return { bytes: makeZip(entries, { align: 64 }), zip: entries, weightRanges: [] };
}

function ptEntries(deflate: boolean): ZipInput[] {
  return [
    { name: "archive/data.pkl", data: statePickle(SPECS) },
    { name: "archive/byteorder", data: utf8("little") },
    ...SPECS.map((t, k) => ({ name: `archive/data/${k}`, data: storageOf(t).data, method: (deflate ? 8 : 0) as 0 | 8 })),
    { name: "archive/version", data: utf8("3\n") },
  ];
}

/** Text ranges of `"weight": [...]` and `"bias": [...]` values in a native JSON model. */
function jsonWeightRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(/"(weight|bias|x|z)":\[/g)) {
    let depth = 0;
    for (let i = m.index! + m[0].length - 1; i < text.length; i++) {
      if (text[i] === "[") depth++;
      else if (text[i] === "]" && --depth === 0) {
        out.push([m.index! + m[0].length, i]);
        break;
      }
    }
  }
  return out;
}

function jsonModelSeed(sizesList: number[], bias: boolean, seed: number): Seed {
  const text = modelToJson(randomGenerator({ sizes: sizesList, activation: { kind: "relu" }, bias, rng: seed }));
  return { bytes: utf8(text), weightRanges: jsonWeightRanges(text) };
}

function obsJsonSeed(rows: number, cols: number): Seed {
  const r = new Rng(rows * 100 + cols);
  const x = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round(r.normal() * 1e4) / 1e4));
  const text = JSON.stringify({ x, z: x.map((row) => row.slice(0, 2)) });
  // the data values: from x's first bracket to z's last (z is optional: a file without it is valid)
  const ranges = jsonWeightRanges(text);
  return { bytes: utf8(text), weightRanges: [[ranges[0]![0] - 1, ranges[ranges.length - 1]![1] + 1]] };
}

const shape = (rows: number, cols: number): string => `${rows}x${cols}`;

function pngSeeds(): Seed[] {
  const r = new Rng(28);
  const gray = Array.from({ length: 784 }, () => r.uniform());
  const rgba = Array.from({ length: 7 * 5 * 4 }, () => r.int(256));
  const idx = Array.from({ length: 9 * 4 }, () => r.int(4));
  return [
    plain(grayToPng(gray, 28, 28)),
    plain(encodePng({ width: 7, height: 5, channels: 4, data: rgba }, { interlace: true })),
    plain(
      encodePng(
        { width: 9, height: 4, channels: 1, data: idx },
        { palette: { colors: [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255], alpha: [255, 128, 0, 255] } },
      ),
    ),
  ];
}

/** Every fuzzed format. */
export const FORMATS: readonly FuzzFormat[] = [
  {
    name: "json-model",
    file: "fuzz.json",
    seeds: () => [jsonModelSeed([2, 3, 4], true, 1), jsonModelSeed([3, 5], false, 2)],
    load: (b) => sizes(b, "fuzz.json"),
    mutators: jsonTokens,
  },
  {
    name: "pytorch-legacy",
    file: "fuzz.pth",
    seeds: () => [
      plain(makeLegacyPth(SPECS)),
      plain(golden("golden_legacy.pth")),
      ...shared("trained_vae_20_60_784_nobias.pth").map((bytes) => ({ bytes, weightRanges: [], options: { layers: ["fc3", "fc4"], activation: "relu" } })),
    ],
    load: (b, s) => sizes(b, "fuzz.pth", s.options ?? relu),
    mutators: pickleOps,
  },
  {
    name: "pytorch-zip",
    file: "fuzz.pt",
    seeds: () => [
      zipSeed(ptEntries(false)),
      zipSeed(ptEntries(true)),
      plain(golden("golden_p4_deflated.pt")),
      ...shared("vae_relu_decoder_sequential.pt").map(plain),
    ],
    load: (b) => sizes(b, "fuzz.pt", relu),
    mutators: [zipStructure, rezip((n) => n.endsWith("data.pkl"), pickleOps), rezip((n) => n.includes("/data/"), [])],
  },
  {
    name: "safetensors",
    file: "fuzz.safetensors",
    seeds: () => [
      plain(makeSafetensors(SPECS.map(({ name, dtype, shape: s, values }) => ({ name, dtype, shape: s, values })))),
      ...shared("vae_relu_decoder.safetensors").map(plain),
    ],
    load: (b) => sizes(b, "fuzz.safetensors", relu),
    mutators: [safetensorsHeader],
  },
  {
    name: "onnx",
    file: "fuzz.onnx",
    seeds: () => [
      plain(
        makeOnnx({
          nodes: [
            {
              op: "Gemm",
              inputs: ["z", "W", "b"],
              outputs: ["a"],
              attrs: [
                { name: "transB", i: 1 },
                { name: "alpha", f: 0.5 },
              ],
            },
            { op: "LeakyRelu", inputs: ["a"], outputs: ["c"] },
            { op: "MatMul", inputs: ["c", "V"], outputs: ["d"] },
            { op: "Relu", inputs: ["d"], outputs: ["y"] },
          ],
          initializers: [
            { name: "W", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] },
            { name: "b", shape: [3], values: [1, 2, 3], storage: "float_data" },
            { name: "V", shape: [3, 2], values: [1, 2, 3, 4, 5, 6], storage: "half_int32" },
          ],
          input: { name: "z", shape: ["N", 2] },
          output: { name: "y", shape: ["N", 2] },
        }),
      ),
      ...shared("vae_relu_decoder.onnx").map(plain),
    ],
    load: (b) => sizes(b, "fuzz.onnx"),
    mutators: [protobufVarint],
  },
  {
    name: "npz-model",
    file: "fuzz.npz",
    seeds: () => [
      zipSeed([
        { name: "0.weight.npy", data: makeNpy([3, 2], [1, 2, 3, 4, 5, 6]) },
        { name: "0.bias.npy", data: makeNpy([3], [1, 2, 3], { dtype: "float32" }) },
        {
          name: "2.weight.npy",
          data: makeNpy(
            [4, 3],
            Array.from({ length: 12 }, (_v, i) => i / 3),
            { fortran: true },
          ),
          method: 8,
        },
      ]),
    ],
    load: (b) => sizes(b, "fuzz.npz", relu),
    mutators: [zipStructure, rezip((n) => n.endsWith(".npy"), [npyHeader])],
  },
  {
    name: "npy-obs",
    file: "fuzz.npy",
    seeds: () => [
      plain(
        makeNpy(
          [3, 4],
          Array.from({ length: 12 }, (_v, i) => i),
          { dtype: "float16", fortran: true },
        ),
      ),
      plain(golden("golden_be_f4.npy")),
      ...shared("vae_relu_decoder_x.npy").map(plain),
    ],
    load: (b) => {
      // as loadObservations sees it: the first axis is rows, the rest flattened
      const a = parseNpy(b, "fuzz.npy");
      const rows = a.shape.length === 1 ? 1 : a.shape[0]!;
      return shape(rows, a.data.length / Math.max(1, rows));
    },
    mutators: [npyHeader],
  },
  {
    name: "npz-obs",
    file: "fuzz-obs.npz",
    seeds: () => [
      zipSeed([
        {
          name: "x.npy",
          data: makeNpy(
            [3, 4],
            Array.from({ length: 12 }, (_v, i) => i),
            { dtype: "float32" },
          ),
          method: 8,
        },
        { name: "z.npy", data: makeNpy([3, 2], [1, 2, 3, 4, 5, 6]) },
      ]),
      plain(golden("golden_arrays.npz")),
    ],
    load: (b) => {
      const f = readNpz(b, dataErrors("fuzz-obs.npz"));
      return f.keys
        .map((k) => {
          const a = f.get(k);
          const rows = a.shape.length === 1 ? 1 : a.shape[0]!;
          return `${k}:${shape(rows, a.tensor.read().length / Math.max(1, rows))}`;
        })
        .join(",");
    },
    mutators: [zipStructure, rezip((n) => n.endsWith(".npy"), [npyHeader])],
  },
  {
    name: "json-obs",
    file: "fuzz-obs.json",
    seeds: () => [obsJsonSeed(3, 5), obsJsonSeed(1, 8)],
    load: (b) => {
      const doc = parseJsonText(decodeText(b, mk("fuzz-obs.json")), mk("fuzz-obs.json")) as Record<string, unknown> | null;
      if (typeof doc !== "object" || doc === null || !("x" in doc)) throw new ModelFormatError("no x", { file: "fuzz-obs.json" });
      const x = matrixFromJson(doc.x, "x", "fuzz-obs.json");
      const z = doc.z !== undefined && doc.z !== null ? matrixFromJson(doc.z, "z", "fuzz-obs.json") : null;
      return shape(x.rows, x.cols) + (z ? `;${shape(z.rows, z.cols)}` : "");
    },
    mutators: jsonTokens,
  },
  {
    name: "png",
    file: "fuzz.png",
    seeds: pngSeeds,
    load: (b) => {
      // what an observation keeps: width × height gray values (an ancillary tRNS dropped is still the same image size)
      const img = decodePng(b, "fuzz.png");
      return `${img.width}x${img.height}`;
    },
    mutators: pngMutations,
  },
];

/** Seeds and their signatures (what the unmodified files load as). */
export function prepare(format: FuzzFormat): { seeds: Seed[]; signatures: string[] } {
  const seeds = format.seeds();
  return { seeds, signatures: seeds.map((s) => format.load(s.bytes, s)) };
}
