/**
 * Observation files read in pieces (src/model/io/row-files.ts): .npy header first, then chunks;
 * .jsonl / .ndjson line by line; the row width checked against the model's before the data.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadObservations } from "../../../src/model/io/arrays.js";
import { encodeNpy } from "../../../src/model/io/npy.js";
import { Rng } from "../../../src/model/rng.js";

const dir = mkdtempSync(join(tmpdir(), "geninv-rows-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string): string => join(dir, name);
const width = { values: 5, by: "net.json outputs" };

describe("observations read in pieces", () => {
  it(".npy: chunked reading gives the whole-file values; another model's width fails from the header alone", () => {
    // 3 × 100,000 float64 = 2.4 MB: several 1 MiB chunks, a row split across chunk boundaries
    const rng = new Rng(3);
    const data = rng.fillNormal(new Float64Array(3 * 100_000));
    writeFileSync(p("big.npy"), encodeNpy([3, 100_000], data));
    const obs = loadObservations(p("big.npy"));
    expect(obs.x.rows).toBe(3);
    expect(obs.x.cols).toBe(100_000);
    expect(Buffer.from(obs.x.data.buffer).equals(Buffer.from(data.buffer))).toBe(true); // bit for bit
    // a header claiming 10^10 values a row: refused before any data is read (the file is tiny)
    const header = encodeNpy([2, 5], new Float64Array(10));
    const text = Buffer.from(header).toString("latin1").replace("(2, 5)", "(1, 9999999999)".padEnd(6));
    writeFileSync(p("wide.npy"), Buffer.from(text, "latin1"));
    expect(() => loadObservations(p("wide.npy"), { width })).toThrow(`${p("wide.npy")}: observations have 9999999999 values each, but net.json outputs 5`);
    writeFileSync(p("seven.npy"), encodeNpy([2, 7], new Float64Array(14)));
    expect(() => loadObservations(p("seven.npy"), { width })).toThrow(`${p("seven.npy")}: observations have 7 values each, but net.json outputs 5`);
  });

  it(".jsonl: one row a line (lists or {x, z} objects) equals the JSON document; bad lines are reported with their index", () => {
    const rows = [
      [1, 2, 3, 4, 5],
      [0.5, -1, 2e-3, 7, 8],
      [9, 8, 7, 6, 5],
    ];
    writeFileSync(p("obs.json"), JSON.stringify({ x: rows }));
    writeFileSync(p("obs.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    writeFileSync(p("obs.ndjson"), rows.map((r, i) => JSON.stringify({ x: r, z: [i, -i] })).join("\r\n")); // no final newline
    expect(loadObservations(p("obs.jsonl"), { width }).x).toEqual(loadObservations(p("obs.json")).x);
    const withZ = loadObservations(p("obs.ndjson"));
    expect(withZ.x).toEqual(loadObservations(p("obs.json")).x);
    expect(Array.from(withZ.z!.data)).toEqual([0, 0, 1, -1, 2, -2]);
    writeFileSync(p("bad.jsonl"), ["[1,2,3,4,5]", "[1,2,null,4,5]", "not json", "[1,2,3]", "[5,4,3,2,1]", ""].join("\n"));
    const bad = loadObservations(p("bad.jsonl"), { badRows: "collect", width });
    expect(bad.x.rows).toBe(5);
    expect(bad.badRows).toEqual([
      { index: 1, message: `${p("bad.jsonl")}: line 2: x[2]: expected a number, got null` },
      { index: 2, message: `${p("bad.jsonl")}: line 3 is not JSON` },
      { index: 3, message: `${p("bad.jsonl")}: line 4: x: has 3 entries, expected 5 like the other rows` },
    ]);
    expect(Array.from(bad.x.data.subarray(20, 25))).toEqual([5, 4, 3, 2, 1]);
    expect(() => loadObservations(p("bad.jsonl"))).toThrow(`${p("bad.jsonl")}: line 2: x[2]: expected a number, got null`);
    // the first row decides: a file for another model fails before the rest is read
    writeFileSync(p("other.jsonl"), "[1,2,3,4,5,6,7]\n" + "garbage\n".repeat(1000));
    expect(() => loadObservations(p("other.jsonl"), { width })).toThrow(`${p("other.jsonl")}: observations have 7 values each, but net.json outputs 5`);
    writeFileSync(p("empty.jsonl"), "\n\n");
    expect(() => loadObservations(p("empty.jsonl"))).toThrow(`${p("empty.jsonl")}: holds no observations (one JSON list of numbers a line)`);
  });
});
