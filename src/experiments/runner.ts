/**
 * Runs a list of independent trials on a pool of worker threads, or in this thread.
 *
 * Any {@link TrialKind} runs in process; worker threads run the kinds listed in trial-kinds.ts
 * (a worker imports its code by name), and `auto` mode falls back to in-process for the others.
 *
 * Determinism: a trial is a plain value (e.g. `{ k, run }`) that, with the experiment's config,
 * fully determines its result — the trial seeds its own random stream with `Rng.derive(seed, ids…)`.
 * Results are stored by trial index, so they are identical for any number of workers and any
 * completion order.
 *
 * How workers load code: a worker runs `worker.js`, the compiled sibling of this file, which looks
 * the trial kind up by name in `trial-kinds.ts` and imports the method registry (which registers
 * every built-in method). Node 20 cannot run the TypeScript sources in a worker, so when this module
 * itself runs from `.ts` (vitest, ts loaders) the pool is replaced by in-process execution — same
 * trials, same results, one core. The compiled CLI (`dist/`) always has the worker script.
 *
 * Start-up is kept cheap: HiGHS's WebAssembly is compiled once in this thread and the compiled
 * module handed to every worker (each only instantiates it); a batch's config crosses to the
 * workers once (typed arrays on SharedArrayBuffers are shared, not copied); and a caller may
 * {@link prestartWorkers} while it still reads its input, so the threads' start overlaps that work.
 *
 * Nothing finished is lost: a trial that throws becomes its kind's `failed` record; a worker that
 * dies turns the trial it was running into a failed record, hands the trials it had not started to
 * the others, and is replaced (so is a worker whose WebAssembly module aborted, see isWasmAbort);
 * `onResult` sees each record as it arrives (for incremental writing); an abort returns what finished.
 *
 * Over 400 lines with its TSDoc (~380 lines of code): one pool — planning, starting, feeding and
 * replacing workers, and the in-process path that must give the same records.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { errorMessage, OptionError, WorkerError } from "../errors.js";
import { hybridParts } from "../invert/registry.js";

/**
 * One kind of trial (e.g. "a Figure 2 run"): `run` must be a pure function of (config, trial) and
 * return a structured-cloneable record. Kinds that run in workers are listed in `trial-kinds.ts`.
 * @example
 * ```ts
 * import { runTrials, type TrialKind } from "geninv/experiments";
 * const squares: TrialKind<{ offset: number }, number, number> = { name: "squares-doc", run: (c, t) => t * t + c.offset, failed: () => NaN };
 * // not listed in trial-kinds.ts, so it runs in this thread
 * const batch = await runTrials(squares, { offset: 1 }, [1, 2, 3], { mode: "in-process" });
 * console.log(batch.results); // [2, 5, 10]
 * ```
 */
export interface TrialKind<C, T, R> {
  /** Name the worker looks the kind up by (a key of TRIAL_KINDS). */
  readonly name: string;
  /**
   * True only for the kinds listed under their name in `trial-kinds.ts` (the list a worker imports;
   * the runner cannot import it without a cycle, and a test checks the two agree).
   */
  readonly workerThreads?: boolean;
  /** Run one trial. May throw; the runner turns that into `failed(…)`. */
  run(config: C, trial: T): R;
  /** The record of a trial that threw or whose worker died. */
  failed(config: C, trial: T, message: string): R;
  /** Whether a record is such a failed one (so a resumed batch counts the failed records it kept). */
  isFailed?(record: R): boolean;
}

/**
 * Progress of a batch, as reported to `onProgress`.
 * @example
 * ```ts
 * import { runTrials, type TrialKind, type TrialProgress } from "geninv/experiments";
 * const squares: TrialKind<{ offset: number }, number, number> = { name: "squares-doc", run: (c, t) => t * t + c.offset, failed: () => NaN };
 * const seen: TrialProgress[] = [];
 * await runTrials(squares, { offset: 0 }, [1, 2, 3, 4], { mode: "in-process", onProgress: (p) => seen.push(p) });
 * console.log(seen.map((p) => `${p.done}/${p.total}`)); // 1/4 … 4/4
 * ```
 */
export interface TrialProgress {
  /** Trials finished so far. */
  done: number;
  /** Trials in the batch. */
  total: number;
  /** Trials that ended as failed records. */
  failed: number;
  /** Wall time since the batch started, in milliseconds. */
  elapsedMs: number;
  /** Estimated time to finish (NaN until the first trial ends). */
  etaMs: number;
}

