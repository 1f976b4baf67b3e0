/**
 * The page's Web Worker: the library itself — model loaders, the registry's inverters, the dense
 * LP engine and HiGHS (WebAssembly) — so the page never freezes. The page cancels a run by
 * terminating this worker and starting a new one (a synchronous solve cannot be interrupted).
 */
import {
  FIG2_TRIALS,
  fig2Config,
  type Fig2Record,
  fig2Svg,
  formatActivation,
  type Generator,
  GeninvError,
  highsLoaded,
  listMethods,
  loadHighsBackend,
  loadModelBytes,
  missedHighsFallbacks,
  sampleObservations,
  SolverError,
  summarizeFig2,
} from "./lib.js";
import { type FromWorker, type ToWorker } from "./protocol.js";
import { unpackModel } from "./packed-model.js";
import { invertObservation } from "./scenario.js";
import { XzReadableStream } from "xz-decompress";

/** Shipped generators: name → file under models/ in the built page (packed by web/build.mjs from the package's models). */
export const SHIPPED: Record<string, string> = {
  mnist: "mnist-relu-20-60-784.safetensors.xz",
  "mnist-leaky": "mnist-leaky-20-200-500-784.safetensors.xz",
};

/**
 * Methods that solve with HiGHS itself (its MIP solver): they wait for it. Every other method runs
 * at once; the LP engine falls back to HiGHS only when it reports trouble, and if that happens
 * before HiGHS is compiled (missedHighsFallbacks() moves) the run is repeated once HiGHS is in, so
 * the answer is always the one Node gives with HiGHS loaded.
 */
const NEEDS_HIGHS = /(^|\+)milp(\+|$)/;

const scope = self as unknown as { postMessage(m: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);
let gen: Generator | null = null;
const t0 = performance.now();

/** The bytes of an xz-compressed file of the page, inflated as they arrive (xz-decompress, WebAssembly). */
async function fetchXz(path: string): Promise<Uint8Array> {
  const res = await fetch(new URL(path, self.location.href));
  if (!res.ok || !res.body) throw new GeninvError("file", `${path}: HTTP ${res.status}`);
  return new Uint8Array(await new Response(new XzReadableStream(res.body)).arrayBuffer());
}

// HiGHS (the LP engine's fallback, and the MILP solver): its download starts at once; it is
// inflated and compiled once the first sample is drawn (inflating would delay the generator and
// the sample the page waits for), or as soon as a method needs it. A failure leaves the engine alone, and is reported.
const highsDownload = fetch(new URL("highs.wasm.xz", self.location.href));
highsDownload.catch(() => undefined);
let highsStarted: Promise<string | null> | null = null;
let highsMs: number | null = null;
function highsReady(): Promise<string | null> {
  highsStarted ??= (async () => {
    const t = [performance.now()];
    const res = await highsDownload;
    if (!res.ok || !res.body) throw new Error(`highs.wasm.xz: HTTP ${res.status}`);
    const bytes = await new Response(new XzReadableStream(res.body)).arrayBuffer();
    t.push(performance.now());
    const module = await WebAssembly.compile(bytes);
    t.push(performance.now());
    await loadHighsBackend({
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(module, imports as WebAssembly.Imports).then(receive, (e: unknown) =>
          post({ type: "highs", ok: false, error: String(e), ms: 0, detail: "" }),
        );
      },
    });
    t.push(performance.now());
    const d = (i: number): string => `${(t[i + 1]! - t[i]!).toFixed(0)} ms`;
    return `download + xz ${d(0)}, compile ${d(1)}, start ${d(2)}`;
  })().then(
    (detail) => {
      highsMs = performance.now() - t0;
      post({ type: "highs", ok: true, error: null, ms: highsMs, detail });
      return null;
    },
    (e: unknown) => {
      const error = e instanceof Error ? e.message : String(e);
      post({ type: "highs", ok: false, error, ms: performance.now() - t0, detail: "" });
      return error;
    },
  );
  return highsStarted;
}

