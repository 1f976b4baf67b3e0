/**
 * The browser page (issue 17's goals), in headless Chromium (Debian's `chromium` via
 * playwright-core): the built page's size (gzip, every asset), cold-load times (first paint, page
 * ready, the first ℓ∞ inversion on `mnist` after load) and the inversion time of each method in
 * the page side by side with the same inversion in Node in this process (the baseline).
 * `npm run bench:web` (builds the library and the page first). Skips when no Chromium is found.
 *
 * Side by side, both sides get the same warm-up: every method runs on WARMUP_SEEDS before any run
 * is timed. One warm-up run is not enough: Chromium's V8 takes the region model's kernels
 * (src/invert/region-model.ts), called a few times a run with long loops, through Maglev and OSR
 * code to their final TurboFan code late — `jacobianRows` in the 3rd or 4th region run, the last
 * of them in the 3rd–7th (`--js-flags=--trace-opt`, three traces) — where Node 20's V8 (no Maglev)
 * has all of them in TurboFan during the first. Timed on runs 2–4, region and auto measured the page's warm-up, not
 * its speed. The timed runs then go round the seeds
 * REPEATS times, and the page goes first on even runs, Node on odd ones, so neither side is always
 * the one that runs just after the other (or after the page's drawing).
 */
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { methodOptions, TRAINED_NET_METHOD_OPTIONS } from "../src/experiments/common.js";
import { getMethod, methodName, runMethod } from "../src/invert/registry.js";
import { type InversionResult } from "../src/invert/result.js";
import { loadHighsBackend } from "../src/lp/highs.js";
import { loadModel } from "../src/model/io/load.js";
import { addNoise, sampleObservations } from "../src/model/random.js";
import { Rng } from "../src/model/rng.js";
import { median, printTable } from "./common.js";

const COLD_LOADS = 5;
/** Untimed runs of every method on each side first (see the header: the page's JIT needs ~4–7 runs of region). */
const WARMUP_SEEDS = [94, 95, 96, 97, 98, 99];
/** Timed runs: every seed, REPEATS rounds. */
const SEEDS = [0, 1, 2, 3, 4, 5];
const REPEATS = 2;
/** Side-by-side runs: noisy samples (σ = NOISE), so that the LPs search ε and iterate. */
const NOISE = 0.02;
const METHODS = ["exact", "linf", "l1", "relaxed", "adam", "linf+gd", "region", "auto"];
/**
 * milp side by side on its own: noiseless samples (on noisy ones the MIP runs to its 60 s limit),
 * with the page's settings (no LP bound tightening, web/src/scenario.ts PAGE_MILP_OPTIONS), fewer runs (~1 s each).
 */
const MILP_WARMUP_SEEDS = [98, 99];
const MILP_SEEDS = [0, 1, 2, 3, 4, 5];

type Data = Record<string, string | undefined>;
/** web/drive.mjs's selectSeed, loaded in run() from next to the page (dist/bench/ is two levels down). */
let selectSeed: typeof import("../web/drive.mjs").selectSeed;
const datasets = (page: Page): Promise<Record<string, Data>> =>
  page.$$eval(".col", (cols) =>
    Object.fromEntries(
      cols.map((c) => {
        const d = (c as unknown as { dataset: Data }).dataset;
        return [d.method!, { ...d }];
      }),
    ),
  );

