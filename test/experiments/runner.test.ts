import { describe, expect, it } from "vitest";
import { OptionError } from "../../src/errors.js";
import { fig2Config, fig2Trials, runFig2, type Fig2Record } from "../../src/experiments/fig2.js";
import { isWasmAbort, runTrials, type TrialKind, type TrialProgress, workersAvailable } from "../../src/experiments/runner.js";
import { TRIAL_KINDS } from "../../src/experiments/trial-kinds.js";
import { Rng } from "../../src/model/rng.js";
import { distProblem, importDist } from "./dist.js";

type Fig2Module = typeof import("../../src/experiments/fig2.js");
type RunnerModule = typeof import("../../src/experiments/runner.js");
type RegistryModule = typeof import("../../src/invert/registry.js");

interface Rec {
  id: number;
  value?: number;
  error?: string;
}

// draws from the trial's own stream; ids divisible by 4 throw
const KIND: TrialKind<{ seed: number }, number, Rec> = {
  name: "test-kind",
  run(config, id) {
    if (id % 4 === 0) throw new Error(`trial ${id} exploded`);
    return { id, value: Rng.derive(config.seed, id).uniform() };
  },
  failed(_c, id, message) {
    return { id, error: message };
  },
};

/** Records without timings, which differ between runs. */
function untimed(records: (Fig2Record | undefined)[]): unknown {
  return JSON.parse(JSON.stringify(records, (k, v: unknown) => (k === "timeMs" ? undefined : v)));
}

describe("the kinds worker threads can run", () => {
  it("are exactly the kinds listed in trial-kinds.ts under their own name, each marked workerThreads", () => {
    expect(Object.keys(TRIAL_KINDS).sort()).toEqual(["fig1", "fig2", "invert", "sensing"]);
    for (const [name, kind] of Object.entries(TRIAL_KINDS)) {
      expect(kind.name).toBe(name);
      expect(kind.workerThreads).toBe(true);
    }
    expect(KIND.workerThreads).toBeUndefined();
  });
});

describe("runTrials in process", () => {
  it("runs from TypeScript sources in process, since worker threads need the compiled library", async () => {
    expect(workersAvailable()).toBe(false);
    const batch = await runTrials(KIND, { seed: 1 }, [1, 2, 3], { workers: 2 });
    expect(batch.mode).toBe("in-process");
    await expect(runTrials(KIND, { seed: 1 }, [1], { mode: "workers" })).rejects.toThrow(/compiled library/);
    await expect(runTrials(KIND, { seed: 1 }, [1], { workers: 0 })).rejects.toThrow(OptionError);
  });

  it("turns a trial that throws into a failed record and keeps every other result", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => i);
    const seen: number[] = [];
    const progress: TrialProgress[] = [];
    const batch = await runTrials(KIND, { seed: 5 }, ids, { onResult: (_r, i) => seen.push(i), onProgress: (p) => progress.push(p) });
    expect(batch.complete).toBe(true);
    expect(batch.failed).toBe(3); // ids 0, 4, 8
    expect(batch.results.map((r) => r!.id)).toEqual(ids);
    expect(batch.results[4]).toEqual({ id: 4, error: "trial 4 exploded" });
    expect(batch.results[5]!.value).toBe(Rng.derive(5, 5).uniform());
    expect(seen.sort((a, b) => a - b)).toEqual(ids);
    expect(progress.map((p) => p.done)).toEqual(ids.map((i) => i + 1));
    expect(progress[progress.length - 1]!.etaMs).toBe(0);
    expect(progress[progress.length - 1]!.failed).toBe(3);
  });

  it("stops on abort and returns the trials that finished", async () => {
    const controller = new AbortController();
    const batch = await runTrials(
      KIND,
      { seed: 5 },
      Array.from({ length: 50 }, (_, i) => i + 1),
      {
        signal: controller.signal,
        onResult: (_r, i) => {
          if (i === 6) controller.abort();
        },
      },
    );
    expect(batch.complete).toBe(false);
    expect(batch.results.filter((r) => r !== undefined)).toHaveLength(7);
    expect(batch.results[7]).toBeUndefined();
  });
});

