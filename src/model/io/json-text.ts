/** JSON parsing with messages that say where a file is broken. */

/** JSON.parse, turning a syntax error into `makeError("not valid JSON: … (line L, column C)")`. */
export function parseJsonText(text: string, makeError: (msg: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(raw);
    let where = "";
    if (pos) {
      const p = Number(pos[1]);
      const before = text.slice(0, p);
      const line = before.split("\n").length;
      const col = p - before.lastIndexOf("\n");
      where = p >= text.trimEnd().length ? " (the file ends early: truncated?)" : ` (line ${line}, column ${col})`;
    } else if (/end of JSON input|Unterminated/i.test(raw)) {
      where = " (the file ends early: truncated?)";
    }
    const reason = raw.replace(/^JSON\.parse: /, "").replace(/ in JSON at position \d+.*$/, "");
    throw makeError(`not valid JSON: ${reason}${where}`);
  }
}
