import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { type CliIo } from "../../src/cli/io.js";
import { parseXml } from "../experiments/xml.js";

const dir = mkdtempSync(join(tmpdir(), "geninv-reproduce-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTTY: false, env: {}, exitCode: 0 };
  const code = await main(args, io);
  return { code, out, err };
}

describe("geninv reproduce", () => {
  it("fig2 --quick writes CSV, JSON, SVG and the JSON-lines log, echoes the seed and prints a table with the wall time", async () => {
    const out = join(dir, "fig2");
    const r = await run(["reproduce", "fig2", "--quick", "--methods", "exact", "--runs", "3", "--seed", "7", "--out", out]);
    expect(r.err).not.toContain("geninv:");
    expect(r.code).toBe(0);
    expect(r.out).toContain("seed 7");
    expect(r.out).toMatch(/k\s+exact \(Thm\. 2\)\s+certified non-unique/);
    expect(r.out).toMatch(/^ 60\s+1\.000\s+0\.000$/m);
    expect(r.out).toMatch(/21\/21 runs in [\d.]+s \(wall\)/);
    const json = JSON.parse(readFileSync(join(out, "fig2-relu-quick.json"), "utf8")) as {
      seed: number;
      complete: boolean;
      runs: unknown[];
      config: { ks: number[] };
    };
    expect(json.seed).toBe(7);
    expect(json.complete).toBe(true);
    expect(json.runs).toHaveLength(21);
    expect(json.config.ks).toEqual([10, 60, 100, 140, 150, 200, 250]);
    const log = readFileSync(join(out, "fig2-relu-quick.runs.jsonl"), "utf8").trimEnd().split("\n");
    expect(log).toHaveLength(22); // the sweep's header, then one line per run
    expect(JSON.parse(log[0]!).sweep).toMatchObject({ figure: "fig2", config: { seed: 7, runs: 3 } });
    expect(readFileSync(join(out, "fig2-relu-quick.csv"), "utf8").split("\n")[1]!.startsWith("7,relu,")).toBe(true);
    expect(parseXml(readFileSync(join(out, "fig2-relu-quick.svg"), "utf8")).name).toBe("svg");
  });

  it("fig2 --json prints the summary as JSON; --sizes and --ks shape the sweep; files are named for the variant", async () => {
    const out = join(dir, "fig2b");
    const r = await run([
      "reproduce",
      "fig2",
      "--activation",
      "leaky_relu:0.1",
      "--sizes",
      "k,100,300",
      "--ks",
      "10:30:10",
      "--runs",
      "2",
      "--methods",
      "exact",
      "--json",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { seed: number; summary: { k: number; methods: { exact: { successRate: number } } }[]; files: { svg: string } };
    expect(j.seed).toBe(0);
    expect(j.summary.map((p) => p.k)).toEqual([10, 20, 30]);
    expect(j.summary.every((p) => p.methods.exact.successRate === 1)).toBe(true);
    expect(j.files.svg).toBe(join(out, "fig2-leaky_relu_0.1-k-100-300.svg"));
    expect(existsSync(j.files.svg)).toBe(true);
  });

  it("fig2 refuses to overwrite a run log that holds runs; --resume after a kill (torn last line) gives the uninterrupted sweep", async () => {
    const out = join(dir, "fig2");
    const argv = ["reproduce", "fig2", "--quick", "--methods", "exact", "--runs", "3", "--seed", "7", "--out", out, "--json"];
    const untimed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(untimed)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k]) => !/time(ms)?$/i.test(k))
                .map(([k, x]) => [k, untimed(x)]),
            )
          : v;
    const logPath = join(out, "fig2-relu-quick.runs.jsonl");
    const reference = readFileSync(join(out, "fig2-relu-quick.json"), "utf8");
    const csv = readFileSync(join(out, "fig2-relu-quick.csv"), "utf8");
    const again = await run(argv);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(
      /fig2-relu-quick\.runs\.jsonl holds 21 finished runs of an earlier sweep: give --resume to continue it, or --force to start over/,
    );
    // what a SIGKILL leaves: the header, 8 runs, half of the 9th
    const lines = readFileSync(logPath, "utf8").split("\n");
    writeFileSync(logPath, lines.slice(0, 9).join("\n") + "\n" + lines[9]!.slice(0, 30));
    const resumed = await run([...argv, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain("8 finished runs kept (a torn last line was cut off and is redone)");
    const sortRuns = (j: { runs: { k: number; run: number }[] }) => ({ ...j, runs: [...j.runs].sort((a, b) => a.k - b.k || a.run - b.run) });
    expect(untimed(sortRuns(JSON.parse(readFileSync(join(out, "fig2-relu-quick.json"), "utf8"))))).toEqual(untimed(sortRuns(JSON.parse(reference))));
    const noTime = (t: string) =>
      t.split("\n").map((l) =>
        l
          .split(",")
          .filter((_, i) => !/time/i.test(csv.split("\n")[0]!.split(",")[i] ?? ""))
          .join(","),
      );
    expect(noTime(readFileSync(join(out, "fig2-relu-quick.csv"), "utf8"))).toEqual(noTime(csv));
    expect(readFileSync(logPath, "utf8").trimEnd().split("\n")).toHaveLength(22);
    // another sweep's log is not continued
    const other = await run(["reproduce", "fig2", "--quick", "--methods", "exact", "--runs", "3", "--seed", "8", "--out", out, "--resume"]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/was written by a different sweep/);
  });

  it("fig4 keeps each (digit, method) in a run log: --resume after a kill equals the uninterrupted run; a changed flag or model file is refused by name", async () => {
    const out = join(dir, "fig4");
    const argv = ["reproduce", "fig4", "--digits", "2", "--methods", "linf,gd", "--options", '{"gd":{"iterations":20}}', "--out", out, "--json"];
    const first = await run(argv);
    expect(first.err).not.toContain("geninv:");
    expect(first.code).toBe(0);
    // the final files are renamed into place: no temporary file is left next to them
    expect(readdirSync(out).sort()).toEqual(["fig4-mnist.csv", "fig4-mnist.json", "fig4-mnist.png", "fig4-mnist.runs.jsonl"]);
    const logPath = join(out, "fig4-mnist.runs.jsonl");
    const dropTimes = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(dropTimes)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k]) => !/time(ms)?$/i.test(k))
                .map(([k, x]) => [k, dropTimes(x)]),
            )
          : v;
    const untimed = (text: string) => JSON.stringify(dropTimes(JSON.parse(text)));
    const reference = { json: untimed(readFileSync(join(out, "fig4-mnist.json"), "utf8")), png: readFileSync(join(out, "fig4-mnist.png")) };
    const csvCols = (t: string) =>
      t.split("\n").map((l) =>
        l
          .split(",")
          .filter((_, i) => !/time/i.test(t.split("\n")[0]!.split(",")[i] ?? ""))
          .join(","),
      );
    const csv = csvCols(readFileSync(join(out, "fig4-mnist.csv"), "utf8"));
    expect((await run(argv)).err).toContain(`${logPath} holds 4 finished runs of an earlier sweep: give --resume to continue it, or --force to start over`);
    // what a SIGKILL leaves: the header, 2 inversions and half of the 3rd
    const lines = readFileSync(logPath, "utf8").split("\n");
    writeFileSync(logPath, lines.slice(0, 3).join("\n") + "\n" + lines[3]!.slice(0, 40));
    const resumed = await run([...argv, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain(`resuming ${logPath}: 2 finished runs kept (a torn last line was cut off and is redone)`);
    expect(untimed(readFileSync(join(out, "fig4-mnist.json"), "utf8"))).toBe(reference.json);
    expect(readFileSync(join(out, "fig4-mnist.png")).equals(reference.png)).toBe(true);
    expect(csvCols(readFileSync(join(out, "fig4-mnist.csv"), "utf8"))).toEqual(csv);
    expect(readFileSync(logPath, "utf8").trimEnd().split("\n")).toHaveLength(5);
    const changed = await run([
      "reproduce",
      "fig4",
      "--digits",
      "2",
      "--methods",
      "linf,gd",
      "--options",
      '{"gd":{"iterations":21}}',
      "--out",
      out,
      "--resume",
    ]);
    expect(changed.code).toBe(1);
    expect(changed.err).toContain(
      `geninv: ${logPath}: was written by a different sweep (config.methodOptions.gd.iterations: 20 in the file, 21 now), so --resume cannot continue it: use the same flags and files, or --force to start over`,
    );
    // the fingerprint holds the model file's hash: another file under the same name is refused
    const header = JSON.parse(lines[0]!) as { sweep: { inputs: { model: string } } };
    expect(header.sweep.inputs.model).toMatch(/^sha256:[0-9a-f]{64}$/);
    header.sweep.inputs.model = `sha256:${"0".repeat(64)}`;
    writeFileSync(logPath, [JSON.stringify(header), ...lines.slice(1)].join("\n"));
    const otherModel = await run([...argv, "--resume"]);
    expect(otherModel.code).toBe(1);
    expect(otherModel.err).toMatch(/was written by a different sweep \(inputs\.model: sha256:000000000000… in the file, sha256:[0-9a-f]{12}… now\)/);
  });

  it("fig1 --quick writes its files and prints medians per noise level and the log–log slope", async () => {
    const out = join(dir, "fig1");
    const r = await run([
      "reproduce",
      "fig1",
      "--quick",
      "--methods",
      "exact",
      "--levels",
      "1e-2,1e-4",
      "--runs",
      "3",
      "--noise",
      "gaussian",
      "--options",
      '{"exact":{"activeTolerance":0.05}}',
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Figure 1 (gaussian noise)");
    expect(r.out).toMatch(/^\s*1e-2\s+\S+\s+\S+$/m);
    expect(r.out).toMatch(/slope\s+\(log–log\)\s+\d\.\d\d/);
    for (const ext of ["csv", "json", "svg", "runs.jsonl"]) expect(existsSync(join(out, `fig1-gaussian-quick.${ext}`))).toBe(true);
  });

  it.each([
    [["fig2", "--sizes", "250,600"], /--sizes must start with k/],
    [["fig2", "--ks", "30:10:10"], /--ks 30:10:10: expected start:stop:step/],
    [["fig2", "--methods", "nope"], /unknown method 'nope' \(known: exact/],
    [["fig2", "--workers", "0"], /--workers expects an integer in \[1, 1024\]/],
    [["fig2", "--activation", "softplus"], /unknown activation 'softplus'/],
    [["fig2", "--options", "{bad"], /--options is not valid JSON/],
    [["fig2", "--options", '{"linf": 3}'], /the entry for 'linf' must be an object/],
    [["fig2", "--threshold", "-1"], /--threshold expects a positive number/],
    [["fig1", "--noise", "laplace"], /--noise must be uniform or gaussian/],
    [["fig1", "--levels", "1e-2,abc"], /--levels expects a positive number, got 'abc'/],
    [["fig1", "--x-axis", "sideways"], /--x-axis must be relative or level/],
  ])("reproduce %j is a usage error (exit 2) naming the flag", async (args, message) => {
    const r = await run(["reproduce", ...args, "--out", join(dir, "bad")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });
});