/**
 * Where the trials ran: worker threads, or the calling thread.
 * @example
 * ```ts
 * import { runTrials, type RunnerMode, type TrialKind } from "geninv/experiments";
 * const squares: TrialKind<{ offset: number }, number, number> = { name: "squares-doc", run: (c, t) => t * t + c.offset, failed: () => NaN };
 * const mode: RunnerMode = (await runTrials(squares, { offset: 0 }, [1], { mode: "in-process" })).mode;
 * console.log(mode); // in-process
 * ```
 */
export type RunnerMode = "workers" | "in-process";

/**
 * Options of {@link runTrials}.
 * @example
 * ```ts
 * import { runTrials, type RunTrialsOptions, type TrialKind } from "geninv/experiments";
 * const squares: TrialKind<{ offset: number }, number, number> = { name: "squares-doc", run: (c, t) => t * t + c.offset, failed: () => NaN };
 * const seen: number[] = [];
 * // resume: trial 0 already has its record, the others run and are reported as they finish
 * const options: RunTrialsOptions<number, number> = { mode: "in-process", finished: (_t, i) => (i === 0 ? 1 : undefined), onResult: (r) => seen.push(r) };
 * const batch = await runTrials(squares, { offset: 0 }, [1, 2, 3], options);
 * console.log(batch.results, seen); // [1, 4, 9] [4, 9]
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the figures pass options without naming their trial type
export interface RunTrialsOptions<R, T = any> {
  /** Worker threads (default `os.availableParallelism()`). */
  workers?: number;
  /**
   * `auto` (default): worker threads when there is a compiled worker script and more than one
   * worker is asked for, else in this thread. `workers` insists on threads (error from TS sources).
   */
  mode?: "auto" | RunnerMode;
  /** Called after each finished trial (throttle drawing yourself). */
  onProgress?: (p: TrialProgress) => void;
  /** Called with each record as soon as it exists (in completion order), e.g. to append to a file. */
  onResult?: (record: R, index: number) => void;
  /** Abort: stop handing out trials, terminate workers, return what finished. */
  signal?: AbortSignal;
  /** Methods the trials need; checked in each worker at start-up (custom methods exist only here). */
  requiredMethods?: readonly string[];
  /** Workers started ahead (see {@link prestartWorkers}); used before any new thread is started. */
  pool?: WorkerPool;
  /** Trials handed to a worker at a time (default: about total / (16 · workers), 1…8). */
  chunkSize?: number;
  /**
   * Resume: the record a previous run already finished for this trial, or undefined to run it.
   * Finished records go straight into `results` (not to `onResult` or `onProgress`); the others
   * run as usual, so the batch equals an uninterrupted one.
   */
  finished?: (trial: T, index: number) => R | undefined;
}

/**
 * What {@link runTrials} returns.
 * @example
 * ```ts
 * import { runTrials, type TrialBatch, type TrialKind } from "geninv/experiments";
 * const risky: TrialKind<null, number, string> = { name: "risky-doc", run: (_c, t) => { if (t < 0) throw new Error("negative"); return `ok ${t}`; }, failed: (_c, t, msg) => `failed ${t}: ${msg}` };
 * const batch: TrialBatch<string> = await runTrials(risky, null, [1, -1], { mode: "in-process" });
 * console.log(batch.complete, batch.failed, batch.results); // true 1 ["ok 1", "failed -1: negative"]
 * ```
 */
export interface TrialBatch<R> {
  /** One record per trial, by trial index; `undefined` only for trials not run (abort). */
  results: (R | undefined)[];
  /** False when aborted before every trial finished. */
  complete: boolean;
  /** Trials that ended as failed records. */
  failed: number;
  /** Where the trials run; for a resumed batch, as planned for all its trials (the records are the same either way). */
  mode: RunnerMode;
  /** Threads used (1 in process). */
  workers: number;
  /** Wall time of the batch, in milliseconds. */
  wallTimeMs: number;
}

/** True when this module runs from compiled JavaScript, so the worker script exists next to it. */
export function workersAvailable(): boolean {
  return !import.meta.url.endsWith(".ts");
}

/** The compiled worker entry point. */
function workerUrl(): URL {
  return new URL("./worker.js", import.meta.url);
}

/** A compiled WebAssembly module (typed here: the library's lib settings have no WebAssembly types). */
type WasmModule = object;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

let highsWasm: Promise<WasmModule | null> | null = null;

/**
 * HiGHS's WebAssembly (npm `highs`' highs.wasm), compiled once per process for every worker thread;
 * null when it cannot be (then each worker loads HiGHS its own way, or runs without it).
 */
