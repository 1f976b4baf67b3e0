import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { ModelFormatError } from "../../../src/errors.js";
import { modelToJson } from "../../../src/model/io/json-model.js";
import { loadModel } from "../../../src/model/io/load.js";
import { randomGenerator } from "../../../src/model/random.js";

describe("gzip-compressed model files", () => {
  const dir = mkdtempSync(join(tmpdir(), "geninv-gz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const gen = randomGenerator({ sizes: [3, 7, 11], activation: { kind: "leaky_relu", slope: 0.2 }, rng: 5 });

  it("loads x.json.gz exactly like x.json", () => {
    const path = join(dir, "m.json.gz");
    writeFileSync(path, gzipSync(modelToJson(gen)));
    const back = loadModel(path);
    expect(back.sizes).toEqual([3, 7, 11]);
    expect(Array.from(back.layers[1]!.weight.data)).toEqual(Array.from(gen.layers[1]!.weight.data));
  });

  it("names the file when the gzip stream is corrupt", () => {
    const path = join(dir, "bad.json.gz");
    const bytes = gzipSync(modelToJson(gen));
    writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    expect(() => loadModel(path)).toThrow(ModelFormatError);
    expect(() => loadModel(path)).toThrow(/bad\.json\.gz: corrupt gzip data/);
  });
});