/** The few DOM members the in-page half of {@link runMethods} uses (the bench compiles without the DOM library). */
interface PageDom {
  document: { getElementById(id: string): { dataset: Data; click(): void } };
  MutationObserver: new (cb: () => void) => { observe(target: unknown, options: { attributes: boolean }): void; disconnect(): void };
  requestAnimationFrame(cb: () => void): void;
  setTimeout(cb: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

/**
 * Run `methods` from the page's controls and wait for the results. The click and the wait happen
 * inside the page (a MutationObserver on #results), not by the driver's polling: playwright's
 * waitForSelector polls every frame and talks to the browser while the worker solves, and that
 * took ~25 ms of CPU a region run (the page's main thread, the browser process) from the 2 cores
 * the solve runs on (per-thread CPU from /proc, in the report of issue 17). It resolves after the results are drawn, so the Node run that follows
 * does not share the CPU with that drawing either.
 */
async function runMethods(page: Page, methods: string[]): Promise<Record<string, Data>> {
  await page.$$eval(
    "#methods input",
    (boxes, want) =>
      boxes.forEach((b) => {
        const i = b as unknown as { value: string; checked: boolean };
        i.checked = want.includes(i.value);
      }),
    methods,
  );
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const w = globalThis as unknown as PageDom;
        const results = w.document.getElementById("results");
        const timer = w.setTimeout(() => reject(new Error(`bench/web: no results after 300 s (#results is ${results.dataset.state})`)), 300_000);
        const seen = new w.MutationObserver(() => {
          if (results.dataset.state !== "done") return;
          seen.disconnect();
          w.clearTimeout(timer);
          w.requestAnimationFrame(() => w.setTimeout(resolve, 0)); // after the frame that draws the results
        });
        seen.observe(results, { attributes: true });
        w.document.getElementById("run").click();
      }),
  );
  return datasets(page);
}

