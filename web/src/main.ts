/**
 * The page: pick a generator and a target, corrupt it, run the registry's methods in the worker
 * (one column each), and Figure 2 live. Every number shown is also in a data-* attribute at full
 * precision (the e2e test compares them with the library's own results in Node).
 */
import { parseMaskSpec } from "../../src/operators/masks.js";
import { type FromWorker, type InvertReply, type MethodInfo, type ObservationSpec, type ToWorker } from "./protocol.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

/** Hybrids offered next to the registry's methods (any `A+gd`, `A+adam`, `A+pgd` can be typed). */
const HYBRIDS = ["linf+gd", "l1+gd", "linf+adam", "adam+pgd"];
/** Checked at first: the automatic default when the registry has it, the paper's methods, the hybrids that matter. */
const DEFAULT_ON = new Set(["auto", "exact", "linf", "l1", "relaxed", "gd", "adam", "pgd", "region", "linf+gd", "adam+pgd"]);
const SUCCESS = new Set(["exact", "optimal", "converged"]);

type Pending = { resolve: (m: FromWorker) => void; reject: (e: Error) => void; onProgress?: (done: number, total: number) => void };

/** The worker and its request/reply bookkeeping; `restart()` is how a run is cancelled. */
class Lib {
  worker!: Worker;
  ready!: Promise<Extract<FromWorker, { type: "ready" }>>;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Restarts so far: a run that sees it move before its request went out was cancelled. */
  restarts = 0;
  private fig2Listener: ((m: Extract<FromWorker, { type: "fig2" }>) => void) | null = null;
  constructor() {
    this.start();
  }
  start(): void {
    this.worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      for (const p of this.pending.values()) p.reject(new Error(e.message || "the worker failed"));
      this.pending.clear();
    };
    this.ready = new Promise((resolve) => {
      const first = (e: MessageEvent<FromWorker>): void => {
        if (e.data.type === "ready") {
          this.worker.removeEventListener("message", first);
          resolve(e.data);
        }
      };
      this.worker.addEventListener("message", first);
    });
    this.worker.postMessage({ type: "init" } satisfies ToWorker);
  }
  /** Terminate the worker (a running solve stops at once) and start a fresh one. */
  restart(): void {
    this.restarts++;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new CancelledError());
    this.pending.clear();
    this.fig2Listener = null;
    this.start();
  }
  /** Called when the worker reports HiGHS compiled or failed (again after every restart). */
  onHighs: ((m: Extract<FromWorker, { type: "highs" }>) => void) | null = null;
  private receive(m: FromWorker): void {
    if (m.type === "ready") return;
    if (m.type === "highs") {
      this.onHighs?.(m);
      return;
    }
    if (m.type === "fig2") {
      this.fig2Listener?.(m);
      if (!m.finished) return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === "progress") {
      p.onProgress?.(m.done, m.total);
      return;
    }
    this.pending.delete(m.id);
    if (m.type === "error") p.reject(new LibraryError(m.message, m.code));
    else p.resolve(m);
  }
  call<T extends FromWorker["type"]>(
    msg: DistributiveOmit<ToWorker & { id: number }, "id">,
    onProgress?: (done: number, total: number) => void,
    transfer: Transferable[] = [],
  ): Promise<Extract<FromWorker, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: FromWorker) => void, reject, ...(onProgress ? { onProgress } : {}) });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }
  onFig2(f: ((m: Extract<FromWorker, { type: "fig2" }>) => void) | null): void {
    this.fig2Listener = f;
  }
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

class CancelledError extends Error {
  constructor() {
    super("cancelled");
  }
}
class LibraryError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

// ---- state ---------------------------------------------------------------------------------
const lib = new Lib();
let methods: MethodInfo[] = [];
let modelSource: { builtin: string } | { file: { name: string; bytes: ArrayBuffer }; activation: string } = { builtin: "mnist" };
let sizes: number[] = [];
let clean: Float64Array | null = null;
let zTrue: Float64Array | null = null;
let hidden = new Uint8Array(784);
let digits: { label: number; testIndex: number; pixels: number[] }[] = [];
let chosenDigit = -1;
let running = false;

