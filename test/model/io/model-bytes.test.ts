import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import { DataFormatError } from "../../../src/errors.js";
import { builtinModelPath } from "../../../src/model/io/builtin.js";
import { zlibInflater } from "../../../src/model/io/files.js";
import { maybeGunzip, setRawInflater } from "../../../src/model/io/inflate.js";
import { modelToJson } from "../../../src/model/io/json-model.js";
import { loadModel } from "../../../src/model/io/load.js";
import { loadModelBytes } from "../../../src/model/io/model-bytes.js";
import { randomGenerator } from "../../../src/model/random.js";

/** Every module reachable from `entry` by relative imports, with its non-relative imports. */
function importGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = [resolve(entry)];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const src = readFileSync(file, "utf8");
    const external: string[] = [];
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) todo.push(join(dirname(file), spec.replace(/\.js$/, ".ts")));
      else external.push(spec);
    }
    seen.set(file, external);
  }
  return seen;
}

describe("byte-based model loading (the browser seam)", () => {
  it("loadModelBytes builds the same generator as loadModel, for the shipped model and a gzipped one", () => {
    const a = loadModel("mnist");
    const b = loadModelBytes(readFileSync(builtinModelPath("mnist")), "mnist-relu-20-60-784.json");
    expect(b.sizes).toEqual(a.sizes);
    for (let i = 0; i < a.layers.length; i++) expect(b.layers[i]!.weight.data).toEqual(a.layers[i]!.weight.data);
    const dir = mkdtempSync(join(tmpdir(), "geninv-bytes-"));
    const path = join(dir, "m.json.gz");
    writeFileSync(path, gzipSync(modelToJson(randomGenerator({ sizes: [3, 8, 12], activation: { kind: "leaky_relu", slope: 0.1 }, rng: 4 }))));
    const c = loadModel(path);
    const d = loadModelBytes(new Uint8Array(readFileSync(path)), "m.json.gz");
    rmSync(dir, { recursive: true, force: true });
    expect(d.sizes).toEqual(c.sizes);
    for (let i = 0; i < c.layers.length; i++) expect(d.layers[i]!.weight.data).toEqual(c.layers[i]!.weight.data);
  });

  it("model-bytes.ts reaches no node:* module (nor the file helpers) through its imports", () => {
    const graph = importGraph("src/model/io/model-bytes.ts");
    expect(graph.size).toBeGreaterThan(10);
    const bad = [...graph].flatMap(([file, ext]) => ext.filter((s) => s.startsWith("node:")).map((s) => `${file}: ${s}`));
    expect(bad).toEqual([]);
    expect([...graph.keys()].some((f) => /io[\\/](files|builtin|load)\.ts$/.test(f))).toBe(false);
  });

  it.each([
    ["fflate (the browser's)", null],
    ["zlib (Node's)", zlibInflater],
  ] as const)("refuses a gzip stream longer than its trailer says, and one whose CRC-32 does not match: %s", (_, inflater) => {
    setRawInflater(inflater);
    onTestFinished(() => setRawInflater(zlibInflater));
    const gz = new Uint8Array(gzipSync(modelToJson(randomGenerator({ sizes: [2, 3, 4], activation: { kind: "relu" }, rng: 1 }))));
    expect(new TextDecoder().decode(maybeGunzip(gz, "ok.json.gz"))).toContain('"layers"');
    const shortSize = gz.slice();
    const dv = new DataView(shortSize.buffer);
    dv.setUint32(gz.length - 4, dv.getUint32(gz.length - 4, true) - 10, true);
    expect(() => maybeGunzip(shortSize, "long.json.gz")).toThrow(DataFormatError);
    expect(() => maybeGunzip(shortSize, "long.json.gz")).toThrow(/long\.json\.gz: corrupt gzip data \(inflates to more than \d+ bytes, the trailer says \d+\)/);
    const badCrc = gz.slice();
    badCrc[gz.length - 8]! ^= 0xff;
    expect(() => maybeGunzip(badCrc, "crc.json.gz")).toThrow(/crc\.json\.gz: corrupt gzip data \(CRC-32 is 0x[0-9a-f]{8} but the trailer says 0x[0-9a-f]{8}\)/);
    const huge = gz.slice();
    new DataView(huge.buffer).setUint32(gz.length - 4, 0x7fffffff, true);
    expect(() => maybeGunzip(huge, "bomb.json.gz")).toThrow(/more than deflate can produce|limit/);
  });
});
