/**
 * The page's compact, lossless copy of a shipped generator: what web/build.mjs writes for the page
 * instead of the package's JSON text (the Node package keeps reading models/*.json[.gz]).
 *
 * Why this exists: the shipped weights are not float32 values. scripts/mnist-models.ts rounds each
 * trained float64 weight v to the SHORTEST decimal (≤ 9 significant digits) that still rounds to
 * fround(v), and the JSON holds that decimal d; so float32 binary alone is lossy (d ≠ fround(d)),
 * float64 binary is larger than the JSON, and JSON text is 4.8 bytes a weight gzipped. Here each d is
 * stored as f = fround(d) (4 bytes, byte-planes for the compressor) plus one code byte: d is the
 * p-digit decimal `f.toPrecision(p)` moved by k units in its last digit, with p = q + (the fewest
 * digits that name f). q and k are tiny (q ∈ 0..2, |k| ≤ 6 on the shipped nets), so the code bytes
 * compress to ~2 bits a weight. Decoding rounds the decimal to float64 correctly, as JSON.parse
 * does (Clinger's fast path: no strings, ~50 ms for the 496,000 weights of mnist-leaky), so the
 * page's float64 weights are bit for bit Node's.
 *
 * The container is safetensors (read by the library's own safetensors reader, with its checks):
 * U8 tensor `f32planes` [4, N] (byte j of every float32 in plane j, little-endian), U8 tensor
 * `decimal` [N] (q << 4 | (k + 8)), and `__metadata__.geninv_model`: the native JSON model document
 * with every weight/bias list replaced by its shape, values taken in layer order, weight row-major
 * then bias. The page gets it xz-compressed (web/build.mjs), and rebuilds the generator through the
 * native-model validator (modelFromJson), exactly as Node builds it from the JSON text.
 */
import { ModelFormatError } from "../../src/errors.js";
import { type Generator } from "../../src/model/generator.js";
import { modelFromJson } from "../../src/model/io/json-model.js";
import { readSafetensors } from "../../src/model/io/safetensors.js";

/** `__metadata__` key holding the model document (shapes in place of numbers). */
export const PACKED_MODEL_KEY = "geninv_model";
/** Format tag of the packed model (in `__metadata__.format`). */
export const PACKED_MODEL_FORMAT = "geninv.packed-model.v1";

interface LayerSkeleton {
  weight: { rows: number; cols: number };
  bias: number | null;
  activation: unknown;
  name?: string;
}

/** 10^i, exact in float64 for 0 ≤ i ≤ 22 (Clinger's fast path: one IEEE operation on exact operands rounds correctly). */
const EXACT_POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** 10^E as JSON reads the literal `1eE`, for the decimal exponent of any float32 (E ∈ −46 … 39). */
const POW10_AT = Array.from({ length: 86 }, (_, i) => Number(`1e${i - 46}`));

const scratch32 = new Float32Array(1);
const scratchBits = new Uint32Array(scratch32.buffer);

/** E with 10^E ≤ x < 10^(E+1) for a positive float32 x: a guess from its binary exponent, settled on the table (the same everywhere). */
function decimalExponent(x: number): number {
  scratch32[0] = x;
  const e2 = ((scratchBits[0]! >>> 23) & 255) - 127;
  let e = Math.max(-46, Math.min(38, Math.floor(e2 * 0.3010299956639812)));
  while (e > -46 && x < POW10_AT[e + 46]!) e--;
  while (e < 38 && x >= POW10_AT[e + 47]!) e++;
  return e;
}

/**
 * The p-significant-digit decimal of x = |f| (decimal exponent e) moved by k units in its last
 * digit, as M · 10^−n: M = round(x · 10^n) + k with n = p − 1 − e. The decimal is rounded to
 * float64 by Clinger's fast path (M < 2^53, |n| ≤ 22: M / 10^n is one correctly rounded division,
 * the same float64 as JSON.parse of its digits), else by Number() of its digits. The packer checks
 * that every weight round-trips through exactly this, so it need only be deterministic, not a true
 * toPrecision.
 */
