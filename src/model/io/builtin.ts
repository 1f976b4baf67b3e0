/**
 * The generators shipped in the package (models/ at the package root), by name: `--model mnist`
 * works from any folder, from the built package (dist/src/…) and from the sources under vitest.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FileError } from "../../errors.js";

/**
 * A model shipped with geninv (listed in {@link BUILTIN_MODELS}; `loadModel(name)` opens it).
 * @example
 * ```ts
 * import { BUILTIN_MODELS, type BuiltinModel, loadModel } from "geninv";
 * const m: BuiltinModel = BUILTIN_MODELS.find((b) => b.name === "mnist")!;
 * console.log(m.file, loadModel(m.name).outputSize); // mnist-relu-20-60-784.json 784
 * ```
 */
export interface BuiltinModel {
  /** The name `--model` accepts. */
  readonly name: string;
  /** File name under models/. */
  readonly file: string;
  /** One line for help texts. */
  readonly description: string;
}

/**
 * The shipped generators.
 * @example
 * ```ts
 * import { BUILTIN_MODELS } from "geninv";
 * for (const m of BUILTIN_MODELS) console.log(m.name, m.description);
 * ```
 */
export const BUILTIN_MODELS: readonly BuiltinModel[] = Object.freeze([
  {
    name: "mnist",
    file: "mnist-relu-20-60-784.json",
    description: "MNIST VAE decoder 20 → 60 → 784, ReLU after every layer, no biases (the paper's section 5.2 architecture)",
  },
  {
    name: "mnist-leaky",
    file: "mnist-leaky-20-200-500-784.json.gz",
    description: "MNIST VAE decoder 20 → 200 → 500 → 784, LeakyReLU(0.1) after every layer, no biases",
  },
]);

/**
 * Names of the shipped generators.
 * @returns `mnist`, `mnist-leaky`
 * @throws nothing
 * @example
 * ```ts
 * import { builtinModelNames, loadModel } from "geninv";
 * const gens = builtinModelNames().map((name) => loadModel(name));
 * ```
 */
export function builtinModelNames(): string[] {
  return BUILTIN_MODELS.map((m) => m.name);
}

/** The shipped model called `name`, or undefined. */
export function findBuiltinModel(name: string): BuiltinModel | undefined {
  return BUILTIN_MODELS.find((m) => m.name === name);
}

let root: string | null = null;

/** geninv's package root: the nearest folder above this module with a package.json named geninv. */
export function packageRoot(): string {
  if (root !== null) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "geninv") return (root = dir);
      } catch {
        // an unreadable package.json is not ours: keep looking upwards
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new FileError(fileURLToPath(import.meta.url), "cannot find geninv's package root (no package.json named geninv above this module)");
}

/**
 * The path of the shipped model `name` (absolute).
 * @param name a shipped model's name
 * @returns its file's absolute path
 * @example
 * ```ts
 * import { builtinModelPath } from "geninv";
 * console.log(builtinModelPath("mnist")); // …/models/mnist….json
 * ```
 * @throws FileError when the name is unknown or the file is missing from the installation
 */
export function builtinModelPath(name: string): string {
  const model = findBuiltinModel(name);
  if (!model) throw new FileError(name, `no such built-in model (built-in models: ${builtinModelNames().join(", ")})`);
  const path = join(packageRoot(), "models", model.file);
  if (!existsSync(path)) throw new FileError(path, `the built-in model '${name}' is missing from this installation`);
  return path;
}

/**
 * What `--model X` names: a built-in model's file when X is a built-in name and no file X exists
 * (a real file always wins), otherwise X unchanged.
 * @param pathOrName a model file or a shipped model's name
 * @returns the path to load
 * @example
 * ```ts
 * import { resolveModelPath } from "geninv";
 * const path = resolveModelPath("mnist-leaky");
 * ```
 * @throws FileError for a bare word (no folder, no extension) that is neither a file nor a built-in name, listing the built-in names
 */
export function resolveModelPath(pathOrName: string): string {
  if (existsSync(pathOrName)) return pathOrName;
  if (findBuiltinModel(pathOrName)) return builtinModelPath(pathOrName);
  if (/^[\w-]+$/.test(pathOrName)) {
    throw new FileError(pathOrName, `no such file, and not a built-in model (built-in models: ${builtinModelNames().join(", ")})`);
  }
  return pathOrName;
}
