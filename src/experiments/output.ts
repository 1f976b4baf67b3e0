/**
 * Writing experiment results: an append-only JSON-lines log of every finished run (so an
 * interrupted or crashing sweep keeps what it finished), and the final CSV / JSON / SVG files.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { FileError } from "../errors.js";
import { writeFile } from "../model/io/files.js";

/** Appends one JSON line per finished run to a file, created (or emptied) on construction. */
export class RunLog {
  /** @throws FileError when the file cannot be created */
  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, "");
    } catch (e) {
      throw new FileError(path, (e as Error).message);
    }
  }

  /** Append one record. @throws FileError */
  append(record: unknown): void {
    try {
      appendFileSync(this.path, JSON.stringify(record) + "\n");
    } catch (e) {
      throw new FileError(this.path, (e as Error).message);
    }
  }
}

/** The files of one experiment, written next to each other as `<dir>/<tag>.<ext>`. */
export interface ExperimentFiles {
  csv: string;
  json: unknown;
  svg: string;
}

/** Write `<tag>.csv`, `<tag>.json` and `<tag>.svg` into `dir`; returns the paths. @throws FileError */
export function writeExperimentFiles(dir: string, tag: string, files: ExperimentFiles): { csv: string; json: string; svg: string } {
  const paths = { csv: join(dir, `${tag}.csv`), json: join(dir, `${tag}.json`), svg: join(dir, `${tag}.svg`) };
  write(paths.csv, files.csv);
  write(paths.json, JSON.stringify(files.json, null, 1) + "\n");
  write(paths.svg, files.svg);
  return paths;
}

function write(path: string, text: string): void {
  writeFile(path, text);
}
