/**
 * Issue 15's hand-built hostile files: each is refused with a typed error whose message names the
 * file, the place, the limit and how to raise it. (Their time and peak memory, each in its own
 * process, are measured by `npm run fuzz`: tests assert no timings.)
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GeninvError } from "../../../src/errors.js";
import { HOSTILE_CASES, SPARSE_SIZE } from "./hostile-files.js";

const dir = mkdtempSync(join(tmpdir(), "geninv-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Write the case's file (sparse when it is a size case) and return its path. */
export function writeCase(c: (typeof HOSTILE_CASES)[number], where: string): string {
  const path = join(where, c.file);
  const sparse = SPARSE_SIZE[c.name];
  if (sparse !== undefined) {
    const fd = openSync(path, "w");
    ftruncateSync(fd, sparse);
    closeSync(fd);
  } else writeFileSync(path, c.bytes());
  return path;
}

describe("hostile files of issue 15 are refused with a typed error naming the file and the limit", () => {
  for (const c of HOSTILE_CASES) {
    it(`${c.name}: ${c.what}`, () => {
      const path = writeCase(c, dir);
      let err: unknown = null;
      try {
        c.load(path);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GeninvError);
      const msg = (err as Error).message;
      if (typeof c.message === "string") expect(msg).toBe(c.message.replace("<file>", path));
      else expect(msg.replace(path, "<file>")).toMatch(c.message);
    });
  }
});

describe("a model whose outputs overflow float64", () => {
  it("cannot be sampled: the error names the layer instead of writing nulls", async () => {
    const { Generator } = await import("../../../src/model/generator.js");
    const { sampleObservations } = await import("../../../src/model/random.js");
    const gen = new Generator([
      { weight: { rows: 3, cols: 2, data: Float64Array.from([1, 2, 3, 4, 5, 6]) }, bias: null, activation: { kind: "identity" }, name: "fc3" },
      { weight: { rows: 2, cols: 3, data: new Float64Array(6).fill(1e300) }, bias: null, activation: { kind: "identity" }, name: "fc4" },
      { weight: { rows: 2, cols: 2, data: new Float64Array(4).fill(1e300) }, bias: null, activation: { kind: "identity" }, name: "fc5" },
    ]);
    expect(() => sampleObservations(gen, 2, 0)).toThrow(
      /^layer 3 \(fc5\): output\[0\] of sample 0 is -?Infinity \(largest \|weight\| of the layer 1\.000e\+300\): G\(z\) overflows float64, so the model cannot be sampled; rescale its weights$/,
    );
  });
});

describe("the byte budget", () => {
  it("allows 64 × the file (at least 64 MiB, at most 1 GiB) by default; an explicit maxBytes trusts the file up to it", async () => {
    const { ByteBudget } = await import("../../../src/model/io/limits.js");
    const small = new ByteBudget(1000);
    expect(small.maxExpandedBytes).toBe(64 * 2 ** 20);
    expect(new ByteBudget(2 ** 21).maxExpandedBytes).toBe(2 ** 27);
    expect(new ByteBudget(2 ** 26).maxExpandedBytes).toBe(2 ** 30);
    expect(small.charge(60 * 2 ** 20)).toBeNull();
    expect(small.charge(5 * 2 ** 20)).toMatch(
      /^would expand to 65 MiB \(68157440 bytes\), more than the 64 MiB \(67108864 bytes\) a 1000 bytes file may expand to by default/,
    );
    const trusted = new ByteBudget(1000, { maxBytes: 3e9 }, "--max-model-bytes");
    expect(trusted.charge(2.5e9)).toBeNull();
    expect(trusted.charge(1e9)).toMatch(
      /more than the limit of 2\.8 GiB \(3000000000 bytes\); if you trust the file, raise the limit with --max-model-bytes <bytes>/,
    );
    expect(trusted.fileSizeProblem(2e9)).toBeNull();
    expect(new ByteBudget(0).fileSizeProblem(2 ** 31)).toMatch(/is 2\.0 GiB \(2147483648 bytes\), more than the default limit of 1\.0 GiB/);
  });

  it("raising --max-model-objects lets a pickle build more objects", async () => {
    const { loadModel } = await import("../../../src/model/io/load.js");
    const { writeFileSync } = await import("node:fs");
    const { laughsPickle } = await import("./hostile-files.js");
    const { makeZip } = await import("./writers.js");
    const path = join(dir, "laughs16.pt");
    writeFileSync(path, makeZip([{ name: "archive/data.pkl", data: laughsPickle(16) }]));
    expect(() => loadModel(path, { activation: "relu" })).toThrow(/builds a value of more than 66\d\d\d objects/);
    // with the limit raised it is read, and found to hold no tensors
    expect(() => loadModel(path, { activation: "relu", maxObjects: 1e6 })).toThrow(/laughs16\.pt: holds no tensors \(its top-level object is a list\)/);
  });
});

describe("JSON text is charged what parsing it allocates", () => {
  it("a text of many values past the budget is refused before JSON.parse", async () => {
    const { parseModelJson } = await import("../../../src/model/io/json-model.js");
    const { ByteBudget } = await import("../../../src/model/io/limits.js");
    const text = `{"format":"geninv.model","version":1,"layers":[{"weight":[[${new Array(9999).fill(0).join(",")}]],"bias":null,"activation":"relu"}]}`;
    expect(() => parseModelJson(text, "zeros.json", new ByteBudget(text.length, { maxBytes: 100_000 }))).toThrow(
      "zeros.json: JSON text of 10003 values (234 KiB (240072 bytes) once parsed) is more than the limit of 98 KiB (100000 bytes); if you trust the file, raise the limit with --max-model-bytes <bytes> (library option maxBytes)",
    );
    expect(parseModelJson(text, "zeros.json", new ByteBudget(text.length)).sizes).toEqual([9999, 1]);
  });
});
