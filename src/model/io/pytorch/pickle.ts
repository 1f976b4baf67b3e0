/**
 * A restricted pickle interpreter: it understands the opcodes a PyTorch state dict uses (protocols
 * 0–5, minus out-of-band buffers and the extension registry) and builds plain data from them.
 * Globals are resolved only through an allow-list supplied by the caller; a GLOBAL outside it is
 * refused before anything is called, and REDUCE / NEWOBJ / BUILD work only on the allow-listed
 * callables and containers. Nothing in a file is ever executed.
 *
 * Work is bounded: each opcode consumes at least one byte, and every container carries the number
 * of objects it would hold if each shared (memoized) reference were a copy, as Python's own walk of
 * it would see them. A container past `maxObjects` is refused at the opcode that built it, so a
 * "billion laughs" pickle (a list nested 30 times through memo reuse, 2^30 leaves from ~100 bytes)
 * fails in microseconds instead of hanging whoever walks the result.
 *
 * One concept over 400 lines: the opcode switch, its stack/memo and the object budget are one state
 * machine; splitting the opcodes across files would hide which ones charge the budget.
 */
import { type MakeError } from "../tensor.js";

/** A Python value as the interpreter represents it. */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PySet | PyRef | PyCallable | PyOpaque;

/** A tuple (lists are plain arrays). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A dict or OrderedDict: insertion-ordered, keyed by a primitive form of the Python key. */
export class PyDict {
  readonly map = new Map<string | number | bigint | boolean | null, PyValue>();
  /** Attributes set by BUILD (e.g. OrderedDict's `_metadata`). */
  attrs: PyValue = null;
  set(key: PyValue, value: PyValue, makeError: MakeError): void {
    this.map.set(dictKey(key, makeError), value);
  }
}

/** A set or frozenset. */
export class PySet {
  constructor(readonly items: PyValue[]) {}
}

