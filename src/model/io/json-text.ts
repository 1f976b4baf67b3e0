/** JSON parsing with messages that say where a file is broken, and bounded nesting and size. */
import { type ByteBudget, formatBytes } from "./limits.js";

/** Bytes one parsed JSON value costs, about: a slot of a JavaScript array plus its Float64Array copy. */
export const BYTES_PER_JSON_VALUE = 24;

/**
 * Deepest nesting of arrays and objects accepted. geninv's own JSON formats nest at most 4 levels
 * (`layers[i].weight[r][c]`); the bound keeps every later walk of the value shallow (no stack
 * overflow on a 4,000-level file).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON.parse, turning a syntax error into `makeError("not valid JSON: … (line L, column C)")`;
 * nesting deeper than {@link MAX_JSON_DEPTH} is refused before parsing; the non-finite tokens
 * Python writes (NaN, Infinity, -Infinity) give `makeError("holds NaN, which is not valid JSON (line L, column C): …")`.
 */
export function parseJsonText(text: string, makeError: (msg: string) => Error, budget?: ByteBudget): unknown {
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep >= 0) throw makeError(`JSON nests deeper than ${MAX_JSON_DEPTH} levels at ${lineColumn(text, deep)} (geninv's JSON files nest at most 4 levels)`);
  if (budget) {
    // what parsing will allocate, charged before JSON.parse: ~24 bytes a value (a 5 MB .json.gz of "0,0,…" is 150 M values)
    const values = countValues(text);
    const over = budget.charge(values * BYTES_PER_JSON_VALUE);
    if (over)
      throw makeError(
        `JSON text of ${values} values (${formatBytes(values * BYTES_PER_JSON_VALUE)} once parsed) ${over.replace(/^would expand to [^,]*, /, "is ")}`,
      );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    let p = /position (\d+)/.exec(raw)?.[1] !== undefined ? Number(/position (\d+)/.exec(raw)![1]) : findSyntaxError(text);
    if (p > 0 && text[p - 1] === "-" && text[p] === "I") p--; // V8 points past the minus of -Infinity
    let where = "";
    if (p >= text.trimEnd().length) where = " (the file ends early: truncated?)";
    else if (p >= 0) where = ` (${lineColumn(text, p)})`;
    // Python's json.dump writes NaN / Infinity / -Infinity by default: name the token, not V8's "Unexpected token"
    const token = p >= 0 ? /^(?:NaN|-?Infinity)/.exec(text.slice(p, p + 9))?.[0] : undefined;
    if (token !== undefined) {
      throw makeError(
        `holds ${token}, which is not valid JSON${where}: write finite numbers (or null where a value is missing; Python: json.dump(..., allow_nan=False) catches this when writing)`,
      );
    }
    // V8 quotes a snippet of the text; keep the reason short for multi-megabyte files
    const reason = raw
      .replace(/^JSON\.parse: /, "")
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/, "(?:[^"\\]|\\.)*" is not valid JSON$/, "")
      .slice(0, 120);
    throw makeError(`not valid JSON: ${reason}${where}`);
  }
}

/** `line L, column C` of offset `p` (1-based), counted without copying the text. */
export function lineColumn(text: string, p: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < p; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${p - lineStart + 1}`;
}

/** Number of values in a JSON text, about: its commas outside strings, plus one (one iterative pass). */
export function countValues(text: string): number {
  let n = 1;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < len; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x2c) n++;
  }
  return n;
}

/**
 * Offset of the bracket that opens level `max + 1` of nesting, or −1: one iterative pass that
 * skips strings (with their escapes), so no recursion ever sees deeper data.
 */
export function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/**
 * Offset of the first JSON syntax error in `s` (s.length when the text ends early), found by a
 * minimal recursive-descent scan; used only to locate errors JSON.parse reported without a position.
 */
export function findSyntaxError(s: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < s.length && (s[i] === " " || s[i] === "\n" || s[i] === "\r" || s[i] === "\t")) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    ws();
    const c = s[i];
    if (c === "{") {
      i++;
      ws();
      if (s[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail();
        str();
        ws();
        if (s[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (s[i] === ",") i++;
        else if (s[i] === "}") {
          i++;
          return;
        } else fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (s[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (s[i] === ",") i++;
        else if (s[i] === "]") {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') str();
    else if (c === "t" || c === "f" || c === "n") {
      const word = c === "t" ? "true" : c === "f" ? "false" : "null";
      if (s.startsWith(word, i)) i += word.length;
      else fail();
    } else {
      const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  const str = (): void => {
    i++;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\") i++;
      else if (s.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= s.length) fail();
    i++;
  };
  try {
    value(0);
    ws();
    return i < s.length ? i : -1;
  } catch (pos) {
    return typeof pos === "number" ? pos : -1;
  }
}
