/**
 * PyTorch checkpoints (`torch.save`), both serializations:
 * - legacy (before 1.6): pickles of a magic number, the protocol version and system info, then the
 *   object with storages as persistent ids, then the list of storage keys, then each storage's raw
 *   bytes preceded by its element count;
 * - zip (1.6 and later): `<name>/data.pkl` with storages as persistent ids, each in `<name>/data/<key>`.
 * Tensors tagged `cuda:0` are read like any other: the location is only recorded. Globals pass the
 * allow-list of {@link findTorchGlobal}; the result is the flat list of named tensors.
 *
 * One concept over 400 lines: both serializations end in the same storage table, the same strided
 * tensor views and the same budget checks, so the two readers share everything below their framing.
 */
import { ByteBudget, type LoadLimits } from "../limits.js";
import { type DType, DTYPE_SIZE, type MakeError, stridedTensor, type Tensor } from "../tensor.js";
import { looksLikeZip, MAX_DEFLATE_RATIO, ZipArchive } from "../zip.js";
import { describe, PyCallable, PyDict, PyOpaque, PyRef, PySet, PyTuple, type PyValue, pickleObjectLimit, unpickle, type UnpickleOptions } from "./pickle.js";

/**
 * The named tensors of a checkpoint, in file order, as {@link readTorchCheckpoint} returns them.
 * @example
 * ```ts
 * import { generatorFromTensors, type TorchCheckpoint } from "geninv";
 * const w = { name: "fc.weight", dtype: "float32" as const, shape: [3, 2], read: () => new Float64Array(6).fill(1) };
 * const ckpt: TorchCheckpoint = { format: "pytorch-zip", tensors: [w], locations: ["cpu"], scalars: { epoch: 10 } };
 * console.log(generatorFromTensors(ckpt.tensors, { activation: "relu" }, "vae.pt").outputSize, ckpt.scalars.epoch); // 3 10
 * ```
 */
export interface TorchCheckpoint {
  /** `pytorch-legacy` or `pytorch-zip`. */
  format: string;
  /** The tensors, by their dotted state-dict names (`decoder.fc3.weight`). */
  tensors: Tensor[];
  /** Where the tensors were stored when saved (e.g. `cuda:0`), for information. */
  locations: string[];
  /** Non-tensor entries (numbers, strings) by dotted name, e.g. `epoch`. */
  scalars: Record<string, string | number | boolean | null>;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
const MAX_NESTING = 32;

/** Storage classes by name (under `torch` and `torch.cuda`) and the dtype of their elements. */
const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  DoubleStorage: "float64",
  FloatStorage: "float32",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  LongStorage: "int64",
  IntStorage: "int32",
  ShortStorage: "int16",
  CharStorage: "int8",
  ByteStorage: "uint8",
  BoolStorage: "bool",
  UntypedStorage: "uint8",
};

/** `torch.<name>` dtype objects (as `_rebuild_tensor_v3` receives them). */
const TORCH_DTYPES: Readonly<Record<string, DType>> = {
  float64: "float64",
  double: "float64",
  float32: "float32",
  float: "float32",
  float16: "float16",
  half: "float16",
  bfloat16: "bfloat16",
  int64: "int64",
  long: "int64",
  int32: "int32",
  int: "int32",
  int16: "int16",
  short: "int16",
  int8: "int8",
  uint8: "uint8",
  bool: "bool",
  float8_e4m3fn: "float8_e4m3fn",
  float8_e5m2: "float8_e5m2",
};

/** A storage referenced by a persistent id; its bytes are attached once the data is located. */
class StorageRef extends PyOpaque {
  bytes: Uint8Array | null = null;
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly location: string,
    readonly numel: number,
    /** For legacy storage views: the root storage and the element offset into it. */
    readonly root: StorageRef | null = null,
    readonly rootOffset = 0,
  ) {
    super();
  }
  /** The bytes of this storage (views slice their root). */
  data(): Uint8Array | null {
    if (!this.root) return this.bytes;
    const rb = this.root.bytes;
    if (!rb) return null;
    const size = DTYPE_SIZE[this.dtype];
    return rb.subarray(Math.min(rb.length, this.rootOffset * size), Math.min(rb.length, (this.rootOffset + this.numel) * size));
  }
}

