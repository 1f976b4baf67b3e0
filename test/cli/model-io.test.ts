import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { loadModel } from "../../src/model/io/load.js";
import { encodeNpy, parseNpy } from "../../src/model/io/npy.js";
import { FIXTURES, fixture, fixtureSuite } from "../fixtures.js";
import { makeOnnx, makeZip, makeZipPt, type TorchTensorSpec } from "../model/io/writers.js";

interface Run {
  code: number;
  out: string;
  err: string;
  json: () => Record<string, unknown>;
}

async function run(...argv: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTTY: false, env: {}, exitCode: 0 };
  const code = await main(argv, io);
  return { code, out, err, json: () => JSON.parse(out) as Record<string, unknown> };
}

type Row = { index: number; status: string; relError: number; residual: { linf: number }; layers: { status: string; activeRows: number; deficit?: number }[] };

const tmp = mkdtempSync(join(tmpdir(), "geninv-cli-io-"));

describe.skipIf(!FIXTURES)(fixtureSuite("geninv invert / inspect / convert on the PyTorch fixtures"), () => {
  const pth = (): string => fixture("trained_vae_20_60_784_nobias.pth");

  it("invert --method exact on the legacy .pth recovers z* on the four unique rows and reports non_unique for row 2", async () => {
    const r = await run(
      "invert",
      "--model",
      pth(),
      "--layers",
      "fc3,fc4",
      "--activation",
      "relu",
      "--obs",
      fixture("vae_relu_decoder_x.npy"),
      "--truth",
      fixture("vae_relu_decoder_z.npy"),
      "--method",
      "exact",
    );
    expect(r.code, r.err).toBe(0);
    const doc = r.json();
    expect(doc.summary).toEqual({ exact: 4, non_unique: 1 });
    const rows = doc.results as Row[];
    for (const i of [0, 1, 3, 4]) {
      expect(rows[i]!.status, `row ${i}`).toBe("exact");
      expect(rows[i]!.relError, `row ${i}`).toBeLessThan(1e-5); // float32 data: ~1e-6 is the floor
    }
    expect(rows[2]!.status).toBe("non_unique");
    expect(rows[2]!.layers[1]).toMatchObject({ status: "non_unique", activeRows: 27, deficit: 33 });
  });

  it("--obs pairs.npz (arrays x and z) gives the same answers as --obs x.npy --truth z.npy", async () => {
    const x = parseNpy(readFileSync(fixture("vae_relu_decoder_x.npy")));
    const z = parseNpy(readFileSync(fixture("vae_relu_decoder_z.npy")));
    const pairs = join(tmp, "pairs.npz");
    writeFileSync(
      pairs,
      makeZip([
        { name: "x.npy", data: encodeNpy(x.shape, x.data), method: 8 },
        { name: "z.npy", data: encodeNpy(z.shape, z.data), method: 8 },
      ]),
    );
    const a = await run("invert", "--model", pth(), "--layers", "fc3,fc4", "--activation", "relu", "--obs", pairs);
    const b = await run(
      "invert",
      "--model",
      pth(),
      "--layers",
      "fc3,fc4",
      "--activation",
      "relu",
      "--obs",
      fixture("vae_relu_decoder_x.npy"),
      "--truth",
      fixture("vae_relu_decoder_z.npy"),
    );
    expect(a.code).toBe(0);
    const ra = a.json().results as Row[];
    const rb = b.json().results as Row[];
    expect(ra.map((r) => [r.status, r.relError])).toEqual(rb.map((r) => [r.status, r.relError]));
  });

  it("the zip .pt, ONNX and safetensors fixtures invert to the same statuses", async () => {
    const common = ["--obs", fixture("vae_relu_decoder_x.npy"), "--truth", fixture("vae_relu_decoder_z.npy"), "--method", "exact"];
    for (const args of [
      ["--model", fixture("vae_relu_decoder_sequential.pt"), "--activation", "relu"],
      ["--model", fixture("vae_relu_decoder.onnx")],
      ["--model", fixture("vae_relu_decoder.safetensors"), "--activation", "relu"],
    ]) {
      const r = await run("invert", ...args, ...common);
      expect(r.code, r.err).toBe(0);
      expect(r.json().summary, args[1]).toEqual({ exact: 4, non_unique: 1 });
    }
  });

  it("inspect lists the checkpoint's tensors and, without --layers, says which to pick (a description: exit 0)", async () => {
    const r = await run("inspect", pth());
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^geninv: note: /);
    const doc = r.json();
    expect(doc.format).toBe("pytorch-legacy");
    expect((doc.tensors as { name: string }[]).map((t) => t.name)).toContain("fc22.bias");
    expect(doc.generator).toBeNull();
    expect(r.err).toMatch(/cannot tell which tensors form the generator: .*give the layers in order, e\.g\. --layers fc3,fc4/);
    const ok = await run("inspect", pth(), "--layers", "fc3,fc4", "--activation", "relu");
    expect(ok.code).toBe(0);
    expect(ok.json().generator).toMatchObject({ sizes: [20, 60, 784], summary: ["layer 1 (fc3): 20 → 60, relu", "layer 2 (fc4): 60 → 784, relu"] });
  });

  it("inspect shows the ONNX graph's nodes and the generator built from them", async () => {
    const r = await run("inspect", fixture("vae_relu_decoder.onnx"));
    expect(r.code, r.err).toBe(0);
    const doc = r.json() as {
      graph: { nodes: { op: string }[]; inputs: { name: string; shape: unknown[] }[]; opsets: unknown[] };
      generator: { sizes: number[] };
    };
    expect(doc.graph.nodes.map((n) => n.op)).toEqual(["MatMul", "Relu", "MatMul", "Relu"]);
    expect(doc.graph.inputs).toEqual([{ name: "z", shape: [1, 20] }]);
    expect(doc.graph.opsets).toEqual([{ domain: "", version: 13 }]);
    expect(doc.generator.sizes).toEqual([20, 60, 784]);
  });

  it("convert writes a native model that loads to the same weights and inverts the same way", async () => {
    const out = join(tmp, "vae.json");
    const r = await run("convert", pth(), "--layers", "fc3,fc4", "--activation", "relu", "-o", out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/wrote .*vae\.json: layer 1 \(fc3\): 20 → 60, relu; layer 2 \(fc4\): 60 → 784, relu/);
    const a = loadModel(out);
    const b = loadModel(pth(), { layers: ["fc3", "fc4"], activation: "relu" });
    a.layers.forEach((l, i) => expect(Array.from(l.weight.data)).toEqual(Array.from(b.layers[i]!.weight.data)));
    const inv = await run("invert", "--model", out, "--obs", fixture("vae_relu_decoder_x.npy"), "--method", "exact");
    expect(inv.json().summary).toEqual({ exact: 4, non_unique: 1 });
  });
});

