import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileError } from "../../../src/errors.js";
import { builtinModelNames, builtinModelPath, packageRoot, resolveModelPath } from "../../../src/model/io/builtin.js";

describe("built-in models", () => {
  it("finds the package root and each shipped file under models/", () => {
    expect(builtinModelNames()).toEqual(["mnist", "mnist-leaky"]);
    expect(builtinModelPath("mnist")).toBe(join(packageRoot(), "models", "mnist-relu-20-60-784.json"));
    expect(builtinModelPath("mnist-leaky")).toBe(join(packageRoot(), "models", "mnist-leaky-20-200-500-784.json.gz"));
  });

  it("resolves a built-in name unless a file of that name exists, and leaves other paths alone", () => {
    expect(resolveModelPath("mnist")).toBe(builtinModelPath("mnist"));
    expect(resolveModelPath("some/model.json")).toBe("some/model.json");
    const dir = mkdtempSync(join(tmpdir(), "geninv-builtin-"));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      writeFileSync(join(dir, "mnist"), "{}");
      expect(resolveModelPath("mnist")).toBe("mnist");
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the built-in models when asked for an unknown one", () => {
    expect(() => builtinModelPath("cifar")).toThrow(FileError);
    expect(() => builtinModelPath("cifar")).toThrow(/no such built-in model \(built-in models: mnist, mnist-leaky\)/);
  });
});