/** A tensor as `_rebuild_tensor*` described it: a strided view of a storage. */
class TorchTensor extends PyOpaque {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: DType,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {
    super();
    this.acceptsState = true;
  }
}

/** The pickle budget options for a pickle of `bytes` bytes under `limits`. */
function objectBudget(bytes: number, limits: LoadLimits): Pick<UnpickleOptions, "maxObjects" | "maxObjectsHint"> {
  const maxObjects = limits.maxObjects ?? pickleObjectLimit(bytes);
  return {
    maxObjects,
    maxObjectsHint: `${maxObjects}${limits.maxObjects === undefined ? " (65536 + 4 per pickle byte)" : ""}; if you trust the file, raise it with --max-model-objects <n> (library option maxObjects)`,
  };
}

/**
 * Read a PyTorch checkpoint in either serialization; globals outside the allow-list are refused
 * (no code runs), tensors are decoded lazily.
 * @param buf the file's bytes
 * @param makeError builds the typed error to throw (ModelFormatError for a model file)
 * @param limits bytes the file may expand to and objects its pickle may build (see {@link LoadLimits})
 * @returns the named tensors, their storage locations and the non-tensor scalars
 * @throws the `makeError` error: not a checkpoint, a refused global, a malformed pickle or storage, a limit exceeded
 * @example
 * ```ts
 * import { ModelFormatError, readTorchCheckpoint } from "geninv";
 * try {
 *   readTorchCheckpoint(new TextEncoder().encode("not a checkpoint"), (msg) => new ModelFormatError(msg, { file: "vae.pt" }));
 * } catch (e) {
 *   if (!(e instanceof ModelFormatError)) throw e;
 *   console.log(e.message); // vae.pt: is neither a zip-format nor a legacy PyTorch checkpoint (no zip signature, no pickle header)
 * }
 * ```
 */
export function readTorchCheckpoint(buf: Uint8Array, makeError: MakeError, limits: LoadLimits = {}): TorchCheckpoint {
  if (looksLikeZip(buf)) return readZipCheckpoint(buf, makeError, limits);
  if (buf.length > 262 && String.fromCharCode(...buf.subarray(257, 262)) === "ustar") {
    throw makeError("is a tar archive: the tar serialization of PyTorch ≤ 0.1.10 is not supported (load and re-save it with a current torch)");
  }
  if (buf.length < 2 || buf[0] !== 0x80) throw makeError("is neither a zip-format nor a legacy PyTorch checkpoint (no zip signature, no pickle header)");
  return readLegacyCheckpoint(buf, makeError, limits);
}

