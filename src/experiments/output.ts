/**
 * Writing experiment results: the final CSV / JSON / SVG files. (The append-only JSON-lines log of
 * every finished run, which lets an interrupted sweep resume, is the CLI's: cli/batch-output.ts.)
 */
import { join } from "node:path";
import { writeFile } from "../model/io/files.js";

/** The files of one experiment, written next to each other as `<dir>/<tag>.<ext>`. */
export interface ExperimentFiles {
  csv: string;
  json: unknown;
  svg: string;
}

/**
 * Write `<tag>.csv`, `<tag>.json` and `<tag>.svg` into `dir`; returns the paths.
 * @param write how a file is written (default: plainly, creating `dir`); the CLI passes its atomic writer
 * @throws FileError
 */
export function writeExperimentFiles(
  dir: string,
  tag: string,
  files: ExperimentFiles,
  write: (path: string, text: string) => void = writeFile,
): { csv: string; json: string; svg: string } {
  const paths = { csv: join(dir, `${tag}.csv`), json: join(dir, `${tag}.json`), svg: join(dir, `${tag}.svg`) };
  write(paths.csv, files.csv);
  write(paths.json, JSON.stringify(files.json, null, 1) + "\n");
  write(paths.svg, files.svg);
  return paths;
}
