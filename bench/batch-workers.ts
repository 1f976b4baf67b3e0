/**
 * `npm run bench:workers` (or `node dist/bench/run.js batch-workers`): throughput of
 * `geninv invert` on a batch with `--workers 2` against one worker (this thread), measured in the
 * same run, alternating, GENINV_BENCH_REPEATS times (default 3); prints the medians, the ratio,
 * and the machine's load average (a shared machine makes the ratio meaningless: say so).
 *
 * The batch: GENINV_BENCH_ROWS (default 400) noisy observations of a 20-100-500 ReLU net, method
 * GENINV_BENCH_METHOD (default linf). Wall time includes process start and, for 2 workers, the
 * threads' start (each loads the library and HiGHS), as a user sees it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, printTable } from "./common.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");

function timed(args: string[]): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  // GNU time reports the child's CPU time; without it only wall time is measured
  const r = existsSync("/usr/bin/time")
    ? spawnSync("/usr/bin/time", ["-f", "%U %S", process.execPath, BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`geninv ${args.join(" ")} failed: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  return { ms, cpuMs: ((u ?? NaN) + (s ?? NaN)) * 1000 };
}

export async function run(): Promise<void> {
  const rows = Number(process.env.GENINV_BENCH_ROWS ?? 400);
  const repeats = Number(process.env.GENINV_BENCH_REPEATS ?? 3);
  const method = process.env.GENINV_BENCH_METHOD ?? "linf";
  const dir = mkdtempSync(join(tmpdir(), "geninv-bench-workers-"));
  try {
    const net = join(dir, "net.json");
    const obs = join(dir, "obs.json");
    spawnSync(process.execPath, [BIN, "random", "--sizes", "20,100,500", "--seed", "1", "-o", net]);
    spawnSync(process.execPath, [BIN, "sample", "--model", net, "--count", String(rows), "--seed", "2", "--noise", "uniform:0.001", "-o", obs]);
    const args = (w: number) => ["invert", "--model", net, "--obs", obs, "--method", method, "--workers", String(w), "-o", join(dir, `r${w}.jsonl`), "--force"];
    const one: { ms: number; cpuMs: number }[] = [];
    const two: { ms: number; cpuMs: number }[] = [];
    const loadBefore = loadavg()[0]!;
    for (let i = 0; i < repeats; i++) {
      one.push(timed(args(1)));
      two.push(timed(args(2)));
    }
    const loadAfter = loadavg()[0]!;
    const m1 = median(one.map((t) => t.ms));
    const m2 = median(two.map((t) => t.ms));
    printTable(
      `invert ${rows} observations by ${method} (20-100-500 ReLU), wall time per batch, median of ${repeats} (1-minute load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${(await import("node:os")).availableParallelism()} cores${loadBefore > 1.5 || loadAfter > 1.5 ? ": SHARED machine, the ratio is not the code's" : ""})`,
      ["workers", "wall (median)", "rows / s", "CPU time (median)", "throughput vs 1 worker"],
      [
        [
          "1 (this thread)",
          `${(m1 / 1000).toFixed(2)} s`,
          (rows / (m1 / 1000)).toFixed(1),
          `${(median(one.map((t) => t.cpuMs)) / 1000).toFixed(2)} s`,
          "1.00×",
        ],
        [
          "2 threads",
          `${(m2 / 1000).toFixed(2)} s`,
          (rows / (m2 / 1000)).toFixed(1),
          `${(median(two.map((t) => t.cpuMs)) / 1000).toFixed(2)} s`,
          `${(m1 / m2).toFixed(2)}×`,
        ],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