function readLegacyCheckpoint(buf: Uint8Array, makeError: MakeError, limits: LoadLimits): TorchCheckpoint {
  const plain = { makeError, findGlobal: () => undefined, what: "the checkpoint header" };
  const magic = unpickle(buf, 0, plain);
  if (magic.value !== LEGACY_MAGIC) throw makeError(`starts with a pickle of ${describe(magic.value)}, not PyTorch's magic number: not a PyTorch checkpoint`);
  const proto = unpickle(buf, magic.end, plain);
  if (proto.value !== LEGACY_PROTOCOL) throw makeError(`legacy protocol version ${describe(proto.value)} is not supported (expected ${LEGACY_PROTOCOL})`);
  const sys = unpickle(buf, proto.end, plain);
  let little = true;
  if (sys.value instanceof PyDict) {
    const le = sys.value.map.get("little_endian");
    if (le === false) little = false;
  }
  const storages = new Map<string, StorageRef>();
  const main = unpickle(buf, sys.end, {
    makeError,
    findGlobal: findTorchGlobal(makeError),
    persistentLoad: (pid) => legacyPersistentLoad(pid, storages, buf.length, makeError),
    what: "a PyTorch checkpoint",
    refusalHint: wholeModelHint,
    ...objectBudget(buf.length - sys.end, limits),
  });
  const keysPickle = unpickle(buf, main.end, plain);
  if (!Array.isArray(keysPickle.value)) throw makeError(`the storage key list is ${describe(keysPickle.value)}, not a list`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = keysPickle.end;
  for (const key of keysPickle.value) {
    if (typeof key !== "string") throw makeError(`storage key ${describe(key)} is not a string`);
    const s = storages.get(key);
    if (!s || s.root) throw makeError(`the data section lists storage '${key}', which no tensor references`);
    const field = `storage '${key}'`;
    if (p + 8 > buf.length) throw makeError(`data ends before the element count (offset ${p}, file ${buf.length} bytes): truncated?`, field);
    const count = dv.getBigInt64(p, little);
    p += 8;
    if (count !== BigInt(s.numel)) throw makeError(`data section holds ${count} elements, the pickle says ${s.numel}`, field);
    const nbytes = s.numel * DTYPE_SIZE[s.dtype];
    if (p + nbytes > buf.length) {
      throw makeError(`${nbytes} bytes of ${s.dtype} data at offset ${p} run past the end of the file (${buf.length} bytes): truncated?`, field);
    }
    s.bytes = buf.subarray(p, p + nbytes);
    p += nbytes;
  }
  if (p !== buf.length) throw makeError(`${buf.length - p} bytes follow the last storage's data: corrupted, or not a legacy checkpoint`);
  return collect("pytorch-legacy", main.value, little, makeError, objectBudget(buf.length, limits).maxObjects!);
}

function legacyPersistentLoad(pid: PyValue, storages: Map<string, StorageRef>, fileSize: number, makeError: MakeError): StorageRef {
  const items = storageId(pid, makeError);
  const [, typ, key, location, numel] = items;
  const dtype = storageDtype(typ!, makeError);
  const root = storageFor(storages, key as string, dtype, location as string, numel as number, fileSize, makeError);
  const view = items[5];
  if (view === undefined || view === null) return root;
  // old-style storage views: (view_key, element offset, element count) into the root storage
  if (!(view instanceof PyTuple) || view.items.length !== 3) throw makeError(`storage view metadata of '${String(key)}' is ${describe(view)}`);
  const [vkey, voff, vsize] = view.items;
  if (typeof vkey !== "string" || !isCount(voff) || !isCount(vsize) || voff + vsize > root.numel) {
    throw makeError(
      `storage view of '${String(key)}' (${describe(vkey!)}, ${describe(voff!)}, ${describe(vsize!)}) does not fit its ${root.numel}-element storage`,
    );
  }
  const existing = storages.get(vkey);
  if (existing) return existing;
  const v = new StorageRef(vkey, dtype, location as string, vsize, root, voff);
  storages.set(vkey, v);
  return v;
}

function readZipCheckpoint(buf: Uint8Array, makeError: MakeError, limits: LoadLimits): TorchCheckpoint {
  const budget = new ByteBudget(buf.length, limits, "--max-model-bytes");
  const zip = new ZipArchive(buf, makeError, budget);
  const pkl = zip.entries.filter((e) => e.name === "data.pkl" || e.name.endsWith("/data.pkl"));
  if (pkl.length !== 1) {
    throw makeError(
      pkl.length === 0
        ? `zip archive has no data.pkl: not a PyTorch checkpoint (entries: ${
            zip.entries
              .map((e) => e.name)
              .slice(0, 8)
              .join(", ") || "none"
          })`
        : `zip archive has ${pkl.length} data.pkl entries (${pkl.map((e) => e.name).join(", ")}); expected one`,
    );
  }
  const prefix = pkl[0]!.name.slice(0, -"data.pkl".length);
  let little = true;
  const bo = zip.get(`${prefix}byteorder`);
  if (bo) {
    const text = new TextDecoder().decode(zip.read(bo)).trim();
    if (text === "big") little = false;
    else if (text !== "little") throw makeError(`byteorder is '${text.slice(0, 20)}', expected 'little' or 'big'`, `${prefix}byteorder`);
  }
  const storages = new Map<string, StorageRef>();
  const pklBytes = zip.read(pkl[0]!);
  const main = unpickle(pklBytes, 0, {
    makeError: (msg, field) => makeError(msg, field ?? pkl[0]!.name),
    findGlobal: findTorchGlobal(makeError),
    persistentLoad: (pid) => {
      const [, typ, key, location, numel] = storageId(pid, makeError);
      // a deflated entry may inflate up to MAX_DEFLATE_RATIO times; its exact size is checked below
      const dtype = storageDtype(typ!, makeError);
      // a stored member is at most the file; a deflated one at most what the budget lets it inflate to
      const most = Math.max(buf.length, Math.min(buf.length * MAX_DEFLATE_RATIO, budget.maxExpandedBytes));
      if ((numel as number) * DTYPE_SIZE[dtype] > most && !storages.has(key as string)) {
        throw makeError(
          `storage '${String(key)}' claims ${numel} ${dtype} elements (${(numel as number) * DTYPE_SIZE[dtype]} bytes): the file ${budget.overMessage((numel as number) * DTYPE_SIZE[dtype])}`,
        );
      }
      return storageFor(storages, key as string, dtype, location as string, numel as number, most, makeError);
    },
    what: "a PyTorch checkpoint",
    refusalHint: wholeModelHint,
    ...objectBudget(pklBytes.length, limits),
  });
  for (const s of storages.values()) {
    const name = `${prefix}data/${s.key}`;
    const entry = zip.get(name);
    if (!entry) throw makeError(`the pickle references storage '${s.key}' but the archive has no ${name}`);
    const nbytes = s.numel * DTYPE_SIZE[s.dtype];
    if (entry.size !== nbytes) throw makeError(`holds ${entry.size} bytes, but a storage of ${s.numel} ${s.dtype} elements is ${nbytes}`, name);
    s.bytes = zip.read(entry).subarray(0, nbytes);
  }
  return collect("pytorch-zip", main.value, little, makeError, objectBudget(pklBytes.length, limits).maxObjects!);
}

/** The `('storage', storage_type, key, location, numel[, view])` persistent id, checked. */
/** Advice when a checkpoint pickles module classes rather than a state dict. */
function wholeModelHint(module: string): string | undefined {
  return module.startsWith("torch.nn") || module === "__main__" || !module.startsWith("torch")
    ? "the file seems to pickle a whole model or other Python objects: save model.state_dict() instead, or export to ONNX or safetensors"
    : undefined;
}

function storageId(pid: PyValue, makeError: MakeError): PyValue[] {
  if (!(pid instanceof PyTuple) || pid.items.length < 5 || pid.items[0] !== "storage") {
    const what = pid instanceof PyTuple && typeof pid.items[0] === "string" ? `a '${pid.items[0]}' record` : describe(pid);
    throw makeError(
      `persistent id is ${what}, not a ('storage', type, key, location, size) record${pid instanceof PyTuple && pid.items[0] === "module" ? " (the file pickles a whole model: save model.state_dict() instead)" : ""}`,
    );
  }
  const [, , key, location, numel] = pid.items;
  if (typeof key !== "string" || typeof location !== "string" || !isCount(numel)) {
    throw makeError(
      `storage record (${pid.items
        .slice(1, 5)
        .map((v) => describe(v))
        .join(", ")}) has the wrong types`,
    );
  }
  return pid.items;
}

function storageFor(
  storages: Map<string, StorageRef>,
  key: string,
  dtype: DType,
  location: string,
  numel: number,
  fileSize: number,
  makeError: MakeError,
): StorageRef {
  const existing = storages.get(key);
  if (existing) {
    if (existing.dtype !== dtype || existing.numel !== numel) {
      throw makeError(`storage '${key}' is referenced as ${existing.numel} ${existing.dtype} and as ${numel} ${dtype} elements`);
    }
    return existing;
  }
  // a storage cannot hold more bytes than the file has
  if (numel * DTYPE_SIZE[dtype] > fileSize) {
    throw makeError(`storage '${key}' claims ${numel} ${dtype} elements, more than the file can hold`);
  }
  const s = new StorageRef(key, dtype, location, numel);
  storages.set(key, s);
  return s;
}

function storageDtype(typ: PyValue, makeError: MakeError): DType {
  if (typ instanceof PyRef) {
    const dt = STORAGE_DTYPES[typ.name];
    if (dt && (typ.module === "torch" || typ.module === "torch.cuda")) return dt;
  }
  throw makeError(`storage type ${describe(typ)} is not a known storage class`);
}

function isCount(v: PyValue | undefined): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * The allow-list: tensor rebuild functions, storage types, dtypes, OrderedDict, and a few inert
 * constructors (`torch.Size`, sets, `_codecs.encode` for protocol-2 bytes). Everything else is refused.
 */
export function findTorchGlobal(makeError: MakeError): (module: string, name: string) => PyCallable | PyRef | undefined {
  const intTuple = (v: PyValue | undefined, what: string, fn: string): number[] => {
    const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
    if (!items || !items.every(isCount)) throw makeError(`${fn}: ${what} is ${describe(v ?? null)}, not a tuple of non-negative integers`);
    return items as number[];
  };
  const rebuild = (fn: string, args: PyValue[], dtypeArg: PyValue | undefined): TorchTensor => {
    if (args.length < 4) throw makeError(`${fn} called with ${args.length} arguments, expected at least 4`);
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) throw makeError(`${fn}: first argument is ${describe(storage!)}, not a storage`);
    if (!isCount(offset)) throw makeError(`${fn}: storage offset is ${describe(offset!)}`);
    const shape = intTuple(size, "size", fn);
    const strides = intTuple(stride, "stride", fn);
    if (shape.length !== strides.length) throw makeError(`${fn}: size has ${shape.length} entries but stride has ${strides.length}`);
    let dtype = storage.dtype;
    if (dtypeArg !== undefined) {
      if (!(dtypeArg instanceof PyRef) || dtypeArg.module !== "torch" || !TORCH_DTYPES[dtypeArg.name]) {
        throw makeError(`${fn}: dtype is ${describe(dtypeArg)}`);
      }
      dtype = TORCH_DTYPES[dtypeArg.name]!;
      if (storage.dtype !== "uint8" && storage.dtype !== dtype) throw makeError(`${fn}: a ${dtype} tensor over a ${storage.dtype} storage`);
    }
    return new TorchTensor(storage, dtype, offset, shape, strides);
  };
  const fns: Record<string, (args: PyValue[]) => PyValue> = {
    "torch._utils._rebuild_tensor": (a) => rebuild("_rebuild_tensor", a, undefined),
    "torch._utils._rebuild_tensor_v2": (a) => rebuild("_rebuild_tensor_v2", a, undefined),
    "torch._utils._rebuild_tensor_v3": (a) => rebuild("_rebuild_tensor_v3", a, a[6] ?? null),
    "torch._utils._rebuild_parameter": (a) => parameterData("_rebuild_parameter", a),
    "torch._utils._rebuild_parameter_with_state": (a) => parameterData("_rebuild_parameter_with_state", a),
    "collections.OrderedDict": (a) => {
      const d = new PyDict();
      const init = a[0];
      if (a.length > 1) throw makeError(`OrderedDict called with ${a.length} arguments`);
      if (init === undefined) return d;
      const pairs = Array.isArray(init) ? init : init instanceof PyTuple ? init.items : null;
      if (!pairs) throw makeError(`OrderedDict of ${describe(init)}`);
      for (const kv of pairs) {
        const two = kv instanceof PyTuple ? kv.items : Array.isArray(kv) ? kv : null;
        if (!two || two.length !== 2) throw makeError(`OrderedDict item ${describe(kv)} is not a (key, value) pair`);
        d.set(two[0]!, two[1]!, makeError);
      }
      return d;
    },
    "torch.Size": (a) => new PyTuple(intTuple(a[0], "shape", "torch.Size")),
    "builtins.set": (a) => new PySet(sequence(a[0], "set")),
    "builtins.frozenset": (a) => new PySet(sequence(a[0], "frozenset")),
    "__builtin__.set": (a) => new PySet(sequence(a[0], "set")),
    "_codecs.encode": (a) => {
      // protocol 2 pickles Python 3 bytes as _codecs.encode(text, 'latin1')
      const [text, enc] = a;
      if (typeof text !== "string" || (enc !== "latin1" && enc !== "latin-1"))
        throw makeError(`_codecs.encode(${describe(text ?? null)}, ${describe(enc ?? null)}) is not a latin-1 bytes literal`);
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
      return out;
    },
    "torch.device": (a) => (typeof a[0] === "string" ? a[0] : "device"),
  };
  const sequence = (v: PyValue | undefined, fn: string): PyValue[] => {
    if (v === undefined) return [];
    if (Array.isArray(v)) return [...v];
    if (v instanceof PyTuple || v instanceof PySet) return [...v.items];
    throw makeError(`${fn} of ${describe(v)}`);
  };
  const parameterData = (fn: string, a: PyValue[]): PyValue => {
    if (!(a[0] instanceof TorchTensor)) throw makeError(`${fn}: data is ${describe(a[0] ?? null)}, not a tensor`);
    return a[0];
  };
  return (module, name) => {
    const q = `${module}.${name}`;
    const f = fns[q];
    if (f) return new PyCallable(q, f);
    if ((module === "torch" || module === "torch.cuda") && STORAGE_DTYPES[name]) return new PyRef(module, name);
    if (module === "torch" && TORCH_DTYPES[name]) return new PyRef(module, name);
    return undefined;
  };
}

