/**
 * `npm run fuzz`: the loaders' fuzz sweep (issue 15). Runs the seeded cases of
 * test/model/io/fuzz-cases.ts — 10,000 per format by default — in child processes (niced), each
 * case watched: a case that has used more than `--timeout-ms` (5 s) of CPU is a hang (the child is
 * killed and a fresh one continues after it; CPU time, read from /proc, so a shared machine's
 * contention is not mistaken for a hang; 60 s of wall time is a hang whatever the CPU), and each
 * child reports its peak RSS after every case (a case that takes the process past 1 GiB is
 * counted, and the child restarted so peaks stay per case). Times reported are CPU times.
 * Then each hand-built hostile file of issue 15 is loaded in a fresh process, with its time, its
 * peak RSS and whether its refusal carries the expected message.
 *
 *   npm run fuzz -- [--cases N] [--formats json-model,onnx] [--workers W] [--timeout-ms T] [--no-hostile]
 *
 * Prints one table row per format: cases, loaded, typed errors, untyped errors, hangs, silently
 * different networks (loaded with other sizes than the seed, the mutation not confined to weight
 * values), cases above 1 GiB, peak RSS, slowest case. Exit code 1 when any goal is missed.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, ftruncateSync, closeSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CaseResult, FORMATS, prepare, runCase, type Seed } from "../test/model/io/fuzz-cases.js";
import { HOSTILE_CASES, SPARSE_SIZE } from "../test/model/io/hostile-files.js";

const self = fileURLToPath(import.meta.url);

type ToChild = { t: "run"; format: string; from: number; to: number } | { t: "hostile"; name: string; dir: string };
type FromChild =
  | { t: "start"; i: number }
  | { t: "done"; i: number; kind: CaseResult["kind"]; mutation: string; message?: string; ms: number; rssMb: number }
  | { t: "end" }
  | { t: "hostile"; name: string; ms: number; cpuMs: number; rssMb: number; baselineMb: number; refused: boolean; matches: boolean; message: string };

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024; // kilobytes on Linux
}

// ---------------------------------------------------------------- child

function child(): void {
  const prepared = new Map<string, { seeds: Seed[]; signatures: string[] }>();
  process.on("message", (m: ToChild) => {
    if (m.t === "hostile") {
      const c = HOSTILE_CASES.find((x) => x.name === m.name)!;
      const path = join(m.dir, c.file);
      const sparse = SPARSE_SIZE[c.name];
      if (sparse !== undefined) {
        const fd = openSync(path, "w");
        ftruncateSync(fd, sparse);
        closeSync(fd);
      } else writeFileSync(path, c.bytes());
      global.gc?.();
      const baselineMb = process.memoryUsage().rss / 2 ** 20;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      let message = "";
      let refused = false;
      try {
        c.load(path);
      } catch (e) {
        refused = true;
        message = e instanceof Error ? e.message : String(e);
      }
      const ms = performance.now() - t0;
      const cu = process.cpuUsage(c0);
      const cpuMs = (cu.user + cu.system) / 1000;
      const expected = c.message;
      const matches = typeof expected === "string" ? message === expected.replace("<file>", path) : expected.test(message.replace(path, "<file>"));
      process.send!({
        t: "hostile",
        name: c.name,
        ms,
        cpuMs,
        rssMb: maxRssMb(),
        baselineMb,
        refused,
        matches,
        message: message.slice(0, 400),
      } satisfies FromChild);
      return;
    }
    const format = FORMATS.find((f) => f.name === m.format)!;
    let p = prepared.get(format.name);
    if (!p) prepared.set(format.name, (p = prepare(format)));
    for (let i = m.from; i < m.to; i++) {
      process.send!({ t: "start", i } satisfies FromChild);
      const c0 = process.cpuUsage();
      const r = runCase(format, p.seeds, p.signatures, i);
      const cpu = process.cpuUsage(c0);
      const rssMb = maxRssMb();
      const ms = (cpu.user + cpu.system) / 1000;
      process.send!({ t: "done", i, kind: r.kind, mutation: r.mutation, ...(r.message ? { message: r.message } : {}), ms, rssMb } satisfies FromChild);
      if (rssMb > 1024) {
        // peak RSS only grows: restart so the next cases are measured on their own
        process.send!({ t: "end" } satisfies FromChild);
        process.exit(0);
      }
    }
    process.send!({ t: "end" } satisfies FromChild);
  });
}

// ---------------------------------------------------------------- parent

interface Tally {
  cases: number;
  loaded: number;
  typed: number;
  untyped: number;
  different: number;
  hangs: number;
  over1g: number;
  peakMb: number;
  slowestMs: number;
  examples: string[];
}

function spawnChild(): ChildProcess {
  // niced: the machine is shared
  return fork(self, ["--child"], { execPath: "nice", execArgv: ["-n", "10", process.execPath, "--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

/** Run cases [from, to) of `format` in child processes, restarting after hangs and memory peaks. */
function runRange(format: string, from: number, to: number, timeoutMs: number, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    let next = from;
    const startChild = (): void => {
      if (next >= to) return resolve();
      const c = spawnChild();
      let timer: NodeJS.Timeout | null = null;
      let running = -1;
      let ended = false;
      // a runaway allocation is stopped before it takes the machine down (counted as over 1 GiB)
      const watch = setInterval(() => {
        try {
          const status = readFileSync(`/proc/${c.pid}/status`, "utf8");
          const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
          if (kb > 3 * 1024 * 1024 && running >= 0) {
            tally.over1g++;
            tally.examples.push(`case ${running}: RSS past 3 GiB, killed`);
            next = running + 1;
            c.kill("SIGKILL");
          }
        } catch {
          // the child has exited
        }
      }, 200);
      c.on("message", (m: FromChild) => {
        if (m.t === "start") {
          running = m.i;
          const cpu0 = cpuMs(c.pid!);
          const wall0 = performance.now();
          const check = (): void => {
            const used = cpuMs(c.pid!) - cpu0;
            const wall = performance.now() - wall0;
            if (used < timeoutMs && wall < 60_000) {
              timer = setTimeout(check, Math.max(50, timeoutMs - used)); // starved by other processes, not hung
              return;
            }
            tally.cases++;
            tally.hangs++;
            tally.examples.push(`case ${m.i}: still running after ${used.toFixed(0)} ms of CPU, ${wall.toFixed(0)} ms of wall time (hang)`);
            next = m.i + 1;
            running = -1;
            c.kill("SIGKILL");
          };
          timer = setTimeout(check, timeoutMs);
        } else if (m.t === "done") {
          if (timer) clearTimeout(timer);
          running = -1;
          next = m.i + 1;
          tally.cases++;
          tally[m.kind]++;
          tally.peakMb = Math.max(tally.peakMb, m.rssMb);
          tally.slowestMs = Math.max(tally.slowestMs, m.ms);
          if (m.rssMb > 1024) tally.over1g++;
          if ((m.kind === "untyped" || m.kind === "different") && tally.examples.length < 8)
            tally.examples.push(`case ${m.i} (${m.mutation}): ${m.kind}: ${m.message}`);
        } else if (m.t === "end") {
          ended = true;
          c.disconnect();
        }
      });
      c.on("exit", (code, signal) => {
        clearInterval(watch);
        if (timer) clearTimeout(timer);
        if (!ended && running >= 0) {
          // the child died in a case (out of memory, a native crash): an untyped failure of that case
          tally.cases++;
          tally.untyped++;
          tally.examples.push(`case ${running}: the process died (${signal ?? `exit ${code}`})`);
          next = running + 1;
        }
        startChild();
      });
      c.send({ t: "run", format, from: next, to } satisfies ToChild);
    };
    startChild();
  });
}

