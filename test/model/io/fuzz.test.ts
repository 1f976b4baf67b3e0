/**
 * Seeded fuzzing of every loader (the cases of test/model/io/fuzz-cases.ts, a few hundred per
 * format here; `npm run fuzz` runs ≥ 10,000 per format in child processes and also watches for
 * hangs and memory): every mutated file either loads the network (or array) the seed holds — or
 * differs from it only by a mutation inside weight values — or throws a GeninvError. Any other
 * exception, and any silently different network, fails the test with the case that caused it.
 */
import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../../src/errors.js";
import { loadModelBytes } from "../../../src/model/io/model-bytes.js";
import { type CaseResult, FORMATS, type FuzzFormat, fuzzCase, prepare, runCase } from "./fuzz-cases.js";
import { concat, makeZip, P } from "./writers.js";

/** Cases per format in the test suite (the full sweep is `npm run fuzz`). */
const CASES = 300;

function sweep(format: FuzzFormat, n: number): Record<CaseResult["kind"], number> {
  const { seeds, signatures } = prepare(format);
  const counts = { loaded: 0, typed: 0, untyped: 0, different: 0 };
  for (let i = 0; i < n; i++) {
    const r = runCase(format, seeds, signatures, i);
    counts[r.kind]++;
    if (r.kind === "untyped" || r.kind === "different") {
      throw new Error(`${format.name} case ${i} (${r.mutation}): ${r.kind === "untyped" ? "threw" : "silently"} ${r.message}`);
    }
  }
  return counts;
}

describe("fuzzing the loaders (seeded): every mutated file loads the same network or throws a GeninvError", () => {
  for (const format of FORMATS) {
    it(format.name, () => {
      const c = sweep(format, CASES);
      expect(c.loaded + c.typed).toBe(CASES);
      expect(c.typed).toBeGreaterThan(CASES / 3); // the mutations really do break files
      expect(c.loaded).toBeGreaterThan(0); // and the unmodified seeds load
    });
  }

  it("cases are reproducible: case i is the same bytes on every run", () => {
    const f = FORMATS.find((x) => x.name === "npz-model")!;
    const { seeds } = prepare(f);
    for (const i of [5, 77, 123]) expect(fuzzCase(f, seeds, i).bytes).toEqual(fuzzCase(f, seeds, i).bytes);
  });

  it("a pickle that names os.system never loads", () => {
    const evil = makeZip([{ name: "a/data.pkl", data: concat([P.proto(2), P.global("os", "system"), P.str("echo"), P.tuple(), P.reduce(), P.stop()]) }]);
    expect(() => loadModelBytes(evil, "evil.pt", { activation: "relu" })).toThrow(/evil\.pt: a\/data\.pkl: pickle at byte 2: refuses global 'os\.system'/);
  });

  it("the harness itself reports a crash that is not a GeninvError, and a silently different network", () => {
    const seedLengths = new Set(prepare(FORMATS[0]!).seeds.map((s) => s.bytes.length));
    const crashing: FuzzFormat = {
      ...FORMATS[0]!,
      name: "crash",
      load: (b) => {
        if (seedLengths.has(b.length)) return "ok";
        if (b.length % 2 === 0) throw new RangeError("Invalid typed array length: 1e12");
        throw new ModelFormatError("bad");
      },
    };
    expect(() => sweep(crashing, 50)).toThrow(/crash case \d+ \(.*\): threw RangeError: Invalid typed array length/);
    // a "loader" that builds something else from any file of another length than a seed
    const shrinking: FuzzFormat = { ...FORMATS[0]!, name: "shrink", load: (b) => (seedLengths.has(b.length) ? "seed" : "other"), mutators: [] };
    const { seeds } = prepare(shrinking);
    const kinds = Array.from({ length: 60 }, (_v, i) => runCase(shrinking, seeds, ["seed", "seed"], i).kind);
    expect(kinds).toContain("different");
  });
});