/** An allow-listed global that is data, not a callable (a storage type, a dtype). */
export class PyRef {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An allow-listed callable: the interpreter's own implementation of a harmless constructor. */
export class PyCallable {
  constructor(
    readonly qualname: string,
    readonly call: (args: PyValue[]) => PyValue,
    /** Whether BUILD may set state on what it returns (ignored state, e.g. a Parameter's). */
    readonly acceptsState = false,
  ) {}
}

/** A value built by an allow-listed callable that the caller interprets (e.g. a tensor). */
export abstract class PyOpaque {
  /** Whether BUILD may be applied to it (its state is ignored). */
  acceptsState = false;
}

/** What the interpreter needs from its caller. */
export interface UnpickleOptions {
  makeError: MakeError;
  /** The allow-list: a callable or a data reference for `module.name`, or `undefined` to refuse it. */
  findGlobal(module: string, name: string): PyCallable | PyRef | undefined;
  /** Resolve a persistent id (PyTorch's storages); absent means persistent ids are refused. */
  persistentLoad?(pid: PyValue): PyValue;
  /** What the file is, for messages, e.g. "PyTorch checkpoint". */
  what?: string;
  /** Extra advice when `module.name` is refused (e.g. "save a state dict instead"). */
  refusalHint?(module: string, name: string): string | undefined;
  /** Most objects one value may stand for, shared references counted as copies (default {@link pickleObjectLimit} of the buffer). */
  maxObjects?: number;
  /** How a user raises `maxObjects`, for the message (e.g. "--max-model-objects <n>"). */
  maxObjectsHint?: string;
}

/** Objects always allowed, whatever the pickle's size. */
export const MIN_PICKLE_OBJECTS = 65_536;
/** Objects allowed per pickle byte: a state dict builds about one object per opcode (≥ 1 byte each). */
export const PICKLE_OBJECTS_PER_BYTE = 4;

/** The default object budget of a `bytes`-byte pickle: {@link MIN_PICKLE_OBJECTS} + {@link PICKLE_OBJECTS_PER_BYTE} per byte. */
export function pickleObjectLimit(bytes: number): number {
  return MIN_PICKLE_OBJECTS + PICKLE_OBJECTS_PER_BYTE * bytes;
}

/** Largest integer literal accepted, in bytes (LONG1/LONG4) or digits (text INT/LONG). */
const MAX_INT_BYTES = 256;

/**
 * Interpret one pickle starting at `start`; returns its value and the offset after STOP.
 * @throws the `makeError` error for truncation, unknown or refused opcodes, and refused globals
 */
export function unpickle(buf: Uint8Array, start: number, opts: UnpickleOptions): { value: PyValue; end: number } {
  const { makeError } = opts;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let p = start;
  let opAt = start;
  const fail = (msg: string): never => {
    throw makeError(`pickle at byte ${opAt}: ${msg}`);
  };
  // objects each container stands for, shared references counted as copies (primitives count 1)
  const maxObjects = opts.maxObjects ?? pickleObjectLimit(buf.length - start);
  const weights = new WeakMap<object, number>();
  const weight = (v: PyValue): number => (typeof v === "object" && v !== null ? (weights.get(v) ?? 1) : 1);
  const grow = <T extends PyValue>(c: T, parts: readonly PyValue[]): T => {
    let w = weight(c);
    for (const x of parts) w += weight(x);
    if (w > maxObjects) {
      fail(
        `builds a value of more than ${maxObjects} objects, counting each reuse of a memoized object as the copy it stands for (a "billion laughs" pickle?); the limit is ${opts.maxObjectsHint ?? `${MIN_PICKLE_OBJECTS} + ${PICKLE_OBJECTS_PER_BYTE} per pickle byte`}`,
      );
    }
    if (typeof c === "object" && c !== null) weights.set(c, w);
    return c;
  };
  const made = grow;
  const need = (n: number): void => {
    if (n < 0 || p + n > buf.length) fail(`truncated: needs ${n} more bytes, ${buf.length - p} left`);
  };
  const u8 = (): number => {
    need(1);
    return buf[p++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = dv.getUint16(p, true);
    p += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = dv.getUint32(p, true);
    p += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = dv.getInt32(p, true);
    p += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(buf.length)) fail(`length ${v} exceeds the file size (${buf.length} bytes)`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    const b = buf.subarray(p, p + n);
    p += n;
    return b;
  };
  const line = (): string => {
    const nl = buf.indexOf(0x0a, p);
    if (nl < 0) fail("truncated: a text argument has no terminating newline");
    const s = latin1(buf.subarray(p, nl));
    p = nl + 1;
    return s;
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail("stack underflow");
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail("stack underflow");
    return stack[stack.length - 1]!;
  };
  const popMark = (): PyValue[] => {
    if (marks.length === 0) fail("no MARK on the stack");
    const m = marks.pop()!;
    return stack.splice(m);
  };
  const memoGet = (i: number): PyValue => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored`);
    return memo.get(i)!;
  };
  const resolveGlobal = (module: string, name: string): PyCallable | PyRef => {
    const g = opts.findGlobal(module, name);
    if (g === undefined) {
      const hint = opts.refusalHint?.(module, name);
      fail(
        `refuses global '${module}.${name}': ${opts.what ?? "this file"} may only reference tensor data (tensor rebuild functions, storage types, dtypes, OrderedDict); nothing in a model file is executed${hint ? ` (${hint})` : ""}`,
      );
    }
    return g!;
  };
  const call = (fn: PyValue, args: PyValue, opcode: string): PyValue => {
    if (!(fn instanceof PyCallable)) {
      return fail(`${opcode} of ${describe(fn)}, which is not an allowed callable`);
    }
    if (!(args instanceof PyTuple)) return fail(`${opcode} of ${fn.qualname} with ${describe(args)} instead of an argument tuple`);
    const out = fn.call(args.items);
    // what a call returns stands for its arguments (OrderedDict(pairs), a tensor of its storage)
    if (typeof out === "object" && out !== null && !weights.has(out)) grow(out, [args]);
    return out;
  };
  const toInt = (s: string, what: string): number | bigint => {
    const t = s.trim().replace(/L$/, "");
    if (t.length > MAX_INT_BYTES || !/^[-+]?\d+$/.test(t)) fail(`${what} '${s.slice(0, 40)}' is not an integer`);
    const b = BigInt(t);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  };
  const longBytes = (b: Uint8Array): number | bigint => {
    if (b.length > MAX_INT_BYTES) fail(`integer of ${b.length} bytes is absurd for a state dict`);
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const utf8 = (b: Uint8Array): string => {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(b);
    } catch {
      return fail("string is not valid UTF-8");
    }
  };

  for (;;) {
    opAt = p;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`pickle protocol ${buf[p - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: a length hint; the opcodes inside are read as usual
        if (u64() > buf.length - p) fail("frame runs past the end of the file");
        break;
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length !== 0) fail(`STOP with ${stack.length} values and ${marks.length} marks on the stack`);
        return { value: stack[0]!, end: p };
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: {
        // INT (text; I01 / I00 are True / False)
        const s = line();
        stack.push(s === "01" ? true : s === "00" ? false : toInt(s, "INT"));
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4c: // LONG (text)
        stack.push(toInt(line(), "LONG"));
        break;
      case 0x8a: // LONG1
        stack.push(longBytes(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail("negative LONG4 length");
        stack.push(longBytes(bytes(n)));
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const s = line().trim();
        const v = Number(s);
        if (s === "" || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s))) fail(`FLOAT '${s.slice(0, 40)}' is not a number`);
        stack.push(v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x53: // STRING (text repr of a byte string)
        stack.push(unquote(line(), fail));
        break;
      case 0x54: {
        // BINSTRING
        const n = i32();
        if (n < 0) fail("negative BINSTRING length");
        stack.push(latin1(bytes(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(bytes(u8())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        stack.push(
          line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string, b: string) =>
            String.fromCodePoint(Number.parseInt(a ?? b, 16) % 0x110000),
          ),
        );
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(bytes(u64())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()));
        break;
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64()));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(made(items, items));
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail(`APPEND to ${describe(list)}`);
        grow(list, [v]);
        (list as PyValue[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail(`APPENDS to ${describe(list)}`);
        grow(list, items);
        for (const it of items) (list as PyValue[]).push(it);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE
        const items = popMark();
        stack.push(made(new PyTuple(items), items));
        break;
      }
      case 0x85: {
        // TUPLE1
        const a = pop();
        stack.push(made(new PyTuple([a]), [a]));
        break;
      }
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(made(new PyTuple([a, b]), [a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(made(new PyTuple([a, b, c]), [a, b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2 !== 0) fail("DICT with an odd number of items");
        const d = made(new PyDict(), items);
        for (let i = 0; i < items.length; i += 2) d.set(items[i]!, items[i + 1]!, makeError);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const d = top();
        if (!(d instanceof PyDict)) fail(`SETITEM on ${describe(d)}`);
        grow(d, [k, v]);
        (d as PyDict).set(k, v, makeError);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = top();
        if (!(d instanceof PyDict)) fail(`SETITEMS on ${describe(d)}`);
        if (items.length % 2 !== 0) fail("SETITEMS with an odd number of items");
        grow(d, items);
        for (let i = 0; i < items.length; i += 2) (d as PyDict).set(items[i]!, items[i + 1]!, makeError);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PySet([]));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof PySet)) fail(`ADDITEMS on ${describe(s)}`);
        grow(s, items);
        for (const it of items) (s as PySet).items.push(it);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(made(new PySet(items), items));
        break;
      }
      case 0x70: // PUT
        memo.set(Number(toInt(line(), "PUT index")), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(memoGet(Number(toInt(line(), "GET index"))));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings");
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, "REDUCE"));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, "NEWOBJ"));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof PyDict) || kwargs.map.size > 0) fail("NEWOBJ_EX with keyword arguments");
        stack.push(call(cls, args, "NEWOBJ_EX"));
        break;
      }
      case 0x69: {
        // INST: module, name, then the arguments since the mark
        const module = line();
        const name = line();
        const args = popMark();
        stack.push(call(resolveGlobal(module, name), made(new PyTuple(args), args), "INST"));
        break;
      }
      case 0x6f: {
        // OBJ: class and arguments since the mark
        const items = popMark();
        if (items.length === 0) fail("OBJ without a class");
        const args = items.slice(1);
        stack.push(call(items[0]!, made(new PyTuple(args), args), "OBJ"));
        break;
      }
      case 0x62: {
        // BUILD: only OrderedDict attributes and tensor state, both kept as inert data
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) {
          grow(obj, [state]);
          obj.attrs = state;
        } else if (!(obj instanceof PyOpaque && obj.acceptsState)) fail(`BUILD on ${describe(obj)}`);
        break;
      }
      case 0x50: {
        // PERSID (text)
        const pid = line();
        if (!opts.persistentLoad) fail("persistent id in a pickle that must not have any");
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail("persistent id in a pickle that must not have any");
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      case 0x82:
      case 0x83:
      case 0x84:
        fail("extension-registry opcodes (EXT1/2/4) are refused");
        break;
      case 0x97:
      case 0x98:
        fail("out-of-band buffers (pickle protocol 5) are not supported");
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, "0")}: not a pickle, or corrupted`);
    }
  }
}

/** A short description of a value for messages. */
export function describe(v: PyValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number" || typeof v === "bigint") return `the number ${v}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return "a list";
  if (v instanceof PyTuple) return "a tuple";
  if (v instanceof PyDict) return "a dict";
  if (v instanceof PySet) return "a set";
  if (v instanceof PyRef) return `'${v.qualname}'`;
  if (v instanceof PyCallable) return `'${v.qualname}'`;
  return `a ${v.constructor.name}`;
}

function dictKey(k: PyValue, makeError: MakeError): string | number | bigint | boolean | null {
  if (k === null || typeof k === "string" || typeof k === "number" || typeof k === "bigint" || typeof k === "boolean") return k;
  if (k instanceof PyTuple) return `(${k.items.map((i) => String(dictKey(i, makeError))).join(", ")})`;
  throw makeError(`pickle: ${describe(k)} cannot be a dict key`);
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** Protocol 0's quoted string repr: 'abc' or "abc" with backslash escapes. */
function unquote(s: string, fail: (m: string) => never): string {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail("STRING argument is not quoted");
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === "x") return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8) & 0xff);
    return ({ n: "\n", r: "\r", t: "\t", "0": "\0" } as Record<string, string>)[e] ?? e;
  });
}