/** CPU time (user + system) of process `pid` so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

function runHostile(name: string, dir: string): Promise<FromChild & { t: "hostile" }> {
  return new Promise((resolve) => {
    const c = spawnChild();
    c.on("message", (m: FromChild) => {
      if (m.t === "hostile") {
        resolve(m);
        c.kill();
      }
    });
    c.send({ t: "hostile", name, dir } satisfies ToChild);
  });
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function parent(): Promise<void> {
  const cases = Number(arg("--cases") ?? 10_000);
  const workers = Number(arg("--workers") ?? Math.max(1, Math.min(2, availableParallelism())));
  const timeoutMs = Number(arg("--timeout-ms") ?? 5000);
  const only = arg("--formats")?.split(",");
  const formats = FORMATS.filter((f) => !only || only.includes(f.name));
  let failed = false;
  const pad = (s: string | number, n: number): string => String(s).padStart(n);
  process.stdout.write(`fuzz: ${cases} cases per format, ${workers} worker processes, hang = ${timeoutMs} ms\n\n`);
  process.stdout.write(
    `${"format".padEnd(16)}${pad("cases", 8)}${pad("loaded", 8)}${pad("typed", 8)}${pad("untyped", 9)}${pad("hangs", 7)}${pad("different", 11)}${pad(">1GiB", 7)}${pad("peak MB", 9)}${pad("max CPU ms", 12)}${pad("s", 7)}\n`,
  );
  for (const f of formats) {
    const tally: Tally = { cases: 0, loaded: 0, typed: 0, untyped: 0, different: 0, hangs: 0, over1g: 0, peakMb: 0, slowestMs: 0, examples: [] };
    const t0 = performance.now();
    const chunk = Math.ceil(cases / workers);
    await Promise.all(Array.from({ length: workers }, (_v, w) => runRange(f.name, w * chunk, Math.min(cases, (w + 1) * chunk), timeoutMs, tally)));
    const s = (performance.now() - t0) / 1000;
    process.stdout.write(
      `${f.name.padEnd(16)}${pad(tally.cases, 8)}${pad(tally.loaded, 8)}${pad(tally.typed, 8)}${pad(tally.untyped, 9)}${pad(tally.hangs, 7)}${pad(tally.different, 11)}${pad(tally.over1g, 7)}${pad(tally.peakMb.toFixed(0), 9)}${pad(tally.slowestMs.toFixed(0), 12)}${pad(s.toFixed(0), 7)}\n`,
    );
    for (const e of tally.examples) process.stdout.write(`    ${e}\n`);
    if (tally.untyped + tally.hangs + tally.different + tally.over1g > 0) failed = true;
  }
  if (!process.argv.includes("--no-hostile")) {
    const dir = mkdtempSync(join(tmpdir(), "geninv-fuzz-"));
    process.stdout.write(`\nhostile files of issue 15 (each in a fresh process; goal: refused in ≤ 1 s with ≤ 300 MB peak RSS):\n`);
    process.stdout.write(
      `${"case".padEnd(20)}${pad("refused", 8)}${pad("message", 9)}${pad("wall ms", 8)}${pad("CPU ms", 8)}${pad("peak MB", 9)}${pad("base MB", 9)}  what\n`,
    );
    for (const c of HOSTILE_CASES) {
      const r = await runHostile(c.name, dir);
      const ok = r.refused && r.matches && r.ms <= 1000 && r.rssMb <= 300;
      if (!ok) failed = true;
      process.stdout.write(
        `${c.name.padEnd(20)}${pad(r.refused ? "yes" : "NO", 8)}${pad(r.matches ? "exact" : "OTHER", 9)}${pad(r.ms.toFixed(0), 8)}${pad(r.cpuMs.toFixed(0), 8)}${pad(r.rssMb.toFixed(0), 9)}${pad(r.baselineMb.toFixed(0), 9)}  ${c.what}\n`,
      );
      if (!r.matches) process.stdout.write(`    got: ${r.message}\n`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    failed
      ? "\nSOME GOALS MISSED\n"
      : "\nall goals met: 0 untyped, 0 hangs, 0 silently different, 0 above 1 GiB; every hostile file refused in ≤ 1 s with ≤ 300 MB\n",
  );
  process.exitCode = failed ? 1 : 0;
}

if (process.argv.includes("--child")) child();
else await parent();