function fail(id: number, e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  post({ type: "error", id, message, code: e instanceof GeninvError ? e.code : null });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "init": {
      // ready at once: HiGHS is reported by its own message when it is compiled
      const methods = listMethods().map((m) => ({ name: m.name, kind: m.kind, description: m.description }));
      post({ type: "ready", methods, highs: highsLoaded(), highsError: null, ms: performance.now() - t0 });
      return;
    }
    case "load": {
      const s = performance.now();
      if ("builtin" in msg) {
        const file = SHIPPED[msg.builtin];
        if (!file) throw new GeninvError("option", `no shipped generator '${msg.builtin}' (shipped: ${Object.keys(SHIPPED).join(", ")})`);
        // packed losslessly by web/build.mjs: the same float64 weights as the package's JSON
        const packed = await fetchXz(`models/${file}`);
        const inflated = performance.now();
        gen = unpackModel(packed, file);
        const detail = `fetch + xz ${(inflated - s).toFixed(0)} ms, unpack ${(performance.now() - inflated).toFixed(0)} ms`;
        post({
          type: "loaded",
          id: msg.id,
          name: `${msg.builtin} (${file}; ${detail})`,
          sizes: gen.sizes,
          activations: gen.layers.map((l) => formatActivation(l.activation)),
          ms: performance.now() - s,
        });
        return;
      }
      const bytes = new Uint8Array(msg.file.bytes);
      const name = msg.file.name;
      // native JSON and ONNX define their own activations (the loader refuses a choice); bare tensors need one
      const fixedLayers = /\.(json|json\.gz|onnx)$/i.test(name);
      const g = loadModelBytes(bytes, name, fixedLayers || !msg.activation ? {} : { activation: msg.activation });
      gen = g;
      void highsReady();
      post({ type: "loaded", id: msg.id, name, sizes: g.sizes, activations: g.layers.map((l) => formatActivation(l.activation)), ms: performance.now() - s });
      return;
    }
    case "sample": {
      const g = need();
      const b = sampleObservations(g, 1, msg.seed);
      post({ type: "sampled", id: msg.id, z: b.z.data, clean: b.clean.data });
      void highsReady(); // the page is usable now: inflate and compile HiGHS behind it
      return;
    }
    case "invert": {
      const g = need();
      if (NEEDS_HIGHS.test(msg.method)) await highsReady();
      let last = 0;
      const run = (): ReturnType<typeof invertObservation> =>
        invertObservation(g, msg.clean, msg.zTrue, msg.spec, msg.method, msg.seed, (done, total) => {
          const now = performance.now();
          if (now - last > 100) {
            last = now;
            post({ type: "progress", id: msg.id, done, total });
          }
        });
      const missed = missedHighsFallbacks();
      let r: ReturnType<typeof invertObservation>;
      try {
        r = run();
      } catch (e) {
        if (highsLoaded() || !(e instanceof SolverError)) throw e;
        await highsReady(); // a method that needed HiGHS outright: run it again with HiGHS in
        r = run();
      }
      if (missedHighsFallbacks() !== missed && !highsLoaded()) {
        await highsReady(); // the engine wanted its fallback before HiGHS was compiled
        r = run();
      }
      post({ type: "result", id: msg.id, ...r });
      return;
    }
    case "fig2": {
      await highsReady();
      // the library's own Figure 2 trial (src/experiments/fig2.ts): fresh random network and z* per run
      const config = fig2Config({ layers: msg.layers, ks: msg.ks, runs: msg.runs, seed: msg.seed, methods: msg.methods });
      const records: Fig2Record[] = [];
      const total = config.ks.length * config.runs;
      for (let run = 0; run < config.runs; run++) {
        for (const k of config.ks) {
          records.push(FIG2_TRIALS.run(config, { k, run }));
          const points = summarizeFig2(config, records);
          post({ type: "fig2", id: msg.id, done: records.length, total, svg: fig2Svg(config, points), points, finished: records.length === total });
          // let a queued message (none expected: the page stops by terminating) and the post go out
          await new Promise((r) => setTimeout(r, 0));
        }
      }
      return;
    }
  }
}

function need(): Generator {
  if (!gen) throw new GeninvError("option", "no generator loaded yet");
  return gen;
}

scope.onmessage = (e) => {
  const msg = e.data;
  handle(msg).catch((err: unknown) => fail("id" in msg ? msg.id : 0, err));
};