describe("runTrials on worker threads (compiled dist/)", () => {
  it("gives fig2 records identical to in-process execution on 1 and on 2 workers", async (ctx) => {
    ctx.skip(distProblem() !== "", distProblem());
    const dist = await importDist<Fig2Module>("experiments/fig2.js");
    const config = fig2Config({ methods: ["exact"], ks: [20, 120, 150], runs: 4, seed: 11 });
    const inProcess = await runFig2(config, { mode: "in-process" });
    const one = await dist.runFig2(config, { workers: 1, mode: "workers" });
    const two = await dist.runFig2(config, { workers: 2, mode: "workers", chunkSize: 1 });
    expect(one.batch).toMatchObject({ mode: "workers", workers: 1, complete: true, failed: 0 });
    expect(two.batch).toMatchObject({ mode: "workers", workers: 2, complete: true, failed: 0 });
    expect(untimed(one.records)).toEqual(untimed(inProcess.records));
    expect(untimed(two.records)).toEqual(untimed(inProcess.records));
    expect(inProcess.records.every((r) => r!.methods[0]!.relError !== null)).toBe(true);
  });

  it("runs on workers started ahead (prestartWorkers) with the same records, leaving out a thread that died before it was taken", async (ctx) => {
    ctx.skip(distProblem() !== "", distProblem());
    const dist = await importDist<Fig2Module>("experiments/fig2.js");
    const runner = await importDist<RunnerModule>("experiments/runner.js");
    const config = fig2Config({ methods: ["exact"], ks: [20], runs: 3, seed: 12 });
    const inProcess = await runFig2(config, { mode: "in-process" });
    const pool = runner.prestartWorkers(2);
    const taken = await pool.take(1); // one thread taken and killed: the pool hands out only live ones
    await taken[0]!.terminate();
    const viaPool = await runner.runTrials(dist.FIG2_TRIALS, config, dist.fig2Trials(config), { workers: 2, mode: "workers", pool });
    expect(viaPool).toMatchObject({ mode: "workers", workers: 2, complete: true, failed: 0 });
    expect(untimed(viaPool.results as Fig2Record[])).toEqual(untimed(inProcess.records));
    pool.close(); // nothing left to close: a second use hands out no thread
    expect(await pool.take(2)).toEqual([]);
    // a resumed batch whose every trial is finished reports the mode and threads an uninterrupted one does
    const all = viaPool.results as Fig2Record[];
    const resumed = await runner.runTrials(dist.FIG2_TRIALS, config, dist.fig2Trials(config), { workers: 2, finished: (_t, i) => all[i] });
    expect(resumed).toMatchObject({ mode: "workers", workers: 2, complete: true });
    expect(resumed.results).toEqual(all);
  });

  it("keeps going when trials throw inside a worker: they come back as failed records naming the error", async (ctx) => {
    ctx.skip(distProblem() !== "", distProblem());
    const dist = await importDist<Fig2Module>("experiments/fig2.js");
    const runner = await importDist<RunnerModule>("experiments/runner.js");
    // a raw config that skips validation: the network cannot be built, so every trial throws
    const bad = { ...fig2Config({ methods: ["exact"], ks: [10, 20], runs: 2 }), layers: [0] };
    const batch = await runner.runTrials(dist.FIG2_TRIALS, bad, fig2Trials(bad), { workers: 2, mode: "workers" });
    expect(batch.complete).toBe(true);
    expect(batch.failed).toBe(4);
    for (const r of batch.results) expect(r!.error).toMatch(/sizes\[1\] must be a positive integer/);
  });

  it("runs a kind that workers cannot import in process (auto), and refuses it in 'workers' mode", async (ctx) => {
    ctx.skip(distProblem() !== "", distProblem());
    const runner = await importDist<RunnerModule>("experiments/runner.js");
    const batch = await runner.runTrials(KIND, { seed: 2 }, [1, 2, 3], { workers: 2 });
    expect(batch.mode).toBe("in-process");
    expect(batch.results[0]!.value).toBe(Rng.derive(2, 1).uniform());
    await expect(runner.runTrials(KIND, { seed: 2 }, [1, 2], { workers: 2, mode: "workers" })).rejects.toThrow(
      /'test-kind' is not listed in experiments\/trial-kinds.ts/,
    );
  });

  it("refuses a method that is registered only in this process, naming it", async (ctx) => {
    ctx.skip(distProblem() !== "", distProblem());
    const dist = await importDist<Fig2Module>("experiments/fig2.js");
    const registry = await importDist<RegistryModule>("invert/registry.js");
    registry.registerMethod({ ...registry.getMethod("exact"), name: "local-only-exact" });
    const config = dist.fig2Config({ methods: ["local-only-exact"], ks: [20], runs: 2 });
    await expect(dist.runFig2(config, { workers: 2, mode: "workers" })).rejects.toThrow(/'local-only-exact' not available in worker threads/);
    // in process it runs
    const ok = await dist.runFig2(config, { mode: "in-process" });
    expect(ok.points[0]!.methods["local-only-exact"]!.successRate).toBe(1);
  });
});

describe("runTrials resume and WebAssembly aborts", () => {
  it("runs only the trials without a finished record and puts every record at its index", async () => {
    const trials = [1, 2, 3, 5, 6, 7];
    const full = await runTrials(KIND, { seed: 3 }, trials, { mode: "in-process" });
    const ran: number[] = [];
    const resumed = await runTrials(KIND, { seed: 3 }, trials, {
      mode: "in-process",
      finished: (t, i) => (t % 2 === 1 ? full.results[i] : undefined),
      onResult: (_r, i) => ran.push(i),
    });
    expect(ran).toEqual([1, 4]); // the even trials 2 and 6, at their own indices
    expect(resumed.results).toEqual(full.results);
    expect(resumed.complete).toBe(true);
  });

  it("counts the failed records a resumed batch kept, as the uninterrupted batch did", async () => {
    const risky: TrialKind<null, number, string> = {
      name: "risky-resume",
      run: (_c, t) => {
        if (t < 0) throw new Error("negative");
        return `ok ${t}`;
      },
      failed: (_c, t, msg) => `failed ${t}: ${msg}`,
      isFailed: (r) => r.startsWith("failed"),
    };
    const trials = [-1, 2, -3, 4];
    const full = await runTrials(risky, null, trials, { mode: "in-process" });
    expect(full.failed).toBe(2);
    // trials 0 and 1 (one failed) were logged before the interruption; 2 and 3 (one failed) run now
    const resumed = await runTrials(risky, null, trials, { mode: "in-process", finished: (_t, i) => (i < 2 ? full.results[i] : undefined) });
    expect(resumed.results).toEqual(full.results);
    expect(resumed.failed).toBe(2);
  });

  it("recognises a WebAssembly abort, also wrapped in a solver error, and nothing else", () => {
    const wasm = new Error("Aborted(native code called abort())");
    expect(isWasmAbort(Object.assign(new Error("unreachable"), { name: "RuntimeError" }))).toBe(true);
    expect(isWasmAbort(new Error("HiGHS failed on a chebyshev LP (5×3): Aborted(Assertion failed)"))).toBe(true);
    expect(isWasmAbort(new Error("solver failed", { cause: wasm }))).toBe(true);
    expect(isWasmAbort(new OptionError("unknown method 'x'"))).toBe(false);
    expect(isWasmAbort("Aborted")).toBe(false);
  });
});