const n = (): number => sizes[sizes.length - 1] ?? 784;
const side = (): number | null => {
  const s = Math.round(Math.sqrt(n()));
  return s * s === n() ? s : null;
};

// ---- drawing --------------------------------------------------------------------------------
/** Draw `values` (0 black … 1 white; NaN: hidden, drawn dark red) on a canvas of the image's size. */
function draw(canvas: HTMLCanvasElement, values: ArrayLike<number>, hiddenMask?: Uint8Array): void {
  const s = side();
  const w = s ?? values.length;
  const h = s ?? 1;
  canvas.width = w;
  canvas.height = h;
  canvas.classList.toggle("strip", s === null);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = values[i]!;
    const o = 4 * i;
    if (Number.isNaN(v) || hiddenMask?.[i]) {
      img.data[o] = 110;
      img.data[o + 1] = 20;
      img.data[o + 2] = 30;
    } else {
      const g = Math.round(255 * Math.min(1, Math.max(0, v)));
      img.data[o] = img.data[o + 1] = img.data[o + 2] = g;
    }
    img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const fmt = (v: number | null): string =>
  v === null ? "—" : !Number.isFinite(v) ? String(v) : v === 0 ? "0" : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(3);
const fmtMs = (ms: number): string => (ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`);

// ---- status, progress -----------------------------------------------------------------------
function setStatus(text: string, state: "loading" | "ready" | "error" | "busy"): void {
  const s = $("status");
  s.textContent = text;
  s.dataset.state = state;
}

/** Show a progress line for `job` if it takes longer than 200 ms. */
async function withProgress<T>(label: string, job: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const box = $("progress");
  const bar = $<HTMLProgressElement>("progress-bar");
  const text = $("progress-text");
  const t0 = performance.now();
  let frac: number | null = null;
  const tick = (): void => {
    const el = performance.now() - t0;
    if (el < 200) return;
    box.hidden = false;
    if (frac === null) bar.removeAttribute("value");
    else bar.value = frac;
    text.textContent = `${label} · ${fmtMs(el)}`;
  };
  const timer = setInterval(tick, 100);
  try {
    return await job((done, total) => {
      frac = total > 0 ? done / total : null;
      tick();
    });
  } finally {
    clearInterval(timer);
    box.hidden = true;
  }
}

// ---- model ----------------------------------------------------------------------------------
async function loadModel(): Promise<void> {
  const err = $("model-error");
  err.hidden = true;
  const msg =
    "builtin" in modelSource
      ? ({ type: "load", builtin: modelSource.builtin } as const)
      : ({ type: "load", file: { name: modelSource.file.name, bytes: modelSource.file.bytes.slice(0) }, activation: modelSource.activation } as const);
  const r = await withProgress("loading the generator", () => lib.call<"loaded">(msg));
  sizes = r.sizes;
  const info = $("model-info");
  info.textContent = `${r.name}: ${r.sizes.join(" → ")} (${r.activations.join(", ")}), loaded in ${fmtMs(r.ms)}`;
  info.dataset.sizes = r.sizes.join(",");
  $<HTMLInputElement>("sensing-m").max = String(n());
  $("sensing-m-out").textContent = $<HTMLInputElement>("sensing-m").value; // the browser clamps the value to the new max
  if (hidden.length !== n()) hidden = new Uint8Array(n());
  const digitOk = n() === 784;
  $<HTMLInputElement>("digits-radio").disabled = !digitOk;
}

async function newTarget(): Promise<void> {
  const useDigit = $<HTMLInputElement>("digits-radio").checked && n() === 784 && chosenDigit >= 0;
  if (useDigit) {
    clean = Float64Array.from(digits[chosenDigit]!.pixels);
    zTrue = null;
    $("clean").dataset.source = `digit:${digits[chosenDigit]!.testIndex}`;
  } else {
    const seed = Number($<HTMLInputElement>("seed").value) || 0;
    const r = await lib.call<"sampled">({ type: "sample", seed });
    clean = r.clean;
    zTrue = r.z;
    $("clean").dataset.source = `sample:${seed}`;
  }
  draw($<HTMLCanvasElement>("clean"), clean);
  redrawObserved();
}

// ---- corruption -----------------------------------------------------------------------------
function view(): "full" | "mask" | "sensing" {
  return (document.querySelector<HTMLInputElement>('input[name="view"]:checked')?.value ?? "full") as "full" | "mask" | "sensing";
}

function spec(): ObservationSpec {
  const seed = Number($<HTMLInputElement>("seed").value) || 0;
  const kind = $<HTMLSelectElement>("noise-kind").value as "none" | "gaussian" | "uniform";
  const v = view();
  return {
    noise: { kind, level: Number($<HTMLInputElement>("noise-level").value) },
    noiseSeed: seed + 1,
    view:
      v === "mask"
        ? { kind: "mask", hidden: hidden.slice() }
        : v === "sensing"
          ? { kind: "sensing", m: Number($<HTMLInputElement>("sensing-m").value), seed: seed + 2 }
          : { kind: "full" },
  };
}

/**
 * Resolves once the browser has drawn the page as it is now (a frame, then a task after it), or
 * after 100 ms where no frame comes (a hidden tab). A run starts after its "running…" column is on
 * screen, so the worker's solve does not share the CPU with drawing it: on 2 cores the drawing
 * (~15–20 ms of CPU a run in the page's main thread, compositors and GPU process, per-thread CPU
 * from /proc) slowed the 10–20 ms solves of region and auto. In an A/B of the two builds,
 * interleaved in one browser, region's runs took 0.66–0.82× as long with this wait, and auto's
 * 0.70–1.09×.
 */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(fallback);
        resolve();
      }, 0),
    );
  });
}

/** The observed picture as the worker will see it (noise drawn by the library in the worker on run; here: the hidden pixels). */
function redrawObserved(): void {
  if (!clean) return;
  const v = view();
  const cap = $("observed-caption");
  if (v === "sensing") {
    cap.textContent = `only ${$<HTMLInputElement>("sensing-m").value} measurements of A·G(z*) (no pixels)`;
    draw($<HTMLCanvasElement>("observed"), new Float64Array(n()).fill(NaN));
    return;
  }
  cap.textContent =
    v === "mask" ? `observed: ${n() - hidden.reduce((s, h) => s + h, 0)} of ${n()} pixels (draw to hide)` : "observed (noise is added when you run)";
  draw($<HTMLCanvasElement>("observed"), clean, v === "mask" ? hidden : undefined);
}

/** A preset mask (the library's mask specs: `half:bottom`, `block:x0,y0,x1,y1`, `random:p` drawn from the seed). */
function presetMask(name: string): void {
  const s = side();
  if (!s) return;
  const p = Number($<HTMLInputElement>("random-fraction").value);
  const seed = Number($<HTMLInputElement>("seed").value) || 0;
  const observed = parseMaskSpec(name === "random" ? `random:${p}` : name, s, s, seed + 3);
  hidden = Uint8Array.from(observed, (o) => (o ? 0 : 1));
  $<HTMLInputElement>("view-mask").checked = true;
  redrawObserved();
}

function setupBrush(): void {
  const c = $<HTMLCanvasElement>("observed");
  let down = false;
  const paint = (e: PointerEvent): void => {
    const s = side();
    if (!s || !clean) return;
    const r = c.getBoundingClientRect();
    const cx = Math.floor(((e.clientX - r.left) / r.width) * s);
    const cy = Math.floor(((e.clientY - r.top) / r.height) * s);
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x >= 0 && y >= 0 && x < s && y < s) hidden[y * s + x] = 1;
      }
    $<HTMLInputElement>("view-mask").checked = true;
    redrawObserved();
  };
  c.addEventListener("pointerdown", (e) => {
    down = true;
    c.setPointerCapture(e.pointerId);
    paint(e);
  });
  c.addEventListener("pointermove", (e) => down && paint(e));
  c.addEventListener("pointerup", () => (down = false));
}

// ---- methods and columns --------------------------------------------------------------------
function renderMethodList(): void {
  const box = $("methods");
  box.textContent = "";
  // the automatic default first, then the registry's order, then the offered hybrids
  const registered = methods.map((m) => m.name).sort((a, b) => Number(b === "auto") - Number(a === "auto"));
  const names = [...registered, ...HYBRIDS.filter((h) => !registered.includes(h))];
  for (const name of names) {
    const info = methods.find((m) => m.name === name);
    const label = document.createElement("label");
    label.title = info?.description ?? "a hybrid: the first method, then the second started from its answer";
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.value = name;
    cb.checked = DEFAULT_ON.has(name);
    cb.dataset.method = name;
    label.append(cb, ` ${name}`);
    box.append(label);
  }
}

function chosenMethods(): string[] {
  const picked = [...document.querySelectorAll<HTMLInputElement>("#methods input:checked")].map((c) => c.value);
  const extra = $<HTMLInputElement>("extra-methods")
    .value.split(/[\s,]+/)
    .filter(Boolean);
  return [...new Set([...picked, ...extra])];
}

function column(method: string): HTMLElement {
  const col = document.createElement("div");
  col.className = "col";
  col.dataset.method = method;
  col.dataset.state = "queued";
  col.innerHTML = `<h3></h3><canvas></canvas><p><span class="badge run">queued</span></p>`;
  col.querySelector("h3")!.textContent = method;
  return col;
}

function fillColumn(col: HTMLElement, r: InvertReply): void {
  const cls = SUCCESS.has(r.status) ? "ok" : r.status === "non_unique" || r.status === "max_iterations" ? "warn" : "bad";
  const label = r.status === "non_unique" ? "⚠ non_unique: z not identified" : r.status;
  Object.assign(col.dataset, {
    state: "done",
    shownAt: String(performance.now()),
    status: r.status,
    imageError: String(r.imageError),
    latentError: r.latentError === null ? "" : String(r.latentError),
    timeMs: String(r.timeMs),
    wallMs: String(r.wallMs),
    residualL2: String(r.residual.l2),
    residualLinf: String(r.residual.linf),
    iterations: r.iterations === null ? "" : String(r.iterations),
    z: JSON.stringify(Array.from(r.z)),
  });
  if (r.milp) {
    Object.assign(col.dataset, {
      milpProved: String(r.milp.proved),
      milpBinaries: String(r.milp.binaries),
      milpBoundLps: String(r.milp.boundLps),
      milpNodes: String(r.milp.nodes),
      milpGap: String(r.milp.gap),
      milpHighsSeconds: String(r.milp.highsSeconds),
    });
  }
  col.innerHTML = `<h3></h3><canvas></canvas><p><span class="badge ${cls}"></span></p>
<dl><dt>image error</dt><dd class="image-error"></dd><dt>latent error</dt><dd class="latent-error"></dd><dt>residual ℓ∞</dt><dd class="res"></dd><dt>time</dt><dd class="time"></dd><dt class="it">iterations</dt><dd class="it"></dd></dl>`;
  col.querySelector("h3")!.textContent = r.method;
  col.querySelector(".badge")!.textContent = label;
  col.querySelector(".image-error")!.textContent = fmt(r.imageError);
  col.querySelector(".latent-error")!.textContent = r.latentError === null ? "— (z* unknown)" : fmt(r.latentError);
  col.querySelector(".res")!.textContent = fmt(r.residual.linf);
  col.querySelector(".time")!.textContent = fmtMs(r.timeMs);
  if (r.iterations !== null) col.querySelector("dd.it")!.textContent = String(r.iterations);
  else col.querySelectorAll(".it").forEach((e) => e.remove());
  draw(col.querySelector("canvas")!, r.image);
  if (r.warnings.length) {
    const w = document.createElement("div");
    w.className = "warnings";
    w.textContent = r.warnings.join("\n");
    col.append(w);
  }
  const layers = r.layers as {
    layer: number;
    status: string;
    inputs: number;
    outputs: number;
    activeRows: number;
    eps?: number;
    delta?: number;
    lpSolves?: number;
    pivots?: number;
    rank?: number;
    backend?: string;
    timeMs: number;
  }[];
  if (layers.length) {
    const d = document.createElement("details");
    d.innerHTML = `<summary>per layer</summary><table><tr><th>layer</th><th>status</th><th>ε</th><th>δ</th><th>LPs</th><th>pivots</th><th>ms</th></tr></table>`;
    const t = d.querySelector("table")!;
    for (const l of layers) {
      const tr = document.createElement("tr");
      for (const v of [
        String(l.layer),
        l.status,
        l.eps === undefined ? "—" : fmt(l.eps),
        l.delta === undefined ? "—" : fmt(l.delta),
        String(l.lpSolves ?? "—"),
        String(l.pivots ?? "—"),
        l.timeMs.toFixed(1),
      ]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      t.append(tr);
    }
    col.append(d);
  }
  if (r.milp) col.append(milpDetails(r.milp));
}

/** The MILP's report on demand; the page runs it without LP bound tightening (web/src/scenario.ts PAGE_MILP_OPTIONS). */
function milpDetails(m: NonNullable<InvertReply["milp"]>): HTMLElement {
  const d = document.createElement("details");
  d.className = "milp";
  d.innerHTML = `<summary>MILP (HiGHS)</summary><table></table><p class="note"></p>`;
  const t = d.querySelector("table")!;
  const rows: [string, string][] = [
    ["proved optimal", m.proved ? "yes" : "no"],
    ["HiGHS status", m.solverStatus],
    ["objective / bound", `${fmt(m.objective)} / ${fmt(m.bound)}`],
    ["gap", fmt(m.gap)],
    ["binaries / fixed units", `${m.binaries} / ${m.fixedUnits}`],
    ["nodes", String(m.nodes)],
    ["bound LPs", String(m.boundLps)],
    ["HiGHS time", `${m.highsSeconds.toFixed(2)} s`],
    ["start", m.start],
  ];
  for (const [k, v] of rows) {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    const td = document.createElement("td");
    th.textContent = k;
    td.textContent = v;
    tr.append(th, td);
    t.append(tr);
  }
  d.querySelector(".note")!.textContent =
    "The page skips milp's LP bound tightening (milpTighten: false): that stage stops at a 10 s time budget, so what it tightens would depend on this machine's speed. " +
    "The big-M bounds come from interval arithmetic and the observation, and the answer is the one Node gives with the same setting.";
  return d;
}

function failColumn(col: HTMLElement, message: string, state: "failed" | "cancelled"): void {
  col.dataset.state = state;
  col.dataset.status = state === "cancelled" ? "cancelled" : "error";
  col.dataset.error = message;
  const badge = col.querySelector(".badge")!;
  badge.className = `badge ${state === "cancelled" ? "warn" : "bad"}`;
  badge.textContent = state;
  const p = document.createElement("div");
  p.className = "fail";
  p.textContent = message;
  col.append(p);
}

async function runAll(): Promise<void> {
  if (running || !clean) return;
  running = true;
  $<HTMLButtonElement>("run").disabled = true;
  $<HTMLButtonElement>("cancel").disabled = false;
  const results = $("results");
  results.textContent = "";
  results.dataset.state = "running";
  results.dataset.startedAt = String(performance.now());
  const list = chosenMethods();
  const cols = list.map((m) => {
    const c = column(m);
    results.append(c);
    return c;
  });
  const s = spec();
  const seed = Number($<HTMLInputElement>("seed").value) || 0;
  let cancelled = false;
  for (let i = 0; i < list.length; i++) {
    const col = cols[i]!;
    if (cancelled) {
      failColumn(col, "not run: cancelled", "cancelled");
      continue;
    }
    col.dataset.state = "running";
    col.querySelector(".badge")!.textContent = "running…";
    const restarts = lib.restarts;
    await afterPaint();
    try {
      if (lib.restarts !== restarts) throw new CancelledError(); // cancel clicked before the request went out
      const r = await withProgress(`${list[i]} (${i + 1}/${list.length})`, (p) =>
        lib.call<"result">({ type: "invert", method: list[i]!, clean: clean!, zTrue, spec: s, seed }, p),
      );
      fillColumn(col, r);
      if (i === 0) drawObservedFrom(r.observed);
    } catch (e) {
      if (e instanceof CancelledError) {
        cancelled = true;
        failColumn(col, "cancelled (the worker was stopped and restarted)", "cancelled");
      } else failColumn(col, e instanceof Error ? e.message : String(e), "failed");
    }
  }
  if (cancelled) await recover();
  results.dataset.state = cancelled ? "cancelled" : "done";
  running = false;
  $<HTMLButtonElement>("run").disabled = false;
  $<HTMLButtonElement>("cancel").disabled = true;
}

/** The observation the worker actually inverted (noise included) as the observed picture. */
function drawObservedFrom(shown: Float64Array): void {
  if (view() === "sensing") return;
  draw($<HTMLCanvasElement>("observed"), shown);
}

/** After a cancel: the fresh worker needs the generator again. */
async function recover(): Promise<void> {
  setStatus("worker restarted after cancel; reloading the generator…", "busy");
  await lib.ready;
  await loadModel();
  setStatus("ready (the previous run was cancelled)", "ready");
}

// ---- Figure 2 -------------------------------------------------------------------------------
async function runFig2(): Promise<void> {
  const parse = (id: string): number[] =>
    $<HTMLInputElement>(id)
      .value.split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
  const layers = parse("fig2-layers");
  const ks = parse("fig2-k");
  const runs = Number($<HTMLInputElement>("fig2-runs").value);
  $<HTMLButtonElement>("fig2-start").disabled = true;
  $<HTMLButtonElement>("fig2-stop").disabled = false;
  const prog = $("fig2-progress");
  const chart = $("fig2-chart");
  const t0 = performance.now();
  chart.dataset.done = "0";
  prog.textContent = "starting…";
  lib.onFig2((m) => {
    chart.innerHTML = m.svg; // the library's own SVG (src/experiments/svg.ts), not visitor text
    chart.dataset.done = String(m.done);
    chart.dataset.points = JSON.stringify(m.points); // the library's summary, for the e2e test
    prog.textContent = `${m.done} / ${m.total} runs · ${fmtMs(performance.now() - t0)}${m.finished ? " · done" : ""}`;
  });
  try {
    await lib.call<"fig2">({ type: "fig2", layers, ks, runs, seed: 0, methods: ["exact", "linf", "gd"] });
  } catch (e) {
    prog.textContent = e instanceof CancelledError ? `${prog.textContent} · stopped` : `error: ${e instanceof Error ? e.message : String(e)}`;
    if (e instanceof CancelledError) await recover();
  } finally {
    lib.onFig2(null);
    $<HTMLButtonElement>("fig2-start").disabled = false;
    $<HTMLButtonElement>("fig2-stop").disabled = true;
  }
}

// ---- wiring ---------------------------------------------------------------------------------
async function useFile(f: File): Promise<void> {
  const bytes = await f.arrayBuffer();
  const prev = modelSource;
  modelSource = { file: { name: f.name, bytes }, activation: $<HTMLInputElement>("activation").value.trim() || "relu" };
  const opt = $<HTMLSelectElement>("model-select").querySelector<HTMLOptionElement>('option[value="file"]')!;
  try {
    await loadModel();
    opt.disabled = false;
    opt.textContent = `dropped: ${f.name}`;
    $<HTMLSelectElement>("model-select").value = "file";
    await newTarget();
  } catch (e) {
    modelSource = prev;
    const err = $("model-error");
    err.hidden = false;
    err.textContent = e instanceof Error ? e.message : String(e);
    err.dataset.code = e instanceof LibraryError ? (e.code ?? "") : "";
    // the worker still holds the previous generator: nothing else changes
  }
}

async function main(): Promise<void> {
  performance.mark("geninv-ui-start");
  setupBrush();
  // the page is usable once the generator is up; HiGHS compiles after it (the LP methods wait for it)
  let ready: Extract<FromWorker, { type: "ready" }> | null = null;
  let highsNote = "";
  const showStatus = (): void => {
    if (!ready) return;
    const h = document.body.dataset.highs;
    setStatus(
      `ready: worker up in ${fmtMs(ready.ms)} · ${methods.length} methods from the library's registry · HiGHS ${
        h === "ready"
          ? `compiled (${highsNote})`
          : h === "error"
            ? `not loaded (${highsNote}): the dense engine has no fallback`
            : "compiling (LP methods wait for it)…"
      }`,
      h === "error" ? "error" : "ready",
    );
  };
  document.body.dataset.highs = "loading";
  lib.onHighs = (m) => {
    highsNote = m.ok ? `${fmtMs(m.ms)} after the worker started: ${m.detail}` : (m.error ?? "?");
    document.body.dataset.highs = m.ok ? "ready" : "error";
    if (m.ok && !performance.getEntriesByName("geninv-highs").length) performance.mark("geninv-highs");
    showStatus();
  };
  const modelLoaded = loadModel();
  modelLoaded.catch(() => undefined); // awaited below; reported there
  ready = await lib.ready;
  performance.mark("geninv-worker");
  methods = ready.methods;
  renderMethodList();
  showStatus();
  await modelLoaded;
  performance.mark("geninv-model");
  await newTarget();
  $<HTMLButtonElement>("run").disabled = false;
  performance.mark("geninv-ready");
  document.body.dataset.ready = "true";
  fetch("digits.json")
    .then((r) => r.json() as Promise<{ digits: typeof digits }>)
    .then((d) => {
      digits = d.digits;
      const box = $("digits");
      digits.forEach((dg, i) => {
        const c = document.createElement("canvas");
        c.title = `digit ${dg.label} (held-out #${dg.testIndex})`;
        c.dataset.index = String(i);
        draw(c, dg.pixels);
        c.onclick = () => {
          chosenDigit = i;
          box.querySelectorAll("canvas").forEach((x) => x.classList.toggle("chosen", x === c));
          $<HTMLInputElement>("digits-radio").checked = true;
          void newTarget();
        };
        box.append(c);
      });
    })
    .catch((e: unknown) => setStatus(`could not load the bundled digits: ${String(e)}`, "error"));
}

