/**
 * `geninv invert` on batches: streamed .jsonl, atomic .json, --resume / --force, bad rows one by
 * one, --workers; and the CLI output fixes of issue 14 (progress bar, -o out.png, -o folders, EPIPE).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { Progress } from "../../src/cli/progress.js";
import { distProblem } from "../experiments/dist.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTTY: false, env: {}, exitCode: 0 };
  const code = await main(argv, io);
  return { code, out, err };
}

const BIN = join(process.cwd(), "dist/src/cli/main.js");
let dir: string;
const p = (name: string): string => join(dir, name);

/** A result row without its wall-clock fields (everything else is deterministic). */
function untimed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untimed);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !/timems$/i.test(k))
        .map(([k, x]) => [k, untimed(x)]),
    );
  }
  return v;
}

/** The rows of a .jsonl output by index, untimed (its first line, the batch's fingerprint, left out). */
function jsonlRows(path: string): unknown[] {
  const [header, ...rows] = readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { index: number });
  expect(header).toHaveProperty("batch");
  return untimed(rows.sort((a, b) => a.index - b.index)) as unknown[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "geninv-batch-"));
  expect((await run("random", "--sizes", "6,30,90", "--seed", "4", "-o", p("net.json"))).code).toBe(0);
  expect((await run("sample", "--model", p("net.json"), "--count", "12", "--seed", "5", "--noise", "uniform:0.01", "-o", p("obs.json"))).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("progress bar", () => {
  it("counts whole finished items, never past the total, and never shows a negative ETA", () => {
    let text = "";
    const io: CliIo = { out: () => undefined, err: (t) => void (text += t), errIsTTY: true, env: { NO_COLOR: "1" }, exitCode: 0 };
    const bar = new Progress(io, "invert", 6);
    // what the batch loop does: progress inside an item, then the item finishes
    for (let b = 0; b < 6; b++) {
      bar.setPartial(0.1);
      expect(bar.line()).toMatch(new RegExp(`^invert ${b}/6 `));
      bar.setPartial(1);
      bar.tick();
    }
    expect(bar.line()).toMatch(/^invert 6\/6 \[#{24}\] .* ETA 0\.0s$/);
    bar.set(7.5); // more than the total is clamped
    expect(bar.line()).toMatch(/^invert 6\/6 /);
    const drawn = text.split("\r").filter((s) => s.trim() !== "");
    for (const line of drawn) {
      expect(line).toMatch(/^invert [0-6]\/6 /);
      expect(line).not.toMatch(/ETA -/);
    }
    expect(new Progress(io, "x", 4).line()).toMatch(/ETA \?$/); // nothing done yet: no estimate
  });
});

describe("invert output files", () => {
  it("-o out.png writes the reconstructions and prints a one-line summary, not the JSON; -o - adds the JSON", async () => {
    const side = await run("random", "--sizes", "4,16", "--activation", "identity", "--seed", "1", "-o", p("sq.json"));
    expect(side.code).toBe(0);
    await run("sample", "--model", p("sq.json"), "--count", "3", "--seed", "2", "-o", p("sq-obs.json"));
    const r = await run("invert", "--model", p("sq.json"), "--obs", p("sq-obs.json"), "--method", "exact", "-o", p("rec.png"));
    expect(r.code).toBe(0);
    expect(r.out).toBe("3 observations by exact: exact 3\n");
    expect(existsSync(p("rec.png"))).toBe(true);
    const both = await run("invert", "--model", p("sq.json"), "--obs", p("sq-obs.json"), "--method", "exact", "-o", p("rec.png"), "-o", "-");
    expect(JSON.parse(both.out).summary).toEqual({ exact: 3 });
  });

  it("-o into a missing folder or through a file is an error naming the path; no folder is created", async () => {
    const missing = join(dir, "no-such-dir", "deeper", "r.json");
    const a = await run("invert", "--model", p("net.json"), "--obs", p("obs.json"), "--method", "exact", "-o", missing);
    expect(a.code).toBe(1);
    expect(a.err).toBe(`geninv: ${missing}: -o: the folder ${join(dir, "no-such-dir", "deeper")} does not exist (create it first)\n`);
    expect(existsSync(join(dir, "no-such-dir"))).toBe(false);
    const through = await run("random", "--sizes", "3,5", "-o", join(p("net.json"), "r.json"));
    expect(through.code).toBe(1);
    expect(through.err).toBe(`geninv: ${join(p("net.json"), "r.json")}: -o: ${p("net.json")} is a file, not a folder\n`);
    const folder = await run("random", "--sizes", "3,5", "-o", dir);
    expect(folder.err).toBe(`geninv: ${dir}: -o: is a folder; give a file name\n`);
  });

  it(".json is replaced atomically: no temporary file is left, and the old file stays when the run fails before writing", async () => {
    writeFileSync(p("old.json"), "previous\n");
    const ok = await run("invert", "--model", p("net.json"), "--obs", p("obs.json"), "--method", "exact", "-o", p("old.json"));
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(p("old.json"), "utf8")).results).toHaveLength(12);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp") || f.endsWith(".part.jsonl"))).toEqual([]);
    writeFileSync(p("old.json"), "previous\n");
    const bad = await run("invert", "--model", p("net.json"), "--obs", p("missing.json"), "-o", p("old.json"));
    expect(bad.code).toBe(1);
    expect(readFileSync(p("old.json"), "utf8")).toBe("previous\n");
  });
});

describe("bad rows", () => {
  it("reports every bad row with its index, inverts the good ones and exits 1; --strict refuses the file", async () => {
    const obs = JSON.parse(readFileSync(p("obs.json"), "utf8")) as { x: unknown[][] };
    const x: unknown[] = obs.x.slice(0, 5);
    x[1] = (x[1] as number[]).slice(0, 89); // wrong length
    x[3] = [...(x[3] as number[])];
    (x[3] as unknown[])[7] = null; // not a number
    const text = JSON.stringify({ x }).replace(/^(\{"x":\[\[[^,]+,)[^,]+/, "$11e999"); // row 0, entry 1: Infinity
    writeFileSync(p("bad.json"), text);
    const r = await run("invert", "--model", p("net.json"), "--obs", p("bad.json"), "--method", "exact", "-o", p("bad-out.jsonl"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`observation 0: ${p("bad.json")}: x[0][1]: is Infinity (values must be finite)\n`);
    expect(r.err).toContain(`observation 1: ${p("bad.json")}: x[1]: has 89 entries, expected 90 like the other rows\n`);
    expect(r.err).toContain(`observation 3: ${p("bad.json")}: x[3][7]: expected a number, got null\n`);
    const rows = jsonlRows(p("bad-out.jsonl")) as { index: number; status: string; error?: string }[];
    expect(rows.map((o) => [o.index, o.status === "failed", o.error !== undefined])).toEqual([
      [0, true, true],
      [1, true, true],
      [2, false, false],
      [3, true, true],
      [4, false, false],
    ]);
    expect(r.err).toMatch(/3 of 5 observations failed/);
    const strict = await run("invert", "--model", p("net.json"), "--obs", p("bad.json"), "--method", "exact", "--strict", "-o", p("strict.jsonl"));
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/bad\.json: 3 of 5 observation rows cannot be used \(listed above\)/);
    expect(existsSync(p("strict.jsonl"))).toBe(false);
  });
});

describe("--resume and --force", () => {
  const argsOf =
    (method: string) =>
    (out: string, ...more: string[]): string[] => ["invert", "--model", p("net.json"), "--obs", p("obs.json"), "--method", method, "-o", out, ...more];
  const args = argsOf("exact");

  it(".jsonl streams one row a line; a cut-off file (torn last line) resumes to the uninterrupted result", async () => {
    expect((await run(...args(p("full.jsonl")))).code).toBe(0);
    const full = readFileSync(p("full.jsonl"), "utf8");
    const reference = jsonlRows(p("full.jsonl"));
    expect(reference).toHaveLength(12);
    // a kill after 5 rows (lines 2-6; line 1 is the fingerprint), in the middle of writing the 6th
    const lines = full.split("\n");
    writeFileSync(p("cut.jsonl"), lines.slice(0, 6).join("\n") + "\n" + lines[6]!.slice(0, 40));
    const refused = await run(...args(p("cut.jsonl")));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/cut\.jsonl already holds 6 result lines: give --resume to continue that batch, or --force to overwrite it/);
    const resumed = await run(...args(p("cut.jsonl"), "--resume"));
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain("5 of 12 rows already done (a torn last line was cut off and is redone)");
    expect(jsonlRows(p("cut.jsonl"))).toEqual(reference);
    // resuming a finished file changes nothing; --force starts over
    expect((await run(...args(p("cut.jsonl"), "--resume"))).code).toBe(0);
    expect(jsonlRows(p("cut.jsonl"))).toEqual(reference);
    expect((await run(...args(p("cut.jsonl"), "--force"))).code).toBe(0);
    expect(jsonlRows(p("cut.jsonl"))).toEqual(reference);
  });

  it(".json keeps a journal while running; --resume continues it, and another batch's file is refused", async () => {
    expect((await run(...args(p("full.json")))).code).toBe(0);
    const reference = untimed(JSON.parse(readFileSync(p("full.json"), "utf8")));
    const lines = readFileSync(p("full.jsonl"), "utf8").split("\n");
    writeFileSync(p("part.json.part.jsonl"), lines.slice(0, 8).join("\n") + "\n");
    const refused = await run(...args(p("part.json")));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/part\.json\.part\.jsonl holds 7 results of an interrupted run into .*part\.json: give --resume/);
    expect((await run(...args(p("part.json"), "--resume"))).code).toBe(0);
    expect(untimed(JSON.parse(readFileSync(p("part.json"), "utf8")))).toEqual(reference);
    expect(existsSync(p("part.json.part.jsonl"))).toBe(false);
    const other = await run(...argsOf("linf")(p("full.jsonl"), "--resume"));
    expect(other.code).toBe(1);
    expect(other.err).toContain(
      `geninv: ${p("full.jsonl")}: was written by a different batch (method: "exact" in the file, "linf" now), so --resume cannot continue it: use the same model, files and flags, or --force to start over`,
    );
    // the finished .json document carries the fingerprint too: other observations are refused by name
    const doc = JSON.parse(readFileSync(p("full.json"), "utf8")) as { fingerprint: { observations: string } };
    expect(doc.fingerprint.observations).toMatch(/^sha256:[0-9a-f]{64}$/);
    writeFileSync(
      p("obs2.json"),
      readFileSync(p("obs.json"), "utf8").replace(/\d(?=[,\]])/, (d) => String((Number(d) + 1) % 10)),
    );
    const otherObs = await run(
      "invert",
      "--model",
      p("net.json"),
      "--obs",
      p("obs2.json"),
      "--method",
      "exact",
      "--noise",
      "uniform:0.1",
      "-o",
      p("full.json"),
      "--resume",
    );
    expect(otherObs.code).toBe(1);
    expect(otherObs.err).toMatch(
      /full\.json: was written by a different batch \(observations: sha256:[0-9a-f]{12}… in the file, sha256:[0-9a-f]{12}… now; noise: null in the file, "uniform:0\.1" now\), so --resume cannot continue it: use the same model, files and flags, or --force to start over/,
    );
    // an output without a fingerprint (first line a row) is not continued blindly
    writeFileSync(p("bare.jsonl"), lines.slice(1, 4).join("\n") + "\n");
    expect((await run(...args(p("bare.jsonl"), "--resume"))).err).toContain(
      `geninv: ${p("bare.jsonl")}: has no fingerprint (its first line is not a {"batch": …} header), so --resume cannot check that it belongs to this batch: use --force to start over`,
    );
    expect((await run(...args("-", "--resume"))).err).toMatch(/--resume needs a results file/);
  });

  it("after a SIGKILL mid-batch on 2 worker threads, --resume gives the uninterrupted rows (compiled CLI)", async (ctx) => {
    const why = distProblem();
    if (why) ctx.skip(why);
    mkdirSync(p("kill"), { recursive: true });
    const linf = argsOf("linf");
    expect((await run(...linf(p("linf.jsonl")))).code).toBe(0);
    const out = join(p("kill"), "r.jsonl");
    const child = spawn(process.execPath, [BIN, ...linf(out, "--workers", "2")], { stdio: "ignore" });
    // kill as soon as some rows are on disk
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const n = existsSync(out) ? readFileSync(out, "utf8").split("\n").length - 2 : 0; // the fingerprint line not counted
        if (n >= 2 || child.exitCode !== null) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
    });
    await new Promise((r) => child.once("exit", r));
    const before = readFileSync(out, "utf8").split("\n").length - 2;
    expect(before).toBeGreaterThanOrEqual(2);
    const resumed = spawnSync(process.execPath, [BIN, ...linf(out, "--resume", "--workers", "2")], { encoding: "utf8" });
    expect(resumed.stderr).not.toContain("geninv:");
    expect(resumed.status).toBe(0);
    expect(jsonlRows(out)).toEqual(jsonlRows(p("linf.jsonl"))); // 2 threads, resumed = 1 thread, uninterrupted
  }, 60_000);
});

describe("a closed stdout", () => {
  it("random | head and convert -o - | head end quietly (exit 141, no stack trace)", async (ctx) => {
    const why = distProblem();
    if (why) ctx.skip(why);
    expect((await run("random", "--sizes", "20,100,500", "-o", p("big.json"))).code).toBe(0);
    // ~1 MB each: far more than a pipe holds, so the writer meets the closed end
    for (const argv of [
      ["random", "--sizes", "20,100,500"],
      ["convert", p("big.json"), "-o", "-"],
    ]) {
      const child = spawn(process.execPath, [BIN, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.stdout.once("data", () => child.stdout.destroy()); // what head does after its lines
      const code = await new Promise<number | null>((r) => child.once("close", (c) => r(c)));
      expect(err).toBe("");
      expect(code).toBe(141);
    }
  }, 30_000);
});