export async function run(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  // plain-JS build tooling next to the page (dist/bench/ is two levels down from it)
  const { buildPage } = (await import(join(root, "web", "build.mjs"))) as typeof import("../web/build.mjs");
  const { serve } = (await import(join(root, "web", "serve.mjs"))) as typeof import("../web/serve.mjs");
  const { CHROMIUM_ARGS, findChromium } = (await import(join(root, "web", "chromium.mjs"))) as typeof import("../web/chromium.mjs");
  ({ selectSeed } = (await import(join(root, "web", "drive.mjs"))) as typeof import("../web/drive.mjs"));
  const CHROMIUM = findChromium();
  const sizes = await buildPage({ quiet: true });
  printTable(
    "built page (web/dist): every asset, gzip -9 (the xz-compressed models and HiGHS as they are); goal ≤ 3 MB",
    ["asset", "bytes", "gzip"],
    [...sizes.files.map((f) => [f.file, f.bytes, f.gzip]), ["total", sizes.bytes, sizes.gzip]],
  );
  if (!CHROMIUM) {
    console.log("bench/web: no Chromium found (/usr/bin/chromium or CHROMIUM_PATH): page timings skipped");
    return;
  }
  const { server, url } = await serve(sizes.dir, 0);
  // playwright gives the browser a fresh temporary profile (and removes it)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    // cold loads: a fresh context (empty cache) each time; click "run" with only linf as soon as the page is ready
    // (linf waits for HiGHS, the LP engine's fallback, which compiles after the generator is up)
    const cold: number[][] = [];
    for (let i = 0; i < COLD_LOADS; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(url);
      await page.waitForSelector("body[data-ready=true]");
      const shown = await runMethods(page, ["linf"]);
      await page.waitForSelector("body[data-highs=ready]");
      const t = await page.evaluate(() => {
        const p = performance as unknown as {
          getEntriesByType(t: string): { name: string; startTime: number }[];
          getEntriesByName(n: string): { startTime: number }[];
        };
        return {
          fcp: p.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")?.startTime ?? NaN,
          ready: p.getEntriesByName("geninv-ready")[0]?.startTime ?? NaN,
          worker: p.getEntriesByName("geninv-worker")[0]?.startTime ?? NaN,
          model: p.getEntriesByName("geninv-model")[0]?.startTime ?? NaN,
          highs: p.getEntriesByName("geninv-highs")[0]?.startTime ?? NaN,
        };
      });
      // in-page clocks: the click handler's start and the column's drawing, not the driver's round trips
      const started = Number(await page.getAttribute("#results", "data-started-at"));
      const shownAt = Number(shown.linf!.shownAt);
      cold.push([t.fcp, t.worker, t.model, t.ready, t.highs, shownAt, shownAt - started, Number(shown.linf!.timeMs)]);
      await ctx.close();
    }
    const col = (j: number): number => median(cold.map((r) => r[j]!));
    printTable(
      `cold loads of the page (median of ${COLD_LOADS}; ms since navigation); run clicked as soon as the page is ready (the driver's click lands some ms later); goals: first paint ≤ 1000, first linf ≤ 1000 after load`,
      [
        "first contentful paint",
        "worker answers",
        "mnist loaded",
        "page ready (+ sample)",
        "HiGHS compiled",
        "first linf shown",
        "click → linf shown",
        "linf timeMs",
      ],
      [[0, 1, 2, 3, 4, 5, 6].map((j) => col(j).toFixed(0)).concat(col(7).toFixed(1))],
    );

    // side by side: the same inversions in the page's worker and in Node (this process)
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");
    await loadHighsBackend();
    const gen = loadModel("mnist");
    const pageMs: Record<string, number[]> = {};
    const nodeMs: Record<string, number[]> = {};
    await page.selectOption("#noise-kind", "gaussian");
    await page.$eval(
      "#noise-level",
      (e, v) => {
        (e as unknown as { value: string }).value = String(v);
      },
      NOISE,
    );
    const highsLps: Record<string, number> = {};
    const allLps: Record<string, number> = {};
    const warmRatios: Record<string, number[]> = {};
    const load0 = loadavg();
    const rounds = [
      ...WARMUP_SEEDS.map((seed) => ({ seed, warm: true })),
      ...Array.from({ length: REPEATS }, () => SEEDS.map((seed) => ({ seed, warm: false }))).flat(),
    ];
    let run = 0;
    for (const { seed, warm } of rounds) {
      await selectSeed(page, seed);
      const x = sampleObservations(gen, 1, seed).clean.data;
      addNoise(x, { kind: "gaussian", level: NOISE }, new Rng(seed + 1)); // the page's noise stream (web/src/scenario.ts)
      // side by side, one method at a time: the page first on even runs, Node first on odd ones
      for (const m of METHODS) {
        const inNode = (): InversionResult =>
          runMethod(getMethod(methodName(m)), gen, x, methodOptions(m, { [m]: { ...(TRAINED_NET_METHOD_OPTIONS[m] ?? {}) } }, { seed }));
        const early = run++ % 2 === 1 ? inNode() : undefined;
        const shown = (await runMethods(page, [m]))[m]!;
        const r = early ?? inNode();
        if (shown.status !== r.status) console.log(`bench/web: ${m} seed ${seed}: page says ${shown.status}, Node ${r.status}`);
        if (warm) {
          (warmRatios[m] ??= []).push(Number(shown.timeMs) / r.timeMs);
          continue;
        }
        (pageMs[m] ??= []).push(Number(shown.timeMs));
        (nodeMs[m] ??= []).push(r.timeMs);
        // which LPs HiGHS answered (the engine's fallback), from the layer reports (the page's are the same numbers)
        for (const l of r.layers) {
          allLps[m] = (allLps[m] ?? 0) + (l.lpSolves ?? 0);
          if (l.backend === "highs") highsLps[m] = (highsLps[m] ?? 0) + (l.lpSolves ?? 0);
        }
      }
    }
    const milp = await milpSideBySide(page, gen);
    await ctx.close();
    const load1 = loadavg();
    const timed = SEEDS.length * REPEATS;
    printTable(
      `inversion time on mnist, page (Chromium worker) vs Node ${process.version} in this process: median of ${timed} runs (seeds ${SEEDS.join(",")}, ${REPEATS} rounds; σ = ${NOISE} Gaussian noise) after ${WARMUP_SEEDS.length} warm-up runs of every method on each side; goal: page ≤ 1.5 × Node`,
      ["method", "page ms", "node ms", "page / node", "paired ratios: median (min–max)", "warm-up runs: page / node", `layer LPs in ${timed} runs (HiGHS)`],
      METHODS.map((m) => {
        const paired = pageMs[m]!.map((v, i) => v / nodeMs[m]![i]!);
        return [
          m,
          median(pageMs[m]!).toFixed(1),
          median(nodeMs[m]!).toFixed(1),
          (median(pageMs[m]!) / median(nodeMs[m]!)).toFixed(2),
          `${median(paired).toFixed(2)} (${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)})`,
          warmRatios[m]!.map((v) => v.toFixed(2)).join(" "),
          `${allLps[m] ?? 0} (${highsLps[m] ?? 0})`,
        ];
      }),
    );
    const paired = milp.pageMs.map((v, i) => v / milp.nodeMs[i]!);
    printTable(
      `milp on mnist, page vs Node, the page's settings (milpTighten: false): median of ${MILP_SEEDS.length} noiseless runs (seeds ${MILP_SEEDS.join(",")}) after ${MILP_WARMUP_SEEDS.length} warm-up runs on each side; HiGHS's own seconds beside; goal: page ≤ 1.5 × Node`,
      ["method", "page ms", "node ms", "page / node", "paired ratios: median (min–max)", "HiGHS s page / node", "proved (page, node)", "nodes (page, node)"],
      [
        [
          "milp",
          median(milp.pageMs).toFixed(1),
          median(milp.nodeMs).toFixed(1),
          (median(milp.pageMs) / median(milp.nodeMs)).toFixed(2),
          `${median(paired).toFixed(2)} (${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)})`,
          `${median(milp.pageHighs).toFixed(2)} / ${median(milp.nodeHighs).toFixed(2)}`,
          `${milp.proved[0]}/${MILP_SEEDS.length}, ${milp.proved[1]}/${MILP_SEEDS.length}`,
          `${milp.nodes[0]}, ${milp.nodes[1]}`,
        ],
      ],
    );
    const fmtLoad = (l: number[]): string => l.map((v) => v.toFixed(2)).join(" ");
    console.log(`load average (1, 5, 15 min) before the side-by-side runs: ${fmtLoad(load0)}; after: ${fmtLoad(load1)}`);
  } finally {
    await browser.close();
    server.close();
  }
}

