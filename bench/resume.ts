/**
 * `npm run bench:resume` (or `node dist/bench/run.js resume`): a batch never loses finished work.
 *
 * 1. Kill `geninv invert` (GENINV_KILL_ROWS observations, default 2,000, of a GENINV_KILL_SIZES
 *    net, default 20,100,500, inverted by exact on 2 worker threads) with
 *    SIGKILL at a uniformly random moment of its run, resume it with --resume, and compare the
 *    output with an uninterrupted run's — GENINV_KILLS times (default 20), alternating the .jsonl
 *    (streamed) and .json (journal + atomic rename) outputs.
 * 2. The same for `geninv reproduce fig2` (GENINV_KILL_FIG2 flags, default `--quick`).
 *
 * "Equal" means the same rows (by index) / runs (by k and run) with every field equal except the
 * wall-clock ones (`timeMs`, `wallTimeMs`, CSV time columns), which no two runs share.
 * Prints, per target, the kills that left a partial output, the rows kept at the kill, torn lines
 * repaired, and how many resumed outputs equal the uninterrupted one (the goal: all of them).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../src/model/rng.js";
import { median, printTable } from "./common.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");

function geninv(args: string[]): { status: number | null; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  return { status: r.status, stderr: r.stderr, ms: performance.now() - t0 };
}

/** Start `geninv args` and SIGKILL it after `ms` (or let it end first). True when it was killed. */
function killAfter(args: string[], ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === "SIGKILL");
    });
  });
}

function untimed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untimed);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !/time(ms)?$/i.test(k))
        .map(([k, x]) => [k, untimed(x)]),
    );
  return v;
}

/** An invert output (.json document or .jsonl lines) as canonical text: rows by index, untimed. */
function invertOutput(path: string): string {
  const text = readFileSync(path, "utf8");
  const rows = path.endsWith(".jsonl")
    ? text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as { index: number })
        .filter((r) => r.index !== undefined) // the first line is the batch's fingerprint
    : (JSON.parse(text) as { results: { index: number }[] }).results;
  const doc = path.endsWith(".jsonl") ? {} : { ...(JSON.parse(text) as object), results: null };
  return JSON.stringify(untimed({ doc, rows: [...rows].sort((a, b) => a.index - b.index) }));
}

/** A fig2 sweep's JSON and CSV as canonical text: runs by (k, run), untimed, CSV without time columns. */
function fig2Output(dir: string, tag: string): string {
  const j = JSON.parse(readFileSync(join(dir, `${tag}.json`), "utf8")) as { runs: { k: number; run: number }[] };
  const runs = [...j.runs].sort((a, b) => a.k - b.k || a.run - b.run);
  const csv = readFileSync(join(dir, `${tag}.csv`), "utf8")
    .trimEnd()
    .split("\n");
  const header = csv[0]!.split(",");
  const keep = header.map((h) => !/time/i.test(h));
  const body = csv
    .map((l) =>
      l
        .split(",")
        .filter((_, i) => keep[i])
        .join(","),
    )
    .sort();
  return JSON.stringify(untimed({ ...j, runs, csv: body }));
}

function lines(path: string): number {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").length - 1 : 0;
}

