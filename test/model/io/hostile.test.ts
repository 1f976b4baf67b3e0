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
