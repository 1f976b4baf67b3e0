import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { OptionError } from "../../src/errors.js";
import { invert, type InvertCall } from "../../src/invert/invert.js";
import { type MethodName } from "../../src/invert/method-names.js";
import { OPTION_RULES } from "../../src/invert/validate-options.js";
import { RELU } from "../../src/model/activation.js";
import { modelToJson } from "../../src/model/io/json-model.js";
import { randomGenerator } from "../../src/model/random.js";
import { memIo } from "../helpers.js";

const gen = randomGenerator({ sizes: [3, 12, 30], activation: RELU, rng: 4 });
const x = gen.forward([0.4, -0.3, 0.9], new Float64Array(30));
const dir = mkdtempSync(join(tmpdir(), "geninv-validate-"));
const model = join(dir, "m.json");
const obs = join(dir, "obs.json");
writeFileSync(model, modelToJson(gen));
writeFileSync(obs, JSON.stringify({ x: Array.from(x) }));

/**
 * One bad value per rule: the library's options, the CLI's flag text, the method, and the message's
 * shared words (the library prefixes the field and shows the value, the CLI the flag and its text).
 */
const CASES: { field: keyof typeof OPTION_RULES; value: unknown; text: string; method: MethodName; expects: string }[] = [
  { field: "learningRate", value: -1, text: "-1", method: "gd", expects: "a positive number" },
  { field: "iterations", value: -3, text: "-3", method: "gd", expects: "an integer in [0, 1000000000]" },
  { field: "iterations", value: 0, text: "0", method: "region", expects: "an integer in [1, 1000000000]" },
  { field: "restarts", value: 0, text: "0", method: "adam", expects: "an integer in [1, 1000000]" },
  { field: "restarts", value: 1.5, text: "1.5", method: "region", expects: "an integer in [0, 1000000]" },
  { field: "gradientTolerance", value: -1e-9, text: "-1e-9", method: "gd", expects: "a number ≥ 0" },
  { field: "objectiveTolerance", value: 1, text: "1", method: "gd", expects: "a number in [0, 1)" },
  { field: "seed", value: -2, text: "-2", method: "adam", expects: "an integer ≥ 0" },
  { field: "activeTolerance", value: 0, text: "0", method: "exact", expects: "a positive number" },
  { field: "fitTolerance", value: NaN, text: "NaN", method: "exact", expects: "a positive number" },
  { field: "rankTolerance", value: Infinity, text: "Infinity", method: "exact", expects: "a positive number" },
  { field: "eps0", value: 0, text: "0", method: "linf", expects: "a positive number" },
  { field: "alpha", value: 1, text: "1", method: "l1", expects: "a number > 1" },
  { field: "lpBackend", value: "glpk", text: "glpk", method: "linf", expects: "engine or highs" },
  { field: "epsSearch", value: "guess", text: "guess", method: "linf", expects: "search or scan" },
  { field: "milpNorm", value: "l2", text: "l2", method: "milp", expects: "linf or l1" },
  { field: "timeLimit", value: -5, text: "-5", method: "milp", expects: "a positive number" },
  { field: "maxBinaries", value: -1, text: "-1", method: "milp", expects: "an integer in [0, 10000000]" },
  { field: "maxMisfit", value: -0.5, text: "-0.5", method: "milp", expects: "a number ≥ 0" },
  { field: "pgdIterations", value: 0, text: "0", method: "pgd", expects: "an integer in [1, 1000000]" },
  { field: "pgdStep", value: -1, text: "-1", method: "pgd", expects: "a positive number" },
  { field: "pgdRestarts", value: 1001, text: "1001", method: "pgd", expects: "an integer in [1, 1000]" },
];

function shown(v: unknown): string {
  return typeof v === "number" ? String(v) : JSON.stringify(v);
}

describe("option validation: one rule table for the library and the CLI", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the library throws an OptionError naming the field, with the rule's words, before any work", () => {
    for (const c of CASES) {
      let error: unknown;
      try {
        invert(gen, x, { method: c.method, [c.field]: c.value } as InvertCall);
      } catch (e) {
        error = e;
      }
      expect(error, c.field).toBeInstanceOf(OptionError);
      expect((error as OptionError).message).toBe(`${c.field} expects ${c.expects}, got ${shown(c.value)}`);
      expect((error as OptionError).option).toBe(c.field);
    }
    // options a method ignores are still checked, and nested projection options too
    expect(() => invert(gen, x, { method: "exact", learningRate: 0 })).toThrow(/^learningRate expects a positive number, got 0$/);
    expect(() => invert(gen, x, { method: "pgd", projectionOptions: { iterations: -1 } })).toThrow(
      /^iterations expects an integer in \[0, 1000000000\], got -1$/,
    );
    expect(() => invert(gen, x, { method: "gd", lineSearch: "yes" as never })).toThrow(/^lineSearch expects true or false, got "yes"$/);
  });

  it("the CLI's message for each flag comes from the same rule, naming the flag the table maps the field to (exit 2)", async () => {
    for (const c of CASES) {
      const flag = OPTION_RULES[c.field].flag;
      expect(flag, c.field).not.toBeNull();
      const io = memIo();
      const code = await main(["invert", "--model", model, "--obs", obs, "--method", c.method, `${flag}=${c.text}`], io);
      expect(code, `${flag} ${c.text}: ${io.stderr}`).toBe(2);
      expect(io.stderr).toContain(`${flag} expects ${c.expects}, got '${c.text}'`);
    }
  });

  it("valid values pass, and region methods accept the restarts: 0 that gradient methods refuse", () => {
    expect(invert(gen, x, { method: "exact", activeTolerance: 1e-6, fitTolerance: 1e-4 }).status).toBe("exact");
    expect(() => invert(gen, x, { method: "region", restarts: 0, iterations: 5 })).not.toThrow();
  });
});
