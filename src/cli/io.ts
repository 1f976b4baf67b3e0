/**
 * The CLI's connection to the outside world, injectable so tests run commands in-process: the
 * output streams, and the writing of output files (atomically, and only into folders that exist).
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FileError } from "../errors.js";

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

/** Exit code of a command whose stdout was closed by its reader (`geninv random | head`): 128 + SIGPIPE, as the shell reports it. */
export const EXIT_PIPE_CLOSED = 141;

let pipeGuardInstalled = false;

/**
 * A reader that closes our stdout early (`| head`) makes the next write fail with EPIPE, which Node
 * reports as an unhandled 'error' event (a stack trace). The command has nothing left to do then:
 * end quietly with {@link EXIT_PIPE_CLOSED}, as `cat` or `yes` would.
 */
export function installPipeGuard(stream: NodeJS.WriteStream = process.stdout, exit: (code: number) => void = (c) => process.exit(c)): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") exit(EXIT_PIPE_CLOSED);
    else {
      process.stderr.write(`geninv: cannot write to stdout: ${e.message}\n`);
      exit(1);
    }
  });
}

/** The real process streams (stdout guarded against a closed pipe). */
export function processIo(): CliIo {
  if (!pipeGuardInstalled) {
    pipeGuardInstalled = true;
    installPipeGuard();
  }
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
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
  return (
    text.replace(
      /\[\s*\n\s*(-?[\d.eE+-]+|null)((?:,\s*\n\s*(?:-?[\d.eE+-]+|null))*)\s*\n\s*\]/g,
      (_m, first: string, rest: string) => `[${first}${rest.replace(/,\s*\n\s*/g, ", ")}]`,
    ) + "\n"
  );
}

/** Write a JSON document to `path` (atomically), or to stdout when no path (or `-`) is given. */
export function emitJson(io: CliIo, value: unknown, path?: string): void {
  const text = toJsonText(value, path === undefined || path === "-");
  if (path === undefined || path === "-") io.out(text);
  else {
    writeOutputFile(path, text);
    io.err(`wrote ${path}\n`);
  }
}

/**
 * Check that an output file can be created at `path`: its folder must exist and be a folder (the
 * CLI never creates folders the user did not ask for), and `path` itself must not be a folder.
 * @param flag the option that named the path, for the message (e.g. `-o`)
 * @throws FileError naming the path and what is wrong
 */
export function checkOutputPath(path: string, flag = "-o"): void {
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw new FileError(path, `${flag}: ${nearestFileAncestor(dir)} is a file, not a folder`);
    throw new FileError(path, `${flag}: the folder ${dirname(path)} does not exist (create it first)`);
  }
  if (!st.isDirectory()) throw new FileError(path, `${flag}: ${dirname(path)} is a file, not a folder`);
  try {
    if (statSync(path).isDirectory()) throw new FileError(path, `${flag}: is a folder; give a file name`);
  } catch (e) {
    if (e instanceof FileError) throw e;
    // absent: fine
  }
}

/** The first ancestor of `dir` that exists and is not a folder (for ENOTDIR messages). */
function nearestFileAncestor(dir: string): string {
  let d = dir;
  for (;;) {
    try {
      if (!statSync(d).isDirectory()) return d;
    } catch {
      // keep climbing
    }
    const up = dirname(d);
    if (up === d) return dir;
    d = up;
  }
}

/**
 * Write `data` to `path` atomically: into a temporary file in the same folder, fsync, then rename
 * over `path` (and fsync the folder), so a killed run leaves either the old file or the complete
 * new one, never a truncated one. The folder must exist (see {@link checkOutputPath}).
 * @throws FileError naming the path
 */
export function writeOutputFile(path: string, data: string | Uint8Array, flag = "-o"): void {
  checkOutputPath(path, flag);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, "wx", 0o644);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
    fsyncFolder(dirname(path));
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    if (e instanceof FileError) throw e;
    throw new FileError(path, describeWriteError(e));
  }
}

/** Make a rename durable: fsync the folder that holds it (not possible on every platform; then skipped). */
export function fsyncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Windows and some file systems cannot open or fsync a folder; the rename itself is still atomic
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function describeWriteError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a folder, expected a file";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EROFS") return "read-only file system";
  return e instanceof Error ? e.message : String(e);
}
