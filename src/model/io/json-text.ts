/** JSON parsing with messages that say where a file is broken. */

/** JSON.parse, turning a syntax error into `makeError("not valid JSON: … (line L, column C)")`. */
export function parseJsonText(text: string, makeError: (msg: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    const p = /position (\d+)/.exec(raw)?.[1] !== undefined ? Number(/position (\d+)/.exec(raw)![1]) : findSyntaxError(text);
    let where = "";
    if (p >= text.trimEnd().length) where = " (the file ends early: truncated?)";
    else if (p >= 0) {
      const before = text.slice(0, p);
      const line = before.split("\n").length;
      const col = p - before.lastIndexOf("\n");
      where = ` (line ${line}, column ${col})`;
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
