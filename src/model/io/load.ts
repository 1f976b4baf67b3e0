/** Open a model file of any supported format, chosen by extension (or forced). */
import { extname } from "node:path";
import { ModelFormatError } from "../../errors.js";
import { type Generator } from "../generator.js";
import { resolveModelPath } from "./builtin.js";
import { readText } from "./files.js";
import { parseModelJson } from "./json-model.js";

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Force a format instead of guessing from the extension. */
  format?: string;
}

/** Model formats geninv reads, by name. */
export const MODEL_FORMATS = ["json"] as const;

/**
 * Load a generator from `path`, or a shipped one by name (`mnist`, `mnist-leaky`).
 * @throws FileError when the file cannot be read; ModelFormatError when it is malformed
 */
export function loadModel(path: string, opts: LoadModelOptions = {}): Generator {
  path = resolveModelPath(path); // built-in names (mnist, mnist-leaky) → the shipped files
  const format = (opts.format ?? formatFromExtension(path)).toLowerCase();
  switch (format) {
    case "json":
      return parseModelJson(readText(path), path);
    default:
      throw new ModelFormatError(
        `cannot read model format '${format}' (supported: ${MODEL_FORMATS.join(", ")}; choose one with --format)`,
        { file: path },
      );
  }
}

function formatFromExtension(path: string): string {
  const ext = extname(path.replace(/\.gz$/i, "")).toLowerCase().replace(/^\./, ""); // x.json.gz is JSON, gunzipped on reading
  return ext === "" ? "json" : ext;
}