export function compiledHighsWasm(): Promise<WasmModule | null> {
  highsWasm ??= (async () => {
    try {
      const path = createRequire(import.meta.url).resolve("highs/runtime");
      return await wasm.compile(await readFile(path));
    } catch {
      return null;
    }
  })();
  return highsWasm;
}

function startWorker(highs: WasmModule | null): Worker {
  return new Worker(workerUrl(), { workerData: { highs } });
}

/** Worker threads started before their batch is known; see {@link prestartWorkers}. */
export interface WorkerPool {
  /** Up to `count` started, live workers for a batch (the pool's others are terminated). */
  take(count: number): Promise<Worker[]>;
  /** Terminate the workers not taken. */
  close(): void;
}

/**
 * Start `count` worker threads now — each loads the library and instantiates HiGHS — so that their
 * start overlaps the caller's own work (reading the model and the observations); pass the pool to
 * {@link runTrials}. The threads do not keep the process alive until taken.
 */
export function prestartWorkers(count: number): WorkerPool {
  const started = compiledHighsWasm().then((highs) =>
    Array.from({ length: count }, () => {
      const w = startWorker(highs);
      w.unref();
      w.on("error", () => undefined); // a thread that dies before it is taken is left out by take()
      return w;
    }),
  );
  const release = (workers: Worker[]): void => {
    for (const w of workers.splice(0)) void w.terminate();
  };
  return {
    async take(n) {
      const workers = await started;
      const mine = workers.filter((w) => w.threadId >= 0).slice(0, n); // threadId is -1 once a thread exited
      release(workers.filter((w) => !mine.includes(w)));
      workers.length = 0;
      for (const w of mine) {
        w.removeAllListeners("error");
        w.ref();
      }
      return mine;
    },
    close() {
      void started.then(release);
    },
  };
}

/** The default worker count: every core the process may use. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Run `trials` of `kind` with `config`; see the module comment for determinism and failure rules.
 * @param kind what one trial does, and the record of one that failed
 * @param config the settings every trial reads (structured-cloneable: it is sent to the workers)
 * @param trials the trials, one record each
 * @param options workers, mode, progress and result callbacks, abort signal, resume
 * @returns the records by trial index, with what ran where and for how long
 * @throws OptionError for a bad worker count, or when a worker lacks a required method
 * @example
 * ```ts
 * import { runTrials, type TrialKind } from "geninv/experiments";
 * const squares: TrialKind<{ offset: number }, number, number> = { name: "squares-doc", run: (c, t) => t * t + c.offset, failed: () => NaN };
 * const batch = await runTrials(squares, { offset: 10 }, [0, 1, 2], { mode: "in-process" });
 * if (batch.results.join() !== "10,11,14") throw new Error("records come back by trial index");
 * ```
 */
export async function runTrials<C, T, R>(
  kind: TrialKind<C, T, R>,
  config: C,
  trials: readonly T[],
  options: RunTrialsOptions<R, T> = {},
): Promise<TrialBatch<R>> {
  if (options.finished) {
    // run only the trials without a record, then put every record at its own index
    const finished = options.finished;
    const results: (R | undefined)[] = trials.map((t, i) => finished(t, i));
    const todo = results.flatMap((r, i) => (r === undefined ? [i] : []));
    // the failed records kept from the earlier run count as failed, as in an uninterrupted batch
    const isFailed = kind.isFailed;
    const keptFailed = isFailed ? results.filter((r) => r !== undefined && isFailed(r)).length : 0;
    const { finished: _drop, onResult, ...rest } = options;
    const sub = await runTrials(
      kind,
      config,
      todo.map((i) => trials[i]!),
      {
        ...rest,
        ...(onResult ? { onResult: (r: R, j: number) => onResult(r, todo[j]!) } : {}),
      },
    );
    sub.results.forEach((r, j) => (results[todo[j]!] = r));
    // mode and threads as planned for the whole batch, so a resumed batch reports what an
    // uninterrupted one does (even when the few trials left ran in this thread)
    const plan = planRun(kind, trials.length, options);
    return {
      ...sub,
      failed: sub.failed + keptFailed,
      results,
      complete: results.every((r) => r !== undefined),
      mode: plan.useWorkers ? "workers" : "in-process",
      workers: plan.count,
    };
  }
  const { useWorkers, count } = planRun(kind, trials.length, options);
  if (!useWorkers) {
    options.pool?.close();
    return runInProcess(kind, config, trials, options);
  }
  const prestarted = options.pool ? await options.pool.take(count) : [];
  return runOnWorkers(kind, config, trials, count, options, prestarted, await compiledHighsWasm());
}

