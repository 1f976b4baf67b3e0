/**
 * The page's packed generators (web/src/packed-model.ts): lossless against the package's JSON, bit
 * for bit, for the shipped models and for edge values; refused with a typed error naming the file
 * when the bytes are not a packed model. Runs in Node (no browser), with `npm run test:web`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../src/errors.js";
import { type Generator } from "../../src/model/generator.js";
import { parseModelJson } from "../../src/model/io/json-model.js";
import { Rng } from "../../src/model/rng.js";
import { packModel, unpackModel } from "../../web/src/packed-model.js";

const MODELS = join(import.meta.dirname, "..", "..", "models");

function expectBitwiseSame(a: Generator, b: Generator): void {
  expect(a.sizes).toEqual(b.sizes);
  a.layers.forEach((l, i) => {
    const m = b.layers[i]!;
    expect(l.activation).toEqual(m.activation);
    const wa = l.weight.data;
    const wb = m.weight.data;
    let diff = 0;
    for (let j = 0; j < wa.length; j++) if (!Object.is(wa[j], wb[j])) diff++;
    expect(diff, `layer ${i}: weights differing`).toBe(0);
    expect(l.bias === null).toBe(m.bias === null);
    if (l.bias) expect(Array.from(l.bias).every((v, j) => Object.is(v, m.bias![j]))).toBe(true);
  });
}

/** The shortest decimal of ≤ 9 digits naming fround(v), as scripts/mnist-models.ts writes weights. */
function float32Shortest(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === f) return s;
  }
  return Number(f.toPrecision(9));
}

describe("packed generators for the page", () => {
  // (web/build.mjs makes the same check on both shipped generators whenever it builds the page)
  it("rebuilds the shipped mnist generator with exactly the package's float64 weights, and is smaller than the JSON", () => {
    for (const file of ["mnist-relu-20-60-784.json"]) {
      const raw = readFileSync(join(MODELS, file));
      const text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
      const packed = packModel(JSON.parse(text) as Parameters<typeof packModel>[0]);
      expectBitwiseSame(unpackModel(packed, "x.safetensors"), parseModelJson(text, file));
      expect(packed.length).toBeLessThan(text.length);
    }
  });

  it("is lossless on edge values (zeros, ±tiny, ±huge, 1 and 9 digits, a bias) and refuses a value it cannot hold", () => {
    const rng = new Rng(5);
    const row = (): number[] => Array.from({ length: 6 }, () => float32Shortest((rng.normal() * 10) ** 3));
    const doc = {
      format: "geninv.model",
      version: 1,
      layers: [
        { weight: [[0, -0, 1, -2.5, 1e-30, -3.4e38], row(), row()], bias: [0.1, float32Shortest(Math.PI), -7], activation: { leaky_relu: 0.2 }, name: "fc" },
        { weight: [row().slice(0, 3)], bias: null, activation: "relu" },
      ],
    };
    const text = JSON.stringify(doc); // (JSON has no −0: the text's layer 0 reads 0 where doc has −0)
    expectBitwiseSame(unpackModel(packModel(JSON.parse(text) as typeof doc), "edge.safetensors"), parseModelJson(text, "edge.json"));
    expect(Object.is(unpackModel(packModel(doc), "edge").layers[0]!.weight.data[1], -0)).toBe(true);
    // a float64 that is no short decimal of a float32 (π itself): refused, never rounded
    const bad = { ...doc, layers: [{ ...doc.layers[0]!, bias: [0.1, Math.PI, -7] }, doc.layers[1]!] };
    expect(() => packModel(bad)).toThrow(/value #19 \(3\.141592653589793\) is not a short decimal of a float32/);
  });

  it("names the file when the bytes are not a packed model", () => {
    const packed = packModel({ format: "geninv.model", version: 1, layers: [{ weight: [[1, 2]], bias: null, activation: "relu" }] });
    expect(() => unpackModel(packed.subarray(0, packed.length - 3), "cut.safetensors")).toThrow(ModelFormatError);
    expect(() => unpackModel(packed.subarray(0, packed.length - 3), "cut.safetensors")).toThrow(/cut\.safetensors/);
    const other = Uint8Array.from(packed);
    const at = Buffer.from(other).indexOf("geninv.packed-model.v1") + "geninv.packed-model.v".length;
    other[at] = "9".charCodeAt(0);
    expect(() => unpackModel(other, "old.safetensors")).toThrow(/old\.safetensors.*expected format geninv\.packed-model\.v1/);
  });
});
