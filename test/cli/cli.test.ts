import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { type CliIo } from "../../src/cli/io.js";
import { encodeNpy } from "../../src/model/io/npy.js";
import { decodePng, grayToPng } from "../../src/render/png.js";
import { loadModel } from "../../src/model/io/load.js";
import { Rng } from "../../src/model/rng.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), errIsTTY: false, env: {}, exitCode: 0 };
  const code = await main(argv, io);
  return { code, out, err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "geninv-cli-"));
});
const p = (name: string) => join(dir, name);

describe("geninv CLI", () => {
  it("random → sample → invert recovers z* exactly, with relError from the file's z", async () => {
    expect((await run("random", "--sizes", "20,100,500", "--activation", "relu", "--seed", "3", "-o", p("net.json"))).code).toBe(0);
    const s = await run("sample", "--model", p("net.json"), "--count", "4", "--seed", "5", "-o", p("obs.json"));
    expect(s.code).toBe(0);
    const obs = JSON.parse(readFileSync(p("obs.json"), "utf8"));
    expect(obs.z).toHaveLength(4);
    expect(obs.x[0]).toHaveLength(500);
    expect(obs.clean).toEqual(obs.x);
    const r = await run("invert", "--model", p("net.json"), "--obs", p("obs.json"), "--method", "exact");
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.summary).toEqual({ exact: 4 });
    for (const one of res.results) {
      expect(one.status).toBe("exact");
      expect(one.relError).toBeLessThan(1e-9);
      expect(Object.keys(one)).toEqual(expect.arrayContaining(["method", "status", "z", "residual", "layers", "timeMs", "warnings"]));
      expect(one.residual).toEqual({ l1: expect.any(Number), l2: expect.any(Number), linf: expect.any(Number) });
    }
  });

  it("adds noise to the output only: uniform:a stays within (−a, a)", async () => {
    await run("random", "--sizes", "5,20,60", "--seed", "1", "-o", p("small.json"));
    const s = await run("sample", "--model", p("small.json"), "--count", "3", "--seed", "2", "--noise", "uniform:0.01");
    const obs = JSON.parse(s.out);
    const dev = obs.x.flat().map((v: number, i: number) => Math.abs(v - obs.clean.flat()[i]));
    expect(Math.max(...dev)).toBeLessThanOrEqual(0.01);
    expect(Math.max(...dev)).toBeGreaterThan(0);
  });

  it("reads observations from .npy (1-D and 2-D) and ground truth from --truth", async () => {
    await run("random", "--sizes", "6,30,90", "--activation", "leaky_relu:0.2", "--bias", "--seed", "4", "-o", p("lk.json"));
    const obs = JSON.parse((await run("sample", "--model", p("lk.json"), "--count", "2", "--seed", "1")).out);
    writeFileSync(p("x.npy"), encodeNpy([2, 90], obs.x.flat()));
    writeFileSync(p("x1.npy"), encodeNpy([90], obs.x[1]));
    writeFileSync(p("z.npy"), encodeNpy([2, 6], obs.z.flat()));
    const r = JSON.parse((await run("invert", "--model", p("lk.json"), "--obs", p("x.npy"), "--truth", p("z.npy"))).out);
    expect(r.results.map((x: { relError: number }) => x.relError < 1e-9)).toEqual([true, true]);
    const one = JSON.parse((await run("invert", "--model", p("lk.json"), "--obs", p("x1.npy"))).out);
    expect(one.results).toHaveLength(1);
    expect(one.results[0].relError).toBeUndefined();
  });

  it("inspect lists layers, shapes, activations and the parameter count", async () => {
    await run("random", "--sizes", "4,10,30", "--activation", "relu,leaky_relu:0.1", "--bias", "--seed", "1", "-o", p("ins.json"));
    const r = await run("inspect", p("ins.json"));
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out).generator;
    expect(info.sizes).toEqual([4, 10, 30]);
    expect(info.parameters).toBe(4 * 10 + 10 + 10 * 30 + 30);
    expect(info.layers[1]).toMatchObject({ layer: 2, inputs: 10, outputs: 30, activation: "leaky_relu:0.1", bias: true });
  });

  it("demo inverts corrupted digits of the shipped generator, prints a table and writes the PNG grid", async () => {
    const r = await run("demo", "--digits", "1", "-o", p("demo.png"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/shipped generator 'mnist'/);
    expect(r.out).toMatch(/half hidden +ℓ∞ LP \(Alg\. 1\) +\d\.\d\de-1[5-6]/);
    expect(r.out).toMatch(/half hidden +auto \(region descent\) +\d\.\d\de-1[4-6]/);
    // the demo's method list fits its budget in solver units (LP pivots, iterations), not seconds
    const work = /work: (\d+) LP pivots, (\d+) iterations \(budget (\d+) pivots, (\d+) iterations\)/.exec(r.out);
    expect(work).not.toBeNull();
    const [pivots, iterations, pivotBudget, iterationBudget] = work!.slice(1).map(Number) as [number, number, number, number];
    expect(pivots).toBeGreaterThan(0);
    expect(pivots).toBeLessThanOrEqual(pivotBudget);
    expect(iterations).toBeLessThanOrEqual(iterationBudget);
    const png = decodePng(readFileSync(p("demo.png")));
    expect(png.width).toBeGreaterThan(2 * 7 * 28 * 3);
  });

  it("inverts a PNG image, with a mask, noise or Gaussian measurements, and writes the reconstruction as PNG", async () => {
    // a digit of the shipped generator whose pixels stay within [0, 1], so the PNG holds it up to 8-bit rounding
    const gen = loadModel("mnist");
    const rng = new Rng(11);
    let z = rng.fillNormal(new Float64Array(20));
    while (Math.max(...gen.forward(z)) > 1) z = rng.fillNormal(new Float64Array(20));
    writeFileSync(p("digit.png"), grayToPng(gen.forward(z), 28, 28));
    writeFileSync(p("digit-z.json"), JSON.stringify([Array.from(z)]));
    // 8-bit rounding is noise of up to 0.002 per pixel; hiding half the pixels amplifies it
    for (const [extra, bound] of [
      [[], 0.05],
      [["--mask", "half:bottom"], 0.3],
      [["--mask", "random:0.4", "--noise", "uniform:0.002"], 0.05],
    ] as const) {
      const r = await run(
        "invert",
        "--model",
        "mnist",
        "--image",
        p("digit.png"),
        "--truth",
        p("digit-z.json"),
        "--method",
        "l1",
        ...extra,
        "-o",
        p("rec.png"),
        "-o",
        "-",
      );
      expect(r.code, extra.join(" ")).toBe(0);
      expect(JSON.parse(r.out).results[0].relError, extra.join(" ")).toBeLessThan(bound);
      const rec = decodePng(readFileSync(p("rec.png")));
      expect([rec.width, rec.height]).toEqual([28, 28]);
    }
    const cs = await run(
      "invert",
      "--model",
      "mnist",
      "--image",
      p("digit.png"),
      "--truth",
      p("digit-z.json"),
      "--method",
      "pgd",
      "--measurements",
      "200",
      "--pgd-iterations",
      "30",
    );
    expect(cs.code).toBe(0);
    // far from the noiseless PGD accuracy (tested in test/sensing): 8-bit rounding, few iterations
    expect(JSON.parse(cs.out).results[0].relError).toBeLessThan(0.3);
    expect(JSON.parse(cs.out).results[0].method).toBe("pgd");
    expect((await run("invert", "--model", "mnist", "--image", p("digit.png"), "--method", "linf", "--measurements", "100")).err).toMatch(
      /cannot take a dense measurement matrix: use auto \(the default\), region, pgd, gd or adam/,
    );
    expect((await run("invert", "--model", "mnist", "--image", p("digit.png"), "--obs", p("obs.json"))).err).toMatch(
      /exactly one of --obs FILE or --image FILE\.png/,
    );
    expect((await run("invert", "--model", "mnist", "--image", p("digit.png"), "--mask", "random:0")).err).toMatch(/observed fraction must be in \(0, 1\]/);
    writeFileSync(p("small.png"), grayToPng(new Float64Array(100), 10, 10));
    expect((await run("invert", "--model", "mnist", "--image", p("small.png"))).err).toMatch(
      /small\.png: the image has 10×10 = 100 pixels, but the model outputs 784 values/,
    );
    writeFileSync(p("broken.png"), readFileSync(p("digit.png")).subarray(0, 40));
    const broken = await run("invert", "--model", "mnist", "--image", p("broken.png"));
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/broken\.png: /);
  });

  describe("bad input: clear message naming the file or field, non-zero exit, no stack trace", () => {
    const expectError = (r: Run, code: number, pattern: RegExp) => {
      expect(r.code).toBe(code);
      expect(r.err).toMatch(pattern);
      expect(r.err).not.toMatch(/\n\s+at /);
    };

    it("missing model file", async () => {
      expectError(await run("invert", "--model", p("nope.json"), "--obs", p("obs.json")), 1, /nope\.json: no such file/);
    });

    it("truncated and invalid model JSON", async () => {
      const text = readFileSync(p("net.json"), "utf8");
      writeFileSync(p("trunc.json"), text.slice(0, 5000));
      expectError(await run("invert", "--model", p("trunc.json"), "--obs", p("obs.json")), 1, /trunc\.json: not valid JSON: .*truncated/);
      writeFileSync(p("garbage.json"), "{ this is not json");
      expectError(await run("inspect", p("garbage.json")), 1, /garbage\.json: not valid JSON/);
    });

    it("layers whose shapes do not chain", async () => {
      const bad = {
        format: "geninv.model",
        version: 1,
        layers: [
          { weight: [[1, 2]], bias: null, activation: "relu" },
          { weight: [[1, 2]], bias: null, activation: "relu" },
        ],
      };
      writeFileSync(p("chain.json"), JSON.stringify(bad));
      expectError(await run("inspect", p("chain.json")), 1, /chain\.json: layers\[1\]\.weight: rows have 2 entries, but layers\[0\] outputs 1 values/);
    });

    it("unknown activation in a model file and on the command line", async () => {
      writeFileSync(p("act.json"), JSON.stringify({ format: "geninv.model", version: 1, layers: [{ weight: [[1]], bias: null, activation: "swish" }] }));
      expectError(await run("inspect", p("act.json")), 1, /act\.json: layers\[0\]\.activation: unknown activation "swish"/);
      expectError(await run("random", "--sizes", "2,4", "--activation", "swish"), 2, /unknown activation 'swish'/);
      expectError(await run("random", "--sizes", "2,4", "--activation", "leaky_relu"), 2, /explicit slope/);
    });

    it("observation of the wrong length", async () => {
      writeFileSync(p("short.json"), JSON.stringify({ x: [[1, 2, 3]] }));
      expectError(
        await run("invert", "--model", p("net.json"), "--obs", p("short.json")),
        1,
        /short\.json: observations have 3 values each, but .*net\.json outputs 500/,
      );
    });

    it("NaN / Inf / non-numbers in observations", async () => {
      writeFileSync(p("nan.json"), JSON.stringify({ x: [[1, "NaN", 3]] }));
      expectError(await run("invert", "--model", p("net.json"), "--obs", p("nan.json")), 1, /nan\.json: x\[0\]\[1\]: expected a number, got string/);
      writeFileSync(p("inf.json"), '{"x": [1, 1e999]}');
      expectError(await run("invert", "--model", p("net.json"), "--obs", p("inf.json")), 1, /inf\.json: x\[1\]: is Infinity/);
      const nanNpy = new Array(500).fill(0);
      nanNpy[3] = NaN;
      writeFileSync(p("nan.npy"), encodeNpy([500], nanNpy));
      expectError(await run("invert", "--model", p("net.json"), "--obs", p("nan.npy")), 1, /nan\.npy: x\[0\]\[3\] is NaN/);
    });

    it("ground truth of the wrong shape", async () => {
      writeFileSync(p("badz.npy"), encodeNpy([4, 19], new Array(76).fill(0)));
      expectError(await run("invert", "--model", p("net.json"), "--obs", p("obs.json"), "--truth", p("badz.npy")), 1, /ground truth z is 4×19, expected 4×20/);
    });

    it("usage errors exit 2: unknown method, missing flag, bad numbers", async () => {
      expectError(await run("invert", "--model", p("net.json"), "--obs", p("obs.json"), "--method", "magic"), 2, /unknown method 'magic'/);
      expectError(await run("invert", "--model", p("net.json")), 2, /give the observations with exactly one of --obs FILE or --image FILE\.png/);
      expectError(await run("random", "--sizes", "20"), 2, /--sizes needs at least two widths/);
      expectError(await run("sample", "--model", p("net.json"), "--count", "0"), 2, /--count expects an integer in \[1, 1000000\]/);
      expectError(await run("frobnicate"), 2, /unknown command 'frobnicate'/);
    });
  });

  it("the built bin runs as `geninv` with exit codes 0 / 1 / 2", () => {
    const bin = join(process.cwd(), "dist/src/cli/main.js");
    const ok = spawnSync(process.execPath, [bin, "inspect", p("net.json")], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).generator.sizes).toEqual([20, 100, 500]);
    const missing = spawnSync(process.execPath, [bin, "inspect", p("missing.json")], { encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^geninv: .*missing\.json: no such file\n$/);
    const usage = spawnSync(process.execPath, [bin, "invert"], { encoding: "utf8" });
    expect(usage.status).toBe(2);
  });
});