function decimalOf(x: number, e: number, p: number, k: number): number {
  const n = p - 1 - e;
  if (n >= 0 && n <= 22) {
    const s = EXACT_POW10[n]!;
    return (Math.round(x * s) + k) / s;
  }
  if (n < 0 && n >= -22) {
    const s = EXACT_POW10[-n]!;
    return (Math.round(x / s) + k) * s;
  }
  const [mant, exp] = x.toExponential(p - 1).split("e") as [string, string];
  return Number(`${Number(mant.replace(".", "")) + k}e${Number(exp) - (p - 1)}`);
}

/**
 * The digits the code counts from: the fewest p in FIRST_DIGITS … 9 whose decimal of x = |f| reads
 * back as x in float32. (A float32 rarely has a shorter decimal — 0.03 % of the shipped weights —
 * and those are still held, as that decimal padded with zeros; starting at 5 halves the decoding.)
 */
function fewestDigits(x: number, e: number): number {
  for (let p = FIRST_DIGITS; p < 9; p++) if (Math.fround(decimalOf(x, e, p, 0)) === x) return p;
  return 9;
}

/** See {@link fewestDigits}. */
const FIRST_DIGITS = 5;

/** The code byte of `d` (q << 4 | (k + 8)), or -1 when d is not a short decimal of a float32. */
function codeOf(d: number): number {
  const f = Math.fround(d);
  if (!Number.isFinite(f) || f === 0) return Object.is(f, d) ? 8 : -1;
  const x = Math.abs(f);
  const e = decimalExponent(x);
  const p0 = fewestDigits(x, e);
  const target = Math.abs(d);
  for (let q = 0; p0 + q <= 9; q++) {
    for (let k = 0; k <= 7; k++) {
      if (decimalOf(x, e, p0 + q, k) === target) return (q << 4) | (k + 8);
      if (k > 0 && decimalOf(x, e, p0 + q, -k) === target) return (q << 4) | (8 - k);
    }
  }
  return -1;
}

/** The value a code byte and float32 stand for (the inverse of {@link codeOf}). */
function valueOf(f: number, code: number): number {
  if (f === 0 || !Number.isFinite(f)) return f;
  const x = Math.abs(f);
  const e = decimalExponent(x);
  const v = decimalOf(x, e, fewestDigits(x, e) + (code >> 4), (code & 15) - 8);
  return f < 0 ? -v : v;
}

/**
 * Pack a native model document (as parsed from the package's JSON) into the page's safetensors bytes.
 * @throws Error naming the layer and index of a weight that is not a short decimal of a float32
 */
export function packModel(doc: {
  format: string;
  version: number;
  metadata?: unknown;
  layers: { weight: number[][]; bias: number[] | null; activation: unknown; name?: string }[];
}): Uint8Array {
  const values: number[] = [];
  const layers: LayerSkeleton[] = doc.layers.map((l) => {
    for (const row of l.weight) for (const v of row) values.push(v);
    if (l.bias) for (const v of l.bias) values.push(v);
    return {
      weight: { rows: l.weight.length, cols: l.weight[0]?.length ?? 0 },
      bias: l.bias ? l.bias.length : null,
      activation: l.activation,
      ...(l.name !== undefined ? { name: l.name } : {}),
    };
  });
  const n = values.length;
  const planes = new Uint8Array(4 * n);
  const codes = new Uint8Array(n);
  const f32 = new Float32Array(1);
  const f32bytes = new Uint8Array(f32.buffer);
  for (let i = 0; i < n; i++) {
    const d = values[i]!;
    const code = codeOf(d);
    if (code < 0 || valueOf(Math.fround(d), code) !== d)
      throw new Error(`value #${i} (${d}) is not a short decimal of a float32: this model cannot be packed losslessly`);
    f32[0] = d;
    for (let j = 0; j < 4; j++) planes[j * n + i] = f32bytes[j]!;
    codes[i] = code;
  }
  const skeleton = { format: doc.format, version: doc.version, ...(doc.metadata !== undefined ? { metadata: doc.metadata } : {}), layers };
  const header = {
    __metadata__: { format: PACKED_MODEL_FORMAT, [PACKED_MODEL_KEY]: JSON.stringify(skeleton) },
    f32planes: { dtype: "U8", shape: [4, n], data_offsets: [0, 4 * n] },
    decimal: { dtype: "U8", shape: [n], data_offsets: [4 * n, 5 * n] },
  };
  let text = JSON.stringify(header);
  text += " ".repeat((8 - (text.length % 8)) % 8); // the reference writer pads the header to 8 bytes
  const head = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + head.length + 5 * n);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(planes, 8 + head.length);
  out.set(codes, 8 + head.length + 4 * n);
  return out;
}