/** milp in the page and in Node on noiseless samples, alternating which side goes first; checks that both give the same z. */
async function milpSideBySide(
  page: Page,
  gen: ReturnType<typeof loadModel>,
): Promise<{ pageMs: number[]; nodeMs: number[]; pageHighs: number[]; nodeHighs: number[]; proved: [number, number]; nodes: [number, number] }> {
  await page.selectOption("#noise-kind", "none");
  const out = {
    pageMs: [] as number[],
    nodeMs: [] as number[],
    pageHighs: [] as number[],
    nodeHighs: [] as number[],
    proved: [0, 0] as [number, number],
    nodes: [0, 0] as [number, number],
  };
  let run = 0;
  for (const { seed, warm } of [...MILP_WARMUP_SEEDS.map((seed) => ({ seed, warm: true })), ...MILP_SEEDS.map((seed) => ({ seed, warm: false }))]) {
    await selectSeed(page, seed);
    const x = sampleObservations(gen, 1, seed).clean.data;
    // the page's milp settings (web/src/scenario.ts pageMethodOptions)
    const inNode = (): InversionResult => runMethod(getMethod("milp"), gen, x, methodOptions("milp", { milp: { milpTighten: false } }, { seed }));
    const early = run++ % 2 === 1 ? inNode() : undefined;
    const shown = (await runMethods(page, ["milp"])).milp!;
    const r = early ?? inNode();
    const same = shown.status === r.status && JSON.stringify(JSON.parse(shown.z ?? "[]")) === JSON.stringify(Array.from(r.z));
    if (!same) console.log(`bench/web: milp seed ${seed}: the page's answer (${shown.status}) differs from Node's (${r.status})`);
    if (warm) continue;
    out.pageMs.push(Number(shown.timeMs));
    out.nodeMs.push(r.timeMs);
    out.pageHighs.push(Number(shown.milpHighsSeconds));
    out.nodeHighs.push(r.milp?.highsSeconds ?? NaN);
    if (shown.milpProved === "true") out.proved[0]++;
    if (r.milp?.proved) out.proved[1]++;
    out.nodes[0] += Number(shown.milpNodes);
    out.nodes[1] += r.milp?.nodes ?? 0;
  }
  return out;
}