export async function run(): Promise<void> {
  const kills = Number(process.env.GENINV_KILLS ?? 20);
  const rows = Number(process.env.GENINV_KILL_ROWS ?? 2000);
  const fig2Flags = (process.env.GENINV_KILL_FIG2 ?? "--quick").split(" ").filter((s) => s !== "");
  // a smaller net makes each row cheaper without changing what is tested (kill, resume, compare)
  const sizes = process.env.GENINV_KILL_SIZES ?? "20,100,500";
  const rng = new Rng(2026);
  const dir = mkdtempSync(join(tmpdir(), "geninv-bench-resume-"));
  try {
    // the batch: noisy observations of a GENINV_KILL_SIZES ReLU net, inverted by exact on 2 threads
    const net = join(dir, "net.json");
    const obs = join(dir, "obs.json");
    if (geninv(["random", "--sizes", sizes, "--seed", "1", "-o", net]).status !== 0) throw new Error("random failed");
    if (geninv(["sample", "--model", net, "--count", String(rows), "--seed", "2", "--noise", "uniform:0.001", "-o", obs]).status !== 0)
      throw new Error("sample failed");
    const invertArgs = (out: string, ...more: string[]) => ["invert", "--model", net, "--obs", obs, "--method", "exact", "--workers", "2", "-o", out, ...more];
    const refJsonl = join(dir, "ref.jsonl");
    const refJson = join(dir, "ref.json");
    const full = geninv(invertArgs(refJsonl));
    if (full.status !== 0) throw new Error(`reference invert failed: ${full.stderr}`);
    if (geninv(invertArgs(refJson)).status !== 0) throw new Error("reference invert (.json) failed");
    const reference = { jsonl: invertOutput(refJsonl), json: invertOutput(refJson) };
    const invertStats = { killed: 0, equal: 0, kept: [] as number[], torn: 0, ms: full.ms };
    for (let i = 0; i < kills; i++) {
      const ext = i % 2 === 0 ? "jsonl" : "json";
      const out = join(dir, `kill-${i}.${ext}`);
      const log = ext === "jsonl" ? out : `${out}.part.jsonl`;
      const at = rng.uniform() * full.ms;
      if (await killAfter(invertArgs(out), at)) invertStats.killed++;
      invertStats.kept.push(Math.max(0, lines(log) - 1)); // the fingerprint line not counted
      const resumed = geninv(invertArgs(out, "--resume"));
      if (/torn last line/.test(resumed.stderr)) invertStats.torn++;
      const same = resumed.status === 0 && invertOutput(out) === reference[ext];
      process.stdout.write(
        `invert kill ${i + 1}/${kills} (.${ext}) at ${at.toFixed(0)} ms: ${invertStats.kept[i]} rows kept, resumed ${same ? "=" : "≠"} uninterrupted\n`,
      );
      if (same) invertStats.equal++;
      else
        process.stderr.write(
          `invert kill ${i} (${ext}, ${at.toFixed(0)} ms): resumed output differs (exit ${resumed.status}) ${resumed.stderr.slice(0, 400)}\n`,
        );
    }

    // reproduce fig2: the same, on its run log
    const figDir = join(dir, "fig2");
    const figArgs = (out: string, ...more: string[]) => ["reproduce", "fig2", ...fig2Flags, "--workers", "2", "--out", out, "--json", ...more];
    const tag = fig2Flags.includes("--quick") ? "fig2-relu-quick" : "fig2-relu";
    const figFull = geninv(figArgs(figDir));
    if (figFull.status !== 0) throw new Error(`reference fig2 failed: ${figFull.stderr}`);
    const figReference = fig2Output(figDir, tag);
    const figStats = { killed: 0, equal: 0, kept: [] as number[], torn: 0, ms: figFull.ms };
    for (let i = 0; i < kills; i++) {
      const out = join(dir, `fig2-kill-${i}`);
      const at = rng.uniform() * figFull.ms;
      if (await killAfter(figArgs(out), at)) figStats.killed++;
      figStats.kept.push(Math.max(0, lines(join(out, `${tag}.runs.jsonl`)) - 1));
      const resumed = geninv(figArgs(out, "--resume"));
      if (/torn last line/.test(resumed.stderr)) figStats.torn++;
      const same = resumed.status === 0 && fig2Output(out, tag) === figReference;
      process.stdout.write(`fig2 kill ${i + 1}/${kills} at ${at.toFixed(0)} ms: ${figStats.kept[i]} runs kept, resumed ${same ? "=" : "≠"} uninterrupted\n`);
      if (same) figStats.equal++;
      else process.stderr.write(`fig2 kill ${i} (${at.toFixed(0)} ms): resumed output differs (exit ${resumed.status}) ${resumed.stderr.slice(0, 400)}\n`);
    }

    printTable(
      `SIGKILL at a random moment, then --resume: resumed output = uninterrupted output (${kills} kills each; machine load ${(await import("node:os")).loadavg()[0]!.toFixed(1)})`,
      ["target", "uninterrupted run", "killed mid-run", "rows kept at kill (median)", "torn lines repaired", "resumed = uninterrupted"],
      [
        [
          `invert ${rows} obs of ${sizes} (exact, 2 workers, .jsonl/.json)`,
          `${(invertStats.ms / 1000).toFixed(1)} s`,
          `${invertStats.killed}/${kills}`,
          String(median(invertStats.kept)),
          String(invertStats.torn),
          `${invertStats.equal}/${kills}`,
        ],
        [
          `reproduce fig2 ${fig2Flags.join(" ")} (2 workers)`,
          `${(figStats.ms / 1000).toFixed(1)} s`,
          `${figStats.killed}/${kills}`,
          String(median(figStats.kept)),
          String(figStats.torn),
          `${figStats.equal}/${kills}`,
        ],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