/**
 * Rebuild the generator from packed bytes (see the module comment), through the same native-model
 * validator as the JSON loader.
 * @throws ModelFormatError naming `file` when the bytes are not a packed model
 */
export function unpackModel(bytes: Uint8Array, file: string): Generator {
  const mk = (msg: string, field?: string): ModelFormatError => new ModelFormatError(msg, { file, ...(field ? { field } : {}) });
  const st = readSafetensors(bytes, mk);
  if (st.metadata.format !== PACKED_MODEL_FORMAT) throw mk(`expected format ${PACKED_MODEL_FORMAT}, got ${JSON.stringify(st.metadata.format)}`, "__metadata__");
  const planesT = st.tensors.find((t) => t.name === "f32planes");
  const codesT = st.tensors.find((t) => t.name === "decimal");
  if (!planesT || !codesT || planesT.dtype !== "uint8" || codesT.dtype !== "uint8") throw mk("needs U8 tensors f32planes and decimal", "tensors");
  const n = codesT.shape[0] ?? 0;
  if (codesT.shape.length !== 1 || planesT.shape.length !== 2 || planesT.shape[0] !== 4 || planesT.shape[1] !== n) {
    throw mk(`f32planes is [${planesT.shape.join(", ")}] and decimal [${codesT.shape.join(", ")}]: expected [4, N] and [N]`, "tensors");
  }
  let skeleton: { layers?: unknown };
  try {
    skeleton = JSON.parse(st.metadata[PACKED_MODEL_KEY] ?? "null") as { layers?: unknown };
  } catch (e) {
    throw mk(`is not JSON (${e instanceof Error ? e.message : String(e)})`, `__metadata__.${PACKED_MODEL_KEY}`);
  }
  if (typeof skeleton !== "object" || skeleton === null || !Array.isArray(skeleton.layers)) throw mk("has no layers", `__metadata__.${PACKED_MODEL_KEY}`);
  const planes = planesT.read();
  const codes = codesT.read();
  const f32 = new Float32Array(n);
  const f32bytes = new Uint8Array(f32.buffer);
  for (let j = 0; j < 4; j++) for (let i = 0; i < n; i++) f32bytes[4 * i + j] = planes[j * n + i]!;
  let at = 0;
  const take = (count: unknown, where: string): number[] => {
    if (typeof count !== "number" || !Number.isSafeInteger(count) || count <= 0 || at + count > n)
      throw mk(`asks for ${String(count)} values with ${n - at} left`, where);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++, at++) out[i] = valueOf(f32[at]!, codes[at]!);
    return out;
  };
  const layers = (skeleton.layers as LayerSkeleton[]).map((l, li) => {
    const w = l.weight;
    const rows: number[][] = [];
    for (let r = 0; r < (w?.rows ?? 0); r++) rows.push(take(w.cols, `layers[${li}].weight`));
    return { ...l, weight: rows, bias: l.bias === null ? null : take(l.bias, `layers[${li}].bias`) };
  });
  if (at !== n) throw mk(`holds ${n} values, the layers use ${at}`, "tensors");
  return modelFromJson({ ...skeleton, layers }, file);
}