/** Walk the unpickled object and list every tensor under its dotted path. */
function collect(format: string, root: PyValue, little: boolean, makeError: MakeError, maxVisits: number): TorchCheckpoint {
  const tensors: Tensor[] = [];
  const names = new Set<string>();
  const locations = new Set<string>();
  const scalars: Record<string, string | number | boolean | null> = {};
  const onPath = new Set<object>();
  let visits = 0;
  const walk = (v: PyValue, path: string, depth: number): void => {
    if (depth > MAX_NESTING) throw makeError(`objects nest deeper than ${MAX_NESTING} levels`, path || undefined);
    // shared references are walked as the copies they stand for: bounded like the unpickler
    if (++visits > maxVisits)
      throw makeError(
        `the checkpoint's objects stand for more than ${maxVisits} values (shared references counted as copies); raise the limit with --max-model-objects <n> (library option maxObjects)`,
      );
    if (v instanceof TorchTensor) {
      const name = path || "tensor";
      if (names.has(name)) throw makeError("two tensors have this name", name);
      names.add(name);
      const data = v.storage.data();
      if (!data) throw makeError(`storage '${v.storage.key}' has no data in the file`, name);
      locations.add(v.storage.location);
      tensors.push(
        stridedTensor({ name, dtype: v.dtype, shape: v.shape, strides: v.strides, offset: v.offset, storage: data, littleEndian: little, makeError }),
      );
      return;
    }
    if (typeof v === "object" && v !== null && !(v instanceof Uint8Array)) {
      if (onPath.has(v)) return; // a container that holds itself
      onPath.add(v);
      const join = (k: string): string => (path ? `${path}.${k}` : k);
      if (v instanceof PyDict) for (const [k, x] of v.map) walk(x, join(String(k)), depth + 1);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, join(String(i)), depth + 1));
      else if (v instanceof PyTuple) v.items.forEach((x, i) => walk(x, join(String(i)), depth + 1));
      onPath.delete(v);
      return;
    }
    if (path && (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean")) scalars[path] = v;
  };
  walk(root, "", 0);
  if (tensors.length === 0) throw makeError(`holds no tensors (its top-level object is ${describe(root)})`);
  return { format, tensors, locations: [...locations], scalars };
}