function on(id: string, ev: string, f: (e: Event) => void): void {
  $(id).addEventListener(ev, f);
}

on("model-select", "change", () => {
  const v = $<HTMLSelectElement>("model-select").value;
  if (v === "file") return;
  modelSource = { builtin: v };
  void loadModel().then(newTarget);
});
on("new-sample", "click", () => {
  const s = $<HTMLInputElement>("seed");
  s.value = String((Number(s.value) || 0) + 1);
  $<HTMLInputElement>("target-sample").checked = true;
  void newTarget();
});
on("seed", "change", () => void newTarget());
document.querySelectorAll<HTMLInputElement>('input[name="target"]').forEach((r) =>
  r.addEventListener("change", () => {
    $("digits").hidden = r.value !== "digit" || !r.checked;
    if (r.value === "digit" && chosenDigit < 0 && digits.length) chosenDigit = 0;
    void newTarget();
  }),
);
document.querySelectorAll<HTMLInputElement>('input[name="view"]').forEach((r) => r.addEventListener("change", redrawObserved));
document.querySelectorAll<HTMLButtonElement>("button.preset").forEach((b) => b.addEventListener("click", () => presetMask(b.dataset.mask!)));
on("clear-mask", "click", () => {
  hidden = new Uint8Array(n());
  redrawObserved();
});
for (const [id, digitsAfter] of [
  ["noise-level", 3],
  ["random-fraction", 2],
  ["sensing-m", 0],
] as const) {
  on(id, "input", () => {
    const v = Number($<HTMLInputElement>(id).value);
    $(`${id}-out`).textContent = v.toFixed(digitsAfter);
    if (id === "sensing-m") {
      $<HTMLInputElement>("view-sensing").checked = true;
      redrawObserved();
    }
  });
}
on("run", "click", () => void runAll());
on("cancel", "click", () => lib.restart());
on("fig2-start", "click", () => void runFig2());
on("fig2-stop", "click", () => lib.restart());
const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const f = (e as DragEvent).dataTransfer?.files[0];
  if (f) void useFile(f);
});
on("file-input", "change", () => {
  const f = $<HTMLInputElement>("file-input").files?.[0];
  if (f) void useFile(f);
});

main().catch((e: unknown) => setStatus(`the page failed to start: ${e instanceof Error ? e.message : String(e)}`, "error"));