/**
 * Where a batch of `total` trials runs: worker threads (and how many) or this thread.
 * @throws OptionError for a bad worker count, or a kind that workers cannot run in 'workers' mode
 */
function planRun<C, T, R>(kind: TrialKind<C, T, R>, total: number, options: RunTrialsOptions<R, T>): { useWorkers: boolean; count: number } {
  const requested = options.workers ?? defaultWorkers();
  if (!Number.isSafeInteger(requested) || requested < 1) throw new OptionError(`workers must be a positive integer, got ${requested}`);
  const mode = options.mode ?? "auto";
  if (mode === "workers" && !workersAvailable()) {
    throw new OptionError("worker threads need the compiled library (dist/); running from TypeScript sources, use mode 'in-process'");
  }
  let useWorkers = mode === "workers" || (mode === "auto" && workersAvailable() && requested > 1 && total > 1);
  if (useWorkers) {
    // a worker can only run the kinds it can import by name
    if (kind.workerThreads !== true) {
      if (mode === "workers") {
        throw new OptionError(`trial kind '${kind.name}' is not listed in experiments/trial-kinds.ts, so worker threads cannot run it; use mode 'in-process'`);
      }
      useWorkers = false;
    }
  }
  const count = Math.min(requested, Math.max(1, total));
  return { useWorkers, count: useWorkers ? count : 1 };
}

class Tally<R> {
  readonly results: (R | undefined)[];
  done = 0;
  failed = 0;
  readonly start = performance.now();
  constructor(
    readonly total: number,
    private readonly options: RunTrialsOptions<R>,
  ) {
    this.results = new Array(total).fill(undefined);
  }
  record(index: number, record: R, failed: boolean): void {
    if (this.results[index] !== undefined) return; // a late duplicate from a dying worker
    this.results[index] = record;
    this.done++;
    if (failed) this.failed++;
    this.options.onResult?.(record, index);
    if (this.options.onProgress) {
      const elapsedMs = performance.now() - this.start;
      const etaMs = (elapsedMs / this.done) * (this.total - this.done);
      this.options.onProgress({ done: this.done, total: this.total, failed: this.failed, elapsedMs, etaMs });
    }
  }
}

async function runInProcess<C, T, R>(kind: TrialKind<C, T, R>, config: C, trials: readonly T[], options: RunTrialsOptions<R>): Promise<TrialBatch<R>> {
  const tally = new Tally<R>(trials.length, options);
  let lastYield = performance.now();
  for (let i = 0; i < trials.length; i++) {
    if (options.signal?.aborted) break;
    let record: R;
    let failed = false;
    try {
      record = kind.run(config, trials[i]!);
    } catch (e) {
      failed = true;
      record = kind.failed(config, trials[i]!, errorMessage(e));
    }
    tally.record(i, record, failed);
    // let timers, signals and progress drawing run now and then
    if (performance.now() - lastYield > 50) {
      await new Promise<void>((r) => setImmediate(r));
      lastYield = performance.now();
    }
  }
  return {
    results: tally.results,
    complete: tally.done === trials.length,
    failed: tally.failed,
    mode: "in-process",
    workers: 1,
    wallTimeMs: performance.now() - tally.start,
  };
}

/** Messages a worker sends. */
type FromWorker =
  | { type: "ready"; methods: string[] }
  | { type: "init-error"; message: string }
  | { type: "result"; index: number; record: unknown; failed: boolean }
  /** The worker's state is broken (a WebAssembly abort): replace it; its unstarted trials go elsewhere. */
  | { type: "retire"; reason: string };

