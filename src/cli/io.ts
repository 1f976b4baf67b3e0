/** The CLI's connection to the outside world, injectable so tests run commands in-process. */
import { writeFile } from "../model/io/files.js";

/** Where a command writes: results to `out`, logs and progress to `err`. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal (progress bars are drawn only then). */
  errIsTTY: boolean;
  env: Record<string, string | undefined>;
  /** Exit code for a command that finished but must report failure (e.g. some batch rows failed). */
  exitCode: number;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    exitCode: 0,
  };
}

/**
 * JSON text of a value, with typed arrays as plain arrays. Pretty output indents objects but keeps
 * each list of numbers on one line, so a result stays readable.
 */
export function toJsonText(value: unknown, pretty = false): string {
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v),
    pretty ? 2 : undefined,
  );
  if (!pretty) return text + "\n";
  return text.replace(/\[\s*\n\s*(-?[\d.eE+-]+|null)((?:,\s*\n\s*(?:-?[\d.eE+-]+|null))*)\s*\n\s*\]/g, (_m, first: string, rest: string) =>
    `[${first}${rest.replace(/,\s*\n\s*/g, ", ")}]`,
  ) + "\n";
}

/** Write a JSON document to `path`, or to stdout when no path is given. */
export function emitJson(io: CliIo, value: unknown, path?: string): void {
  const text = toJsonText(value, path === undefined);
  if (path === undefined || path === "-") io.out(text);
  else {
    writeFile(path, text);
    io.err(`wrote ${path}\n`);
  }
}