describe("model-format CLI errors and commands (self-made files)", () => {
  const specs: TorchTensorSpec[] = [
    { name: "0.weight", dtype: "float16", shape: [3, 2], values: [0.5, -1, 2, 0.25, -0.75, 1.5] },
    { name: "0.bias", dtype: "float32", shape: [3], values: [0.5, 0.25, -1] },
    { name: "2.weight", dtype: "bfloat16", shape: [4, 3], values: [1, 2, 3, 4, 5, 6, -7, -8, -9, 0.5, 0.25, 0.125], transposed: true },
  ];
  const pt = join(tmp, "seq.pt");
  writeFileSync(pt, makeZipPt(specs));

  it("inspect infers nn.Sequential order when --activation is given", async () => {
    const r = await run("inspect", "--model", pt, "--activation", "relu,identity");
    expect(r.code, r.err).toBe(0);
    const doc = r.json() as {
      format: string;
      tensors: unknown[];
      generator: { sizes: number[]; layers: { name: string; activation: string; bias: boolean }[] };
    };
    expect(doc.format).toBe("pytorch-zip");
    expect(doc.tensors).toEqual([
      { name: "0.weight", dtype: "float16", shape: [3, 2] },
      { name: "0.bias", dtype: "float32", shape: [3] },
      { name: "2.weight", dtype: "bfloat16", shape: [4, 3] },
    ]);
    expect(doc.generator.sizes).toEqual([2, 3, 4]);
    expect(doc.generator.layers.map((l) => [l.name, l.activation, l.bias])).toEqual([
      ["0", "relu", true],
      ["2", "identity", false],
    ]);
  });

  it("--manifest works, and combining it with --layers is a usage error (exit 2)", async () => {
    const m = join(tmp, "manifest.json");
    writeFileSync(
      m,
      JSON.stringify({
        layers: [
          { name: "0", activation: "leaky_relu:0.2" },
          { name: "2", activation: "relu" },
        ],
      }),
    );
    const ok = await run("convert", pt, "--manifest", m, "-o", "-");
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/"format":"geninv.model"/);
    expect(ok.out).toMatch(/"activation":\{"leaky_relu":0.2\}/);
    const bad = await run("convert", pt, "--manifest", m, "--layers", "0,2", "-o", "-");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--manifest names the layers and activations itself/);
  });

  it("convert without activations refuses to guess (exit 2), and --layers on an ONNX graph is a usage error", async () => {
    const r = await run("convert", pt, "-o", join(tmp, "x.json"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/seq\.pt stores weights only, not which activation follows each layer: give --activation/);
    const onnx = join(tmp, "m.onnx");
    writeFileSync(
      onnx,
      makeOnnx({
        nodes: [{ op: "Gemm", inputs: ["z", "W"], outputs: ["y"], attrs: [{ name: "transB", i: 1 }] }],
        initializers: [{ name: "W", shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }],
        input: { name: "z", shape: [1, 2] },
        output: { name: "y", shape: [1, 3] },
      }),
    );
    const o = await run("inspect", onnx, "--layers", "W");
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/is an ONNX graph: it defines its layers/);
  });

  it("a checkpoint that names os.system is refused with exit 1, naming the file and the global", async () => {
    const evil = join(tmp, "evil.pt");
    writeFileSync(evil, readFileSync(new URL("../model/io/golden/hostile_os_system.pt", import.meta.url)));
    const r = await run("inspect", evil);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^geninv: .*evil\.pt: hostile\/data\.pkl: pickle at byte \d+: refuses global 'posix\.system'/);
    expect(r.err).not.toMatch(/internal error|at .*\.js/);
  });

  it("a truncated model file gives a one-line error, not a stack trace", async () => {
    const cut = join(tmp, "cut.pt");
    const full = makeZipPt(specs);
    writeFileSync(cut, full.subarray(0, full.length - 30));
    const r = await run("inspect", cut);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^geninv: .*cut\.pt: /);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});