function runOnWorkers<C, T, R>(
  kind: TrialKind<C, T, R>,
  config: C,
  trials: readonly T[],
  count: number,
  options: RunTrialsOptions<R>,
  prestarted: Worker[],
  highs: WasmModule | null,
): Promise<TrialBatch<R>> {
  const tally = new Tally<R>(trials.length, options);
  const chunk = options.chunkSize ?? Math.max(1, Math.min(8, Math.floor(trials.length / (count * 16))));
  let next = 0; // next trial index to hand out
  const requeued: number[] = []; // handed to a worker that died or retired before starting them
  const more = (): boolean => requeued.length > 0 || next < trials.length;
  const take = (): number => (requeued.length > 0 ? requeued.shift()! : next++);
  let respawnsLeft = 2 * count;
  const live = new Set<Worker>();
  const required = [...(options.requiredMethods ?? [])];

  return new Promise<TrialBatch<R>>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      for (const w of live) void w.terminate();
      live.clear();
      if (error) reject(error);
      else
        resolve({
          results: tally.results,
          complete: tally.done === trials.length,
          failed: tally.failed,
          mode: "workers",
          workers: count,
          wallTimeMs: performance.now() - tally.start,
        });
    };
    const onAbort = (): void => finish();
    if (options.signal?.aborted) {
      for (const w of prestarted) void w.terminate();
      finish();
      return;
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const checkDone = (): void => {
      if (tally.done === trials.length) finish();
    };

    const spawn = (): void => {
      const outstanding = new Set<number>();
      const worker = prestarted.pop() ?? startWorker(highs);
      worker.postMessage({ type: "init", kind: kind.name, config });
      live.add(worker);
      let ready = false;
      const feed = (): void => {
        while (!settled && more() && outstanding.size < Math.max(1, Math.ceil(chunk / 2))) {
          const batch: { index: number; trial: T }[] = [];
          while (batch.length < chunk && more()) {
            const i = take();
            batch.push({ index: i, trial: trials[i]! });
            outstanding.add(i);
          }
          worker.postMessage({ type: "run", batch });
        }
        if (outstanding.size === 0 && !more()) {
          live.delete(worker);
          void worker.terminate();
        }
      };
      const lose = (why: string, crashed: boolean): void => {
        // the worker is gone. A worker runs its trials in the order sent, so a crash belongs to the
        // first outstanding trial: that one fails, the others (never started) go to other workers.
        // A retiring worker (its WebAssembly state is broken) already reported all it ran.
        if (!live.has(worker)) return;
        live.delete(worker);
        void worker.terminate();
        const pending = [...outstanding];
        outstanding.clear();
        if (crashed && pending.length > 0) tally.record(pending[0]!, kind.failed(config, trials[pending[0]!]!, why), true);
        requeued.push(...pending.slice(crashed ? 1 : 0));
        requeued.sort((a, b) => a - b);
        if (settled) return;
        if (more()) {
          if (respawnsLeft > 0) {
            respawnsLeft--;
            spawn();
          } else if (live.size === 0) {
            // out of respawns and no worker left: fail the rest rather than loop
            while (more()) {
              const i = take();
              tally.record(i, kind.failed(config, trials[i]!, `not run: worker threads kept dying (${why})`), true);
            }
          }
        }
        checkDone();
      };
      worker.on("message", (msg: FromWorker) => {
        if (settled) return;
        if (msg.type === "init-error") {
          finish(new WorkerError(`worker failed to start: ${msg.message}`));
          return;
        }
        if (msg.type === "ready") {
          ready = true;
          // hybrids (A+gd, A+adam, A+pgd) are built on demand from their base method (and pgd)
          const missing = required.filter((m) => {
            const hybrid = hybridParts(m);
            return hybrid ? !msg.methods.includes(hybrid.base) || (hybrid.then === "pgd" && !msg.methods.includes("pgd")) : !msg.methods.includes(m);
          });
          if (missing.length > 0) {
            finish(
              new OptionError(
                `method${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} not available in worker threads (they load geninv's built-in methods only; known there: ${msg.methods.join(", ")}); use one worker to run custom methods in process`,
              ),
            );
            return;
          }
          feed();
          return;
        }
        if (msg.type === "retire") {
          lose(`worker thread retired: ${msg.reason}`, false);
          return;
        }
        outstanding.delete(msg.index);
        tally.record(msg.index, msg.record as R, msg.failed);
        feed();
        checkDone();
      });
      worker.on("error", (e) => {
        if (!ready) {
          finish(new WorkerError(`worker failed to start: ${errorMessage(e)}`));
          return;
        }
        lose(`worker thread crashed: ${errorMessage(e)}`, true);
      });
      worker.on("exit", (code) => {
        if (live.has(worker) && !settled) {
          if (!ready) finish(new WorkerError(`worker exited with code ${code} before starting`));
          else lose(`worker thread exited with code ${code}`, true);
        }
      });
    };
    for (let i = 0; i < count; i++) spawn();
  });
}

export { errorMessage };

/**
 * True for a WebAssembly abort (e.g. HiGHS calling abort()): the module instance that threw is
 * unusable afterwards, so the thread that holds it must be replaced (the runner does so).
 */
export function isWasmAbort(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    // WebAssembly.RuntimeError (no DOM types here: matched by name), or its message wrapped in a SolverError
    if (c instanceof Error && (c.name === "RuntimeError" || /\bAborted\(|RuntimeError: (unreachable|memory access out of bounds)/.test(c.message))) return true;
  }
  return false;
}
