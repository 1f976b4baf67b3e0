/** What a new user trips over (issue 14): exit codes, messages and validation of the CLI. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Command } from "commander";
import { buildProgram, main } from "../../src/cli/main.js";
import { EXAMPLES } from "../../src/cli/help.js";
import { type CliIo } from "../../src/cli/io.js";
import { loadObservations } from "../../src/model/io/arrays.js";
import { parseJsonText } from "../../src/model/io/json-text.js";
import { randomGenerator, sampleObservations } from "../../src/model/random.js";
import { RELU } from "../../src/model/activation.js";
import { invert } from "../../src/invert/invert.js";
import { gaussianOperator, applyOperator } from "../../src/operators/operator.js";
import { makeSafetensors } from "../model/io/writers.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTTY: false, env: {}, exitCode: 0 };
  const code = await main(argv, io);
  return { code, out, err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "geninv-ux-"));
});
const p = (name: string): string => join(dir, name);

describe("NaN in a JSON observation (Python writes NaN, which JSON does not have)", () => {
  it("names the token and where it is", () => {
    const err = (text: string): string => {
      try {
        parseJsonText(text, (m) => new Error(m));
      } catch (e) {
        return (e as Error).message;
      }
      return "parsed";
    };
    expect(err('{"x": [0.1, NaN, 0.3]}')).toMatch(/^holds NaN, which is not valid JSON \(line 1, column 13\): write finite numbers/);
    expect(err('{"x": [0.1,\n 2, -Infinity]}')).toMatch(/^holds -Infinity, which is not valid JSON \(line 2, column 5\)/);
    expect(err("[1, Infinity]")).toMatch(/^holds Infinity, which is not valid JSON \(line 1, column 5\)/);
    // other syntax errors keep their own message
    expect(err('{"x": [1, 2')).toMatch(/^not valid JSON: .*truncated/);
    writeFileSync(p("nan.json"), '{"x": [[0.5, NaN]]}');
    expect(() => loadObservations(p("nan.json"))).toThrow(/nan\.json: holds NaN, which is not valid JSON \(line 1, column 14\)/);
  });
});

describe("inspect describes; describing is a success", () => {
  it("a state dict that is no generator by itself (a VAE) is described with a note and exit 0; a generator asked for and not buildable is exit 1", async () => {
    const t = (name: string, rows: number, cols: number) => ({
      name,
      dtype: "float32" as const,
      shape: [rows, cols],
      values: Array.from({ length: rows * cols }, (_, i) => i / 100),
    });
    // an encoder with two heads (mu, logvar) and a decoder: the tensors do not form one chain
    writeFileSync(
      p("vae.safetensors"),
      makeSafetensors([t("fc1.weight", 8, 12), t("fc21.weight", 3, 8), t("fc22.weight", 3, 8), t("fc3.weight", 6, 3), t("fc4.weight", 12, 6)]),
    );
    const r = await run("inspect", p("vae.safetensors"));
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).tensors.map((x: { name: string }) => x.name)).toContain("fc22.weight");
    expect(r.err).toMatch(/^geninv: note: .*vae\.safetensors: cannot tell which tensors form the generator: .*--layers fc3,fc4/);
    const ok = await run("inspect", p("vae.safetensors"), "--layers", "fc3,fc4", "--activation", "relu");
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).generator.sizes).toEqual([3, 6, 12]);
    const bad = await run("inspect", p("vae.safetensors"), "--layers", "fc9");
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/^geninv: .*--layers: no tensor 'fc9'/);
  });
});

describe("--projection is validated up front like --method (exit 2, nothing inverted)", () => {
  it("rejects unknown, non-layer-wise and PGD projections, and a projection without pgd", async () => {
    await run("random", "--sizes", "3,10,30", "--seed", "1", "-o", p("net.json"));
    await run("sample", "--model", p("net.json"), "--count", "2", "--seed", "2", "-o", p("obs.json"));
    const base = ["invert", "--model", p("net.json"), "--obs", p("obs.json")];
    const cases: [string[], RegExp][] = [
      [["--method", "pgd", "--projection", "foo"], /^geninv: projection: unknown method 'foo' \(known: /],
      [
        ["--method", "pgd", "--projection", "gd"],
        /^geninv: projection 'gd' is not a layer-wise method: pgd projects with one of exact, linf, l1, relaxed, feasible/,
      ],
      [["--method", "pgd", "--projection", "adam+gd"], /^geninv: projection 'adam\+gd' is not a layer-wise method/],
      [["--method", "pgd", "--projection", "pgd"], /^geninv: pgd cannot project with itself \('pgd'\)/],
      [["--method", "adam+pgd", "--projection", "l1+pgd"], /^geninv: pgd cannot project with itself \('l1\+pgd'\)/],
      [["--method", "linf", "--projection", "l1"], /^geninv: --projection is for pgd \(and <method>\+pgd\), not for --method linf/],
    ];
    for (const [flags, message] of cases) {
      const r = await run(...base, ...flags);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(message);
    }
    const ok = await run(...base, "--method", "pgd", "--projection", "exact+gd", "--pgd-iterations", "2");
    expect(ok.code, ok.err).toBe(0);
  });
});

describe("warnings carry their method's name once", () => {
  it("adam+pgd says 'adam: best of 2 starts', not 'adam: adam: …'", () => {
    const gen = randomGenerator({ sizes: [4, 20, 60], activation: RELU, rng: 2 });
    const s = sampleObservations(gen, 1, 3);
    const A = gaussianOperator(30, 60, 4);
    const y = applyOperator(A, s.x.data, new Float64Array(30));
    const r = invert(gen, y, { method: "adam+pgd", operator: A, restarts: 2, iterations: 50, pgdIterations: 2 } as never);
    expect(r.warnings).toContain("adam: best of 2 starts (0 converged)");
    for (const w of r.warnings) expect(w).not.toMatch(/^(\w+): \1: /);
    const h = invert(gen, s.x.data, { method: "exact+adam", restarts: 1, iterations: 5 });
    for (const w of h.warnings) expect(w).not.toMatch(/^(\w+(?:\+\w+)?): \1: /);
  });
});

describe("help marks required options, shows defaults as values, gives examples and the exit codes", () => {
  it("every command's help has examples whose flags exist, and the exit codes", async () => {
    const program = buildProgram({ out: () => {}, err: () => {}, errIsTTY: false, env: {}, exitCode: 0 });
    const commands: [string, Command][] = [];
    for (const c of program.commands) {
      if (c.name() === "help") continue;
      commands.push([c.name(), c]);
      for (const s of c.commands) if (s.name() !== "help") commands.push([`${c.name()} ${s.name()}`, s]);
    }
    const KNOWN = [
      "random",
      "sample",
      "invert",
      "certify",
      "inspect",
      "convert",
      "demo",
      "reproduce",
      "reproduce fig1",
      "reproduce fig2",
      "reproduce fig3",
      "reproduce fig4",
      "reproduce sensing",
      "reproduce example1",
      "hardness",
      "hardness 3sat",
    ];
    for (const path of KNOWN)
      expect(
        commands.map(([p]) => p),
        path,
      ).toContain(path);
    for (const [path, cmd] of commands) {
      const help = (await run(...path.split(" "), "--help")).out;
      expect(help, path).toMatch(/\nExit codes:\n {2}0 .*\n {2}1 .*\n {2}2 {4}usage error.*\n {2}141 /);
      const examples = [...help.matchAll(/^ {2}\$ geninv (.*)$/gm)].map((m) => m[1]!);
      // every command known here has examples (a command added later gets the exit codes at least)
      if (KNOWN.includes(path)) expect(examples.length, path).toBeGreaterThan(0);
      else expect(examples.length, path).toBe((EXAMPLES[path] ?? []).length);
      for (const ex of examples) {
        const words = ex.split(" ");
        expect(words.slice(0, path.split(" ").length).join(" "), ex).toBe(path);
        // the flags belong to the deepest subcommand the example names (reproduce fig1 …)
        let target = cmd;
        for (const w of words.slice(path.split(" ").length)) target = target.commands.find((c) => c.name() === w) ?? target;
        for (const flag of words.filter((w) => w.startsWith("-") && w !== "-")) {
          expect(
            target.options.some((o) => o.long === flag || o.short === flag),
            `${ex}: ${flag}`,
          ).toBe(true);
        }
      }
    }
    const sample = (await run("sample", "--help")).out;
    expect(sample).toMatch(/--seed <n> +random seed \(default: 0\)/);
    expect(sample).toMatch(/--noise <spec>[\s\S]*\(default: none\)/);
    expect(sample).not.toMatch(/default: "/);
    expect(sample).toMatch(/built-in model: mnist, mnist-leaky \(required\)/);
    expect((await run("random", "--help")).out).toMatch(/--sizes <list> +layer widths .*\(required\)/);
    expect((await run("--help")).out).toMatch(/Examples:\n {2}\$ geninv demo\n/);
  });
});