describe("geninv invert with gradient methods", () => {
  it("takes --lr --iterations --restarts --tol --seed --init --sign-flip and reports iterations", async () => {
    await run("random", "--sizes", "10,60,300", "--seed", "2", "-o", p("g.json"));
    await run("sample", "--model", p("g.json"), "--count", "2", "--seed", "3", "-o", p("gobs.json"));
    const r = await run(
      "invert",
      "--model",
      p("g.json"),
      "--obs",
      p("gobs.json"),
      "--method",
      "gd",
      "--lr",
      "1",
      "--iterations",
      "3000",
      "--tol",
      "1e-10",
      "--seed",
      "4",
      "--sign-flip",
    );
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out);
    for (const one of res.results) {
      expect(one.status).toBe("converged");
      expect(one.iterations).toBeGreaterThan(10);
      expect(one.relError).toBeLessThan(1e-8);
    }
    writeFileSync(p("z0.npy"), encodeNpy([10], new Array(10).fill(0.1)));
    const short = JSON.parse(
      (await run("invert", "--model", p("g.json"), "--obs", p("gobs.json"), "--method", "adam", "--iterations", "7", "--init", p("z0.npy"), "--restarts", "2"))
        .out,
    );
    expect(short.results[0]).toMatchObject({ status: "max_iterations", iterations: 14 });
    const hybrid = JSON.parse((await run("invert", "--model", p("g.json"), "--obs", p("gobs.json"), "--method", "exact+gd")).out);
    expect(hybrid.results[0].method).toBe("exact+gd");
    expect(hybrid.results[0].layers).toHaveLength(2);
  });

  it("names bad gradient flags (exit 2)", async () => {
    const base = ["invert", "--model", p("g.json"), "--obs", p("gobs.json"), "--method", "gd"];
    expect((await run(...base, "--lr", "-1")).err).toMatch(/--lr expects a positive number, got '-1'/);
    expect((await run(...base, "--restarts", "0")).code).toBe(2);
    expect((await run(...base, "--init", "sideways")).err).toMatch(/sideways: no such file/);
    writeFileSync(p("z3.json"), "[1, 2, 3]");
    const short = await run(...base, "--init", p("z3.json"));
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/--init .*z3\.json: the latent vector has 3 entries, but .*g\.json takes \d+/);
  });

  it("takes the prior flags of auto and region, and names bad ones (exit 2)", async () => {
    await run("random", "--sizes", "10,60,300", "--seed", "2", "-o", p("prior-g.json"));
    await run("sample", "--model", p("prior-g.json"), "--count", "1", "--seed", "3", "-o", p("prior-obs.json"));
    const base = ["invert", "--model", p("prior-g.json"), "--obs", p("prior-obs.json"), "--noise", "gaussian:0.2", "--seed", "1"];
    const given = JSON.parse((await run(...base, "--noise-sigma", "0.2")).out);
    expect(given.results[0].region.prior).toMatchObject({ kind: "gaussian", noiseSigma: 0.2, estimated: false });
    const none = JSON.parse((await run(...base, "--prior", "none")).out);
    expect(none.results[0].region.prior).toBeUndefined();
    expect((await run(...base, "--prior", "laplace")).err).toMatch(/--prior expects gaussian or none, got 'laplace'/);
    const bad = await run(...base, "--noise-sigma", "-1");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--noise-sigma expects a positive number, got '-1'/);
    const first = JSON.parse((await run(...base, "--mode-starts", "0")).out);
    expect(first.results[0].region.prior.modes).toBeUndefined();
    const badStarts = await run(...base, "--mode-starts", "-2");
    expect(badStarts.code).toBe(2);
    expect(badStarts.err).toMatch(/--mode-starts expects an integer in \[0, 1000\], got '-2'/);
  });
});
